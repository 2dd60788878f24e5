/* <strings.h>: the case-insensitive comparisons. */
#ifndef _ATLAS_STRINGS_H
#define _ATLAS_STRINGS_H

#include <stddef.h>
#include <sys/cdefs.h>

__ATLAS_BEGIN_DECLS
int strcasecmp(const char* left, const char* right);
int strncasecmp(const char* left, const char* right, size_t count);
__ATLAS_END_DECLS

#endif
