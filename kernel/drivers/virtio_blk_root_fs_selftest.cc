// Self-tests of the root file system through the real virtio-blk driver: what the host tests
// check against a memory image, checked once more against QEMU's disk, with interrupts,
// several requests in flight and real sleeping. They live beside the driver because they
// look at it (fs/ includes nothing from drivers/).
//
// tools/run-tests attaches a copy of build/fs.img (tools/mkfs), so the root file system must
// be mounted: a missing one is a failure. Each test works inside its own directory under the
// root and removes it again, so the image's own files are never touched.
#include "drivers/virtio_blk.h"
#include "fs/file_system.h"
#include "fs/root_file_system.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "mm/kernel_heap.h"
#include "mm/physical_allocator.h"
#include "mm/scoped_frame.h"

namespace {

fs::FileSystem* file_system_or_report() {
    fs::FileSystem* fs = root_file_system();
    if (!fs)
        ktest_fail(__FILE__, __LINE__, "root_file_system() != nullptr",
                   "no root file system is mounted (is a tools/mkfs image attached as the virtio disk?)");
    return fs;
}

uint8_t pattern_byte(uint64_t seed, uint64_t offset) {
    uint64_t x = (offset + 1) * 0x9e3779b97f4a7c15ull ^ seed * 0xbf58476d1ce4e5b9ull;
    return static_cast<uint8_t>(x >> 56);
}

void fill(uint8_t* buffer, size_t length, uint64_t seed, uint64_t offset) {
    for (size_t i = 0; i < length; ++i)
        buffer[i] = pattern_byte(seed, offset + i);
}

// The offset of the first byte that differs from the pattern, or -1.
int64_t first_mismatch(const uint8_t* buffer, size_t length, uint64_t seed, uint64_t offset) {
    for (size_t i = 0; i < length; ++i) {
        if (buffer[i] != pattern_byte(seed, offset + i))
            return static_cast<int64_t>(i);
    }
    return -1;
}

// A kernel-heap buffer that frees itself.
class Buffer {
public:
    explicit Buffer(size_t bytes) : m_data(static_cast<uint8_t*>(kmalloc(bytes))) {}
    ~Buffer() { kfree(m_data); }
    bool ok() const { return m_data != nullptr; }
    uint8_t* data() const { return m_data; }

private:
    uint8_t* m_data;
};


bool is_error_code(const ErrorOr<RefPtr<fs::Inode>>& result, int code) {
    return result.is_error() && result.error().code() == code;
}

}  // namespace

KTEST(RootFs, IsMountedFromTheRootDisk) {
    fs::FileSystem* fs = file_system_or_report();
    KASSERT(fs);
    KASSERT(root_block_device());
    KEXPECT_EQ(root_block_device(), &fs->device());
    KEXPECT(fs->superblock().block_count <= root_block_device()->block_count());
    KEXPECT(!fs->lookup(*fs->root(), "/").is_error());
}

KTEST(RootFs, FileWrittenAndFsyncedReadsBackAcrossTheIndirectBoundary) {
    fs::FileSystem* fs = file_system_or_report();
    KASSERT(fs);
    auto root = fs->root();
    KASSERT(!fs->make_directory(*root, "/ktest-rootfs-data").is_error());
    auto created = fs->create_file(*root, "/ktest-rootfs-data/file");
    KASSERT(!created.is_error());
    auto file = created.release_value();

    // 200 KiB, written in odd-sized pieces: past the 12 direct blocks into the indirect block.
    constexpr size_t kLength = 200 * 1024 + 123;
    constexpr size_t kPiece = 7000;
    Buffer out(kLength), in(kLength);
    KASSERT(out.ok() && in.ok());
    fill(out.data(), kLength, 1, 0);
    for (size_t offset = 0; offset < kLength; offset += kPiece) {
        size_t length = kLength - offset < kPiece ? kLength - offset : kPiece;
        auto written = fs->write(*file, offset, out.data() + offset, length);
        KASSERT(!written.is_error());
        KEXPECT_EQ(length, written.value());
    }
    VirtioBlk* disk = root_virtio_blk();
    KASSERT(disk);
    uint64_t submitted_before = disk->queue_statistics().submitted;
    KEXPECT(!fs->fsync(*file).is_error());
    // fsync ends in at least a FLUSH request to the device.
    KEXPECT(disk->queue_statistics().submitted > submitted_before);

    auto info = fs->stat(*file);
    KEXPECT_EQ(uint64_t{kLength}, info.size);
    KEXPECT_EQ(uint64_t{(kLength + fs::kBlockSize - 1) / fs::kBlockSize}, info.blocks);
    auto read = fs->read(*file, 0, in.data(), kLength);
    KASSERT(!read.is_error());
    KEXPECT_EQ(kLength, read.value());
    KEXPECT_EQ(-1, first_mismatch(in.data(), kLength, 1, 0));

    {
        // Found again by a path with ".", as the same inode.
        auto again = fs->lookup(*root, "/ktest-rootfs-data/./file");
        KASSERT(!again.is_error());
        KEXPECT_EQ(file->number(), again.value()->number());
    }

    file = nullptr;
    KEXPECT(!fs->unlink(*root, "/ktest-rootfs-data/file").is_error());
    KEXPECT(is_error_code(fs->lookup(*root, "/ktest-rootfs-data/file"), ENOENT));
    KEXPECT(!fs->remove_directory(*root, "/ktest-rootfs-data").is_error());
}

KTEST(RootFs, UnlinkedFileStaysReadableWhileReferenced) {
    fs::FileSystem* fs = file_system_or_report();
    KASSERT(fs);
    auto root = fs->root();
    KASSERT(!fs->make_directory(*root, "/ktest-rootfs-unlink").is_error());
    auto created = fs->create_file(*root, "/ktest-rootfs-unlink/open");
    KASSERT(!created.is_error());
    auto file = created.release_value();
    constexpr size_t kLength = 3 * fs::kBlockSize + 17;
    Buffer out(kLength), in(kLength);
    KASSERT(out.ok() && in.ok());
    fill(out.data(), kLength, 2, 0);
    KASSERT(!fs->write(*file, 0, out.data(), kLength).is_error());
    uint32_t free_blocks_while_held = fs->usage().free_blocks;

    KEXPECT(!fs->unlink(*root, "/ktest-rootfs-unlink/open").is_error());
    KEXPECT(is_error_code(fs->lookup(*root, "/ktest-rootfs-unlink/open"), ENOENT));
    auto read = fs->read(*file, 0, in.data(), kLength);
    KASSERT(!read.is_error());
    KEXPECT_EQ(kLength, read.value());
    KEXPECT_EQ(-1, first_mismatch(in.data(), kLength, 2, 0));
    KEXPECT_EQ(0u, fs->stat(*file).link_count);

    // Dropping the last reference frees the blocks (after the freeing transaction commits,
    // which fsync of the directory forces).
    file = nullptr;
    {
        auto directory = fs->lookup(*root, "/ktest-rootfs-unlink");
        KASSERT(!directory.is_error());
        KEXPECT(!fs->fsync(*directory.value()).is_error());
    }
    KEXPECT(fs->usage().free_blocks >= free_blocks_while_held + 4);
    KEXPECT(!fs->remove_directory(*root, "/ktest-rootfs-unlink").is_error());
}

KTEST(RootFs, WritePageAndReadPageMoveWholeFramesThroughTheDriver) {
    fs::FileSystem* fs = file_system_or_report();
    KASSERT(fs);
    auto root = fs->root();
    auto created = fs->create_file(*root, "/ktest-rootfs-pages");
    KASSERT(!created.is_error());
    auto file = created.release_value();
    // Three pages of file, the last one half beyond the end.
    constexpr uint64_t kSize = 2 * fs::kBlockSize + 2048;
    KASSERT(!fs->truncate(*file, kSize).is_error());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    for (uint64_t page = 0; page < 3; ++page) {
        fill(out.data(), fs::kBlockSize, 3, page * fs::kBlockSize);
        size_t valid = page < 2 ? fs::kBlockSize : 2048;
        KASSERT(!fs->write_page(*file, page, out.data(), valid).is_error());
    }
    for (uint64_t page = 0; page < 3; ++page) {
        klib::memset(in.data(), 0xee, fs::kBlockSize);
        KASSERT(!fs->read_page(*file, page, in.data()).is_error());
        size_t valid = page < 2 ? fs::kBlockSize : 2048;
        KEXPECT_EQ(-1, first_mismatch(in.data(), valid, 3, page * fs::kBlockSize));
        // The tail of the last page, beyond the end of file, reads as zeros.
        bool tail_zero = true;
        for (size_t i = valid; i < fs::kBlockSize; ++i)
            tail_zero = tail_zero && in.data()[i] == 0;
        KEXPECT(tail_zero);
    }
    KEXPECT_EQ(kSize, fs->stat(*file).size);
    file = nullptr;
    KEXPECT(!fs->unlink(*root, "/ktest-rootfs-pages").is_error());
}
