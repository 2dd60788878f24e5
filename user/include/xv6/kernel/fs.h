// xv6 compatibility: xv6's kernel/fs.h names. Atlas's file system is not xv6's (4 KiB
// blocks, 255-byte names, files of GiBs: kernel/fs/format.h); these values are what xv6
// programs size their buffers and loops by, and they stay valid on Atlas: BSIZE-sized
// writes work, and a file of MAXFILE blocks fits easily. DIRSIZ is xv6's 14, but Atlas
// does not truncate longer names (the one xv6 quirk not kept: usertests' "fourteen").
#ifndef ATLAS_XV6_KERNEL_FS_H
#define ATLAS_XV6_KERNEL_FS_H

#define ROOTINO 1
#define BSIZE 1024

#define NDIRECT 12
#define NINDIRECT (BSIZE / sizeof(unsigned int))
#define MAXFILE (NDIRECT + NINDIRECT)

#define DIRSIZ 14

struct dirent {
    unsigned short inum;
    char name[DIRSIZ];
};

#endif
