// Pipe and PipeEnd: see pipe.h.
#include "proc/pipe.h"

#include <algorithm>

#include "lib/string.h"
#include "mm/user_memory.h"
#include "proc/process.h"

ErrorOr<Pipe::Ends> Pipe::try_create() {
    auto pipe = TRY(try_make_ref_counted<Pipe>());
    auto read_end = TRY(try_make_ref_counted<PipeEnd>(pipe, FileAccess::Read));
    // Until the write end exists, the pipe counts one writer that read_end's destructor
    // does not know about; drop it here if the second allocation fails.
    auto write_end = try_make_ref_counted<PipeEnd>(pipe, FileAccess::Write);
    if (write_end.is_error()) {
        pipe->close_write_end();
        return write_end.release_error();
    }
    return Ends { RefPtr<OpenFile>(std::move(read_end)), RefPtr<OpenFile>(write_end.release_value()) };
}

size_t Pipe::buffered() const {
    SpinlockLocker locker(m_lock);
    return m_write_total - m_read_total;
}

namespace {

// Registers the pipe with the current process for the duration of a blocking call, so
// that kill() can wake it (see Process::set_blocked_pipe).
class BlockedOnPipe {
public:
    explicit BlockedOnPipe(Pipe& pipe)
        : m_process(current_process())
    {
        if (m_process)
            m_process->set_blocked_pipe(&pipe);
    }
    ~BlockedOnPipe() {
        if (m_process)
            m_process->set_blocked_pipe(nullptr);
    }
    BlockedOnPipe(const BlockedOnPipe&) = delete;
    BlockedOnPipe& operator=(const BlockedOnPipe&) = delete;
    // A signal to deliver (or a kill) interrupts the call.
    bool interrupted() const { return m_process && m_process->signal_interrupts(); }
    Error interrupt() const { return m_process->signals().interrupt_call(true); }

private:
    Process* m_process;
};

}  // namespace

ErrorOr<size_t> Pipe::read(UserCursor& to) {
    if (to.remaining() == 0)
        return 0;
    BlockedOnPipe blocked(*this);
    size_t start;
    size_t count;
    {
        SpinlockLocker locker(m_lock);
        while (m_reading || m_write_total == m_read_total) {
            if (!m_reading && m_writers == 0)
                return 0;
            if (blocked.interrupted())
                return blocked.interrupt();
            m_readable.sleep(m_lock);
        }
        m_reading = true;
        count = std::min<size_t>(to.remaining(), m_write_total - m_read_total);
        start = m_read_total % kPipeCapacity;
    }
    // Copy out in at most two pieces: up to the end of the ring, then from its start.
    size_t first = std::min(count, kPipeCapacity - start);
    size_t copied = to.copy_out(m_data + start, first);
    if (copied == first)
        copied += to.copy_out(m_data, count - first);
    {
        SpinlockLocker locker(m_lock);
        m_read_total += copied;
        m_reading = false;
    }
    // Writers wait for room, other readers for the claim.
    m_writable.wake_all();
    m_readable.wake_all();
    return to.result();
}

ErrorOr<size_t> Pipe::write(UserCursor& from) {
    BlockedOnPipe blocked(*this);
    size_t written = 0;
    // A write of at most PIPE_BUF (the capacity) bytes goes in whole, never interleaved with
    // another writer's (POSIX): it waits for room for all of it. A longer one takes any room.
    size_t room_needed = from.remaining() <= kPipeCapacity ? from.remaining() : 1;
    while (from.remaining() > 0) {
        size_t start;
        size_t count;
        {
            SpinlockLocker locker(m_lock);
            while (m_readers > 0 && (m_writing || kPipeCapacity - (m_write_total - m_read_total) < room_needed) &&
                   !blocked.interrupted())
                m_writable.sleep(m_lock);
            if (m_readers == 0 || blocked.interrupted()) {
                if (written > 0)
                    return written;
                if (m_readers == 0)
                    return Error::from_errno(EPIPE);
                return blocked.interrupt();
            }
            m_writing = true;
            size_t room = kPipeCapacity - (m_write_total - m_read_total);
            count = std::min(room, from.remaining());
            start = m_write_total % kPipeCapacity;
        }
        size_t first = std::min(count, kPipeCapacity - start);
        size_t copied = from.copy_in(m_data + start, first);
        if (copied == first)
            copied += from.copy_in(m_data, count - first);
        {
            SpinlockLocker locker(m_lock);
            m_write_total += copied;
            m_writing = false;
        }
        written += copied;
        // Readers wait for bytes, other writers for the claim.
        m_readable.wake_all();
        m_writable.wake_all();
        if (copied < count)
            break;  // The source faulted.
    }
    if (written == 0 && from.faulted())
        return Error::from_errno(EFAULT);
    return written;
}

void Pipe::close_read_end() {
    {
        SpinlockLocker locker(m_lock);
        --m_readers;
    }
    m_writable.wake_all();
}

void Pipe::close_write_end() {
    {
        SpinlockLocker locker(m_lock);
        --m_writers;
    }
    m_readable.wake_all();
}

void Pipe::wake_all_for_kill() {
    // Taking the lock orders this wake-up after a sleeper's check of its killed flag: the
    // sleeper either saw the flag or is already on a queue.
    {
        SpinlockLocker locker(m_lock);
    }
    m_readable.wake_all();
    m_writable.wake_all();
}

PipeEnd::PipeEnd(RefPtr<Pipe> pipe, FileAccess side)
    : OpenFile(OpenFileKind::Pipe, side)
    , m_pipe(std::move(pipe))
{
}

PipeEnd::~PipeEnd() {
    if (readable())
        m_pipe->close_read_end();
    else
        m_pipe->close_write_end();
}

ErrorOr<size_t> PipeEnd::read(UserCursor& to) {
    if (!readable())
        return Error::from_errno(EBADF);
    return m_pipe->read(to);
}

ErrorOr<size_t> PipeEnd::write(UserCursor& from) {
    if (!writable())
        return Error::from_errno(EBADF);
    return m_pipe->write(from);
}

ErrorOr<void> PipeEnd::stat(atlas_stat& out) {
    klib::memset(&out, 0, sizeof(out));
    out.st_mode = S_IFIFO | 0600;
    out.st_nlink = 1;
    out.st_blksize = Pipe::kPipeCapacity;
    out.st_size = static_cast<int64_t>(m_pipe->buffered());
    return {};
}
