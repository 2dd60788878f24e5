// xv6 compatibility (user/include/xv6/): xv6's kernel/types.h, the short type names
// xv6 programs use. Compiles on its own, in any order with the other xv6 headers.
#ifndef ATLAS_XV6_KERNEL_TYPES_H
#define ATLAS_XV6_KERNEL_TYPES_H

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef unsigned long uint64;

typedef uint64 pde_t;

#endif
