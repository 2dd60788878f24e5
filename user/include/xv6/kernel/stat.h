// xv6 compatibility: xv6's kernel/stat.h. xv6 programs' fstat() and stat() (see
// user/user.h) fill this 24-byte structure, translated by user/lib from Atlas's POSIX
// struct stat.
#ifndef ATLAS_XV6_KERNEL_STAT_H
#define ATLAS_XV6_KERNEL_STAT_H

#define T_DIR 1     // Directory
#define T_FILE 2    // File
#define T_DEVICE 3  // Device

struct stat {
    int dev;              // File system's disk device
    unsigned int ino;     // Inode number
    short type;           // Type of file
    short nlink;          // Number of links to file
    unsigned long size;   // Size of file in bytes
};

#endif
