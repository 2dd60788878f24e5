// Log: the write-ahead redo log that makes every metadata change of the file system atomic.
//
// Every operation that changes metadata runs inside a Transaction. It declares up front an
// upper bound on how many distinct metadata blocks it may change (begin() waits until the
// log has room for that many), changes cached buffers, and hands each changed buffer to the
// transaction with add(), which pins it in the cache. Operations that run at the same time
// join the same transaction; when the last of them ends, the transaction commits (group
// commit). A committed transaction is all-or-nothing on disk:
//
//   1. prepare      listeners (the block allocator) make their last changes to blocks already
//                   in the transaction (deferred frees, see bitmap_allocator.h)
//   2. log          each changed block is written to its slot in the log area
//   3. flush
//   4. header       the LogHeader (home block numbers, count, checksum) is written: this
//                   single block write is the commit point
//   5. flush
//   6. install      each block is written to its home location
//   7. flush
//   8. clear        the header is rewritten with count 0, and flushed, before any later
//                   transaction can reuse the slots
//
//   disk:  [header][slot 0][slot 1]...[slot n-1]   log region (format.h)
//
// A crash before step 4 completes leaves the old metadata in place (the header still says 0,
// or is torn and fails its checksum); a crash after it is repaired by recover() at mount,
// which redoes the install (doing it twice is harmless). Only one transaction is ever in the
// log, and nothing begins while one commits, so replay never mixes two.
//
// Ordered mode: file data never goes through the log. It is written to its home blocks
// directly (and completes, since BlockDevice writes are synchronous) inside the operation
// that allocates the blocks, before that operation ends, so before its transaction commits;
// step 3's flush makes it durable no later than the metadata that points at it.
//
// Invariants (guarded by m_lock):
//   - m_count + m_reserved <= m_capacity: the blocks already in the transaction plus what
//     running operations may still add always fit in the log.
//   - A buffer is in m_blocks (and pinned in the cache, with m_in_transaction set) exactly
//     while the transaction that changed it has not been installed.
//   - While m_committing, no operation is running and none may begin.
//
// Locking: m_lock is a spinlock (rank Log) guarding the counters, never held across I/O.
// begin() must be called before taking any inode lock (an operation waiting for room while
// holding an inode lock could wait forever for an operation that needs that inode), and
// never while the calling thread already has a transaction open.
#pragma once

#include <cstdint>

#include "fs/block_cache.h"
#include "fs/format.h"
#include "lib/error_or.h"
#include "lib/own_ptr.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

namespace fs {

class Log;

// Told by the committing thread, before anything is written, that the transaction is about
// to commit. It may change buffers that are already in the transaction, and nothing else.
class CommitListener {
public:
    virtual ErrorOr<void> prepare_commit() = 0;

protected:
    ~CommitListener() = default;
};

// One operation's share of the running transaction. Move-only; ending it (end(), or the
// destructor, which reports a commit error only through kprintf) lets the transaction commit.
class Transaction {
public:
    Transaction(Transaction&& other)
        : m_log(other.m_log)
        , m_reserved(other.m_reserved)
        , m_used(other.m_used)
    {
        other.m_log = nullptr;
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();

    // Records that the caller changed this buffer (whose lock it holds) in this operation.
    // Adding the same buffer again is free. Exceeding the reservation is a bug (asserted).
    void add(BufferHandle& buffer);

    // Ends the operation. If it was the last one running, commits the transaction and
    // returns the commit's result (EIO if the device failed; the log then refuses every
    // later transaction, so the file system is read-only from then on).
    ErrorOr<void> end();

    uint32_t reserved() const { return m_reserved; }
    uint32_t used() const { return m_used; }

private:
    friend class Log;
    Transaction(Log& log, uint32_t reserved)
        : m_log(&log)
        , m_reserved(reserved)
    {
    }

    Log* m_log;
    uint32_t m_reserved;
    uint32_t m_used { 0 };
};

class Log {
public:
    // A log smaller than this cannot hold the largest single operation (see the bounds in
    // file_system.h); mount refuses such a file system.
    static constexpr uint32_t kMinimumCapacity = 24;

    // The log over the region the superblock describes. Reads nothing yet.
    static ErrorOr<OwnPtr<Log>> create(BlockCache& cache, const Superblock& superblock);
    ~Log();

    // Replays a committed transaction left behind by a crash, then clears the header. Call
    // once at mount, before the cache holds any block. Fails with EINVAL (and a message) if
    // the header is committed but names blocks outside the file system, or EIO.
    ErrorOr<void> recover();

    // Starts an operation that changes at most `max_blocks` distinct metadata blocks
    // (at most capacity(), asserted). Sleeps while a commit runs, a commit was requested, or
    // the log lacks room. Fails with EIO once the log has failed.
    ErrorOr<Transaction> begin(uint32_t max_blocks);

    // Returns once every operation that ended before the call is committed (fsync). Call
    // with no transaction of the calling thread open.
    ErrorOr<void> commit_now();

    void set_commit_listener(CommitListener* listener) { m_listener = listener; }

    uint32_t capacity() const { return m_capacity; }
    // Commits so far, for tests and statistics.
    uint64_t commit_count();

    Log(BlockCache& cache, const Superblock& superblock);

private:
    friend class Transaction;
    void add(Transaction& transaction, BufferHandle& buffer);
    ErrorOr<void> end(Transaction& transaction);
    ErrorOr<void> commit();
    ErrorOr<void> write_header(uint32_t count);
    void forget_blocks();

    BlockCache& m_cache;
    BlockDevice& m_device;
    BlockNumber m_header_block;
    uint32_t m_capacity;
    uint32_t m_block_count;  // Of the file system, to validate a header's block numbers.
    BlockNumber m_first_loggable;  // Blocks below it (the superblock, the log) are never logged.
    void* m_header_memory { nullptr };
    Buffer** m_blocks { nullptr };  // m_capacity entries; the first m_count are in use.
    CommitListener* m_listener { nullptr };

    Spinlock m_lock { "log", LockRank::Log };
    WaitQueue m_waiters { "log" };
    uint32_t m_count GUARDED_BY(m_lock) { 0 };
    uint32_t m_reserved GUARDED_BY(m_lock) { 0 };
    uint32_t m_outstanding GUARDED_BY(m_lock) { 0 };
    bool m_committing GUARDED_BY(m_lock) { false };
    bool m_commit_requested GUARDED_BY(m_lock) { false };
    bool m_failed GUARDED_BY(m_lock) { false };
    uint32_t m_sequence { 0 };       // Of the last commit; changed only while committing or recovering.
    uint64_t m_open_transaction GUARDED_BY(m_lock) { 1 };
    uint64_t m_committed_transaction GUARDED_BY(m_lock) { 0 };
    uint64_t m_commits GUARDED_BY(m_lock) { 0 };
};

}  // namespace fs
