// Pipe: a bounded byte buffer between a read end and a write end, each an OpenFile.
//
//   PipeEnd(read) ──┐                          ┌── PipeEnd(write)
//                   v                          v
//            Pipe: [ ....bytes.... ]  ring of kPipeCapacity bytes
//                   readers = 1, writers = 1
//
// The ring's positions (m_read_total, m_write_total) count bytes forever and are reduced
// modulo the capacity when used, so "full" is m_write_total - m_read_total == capacity,
// with no wasted slot.
//
// Semantics (POSIX):
//   - read blocks while the pipe is empty and a write end is open; it returns whatever is
//     there (up to the request), or 0 (end of file) once empty with no write end left.
//   - write blocks while the pipe is full and a read end is open, until every byte is in;
//     with no read end it fails with EPIPE (or returns the bytes already written). A write
//     of at most PIPE_BUF (= the capacity) bytes waits for room for all of them and goes in
//     whole, never interleaved with another writer's; a longer one takes any room there is.
//   - A process killed while blocked in either returns EINTR at once (or the count so
//     far): kill() reaches the sleeper through Process::set_blocked_pipe (process.h).
//
//   - Exact consumption: a reader takes out of the ring exactly the bytes that reached user
//     memory, so a read into a bad buffer leaves every byte in the pipe (EFAULT); a writer
//     puts in exactly the bytes it could copy from its source.
//
// Copying without the lock: bytes move between the ring and user memory directly (no
// bounce buffer), with m_lock released, because a copy may fault and sleep. A reader first
// claims the read side (m_reading), which keeps the bytes [m_read_total, m_write_total) it
// saw where they are: writers only add after m_write_total and no other reader takes any.
// It copies them out, then, under the lock, advances m_read_total by what was copied and
// drops the claim. A writer likewise claims the write side (m_writing), copies into the
// free room after m_write_total (no reader looks there, and the room only grows while it
// copies), then advances m_write_total by what was copied. The lock's acquire and release
// order the ring bytes with the totals.
//
// Locking: m_lock (a Spinlock of rank LockRank::Pipe, held alone, only around claims and
// count updates, never across a copy to user memory) guards everything below; the two
// wait queues sleep on it (readers also wait there for the read claim, writers for the
// write claim).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/error_or.h"
#include "lib/ref_ptr.h"
#include "proc/open_file.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"
#include "syscall/abi.h"

class UserCursor;

class Pipe : public RefCounted<Pipe> {
public:
    static constexpr size_t kPipeCapacity = ATLAS_PIPE_BUFFER;

    struct Ends {
        RefPtr<OpenFile> read_end;
        RefPtr<OpenFile> write_end;
    };
    // Makes a pipe and its two ends. ENOMEM.
    static ErrorOr<Ends> try_create();

    // read() and write() for the ends: see the semantics above.
    ErrorOr<size_t> read(UserCursor& to);
    ErrorOr<size_t> write(UserCursor& from);

    // An end went away (its OpenFile's last reference).
    void close_read_end();
    void close_write_end();

    // Wakes every sleeper so that a killed one notices (Process::kill).
    void wake_all_for_kill();

    size_t buffered() const;

private:
    mutable Spinlock m_lock { "pipe", LockRank::Pipe };
    WaitQueue m_readable { "pipe readable" };
    WaitQueue m_writable { "pipe writable" };
    uint64_t m_read_total { 0 };
    uint64_t m_write_total { 0 };
    unsigned m_readers { 1 };
    unsigned m_writers { 1 };
    bool m_reading { false };  // A reader is copying out [m_read_total, ...).
    bool m_writing { false };  // A writer is copying into the room after m_write_total.
    uint8_t m_data[kPipeCapacity];
};

// One end of a pipe, as an OpenFile.
class PipeEnd final : public OpenFile {
public:
    PipeEnd(RefPtr<Pipe> pipe, FileAccess side);
    ~PipeEnd() override;

    ErrorOr<size_t> read(UserCursor& to) override;
    ErrorOr<size_t> write(UserCursor& from) override;
    ErrorOr<void> stat(atlas_stat& out) override;

private:
    RefPtr<Pipe> m_pipe;
};
