// <stdlib.h> number conversion, sorting and pseudo-random numbers. (Allocation is in
// malloc.cc, exit and atexit in start.cc.)
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

namespace {

// The one digit parser under every strto* function: skips blanks, takes a sign, the
// 0x / 0 prefix when base is 16 or 0, and digits while the value fits in 64 bits (setting
// *overflow if it does not). *end points past the last digit used, or at `string` if none.
unsigned long long parse_unsigned(const char* string, char** end, int base, bool* negative, bool* overflow)
{
    const char* cursor = string;
    *negative = false;
    *overflow = false;
    while (isspace((unsigned char)*cursor))
        ++cursor;
    if (*cursor == '+' || *cursor == '-')
        *negative = *cursor++ == '-';
    if ((base == 0 || base == 16) && cursor[0] == '0' && (cursor[1] == 'x' || cursor[1] == 'X') &&
        isxdigit((unsigned char)cursor[2])) {
        cursor += 2;
        base = 16;
    } else if (base == 0) {
        base = cursor[0] == '0' ? 8 : 10;
    }
    unsigned long long value = 0;
    const char* first_digit = cursor;
    for (;; ++cursor) {
        int digit;
        if (isdigit((unsigned char)*cursor))
            digit = *cursor - '0';
        else if (isalpha((unsigned char)*cursor))
            digit = tolower((unsigned char)*cursor) - 'a' + 10;
        else
            break;
        if (digit >= base)
            break;
        if (value > (~0ull - (unsigned)digit) / (unsigned)base)
            *overflow = true;
        else
            value = value * (unsigned)base + (unsigned)digit;
    }
    if (end)
        *end = const_cast<char*>(cursor == first_digit ? string : cursor);
    return value;
}

long long parse_signed(const char* string, char** end, int base, long long min, long long max)
{
    bool negative;
    bool overflow;
    unsigned long long magnitude = parse_unsigned(string, end, base, &negative, &overflow);
    unsigned long long limit = negative ? (unsigned long long)max + 1 : (unsigned long long)max;
    if (overflow || magnitude > limit) {
        errno = ERANGE;
        return negative ? min : max;
    }
    return negative ? (long long)(0 - magnitude) : (long long)magnitude;
}

unsigned long long parse_unsigned_checked(const char* string, char** end, int base, unsigned long long max)
{
    bool negative;
    bool overflow;
    unsigned long long value = parse_unsigned(string, end, base, &negative, &overflow);
    if (overflow || value > max) {
        errno = ERANGE;
        return max;
    }
    return negative ? 0 - value : value;
}

void swap_bytes(char* a, char* b, size_t size)
{
    for (size_t i = 0; i < size; ++i) {
        char t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

// Introsort would be overkill here: a median-of-three quicksort that recurses into the
// smaller half (so the stack stays O(log n)) and finishes short runs by insertion.
void sort(char* base, size_t count, size_t size, int (*compare)(const void*, const void*))
{
    while (count > 8) {
        char* middle = base + (count / 2) * size;
        char* last = base + (count - 1) * size;
        if (compare(middle, base) < 0)
            swap_bytes(middle, base, size);
        if (compare(last, middle) < 0) {
            swap_bytes(last, middle, size);
            if (compare(middle, base) < 0)
                swap_bytes(middle, base, size);
        }
        // The pivot goes to the front; Hoare partition of [1, count).
        swap_bytes(base, middle, size);
        size_t i = 0;
        size_t j = count;
        for (;;) {
            do
                ++i;
            while (i < count && compare(base + i * size, base) < 0);
            do
                --j;
            while (compare(base + j * size, base) > 0);
            if (i >= j)
                break;
            swap_bytes(base + i * size, base + j * size, size);
        }
        swap_bytes(base, base + j * size, size);
        size_t left = j;
        size_t right = count - j - 1;
        if (left < right) {
            sort(base, left, size, compare);
            base += (j + 1) * size;
            count = right;
        } else {
            sort(base + (j + 1) * size, right, size, compare);
            count = left;
        }
    }
    for (size_t i = 1; i < count; ++i) {
        for (size_t k = i; k > 0 && compare(base + (k - 1) * size, base + k * size) > 0; --k)
            swap_bytes(base + (k - 1) * size, base + k * size, size);
    }
}

unsigned long s_random_state = 1;

} // namespace

extern "C" {

long strtol(const char* string, char** end, int base) { return (long)parse_signed(string, end, base, LONG_MIN, LONG_MAX); }
long long strtoll(const char* string, char** end, int base) { return parse_signed(string, end, base, LLONG_MIN, LLONG_MAX); }
unsigned long strtoul(const char* string, char** end, int base) { return (unsigned long)parse_unsigned_checked(string, end, base, ULONG_MAX); }
unsigned long long strtoull(const char* string, char** end, int base) { return parse_unsigned_checked(string, end, base, ULLONG_MAX); }
int atoi(const char* string) { return (int)strtol(string, nullptr, 10); }
long atol(const char* string) { return strtol(string, nullptr, 10); }
long long atoll(const char* string) { return strtoll(string, nullptr, 10); }

int abs(int value) { return value < 0 ? -value : value; }
long labs(long value) { return value < 0 ? -value : value; }
long long llabs(long long value) { return value < 0 ? -value : value; }

void qsort(void* base, size_t count, size_t size, int (*compare)(const void*, const void*))
{
    sort((char*)base, count, size, compare);
}

void* bsearch(const void* key, const void* base, size_t count, size_t size, int (*compare)(const void*, const void*))
{
    const char* low = (const char*)base;
    while (count > 0) {
        const char* middle = low + (count / 2) * size;
        int order = compare(key, middle);
        if (order == 0)
            return const_cast<char*>(middle);
        if (order > 0) {
            low = middle + size;
            count -= count / 2 + 1;
        } else {
            count /= 2;
        }
    }
    return nullptr;
}

// A 64-bit linear congruential generator (Knuth's MMIX constants); the high bits are the
// good ones, so those are returned.
int rand(void)
{
    s_random_state = s_random_state * 6364136223846793005ul + 1442695040888963407ul;
    return (int)((s_random_state >> 33) & RAND_MAX);
}

void srand(unsigned seed) { s_random_state = seed; }

} // extern "C"
