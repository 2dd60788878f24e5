// Buffered streams over file descriptors. See stdio_internal.h for the stream's shape
// and <stdio.h> for the buffering policy.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stdio_internal.h"

namespace {

char s_stdin_buffer[BUFSIZ];
char s_stdout_buffer[BUFSIZ];

AtlasFile s_stderr{2, _IONBF, nullptr, 0, 0, 0, 0, -1, false, false, false, nullptr};
AtlasFile s_stdout{1, -1, s_stdout_buffer, BUFSIZ, 0, 0, 0, -1, false, false, false, &s_stderr};
AtlasFile s_stdin{0, _IOFBF, s_stdin_buffer, BUFSIZ, 0, 0, 0, -1, false, false, false, &s_stdout};
AtlasFile* s_streams = &s_stdin;

// Writes all of [data, data + length) to the descriptor, retrying short writes.
bool write_all(AtlasFile* stream, const char* data, size_t length)
{
    while (length > 0) {
        ssize_t written = write(stream->fd, data, length);
        if (written <= 0) {
            stream->has_error = true;
            return false;
        }
        data += written;
        length -= (size_t)written;
    }
    return true;
}

bool flush_output(AtlasFile* stream)
{
    size_t pending = stream->pending;
    stream->pending = 0;
    return write_all(stream, stream->buffer, pending);
}

// The console gets its lines as soon as they end; files and pipes get whole buffers.
void decide_buffering(AtlasFile* stream)
{
    if (stream->buffering >= 0)
        return;
    stream->buffering = isatty(stream->fd) ? _IOLBF : _IOFBF;
}

// Drops read-ahead before the stream starts writing, moving the descriptor's offset back
// to where the reader stopped (pipes cannot seek, and have nothing to move back to).
void stop_reading(AtlasFile* stream)
{
    size_t unread = stream->read_end - stream->read_position;
    if (unread > 0)
        lseek(stream->fd, -(off_t)unread, SEEK_CUR);
    stream->read_position = stream->read_end = 0;
    stream->pushed_back = -1;
}

bool put_bytes(AtlasFile* stream, const char* data, size_t length)
{
    decide_buffering(stream);
    if (stream->read_end > stream->read_position)
        stop_reading(stream);
    if (stream->buffering == _IONBF || !stream->buffer)
        return write_all(stream, data, length);
    while (length > 0) {
        size_t room = stream->capacity - stream->pending;
        if (room == 0) {
            if (!flush_output(stream))
                return false;
            continue;
        }
        // A write at least as large as the buffer skips it once the buffer is empty.
        if (stream->pending == 0 && length >= stream->capacity && stream->buffering == _IOFBF)
            return write_all(stream, data, length);
        size_t chunk = length < room ? length : room;
        memcpy(stream->buffer + stream->pending, data, chunk);
        stream->pending += chunk;
        data += chunk;
        length -= chunk;
    }
    if (stream->buffering == _IOLBF && stream->pending > 0 &&
        memchr(stream->buffer, '\n', stream->pending))
        return flush_output(stream);
    return true;
}

// Refills the read buffer; returns false at end of file or on error.
bool fill(AtlasFile* stream)
{
    if (stream->pending > 0 && !flush_output(stream))
        return false;
    // Whoever is about to wait for input should first see the prompt that asked for it.
    if (stream != &s_stdout && s_stdout.pending > 0)
        flush_output(&s_stdout);
    char one_byte;
    char* target = stream->buffer ? stream->buffer : &one_byte;
    size_t capacity = stream->buffer ? stream->capacity : 1;
    ssize_t got = read(stream->fd, target, capacity);
    if (got <= 0) {
        if (got == 0)
            stream->at_eof = true;
        else
            stream->has_error = true;
        return false;
    }
    if (!stream->buffer) {
        stream->pushed_back = (unsigned char)one_byte;
        return true;
    }
    stream->read_position = 0;
    stream->read_end = (size_t)got;
    return true;
}

int get_byte(AtlasFile* stream)
{
    if (stream->pushed_back >= 0) {
        int c = stream->pushed_back;
        stream->pushed_back = -1;
        return c;
    }
    if (stream->read_position == stream->read_end) {
        if (!fill(stream))
            return EOF;
        if (stream->pushed_back >= 0)
            return get_byte(stream);
    }
    return (unsigned char)stream->buffer[stream->read_position++];
}

int parse_mode(const char* mode)
{
    int flags;
    switch (mode[0]) {
    case 'r':
        flags = O_RDONLY;
        break;
    case 'w':
        flags = O_WRONLY | O_CREAT | O_TRUNC;
        break;
    case 'a':
        flags = O_WRONLY | O_CREAT | O_APPEND;
        break;
    default:
        return -1;
    }
    for (const char* c = mode + 1; *c; ++c) {
        if (*c == '+')
            flags = (flags & ~O_ACCMODE) | O_RDWR;
    }
    return flags;
}

} // namespace

FILE* stdin = &s_stdin;
FILE* stdout = &s_stdout;
FILE* stderr = &s_stderr;

void atlas::flush_all_streams()
{
    for (AtlasFile* stream = s_streams; stream; stream = stream->next) {
        if (stream->pending > 0)
            flush_output(stream);
    }
}

extern "C" {

FILE* fdopen(int fd, const char* mode)
{
    if (parse_mode(mode) < 0) {
        errno = EINVAL;
        return nullptr;
    }
    auto* stream = (AtlasFile*)malloc(sizeof(AtlasFile));
    char* buffer = (char*)malloc(BUFSIZ);
    if (!stream || !buffer) {
        free(stream);
        free(buffer);
        errno = ENOMEM;
        return nullptr;
    }
    *stream = AtlasFile{fd, _IOFBF, buffer, BUFSIZ, 0, 0, 0, -1, false, false, true, s_streams};
    s_streams = stream;
    return stream;
}

FILE* fopen(const char* path, const char* mode)
{
    int flags = parse_mode(mode);
    if (flags < 0) {
        errno = EINVAL;
        return nullptr;
    }
    int fd = open(path, flags, 0666);
    if (fd < 0)
        return nullptr;
    FILE* stream = fdopen(fd, mode);
    if (!stream)
        close(fd);
    return stream;
}

int fflush(FILE* stream)
{
    if (!stream) {
        atlas::flush_all_streams();
        return 0;
    }
    if (stream->pending > 0 && !flush_output(stream))
        return EOF;
    return 0;
}

int fclose(FILE* stream)
{
    int result = fflush(stream);
    if (close(stream->fd) < 0)
        result = EOF;
    for (AtlasFile** link = &s_streams; *link; link = &(*link)->next) {
        if (*link == stream) {
            *link = stream->next;
            break;
        }
    }
    if (stream->owns_buffer)
        free(stream->buffer);
    // The three standard streams are static; the rest came from fdopen.
    if (stream != &s_stdin && stream != &s_stdout && stream != &s_stderr)
        free(stream);
    return result;
}

int setvbuf(FILE* stream, char* buffer, int mode, size_t size)
{
    if (stream->pending > 0)
        flush_output(stream);
    stream->buffering = mode;
    if (mode != _IONBF && buffer && size > 0) {
        if (stream->owns_buffer)
            free(stream->buffer);
        stream->buffer = buffer;
        stream->capacity = size;
        stream->owns_buffer = false;
    }
    return 0;
}

int fileno(FILE* stream) { return stream->fd; }
int feof(FILE* stream) { return stream->at_eof; }
int ferror(FILE* stream) { return stream->has_error; }
void clearerr(FILE* stream) { stream->at_eof = stream->has_error = false; }

size_t fwrite(const void* data, size_t size, size_t count, FILE* stream)
{
    if (size == 0 || count == 0)
        return 0;
    return put_bytes(stream, (const char*)data, size * count) ? count : 0;
}

int fputc(int c, FILE* stream)
{
    char byte = (char)c;
    return put_bytes(stream, &byte, 1) ? (unsigned char)byte : EOF;
}

int putc(int c, FILE* stream) { return fputc(c, stream); }
int putchar(int c) { return fputc(c, stdout); }

int fputs(const char* string, FILE* stream)
{
    return put_bytes(stream, string, strlen(string)) ? 0 : EOF;
}

int puts(const char* string)
{
    if (fputs(string, stdout) == EOF)
        return EOF;
    return fputc('\n', stdout) == EOF ? EOF : 0;
}

int fgetc(FILE* stream) { return get_byte(stream); }
int getc(FILE* stream) { return get_byte(stream); }
int getchar(void) { return get_byte(stdin); }

int ungetc(int c, FILE* stream)
{
    if (c == EOF || stream->pushed_back >= 0)
        return EOF;
    stream->pushed_back = (unsigned char)c;
    stream->at_eof = false;
    return (unsigned char)c;
}

char* fgets(char* buffer, int size, FILE* stream)
{
    if (size <= 0)
        return nullptr;
    int stored = 0;
    while (stored < size - 1) {
        int c = get_byte(stream);
        if (c == EOF)
            break;
        buffer[stored++] = (char)c;
        if (c == '\n')
            break;
    }
    if (stored == 0)
        return nullptr;
    buffer[stored] = '\0';
    return buffer;
}

size_t fread(void* data, size_t size, size_t count, FILE* stream)
{
    if (size == 0 || count == 0)
        return 0;
    char* out = (char*)data;
    size_t wanted = size * count;
    size_t got = 0;
    while (got < wanted) {
        int c = get_byte(stream);
        if (c == EOF)
            break;
        out[got++] = (char)c;
    }
    return got / size;
}

int fseek(FILE* stream, long offset, int whence)
{
    if (stream->pending > 0 && !flush_output(stream))
        return -1;
    if (whence == SEEK_CUR)
        offset -= (long)(stream->read_end - stream->read_position) + (stream->pushed_back >= 0 ? 1 : 0);
    stream->read_position = stream->read_end = 0;
    stream->pushed_back = -1;
    stream->at_eof = false;
    return lseek(stream->fd, offset, whence) < 0 ? -1 : 0;
}

long ftell(FILE* stream)
{
    off_t position = lseek(stream->fd, 0, SEEK_CUR);
    if (position < 0)
        return -1;
    return (long)(position + (off_t)stream->pending - (off_t)(stream->read_end - stream->read_position) -
                  (stream->pushed_back >= 0 ? 1 : 0));
}

int remove(const char* path)
{
    if (unlink(path) == 0)
        return 0;
    return rmdir(path);
}

} // extern "C"
