// mkfs: makes an Atlas file-system image, optionally filled from a host directory.
//
//   mkfs [--size 256M] [--inodes N] [--log-blocks N] IMAGE [DIRECTORY]
//
// The image is written sparse: the file is sized with ftruncate and only blocks that are not
// all zeros are written, so a 256 MiB image of a few files takes a few megabytes of disk.
// It is written to IMAGE.tmp and renamed into place, so that a failed run never leaves a
// half-written image that looks up to date to make.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "format_image.h"
#include "populate.h"

namespace {

void usage() {
    std::fprintf(
        stderr,
        "usage: mkfs [--size BYTES[K|M|G]] [--inodes N] [--log-blocks N] IMAGE [DIRECTORY]\n"
        "  --size        image size, a multiple of 4 KiB (default 256M)\n"
        "  --inodes      number of inodes (default: one per 16 KiB, at most 1048576)\n"
        "  --log-blocks  log size in blocks, header included (2..%u; default %u or 1/16 of the disk)\n",
        mkfs::kMaxLogBlocks, mkfs::kMaxLogBlocks);
}

// Parses "1234", "64K", "256M", "2G" into bytes; false if malformed or absurdly large.
bool parse_size(const char* text, uint64_t* bytes) {
    char* end = nullptr;
    errno = 0;
    unsigned long long value = std::strtoull(text, &end, 10);
    if (errno || end == text)
        return false;
    uint64_t unit = 1;
    if (*end == 'K' || *end == 'k')
        unit = 1ull << 10;
    else if (*end == 'M' || *end == 'm')
        unit = 1ull << 20;
    else if (*end == 'G' || *end == 'g')
        unit = 1ull << 30;
    if (unit != 1)
        ++end;
    if (*end != '\0' || value > (uint64_t(1) << 44) / unit)
        return false;
    *bytes = value * unit;
    return true;
}

bool parse_count(const char* text, uint32_t* count) {
    char* end = nullptr;
    errno = 0;
    unsigned long long value = std::strtoull(text, &end, 10);
    if (errno || end == text || *end != '\0' || value > UINT32_MAX)
        return false;
    *count = uint32_t(value);
    return true;
}

bool block_is_zero(const uint8_t* block) {
    static const uint8_t zeros[fs::kBlockSize] = {};
    return std::memcmp(block, zeros, fs::kBlockSize) == 0;
}

// Writes the image sparse: runs of non-zero blocks are written, zero blocks are left as
// holes by ftruncate.
bool write_sparse(const std::string& path, const std::vector<uint8_t>& image) {
    std::string temporary = path + ".tmp";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        std::fprintf(stderr, "mkfs: cannot create %s: %s\n", temporary.c_str(), std::strerror(errno));
        return false;
    }
    bool ok = ::ftruncate(fd, off_t(image.size())) == 0;
    uint64_t blocks = image.size() / fs::kBlockSize;
    for (uint64_t block = 0; ok && block < blocks;) {
        if (block_is_zero(&image[block * fs::kBlockSize])) {
            ++block;
            continue;
        }
        uint64_t end = block + 1;
        while (end < blocks && !block_is_zero(&image[end * fs::kBlockSize]))
            ++end;
        const uint8_t* data = &image[block * fs::kBlockSize];
        size_t length = (end - block) * fs::kBlockSize;
        off_t offset = off_t(block * fs::kBlockSize);
        while (ok && length > 0) {
            ssize_t written = ::pwrite(fd, data, length, offset);
            if (written < 0 && errno == EINTR)
                continue;
            ok = written > 0;
            if (ok) {
                data += written;
                length -= size_t(written);
                offset += written;
            }
        }
        block = end;
    }
    if (ok)
        ok = ::fsync(fd) == 0;
    if (::close(fd) != 0)
        ok = false;
    if (ok)
        ok = ::rename(temporary.c_str(), path.c_str()) == 0;
    if (!ok) {
        std::fprintf(stderr, "mkfs: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
        ::unlink(temporary.c_str());
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    uint64_t size = 256ull << 20;
    uint32_t inodes = 0;
    uint32_t log_blocks = 0;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        std::string argument = argv[i];
        bool has_value = i + 1 < argc;
        if (argument == "--size" && has_value) {
            if (!parse_size(argv[++i], &size)) {
                std::fprintf(stderr, "mkfs: bad size '%s'\n", argv[i]);
                return 2;
            }
        } else if (argument == "--inodes" && has_value) {
            if (!parse_count(argv[++i], &inodes)) {
                std::fprintf(stderr, "mkfs: bad inode count '%s'\n", argv[i]);
                return 2;
            }
        } else if (argument == "--log-blocks" && has_value) {
            if (!parse_count(argv[++i], &log_blocks)) {
                std::fprintf(stderr, "mkfs: bad log size '%s'\n", argv[i]);
                return 2;
            }
        } else if (argument == "-h" || argument == "--help") {
            usage();
            return 0;
        } else if (argument.starts_with("-")) {
            usage();
            return 2;
        } else {
            positional.push_back(argument);
        }
    }
    if (positional.empty() || positional.size() > 2) {
        usage();
        return 2;
    }
    if (size % fs::kBlockSize != 0 || size / fs::kBlockSize > UINT32_MAX) {
        std::fprintf(stderr, "mkfs: the size must be a multiple of 4 KiB and below 16 TiB\n");
        return 2;
    }
    uint32_t block_count = uint32_t(size / fs::kBlockSize);
    if (inodes == 0)
        inodes = mkfs::default_inode_count(block_count);
    if (log_blocks == 0)
        log_blocks = mkfs::default_log_blocks(block_count);

    std::vector<uint8_t> image;
    std::string error;
    if (!mkfs::format_image(image, block_count, inodes, log_blocks, &error)) {
        std::fprintf(stderr, "mkfs: %s\n", error.c_str());
        return 1;
    }
    if (positional.size() == 2) {
        std::vector<std::string> warnings;
        bool populated = mkfs::populate_image(image, positional[1], &warnings, &error);
        for (const std::string& warning : warnings)
            std::fprintf(stderr, "mkfs: warning: %s\n", warning.c_str());
        if (!populated) {
            std::fprintf(stderr, "mkfs: %s\n", error.c_str());
            return 1;
        }
    }
    if (!write_sparse(positional[0], image))
        return 1;
    return 0;
}
