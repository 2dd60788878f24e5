// The sequential file-system benchmark: see fs_benchmark.h.
#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "fs/file_system.h"
#include "fs/fs_benchmark.h"
#include "fs/root_file_system.h"
#include "lib/kprintf.h"
#include "mm/kernel_heap.h"
#include "sync/interrupt_disabler.h"

namespace {

constexpr char kBenchmarkPath[] = "/fsbench.dat";
constexpr size_t kChunkBytes = 1 << 20;

uint64_t chunk_word(uint64_t chunk, uint64_t index) {
    return (chunk << 40) ^ (index * 0x9e3779b97f4a7c15ull);
}

// rdinstret, less the ticks this hart spent asleep in wfi: under -icount, QEMU's instret is
// the virtual clock, which also runs (with real time) while the hart waits for the disk.
uint64_t retired_instructions() {
    InterruptDisabler pinned;  // So that the counter and the idle sum belong to one hart.
    return csr::read_instret() - this_cpu()->idle_instret.load(std::memory_order_relaxed);
}

// Sums the instructions retired inside the calls it measures.
class InstructionCounter {
public:
    template <typename Call>
    auto measure(Call call) {
        uint64_t start = retired_instructions();
        auto result = call();
        m_total += retired_instructions() - start;
        return result;
    }
    uint64_t total() const { return m_total; }

private:
    uint64_t m_total{0};
};

void report(const char* what, uint64_t megabytes, uint64_t instructions) {
    uint64_t kib = megabytes * 1024;
    kprintf("fsbench: %s %lu MiB: %lu instructions, %lu instructions per KiB\n", what, megabytes,
            instructions, instructions / kib);
}

// For comparison with the file system's figures: the driver alone, reading the first
// `megabytes` MiB of the disk (reads only, so the file system is untouched) with one
// request per block and with the largest transfers the FS could ask for.
bool measure_raw_reads(BlockDevice* disk, uint64_t megabytes, uint8_t* buffer) {
    constexpr uint32_t kBlocksPerChunk = kChunkBytes / fs::kBlockSize;
    for (uint32_t blocks_per_call : {1u, kBlocksPerChunk}) {
        InstructionCounter counter;
        for (uint64_t chunk = 0; chunk < megabytes; ++chunk) {
            for (uint32_t i = 0; i < kBlocksPerChunk; i += blocks_per_call) {
                auto read = counter.measure([&] {
                    return disk->read_blocks(chunk * kBlocksPerChunk + i, blocks_per_call,
                                             buffer + i * fs::kBlockSize);
                });
                if (read.is_error()) {
                    kprintf("fsbench: raw read failed: %s\n", read.error().name());
                    return false;
                }
            }
        }
        kprintf("fsbench: raw device read %lu MiB in %u KiB calls: %lu instructions per KiB\n", megabytes,
                blocks_per_call * 4, counter.total() / (megabytes * 1024));
    }
    return true;
}

}  // namespace

bool run_fs_benchmark(uint64_t megabytes) {
    fs::FileSystem* fs = root_file_system();
    if (!fs) {
        kprintf("fsbench: no root file system is mounted\n");
        return false;
    }
    if (cpu_count() > 1)
        kprintf("fsbench: %u harts: a thread that moves between harts mixes their counters; use -smp 1\n",
                cpu_count());
    auto* buffer = static_cast<uint64_t*>(kmalloc(kChunkBytes));
    if (!buffer) {
        kprintf("fsbench: no memory for a 1 MiB buffer\n");
        return false;
    }
    auto root = fs->root();
    (void)fs->unlink(*root, kBenchmarkPath);  // A leftover from an earlier run, if any.
    auto created = fs->create_file(*root, kBenchmarkPath);
    if (created.is_error()) {
        kprintf("fsbench: cannot create %s: %s\n", kBenchmarkPath, created.error().name());
        kfree(buffer);
        return false;
    }
    auto file = created.release_value();
    constexpr size_t kWords = kChunkBytes / sizeof(uint64_t);
    bool ok = true;

    InstructionCounter writing;
    uint64_t write_start_time = csr::read_time();
    for (uint64_t chunk = 0; chunk < megabytes && ok; ++chunk) {
        for (size_t i = 0; i < kWords; ++i)
            buffer[i] = chunk_word(chunk, i);
        auto written =
            writing.measure([&] { return fs->write(*file, chunk * kChunkBytes, buffer, kChunkBytes); });
        if (written.is_error() || written.value() != kChunkBytes) {
            kprintf("fsbench: write of MiB %lu failed: %s\n", chunk,
                    written.is_error() ? written.error().name() : "short write");
            ok = false;
        }
    }
    if (ok) {
        auto synced = writing.measure([&] { return fs->fsync(*file); });
        if (synced.is_error()) {
            kprintf("fsbench: fsync failed: %s\n", synced.error().name());
            ok = false;
        }
    }
    uint64_t write_time = csr::read_time() - write_start_time;

    InstructionCounter reading;
    uint64_t read_start_time = csr::read_time();
    for (uint64_t chunk = 0; chunk < megabytes && ok; ++chunk) {
        auto read =
            reading.measure([&] { return fs->read(*file, chunk * kChunkBytes, buffer, kChunkBytes); });
        if (read.is_error() || read.value() != kChunkBytes) {
            kprintf("fsbench: read of MiB %lu failed: %s\n", chunk,
                    read.is_error() ? read.error().name() : "short read");
            ok = false;
            break;
        }
        for (size_t i = 0; i < kWords; ++i) {
            if (buffer[i] != chunk_word(chunk, i)) {
                kprintf("fsbench: MiB %lu reads back wrong at byte %lu\n", chunk, i * sizeof(uint64_t));
                ok = false;
                break;
            }
        }
    }
    uint64_t read_time = csr::read_time() - read_start_time;
    if (ok)
        ok = measure_raw_reads(&fs->device(), megabytes < 16 ? megabytes : 16,
                               reinterpret_cast<uint8_t*>(buffer));

    if (ok) {
        report("write (with fsync)", megabytes, writing.total());
        report("read", megabytes, reading.total());
        kprintf("fsbench: time-CSR ticks: write %lu, read %lu (virtual time under -icount)\n", write_time,
                read_time);
    }
    file = nullptr;
    auto removed = fs->unlink(*root, kBenchmarkPath);
    if (removed.is_error()) {
        kprintf("fsbench: cannot remove %s: %s\n", kBenchmarkPath, removed.error().name());
        ok = false;
    }
    kfree(buffer);
    kprintf("fsbench: %s\n", ok ? "done" : "FAILED");
    return ok;
}
