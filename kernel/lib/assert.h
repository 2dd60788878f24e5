// Assertions that stay on in every build.
//
// ASSERT(cond) checks an invariant the code relies on; when it does not hold, the
// kernel stops rather than run on with corrupted state. ASSERT_NOT_REACHED() marks a
// path that a correct program never takes. Both are active in release builds too,
// because a teaching kernel values a clear stop over a few saved branches.
//
// The failure handler is provided by whoever links this code: the kernel implements
// it with panic(), and the host test build (tests/host/support/host_support.cc) prints
// to stderr and calls abort(), so that GoogleTest death tests can observe it.
//
// This header deliberately does not define assert() or anything else from <cassert>,
// and GoogleTest's macros (ASSERT_EQ, ASSERT_TRUE, ...) have different names, so
// both can be used in the same test file.
#pragma once

[[noreturn]] void atlas_assert_failed(const char* expr, const char* file, unsigned line,
                                      const char* function);

#define ASSERT(cond)                                                                   \
    do {                                                                               \
        if (__builtin_expect(!(cond), 0))                                              \
            atlas_assert_failed(#cond, __FILE__, __LINE__, __PRETTY_FUNCTION__);       \
    } while (0)

#define ASSERT_NOT_REACHED()                                                           \
    atlas_assert_failed("not reached", __FILE__, __LINE__, __PRETTY_FUNCTION__)
