// The printf engine: one formatter under kprintf, snprintf and every debug dump.
//
// The formatter walks a printf-style format string and hands what it produces to a
// FormatSink, which decides where the characters go (the UART, a caller's buffer, a log
// ring). It never allocates, keeps all of its state on the stack, and is freestanding: it
// uses nothing from the C library, so the same code runs in the kernel and on the host.
//
// Supported conversions: %d %i %u %x %X %o %p %s %c %%, with the length modifiers hh, h,
// l, ll, z, j and t; the flags '-' (left-justify), '0' (zero pad), '+', ' ' and '#';
// a field width given as a number or as '*'; and a precision (".N" or ".*") that limits
// the characters taken from %s and gives the minimum digit count of the integers.
// Floating point is deliberately absent, because the kernel runs with the FPU off.
//
// Where Atlas differs from the C library on purpose:
// - %p always prints "0x" followed by exactly 16 lower-case hex digits, nullptr included,
//   so that addresses line up in dumps.
// - %s with nullptr prints "(null)" (cut by the precision like any other string).
// - An unknown conversion such as "%q" is printed literally, so a typo in a format string
//   shows up in the output instead of silently consuming an argument.
//
// Invariants: the formatter reads a %s argument only up to its precision, never beyond,
// so it is safe on byte arrays that are not NUL-terminated; vsnformat never writes more
// than `size` bytes and always NUL-terminates when size > 0.
#pragma once

#include <cstdarg>
#include <cstddef>

// Where formatted characters go. The formatter hands over runs of characters (literal
// text and whole converted fields) through write(), so an implementation that pays a
// cost per call, such as taking a lock, pays it per run and not per character.
class FormatSink {
public:
    virtual void write(const char* chars, size_t length) = 0;

protected:
    // Sinks are owned by value on the caller's stack; nobody deletes one through this base.
    ~FormatSink() = default;
};

// A sink that fills a fixed buffer and counts everything offered to it, the engine behind
// snformat. It keeps room for the terminating NUL, which terminate() writes.
class BufferSink final : public FormatSink {
public:
    BufferSink(char* buffer, size_t capacity) : m_buffer(buffer), m_capacity(capacity) {}

    void write(const char* chars, size_t length) override;

    // Writes the NUL after the last stored character, if the buffer has any room at all.
    void terminate();

    // The number of characters offered so far, including those that did not fit.
    size_t total_length() const { return m_total; }

private:
    char* m_buffer;
    size_t m_capacity;
    size_t m_stored{0};
    size_t m_total{0};
};

// Formats into `sink` and returns the number of characters produced.
size_t vformat(FormatSink& sink, const char* fmt, va_list args);
size_t format(FormatSink& sink, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// snprintf semantics: writes at most size - 1 characters and a NUL into `buffer` (nothing
// at all when size is 0) and returns the length the whole output would have had, so a
// return value >= size means the output was truncated.
int vsnformat(char* buffer, size_t size, const char* fmt, va_list args);
int snformat(char* buffer, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
