// The printf family, over the kernel's printf engine (kernel/lib/format.h): one formatter
// for kernel and user land. Stream output goes through a sink that hands each run of
// characters to fwrite, so buffering and line flushing are stdio's business alone.
#include <stdio.h>
#include <unistd.h>

#include "lib/format.h"

namespace {

class StreamSink final : public FormatSink {
public:
    explicit StreamSink(FILE* stream) : m_stream(stream) {}
    void write(const char* chars, size_t length) override { fwrite(chars, 1, length, m_stream); }

private:
    FILE* m_stream;
};

// Unbuffered output to a descriptor, gathered into small chunks so that a line costs one
// or two write() calls rather than one per conversion.
class DescriptorSink final : public FormatSink {
public:
    explicit DescriptorSink(int fd) : m_fd(fd) {}
    ~DescriptorSink() { flush(); }

    void write(const char* chars, size_t length) override
    {
        while (length > 0) {
            if (m_used == sizeof(m_buffer))
                flush();
            size_t room = sizeof(m_buffer) - m_used;
            size_t chunk = length < room ? length : room;
            for (size_t i = 0; i < chunk; ++i)
                m_buffer[m_used + i] = chars[i];
            m_used += chunk;
            chars += chunk;
            length -= chunk;
        }
    }

    void flush()
    {
        size_t done = 0;
        while (done < m_used) {
            ssize_t written = ::write(m_fd, m_buffer + done, m_used - done);
            if (written <= 0)
                break;
            done += (size_t)written;
        }
        m_used = 0;
    }

private:
    int m_fd;
    size_t m_used{0};
    char m_buffer[256];
};

} // namespace

extern "C" {

int vfprintf(FILE* stream, const char* format, va_list args)
{
    StreamSink sink(stream);
    return (int)vformat(sink, format, args);
}

int vprintf(const char* format, va_list args) { return vfprintf(stdout, format, args); }

int vdprintf(int fd, const char* format, va_list args)
{
    DescriptorSink sink(fd);
    return (int)vformat(sink, format, args);
}

int vsnprintf(char* buffer, size_t size, const char* format, va_list args)
{
    return vsnformat(buffer, size, format, args);
}

// No size is known, so the buffer is trusted to be large enough, as C says.
int vsprintf(char* buffer, const char* format, va_list args)
{
    return vsnformat(buffer, (size_t)-1 >> 1, format, args);
}

int printf(const char* format, ...)
{
    va_list args;
    va_start(args, format);
    int result = vfprintf(stdout, format, args);
    va_end(args);
    return result;
}

int fprintf(FILE* stream, const char* format, ...)
{
    va_list args;
    va_start(args, format);
    int result = vfprintf(stream, format, args);
    va_end(args);
    return result;
}

int dprintf(int fd, const char* format, ...)
{
    va_list args;
    va_start(args, format);
    int result = vdprintf(fd, format, args);
    va_end(args);
    return result;
}

int snprintf(char* buffer, size_t size, const char* format, ...)
{
    va_list args;
    va_start(args, format);
    int result = vsnformat(buffer, size, format, args);
    va_end(args);
    return result;
}

int sprintf(char* buffer, const char* format, ...)
{
    va_list args;
    va_start(args, format);
    int result = vsprintf(buffer, format, args);
    va_end(args);
    return result;
}

} // extern "C"
