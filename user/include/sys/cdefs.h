/* Helpers shared by the user headers: C linkage for C++ callers, and attributes.
 * Every user header declares its functions between __ATLAS_BEGIN_DECLS and
 * __ATLAS_END_DECLS, so that the same header works from C and C++. */
#ifndef _ATLAS_SYS_CDEFS_H
#define _ATLAS_SYS_CDEFS_H

#ifdef __cplusplus
#define __ATLAS_BEGIN_DECLS extern "C" {
#define __ATLAS_END_DECLS }
#else
#define __ATLAS_BEGIN_DECLS
#define __ATLAS_END_DECLS
#endif

#define __ATLAS_NORETURN __attribute__((__noreturn__))
#define __ATLAS_PRINTF(format_index, first_arg) __attribute__((__format__(__printf__, format_index, first_arg)))

#endif
