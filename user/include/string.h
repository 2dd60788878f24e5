/* <string.h>: memory and C-string functions. The mem* functions and strlen are the
 * kernel's (kernel/lib/string.cc, word-at-a-time when aligned); the rest are user/lib's. */
#ifndef _ATLAS_STRING_H
#define _ATLAS_STRING_H

#include <stddef.h>
#include <sys/cdefs.h>

__ATLAS_BEGIN_DECLS
void* memcpy(void* destination, const void* source, size_t count);
void* memmove(void* destination, const void* source, size_t count);
void* memset(void* destination, int value, size_t count);
int memcmp(const void* left, const void* right, size_t count);
void* memchr(const void* memory, int value, size_t count);

size_t strlen(const char* string);
size_t strnlen(const char* string, size_t max_length);
int strcmp(const char* left, const char* right);
int strncmp(const char* left, const char* right, size_t count);
char* strcpy(char* destination, const char* source);
char* strncpy(char* destination, const char* source, size_t count);
size_t strlcpy(char* destination, const char* source, size_t size);
char* strcat(char* destination, const char* source);
char* strncat(char* destination, const char* source, size_t count);
char* strchr(const char* string, int character);
char* strrchr(const char* string, int character);
char* strstr(const char* haystack, const char* needle);
size_t strspn(const char* string, const char* accept);
size_t strcspn(const char* string, const char* reject);
char* strpbrk(const char* string, const char* accept);
char* strtok(char* string, const char* delimiters);
char* strtok_r(char* string, const char* delimiters, char** state);
char* strdup(const char* string);
char* strndup(const char* string, size_t count);
char* strerror(int code);
__ATLAS_END_DECLS

#endif
