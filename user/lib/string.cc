// <string.h> and <strings.h>. The primitives are the kernel's klib:: functions (one
// implementation, host-tested in tests/host/string_test.cc) exported under their C names;
// the rest are written here over them.
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/string.h"

extern "C" {

void* memcpy(void* destination, const void* source, size_t count) { return klib::memcpy(destination, source, count); }
void* memmove(void* destination, const void* source, size_t count) { return klib::memmove(destination, source, count); }
void* memset(void* destination, int value, size_t count) { return klib::memset(destination, value, count); }
int memcmp(const void* left, const void* right, size_t count) { return klib::memcmp(left, right, count); }
void* memchr(const void* memory, int value, size_t count) { return const_cast<void*>(klib::memchr(memory, value, count)); }
size_t strlen(const char* string) { return klib::strlen(string); }
size_t strnlen(const char* string, size_t max_length) { return klib::strnlen(string, max_length); }
int strcmp(const char* left, const char* right) { return klib::strcmp(left, right); }
int strncmp(const char* left, const char* right, size_t count) { return klib::strncmp(left, right, count); }
size_t strlcpy(char* destination, const char* source, size_t size) { return klib::strlcpy(destination, source, size); }
char* strchr(const char* string, int character) { return const_cast<char*>(klib::strchr(string, character)); }

char* strcpy(char* destination, const char* source)
{
    klib::memcpy(destination, source, klib::strlen(source) + 1);
    return destination;
}

// C's strncpy: copies at most `count` bytes and pads the rest of the field with NULs;
// the result is not terminated when the source is `count` bytes or longer.
char* strncpy(char* destination, const char* source, size_t count)
{
    size_t length = klib::strnlen(source, count);
    klib::memcpy(destination, source, length);
    klib::memset(destination + length, 0, count - length);
    return destination;
}

char* strcat(char* destination, const char* source)
{
    strcpy(destination + klib::strlen(destination), source);
    return destination;
}

char* strncat(char* destination, const char* source, size_t count)
{
    char* end = destination + klib::strlen(destination);
    size_t length = klib::strnlen(source, count);
    klib::memcpy(end, source, length);
    end[length] = '\0';
    return destination;
}

char* strrchr(const char* string, int character)
{
    const char* last = nullptr;
    for (;; ++string) {
        if (*string == (char)character)
            last = string;
        if (*string == '\0')
            return const_cast<char*>(last);
    }
}

char* strstr(const char* haystack, const char* needle)
{
    size_t needle_length = klib::strlen(needle);
    for (; *haystack; ++haystack) {
        if (klib::strncmp(haystack, needle, needle_length) == 0)
            return const_cast<char*>(haystack);
    }
    return needle_length == 0 ? const_cast<char*>(haystack) : nullptr;
}

size_t strspn(const char* string, const char* accept)
{
    size_t count = 0;
    while (string[count] && klib::strchr(accept, string[count]))
        ++count;
    return count;
}

size_t strcspn(const char* string, const char* reject)
{
    size_t count = 0;
    while (string[count] && !klib::strchr(reject, string[count]))
        ++count;
    return count;
}

char* strpbrk(const char* string, const char* accept)
{
    string += strcspn(string, accept);
    return *string ? const_cast<char*>(string) : nullptr;
}

char* strtok_r(char* string, const char* delimiters, char** state)
{
    if (!string)
        string = *state;
    string += strspn(string, delimiters);
    if (*string == '\0') {
        *state = string;
        return nullptr;
    }
    char* end = string + strcspn(string, delimiters);
    if (*end) {
        *end = '\0';
        *state = end + 1;
    } else {
        *state = end;
    }
    return string;
}

char* strtok(char* string, const char* delimiters)
{
    static char* s_state;
    return strtok_r(string, delimiters, &s_state);
}

char* strndup(const char* string, size_t count)
{
    size_t length = klib::strnlen(string, count);
    char* copy = (char*)malloc(length + 1);
    if (!copy)
        return nullptr;
    klib::memcpy(copy, string, length);
    copy[length] = '\0';
    return copy;
}

char* strdup(const char* string) { return strndup(string, (size_t)-1); }

int strncasecmp(const char* left, const char* right, size_t count)
{
    for (size_t i = 0; i < count; ++i) {
        int a = tolower((unsigned char)left[i]);
        int b = tolower((unsigned char)right[i]);
        if (a != b || a == 0)
            return a - b;
    }
    return 0;
}

int strcasecmp(const char* left, const char* right) { return strncasecmp(left, right, (size_t)-1); }

} // extern "C"
