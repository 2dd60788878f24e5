// The sequential file-system benchmark: writes a file of `megabytes` MiB through the root file
// system in 1 MiB write() calls, fsyncs it, reads it back in 1 MiB read() calls, checks the
// contents, and prints the instructions retired per KiB for each direction.
//
// Counting uses rdinstret on the hart that runs the benchmark, summed over each write(),
// fsync() and read() call only (filling and checking the buffer are not counted). Under
// QEMU's -icount shift=0 one instruction is one tick of virtual time and the count is exact
// and repeatable; boot with one hart so that the thread never migrates between counters:
//
//   qemu-system-riscv64 ... -smp 1 -icount shift=0 -append fsbench <disk flags>
//
// Under -icount QEMU's instret is really the virtual clock, which keeps running (with real
// time) while the hart sleeps in wfi waiting for the disk; the idle loop adds those ticks up
// in Cpu::idle_instret and the benchmark subtracts them. What remains is everything the hart
// retires: the file system, the block cache and log, the driver, its interrupt handler, the
// scheduler, the timer tick. It still varies by a few percent from run to run, because how
// many completions one interrupt collects, and how many timer ticks fall inside the run,
// depend on how fast the host's disk answers.
#pragma once

#include <cstdint>

// Runs the benchmark; returns whether it completed with the data intact. Call from a thread
// with no lock held, after mount_root_file_system().
bool run_fs_benchmark(uint64_t megabytes);
