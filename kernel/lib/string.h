// Memory and C-string primitives for the kernel, in namespace klib.
//
// The freestanding kernel has no C library, so these are its memcpy, strlen and
// friends; string_kernel.cc exports the few that the compiler itself emits calls to
// (memcpy, memmove, memset, memcmp, strlen) under their C names. The host tests build
// these same functions and compare them with the host C library.
//
// Contracts are the C library's, with two notes:
//   - strlcpy copies at most size - 1 bytes, always terminates when size > 0, and
//     returns strlen(src), so truncation is detected by `result >= size`.
//   - The mem* functions move a 64-bit word at a time when source and destination
//     share their alignment; otherwise they go byte by byte, because misaligned word
//     accesses trap to the SBI firmware on many RISC-V cores and are far slower than
//     byte accesses. The str* functions go byte by byte, since reading whole words
//     could run past the end of the string's object.
#pragma once

#include <cstddef>

namespace klib {

void* memcpy(void* destination, const void* source, size_t count);
void* memmove(void* destination, const void* source, size_t count);
void* memset(void* destination, int value, size_t count);
// Whole 4 KiB pages, 4 KiB-aligned: a tight unrolled loop of 64-bit stores (and loads),
// with none of memset's and memcpy's alignment and tail checks. For zero-fill and
// copy-on-write faults.
void page_zero(void* page);
void page_copy(void* destination, const void* source);

int memcmp(const void* left, const void* right, size_t count);
const void* memchr(const void* memory, int value, size_t count);
void* memchr(void* memory, int value, size_t count);

size_t strlen(const char* string);
size_t strnlen(const char* string, size_t max_length);
int strcmp(const char* left, const char* right);
int strncmp(const char* left, const char* right, size_t count);
size_t strlcpy(char* destination, const char* source, size_t size);
const char* strchr(const char* string, int character);
char* strchr(char* string, int character);

} // namespace klib
