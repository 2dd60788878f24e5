// In-kernel self-tests: tests of what only exists inside the running kernel (the real page
// tables, the allocator over real RAM, threads on every hart).
//
//   KTEST(PageAllocator, FreedFrameIsReused) {
//       ...
//       KEXPECT_EQ(a, b);
//   }
//
// KTEST places a descriptor in the .ktest_cases section; run_kernel_selftests() walks the
// section, so adding a test never means editing a list. Tests run one after another on the
// boot hart, in a kernel thread, with interrupts on. A failed expectation prints the file,
// line, the expression and both values, marks the test failed and lets it continue
// (KEXPECT) or return (KASSERT_*). The runner prints one line per test and the summary
//
//   ktest: N passed, M failed
//
// which tools/run-tests reads.
#pragma once

#include <cstdint>
#include <type_traits>

struct KTestCase {
    const char* suite;
    const char* name;
    void (*run)();
};

#define KTEST(suite, name)                                                                             \
    static void ktest_##suite##_##name();                                                              \
    [[gnu::used, gnu::section(".ktest_cases")]] static constexpr KTestCase ktest_case_##suite##_##name \
        = {#suite, #name, ktest_##suite##_##name};                                                     \
    static void ktest_##suite##_##name()

// Records a failure of the running test. `detail` may be nullptr.
void ktest_fail(const char* file, unsigned line, const char* expression, const char* detail);
void ktest_fail_values(const char* file, unsigned line, const char* expression, uint64_t expected, uint64_t actual);

template<typename T>
inline uint64_t ktest_value(const T& value) {
    if constexpr (std::is_pointer_v<T>)
        return reinterpret_cast<uint64_t>(value);
    else
        return static_cast<uint64_t>(value);
}

#define KEXPECT(cond)                                            \
    do {                                                         \
        if (!(cond))                                             \
            ktest_fail(__FILE__, __LINE__, #cond, nullptr);      \
    } while (0)

#define KEXPECT_EQ(expected, actual)                                                                        \
    do {                                                                                                    \
        auto&& ktest_expected_ = (expected);                                                                \
        auto&& ktest_actual_ = (actual);                                                                    \
        if (!(ktest_expected_ == ktest_actual_))                                                            \
            ktest_fail_values(__FILE__, __LINE__, #expected " == " #actual, ktest_value(ktest_expected_),   \
                              ktest_value(ktest_actual_));                                                  \
    } while (0)

#define KEXPECT_NE(a, b)                                                                  \
    do {                                                                                  \
        auto&& ktest_a_ = (a);                                                            \
        auto&& ktest_b_ = (b);                                                            \
        if (ktest_a_ == ktest_b_)                                                         \
            ktest_fail_values(__FILE__, __LINE__, #a " != " #b, ktest_value(ktest_a_),    \
                              ktest_value(ktest_b_));                                     \
    } while (0)

#define KASSERT(cond)                                       \
    do {                                                    \
        if (!(cond)) {                                      \
            ktest_fail(__FILE__, __LINE__, #cond, nullptr); \
            return;                                         \
        }                                                   \
    } while (0)

// Runs every test whose "suite.name" contains `filter` (all if filter is null or empty).
// Returns the number that failed.
unsigned run_kernel_selftests(const char* filter);
