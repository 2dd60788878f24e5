// The kernel's memory and string primitives; see string.h for the contracts.
//
// Every loop here is marked no-tree-loop-distribute-patterns: otherwise GCC may
// recognise a byte loop as "memset" or "memcpy" and replace it with a call to that
// symbol, which in the kernel is these very functions, giving infinite recursion.
#include "lib/string.h"

#include <cstdint>

#define KLIB_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

namespace klib {

namespace {

// Word accesses through this type may alias any object, like accesses through char.
using Word = uint64_t __attribute__((may_alias));
constexpr size_t kWordSize = sizeof(Word);
constexpr size_t kPageBytes = 4096;

bool mutually_aligned(const void* a, const void* b)
{
    return ((reinterpret_cast<uintptr_t>(a) ^ reinterpret_cast<uintptr_t>(b)) & (kWordSize - 1)) == 0;
}

// Eight words, all loads before all stores, so that the loads can overlap: the body of the
// word-copy loops.
inline void copy_eight_words(Word* to, const Word* from)
{
    Word a = from[0], b = from[1], c = from[2], d = from[3];
    Word e = from[4], f = from[5], g = from[6], h = from[7];
    to[0] = a;
    to[1] = b;
    to[2] = c;
    to[3] = d;
    to[4] = e;
    to[5] = f;
    to[6] = g;
    to[7] = h;
}

bool word_aligned(const void* pointer)
{
    return (reinterpret_cast<uintptr_t>(pointer) & (kWordSize - 1)) == 0;
}

KLIB_NO_LIBCALLS void copy_forward(unsigned char* destination, const unsigned char* source, size_t count)
{
    if (count >= kWordSize && mutually_aligned(destination, source)) {
        while (!word_aligned(destination)) {
            *destination++ = *source++;
            --count;
        }
        while (count >= 8 * kWordSize) {
            Word* to = reinterpret_cast<Word*>(destination);
            const Word* from = reinterpret_cast<const Word*>(source);
            copy_eight_words(to, from);
            destination += 8 * kWordSize;
            source += 8 * kWordSize;
            count -= 8 * kWordSize;
        }
        while (count >= kWordSize) {
            *reinterpret_cast<Word*>(destination) = *reinterpret_cast<const Word*>(source);
            destination += kWordSize;
            source += kWordSize;
            count -= kWordSize;
        }
    }
    while (count--)
        *destination++ = *source++;
}

// Copies from the end towards the start, for overlapping moves to higher addresses.
KLIB_NO_LIBCALLS void copy_backward(unsigned char* destination, const unsigned char* source, size_t count)
{
    destination += count;
    source += count;
    if (count >= kWordSize && mutually_aligned(destination, source)) {
        while (!word_aligned(destination)) {
            *--destination = *--source;
            --count;
        }
        while (count >= kWordSize) {
            destination -= kWordSize;
            source -= kWordSize;
            *reinterpret_cast<Word*>(destination) = *reinterpret_cast<const Word*>(source);
            count -= kWordSize;
        }
    }
    while (count--)
        *--destination = *--source;
}

} // namespace

KLIB_NO_LIBCALLS void* memcpy(void* destination, const void* source, size_t count)
{
    copy_forward(static_cast<unsigned char*>(destination), static_cast<const unsigned char*>(source), count);
    return destination;
}

KLIB_NO_LIBCALLS void* memmove(void* destination, const void* source, size_t count)
{
    auto* to = static_cast<unsigned char*>(destination);
    const auto* from = static_cast<const unsigned char*>(source);
    // Compare as integers: ordering pointers into different objects is unspecified.
    uintptr_t to_address = reinterpret_cast<uintptr_t>(to);
    uintptr_t from_address = reinterpret_cast<uintptr_t>(from);
    if (to_address - from_address >= count)
        copy_forward(to, from, count); // No overlap, or the destination is below.
    else
        copy_backward(to, from, count);
    return destination;
}

KLIB_NO_LIBCALLS void* memset(void* destination, int value, size_t count)
{
    auto* to = static_cast<unsigned char*>(destination);
    auto byte = static_cast<unsigned char>(value);
    if (count >= kWordSize) {
        while (!word_aligned(to)) {
            *to++ = byte;
            --count;
        }
        Word pattern = Word(byte) * 0x0101010101010101ull;
        // Sixteen stores a turn: a page (the allocator fills every frame) is 32 turns.
        while (count >= 16 * kWordSize) {
            Word* words = reinterpret_cast<Word*>(to);
            words[0] = pattern;
            words[1] = pattern;
            words[2] = pattern;
            words[3] = pattern;
            words[4] = pattern;
            words[5] = pattern;
            words[6] = pattern;
            words[7] = pattern;
            words[8] = pattern;
            words[9] = pattern;
            words[10] = pattern;
            words[11] = pattern;
            words[12] = pattern;
            words[13] = pattern;
            words[14] = pattern;
            words[15] = pattern;
            to += 16 * kWordSize;
            count -= 16 * kWordSize;
        }
        while (count >= kWordSize) {
            *reinterpret_cast<Word*>(to) = pattern;
            to += kWordSize;
            count -= kWordSize;
        }
    }
    while (count--)
        *to++ = byte;
    return destination;
}

// A leaf that calls nothing and cannot fault on a valid frame: no frame record (a backtrace
// from inside it shows it and continues from its caller's caller), so that zeroing a page
// is the 512 stores and a return, nothing more; every zero-fill fault pays for it.
KLIB_NO_LIBCALLS __attribute__((optimize("omit-frame-pointer"))) void page_zero(void* page)
{
    auto* words = static_cast<Word*>(page);
    // All 512 stores in a row (2 KiB of code): no loop to count.
#pragma GCC unroll 512
    for (unsigned i = 0; i < kPageBytes / kWordSize; ++i)
        words[i] = 0;
}

KLIB_NO_LIBCALLS __attribute__((optimize("omit-frame-pointer"))) void page_copy(void* destination,
                                                                                 const void* source)
{
    auto* to = static_cast<Word*>(destination);
    const auto* from = static_cast<const Word*>(source);
    const Word* end = from + kPageBytes / kWordSize;
    // 32 words a turn, in two halves of sixteen loads then sixteen stores (as many as the
    // free registers allow): 67 instructions per 256 bytes, 1,072 for a page, 1,024 of them
    // the loads and stores. A leaf without a frame record, like page_zero.
    for (; from != end; from += 32, to += 32) {
        Word held[16];
#pragma GCC unroll 16
        for (unsigned i = 0; i < 16; ++i)
            held[i] = from[i];
#pragma GCC unroll 16
        for (unsigned i = 0; i < 16; ++i)
            to[i] = held[i];
#pragma GCC unroll 16
        for (unsigned i = 0; i < 16; ++i)
            held[i] = from[16 + i];
#pragma GCC unroll 16
        for (unsigned i = 0; i < 16; ++i)
            to[16 + i] = held[i];
    }
}

KLIB_NO_LIBCALLS int memcmp(const void* left, const void* right, size_t count)
{
    const auto* a = static_cast<const unsigned char*>(left);
    const auto* b = static_cast<const unsigned char*>(right);
    if (count >= kWordSize && mutually_aligned(a, b)) {
        while (!word_aligned(a)) {
            if (*a != *b)
                return *a - *b;
            ++a;
            ++b;
            --count;
        }
        // Skip equal words; the byte loop below finds the difference in the first
        // unequal word, so the word order in memory does not matter.
        while (count >= kWordSize && *reinterpret_cast<const Word*>(a) == *reinterpret_cast<const Word*>(b)) {
            a += kWordSize;
            b += kWordSize;
            count -= kWordSize;
        }
    }
    for (; count; --count, ++a, ++b) {
        if (*a != *b)
            return *a - *b;
    }
    return 0;
}

KLIB_NO_LIBCALLS const void* memchr(const void* memory, int value, size_t count)
{
    const auto* bytes = static_cast<const unsigned char*>(memory);
    auto wanted = static_cast<unsigned char>(value);
    for (size_t i = 0; i < count; ++i) {
        if (bytes[i] == wanted)
            return bytes + i;
    }
    return nullptr;
}

void* memchr(void* memory, int value, size_t count)
{
    return const_cast<void*>(memchr(static_cast<const void*>(memory), value, count));
}

KLIB_NO_LIBCALLS size_t strlen(const char* string)
{
    size_t length = 0;
    while (string[length])
        ++length;
    return length;
}

KLIB_NO_LIBCALLS size_t strnlen(const char* string, size_t max_length)
{
    size_t length = 0;
    while (length < max_length && string[length])
        ++length;
    return length;
}

KLIB_NO_LIBCALLS int strcmp(const char* left, const char* right)
{
    const auto* a = reinterpret_cast<const unsigned char*>(left);
    const auto* b = reinterpret_cast<const unsigned char*>(right);
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return *a - *b;
}

KLIB_NO_LIBCALLS int strncmp(const char* left, const char* right, size_t count)
{
    const auto* a = reinterpret_cast<const unsigned char*>(left);
    const auto* b = reinterpret_cast<const unsigned char*>(right);
    for (; count; --count, ++a, ++b) {
        if (*a != *b)
            return *a - *b;
        if (!*a)
            return 0;
    }
    return 0;
}

KLIB_NO_LIBCALLS size_t strlcpy(char* destination, const char* source, size_t size)
{
    size_t length = strlen(source);
    if (size > 0) {
        size_t copied = length < size - 1 ? length : size - 1;
        memcpy(destination, source, copied);
        destination[copied] = '\0';
    }
    return length;
}

KLIB_NO_LIBCALLS const char* strchr(const char* string, int character)
{
    char wanted = static_cast<char>(character);
    for (;; ++string) {
        if (*string == wanted)
            return string;
        if (!*string)
            return nullptr;
    }
}

char* strchr(char* string, int character)
{
    return const_cast<char*>(strchr(static_cast<const char*>(string), character));
}

} // namespace klib
