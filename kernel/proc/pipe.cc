// Pipe and PipeEnd: see pipe.h.
#include "proc/pipe.h"

#include <algorithm>

#include "lib/string.h"
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
    bool killed() const { return m_process && m_process->is_killed(); }

private:
    Process* m_process;
};

}  // namespace

ErrorOr<size_t> Pipe::read(void* buffer, size_t length) {
    if (length == 0)
        return 0;
    BlockedOnPipe blocked(*this);
    size_t count;
    {
        SpinlockLocker locker(m_lock);
        while (m_write_total == m_read_total) {
            if (m_writers == 0)
                return 0;
            if (blocked.killed())
                return Error::from_errno(EINTR);
            m_readable.sleep(m_lock);
        }
        count = std::min<size_t>(length, m_write_total - m_read_total);
        // Copy out in at most two pieces: up to the end of the ring, then from its start.
        size_t start = m_read_total % kPipeCapacity;
        size_t first = std::min(count, kPipeCapacity - start);
        klib::memcpy(buffer, m_data + start, first);
        klib::memcpy(static_cast<uint8_t*>(buffer) + first, m_data, count - first);
        m_read_total += count;
    }
    m_writable.wake_all();
    return count;
}

ErrorOr<size_t> Pipe::write(const void* buffer, size_t length) {
    BlockedOnPipe blocked(*this);
    size_t written = 0;
    auto* bytes = static_cast<const uint8_t*>(buffer);
    while (written < length) {
        size_t count;
        {
            SpinlockLocker locker(m_lock);
            while (m_readers > 0 && m_write_total - m_read_total == kPipeCapacity && !blocked.killed())
                m_writable.sleep(m_lock);
            if (m_readers == 0 || blocked.killed()) {
                if (written > 0)
                    return written;
                return Error::from_errno(m_readers == 0 ? EPIPE : EINTR);
            }
            size_t room = kPipeCapacity - (m_write_total - m_read_total);
            count = std::min(room, length - written);
            size_t start = m_write_total % kPipeCapacity;
            size_t first = std::min(count, kPipeCapacity - start);
            klib::memcpy(m_data + start, bytes + written, first);
            klib::memcpy(m_data, bytes + written + first, count - first);
            m_write_total += count;
        }
        written += count;
        m_readable.wake_all();
    }
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

ErrorOr<size_t> PipeEnd::read(void* buffer, size_t length) {
    if (!readable())
        return Error::from_errno(EBADF);
    return m_pipe->read(buffer, length);
}

ErrorOr<size_t> PipeEnd::write(const void* buffer, size_t length) {
    if (!writable())
        return Error::from_errno(EBADF);
    return m_pipe->write(buffer, length);
}

ErrorOr<void> PipeEnd::stat(atlas_stat& out) {
    klib::memset(&out, 0, sizeof(out));
    out.st_mode = S_IFIFO | 0600;
    out.st_nlink = 1;
    out.st_blksize = Pipe::kPipeCapacity;
    out.st_size = static_cast<int64_t>(m_pipe->buffered());
    return {};
}
