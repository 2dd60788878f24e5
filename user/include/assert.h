/* <assert.h>: assert() prints the failed expression with its place and aborts (the process
 * then exits with status 134, SIGABRT's 128 + 6, as a shell would report it). Not
 * include-guarded, as C requires: NDEBUG is honoured at every inclusion. */
#include <sys/cdefs.h>

#undef assert
#ifdef NDEBUG
#define assert(expression) ((void)0)
#else
__ATLAS_BEGIN_DECLS
__ATLAS_NORETURN void __atlas_assert_fail(const char* expression, const char* file, int line, const char* function);
__ATLAS_END_DECLS
#define assert(expression) \
    ((expression) ? (void)0 : __atlas_assert_fail(#expression, __FILE__, __LINE__, __func__))
#endif

#if !defined(__cplusplus) && !defined(static_assert)
#define static_assert _Static_assert
#endif
