// fsck: checks an Atlas file-system image and prints what is wrong with it.
//
//   fsck IMAGE
//
// Exit status: 0 if the image is clean, 1 if it has problems, 2 if it cannot be read.
// The image is mapped read-only and never modified: a committed log transaction is replayed
// in memory only. Mapping rather than reading means the holes of a sparse image cost nothing.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "check.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fsck IMAGE\n");
        return 2;
    }
    int fd = ::open(argv[1], O_RDONLY);
    struct stat status {};
    if (fd < 0 || ::fstat(fd, &status) != 0) {
        std::fprintf(stderr, "fsck: cannot open %s: %s\n", argv[1], std::strerror(errno));
        return 2;
    }
    if (!S_ISREG(status.st_mode) && !S_ISBLK(status.st_mode)) {
        std::fprintf(stderr, "fsck: %s is not a file\n", argv[1]);
        return 2;
    }
    size_t size = size_t(status.st_size);
    const uint8_t* image = nullptr;
    if (size > 0) {
        void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapping == MAP_FAILED) {
            std::fprintf(stderr, "fsck: cannot map %s: %s\n", argv[1], std::strerror(errno));
            return 2;
        }
        image = static_cast<const uint8_t*>(mapping);
    }
    fsck::Report report = fsck::check_image(image, size);
    std::printf("%s: %s", argv[1], report.text().c_str());
    return report.clean() ? 0 : 1;
}
