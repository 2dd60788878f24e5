// The printf engine. See format.h for the supported conversions and the contract.
#include "lib/format.h"

#include <cstdint>
#include <limits>

namespace {

// Everything a conversion specification says, parsed once before the argument is read.
struct Spec {
    bool left_justify{false};
    bool zero_pad{false};
    bool plus_sign{false};
    bool space_sign{false};
    bool alternate{false};
    size_t width{0};
    // Negative means "no precision given", which differs from ".0" for integers.
    int precision{-1};
};

enum class Length {
    Default,
    Char,
    Short,
    Long,
    LongLong,
    Size,
    Max,
    PtrDiff,
};

constexpr char kLowerDigits[] = "0123456789abcdef";
constexpr char kUpperDigits[] = "0123456789ABCDEF";

// Emits padding in chunks, so that a wide field costs a few sink calls, not one per byte.
void pad(FormatSink& sink, char fill, size_t count) {
    char chunk[16];
    for (auto& c : chunk)
        c = fill;
    while (count > 0) {
        size_t n = count < sizeof(chunk) ? count : sizeof(chunk);
        sink.write(chunk, n);
        count -= n;
    }
}

// Returns the length of `s`, looking at no more than `limit` bytes: a %s with a precision
// may legitimately point at an array that has no terminating NUL.
size_t bounded_length(const char* s, size_t limit) {
    size_t n = 0;
    while (n < limit && s[n] != '\0')
        ++n;
    return n;
}

// Writes `body` padded to the field width. `prefix` (a sign or "0x") goes before any
// zeros, and `zeros` leading zeros go between it and the body.
size_t emit_field(FormatSink& sink, const Spec& spec, const char* prefix, size_t prefix_length, size_t zeros,
                  const char* body, size_t body_length) {
    size_t length = prefix_length + zeros + body_length;
    size_t padding = spec.width > length ? spec.width - length : 0;
    if (!spec.left_justify)
        pad(sink, ' ', padding);
    if (prefix_length > 0)
        sink.write(prefix, prefix_length);
    pad(sink, '0', zeros);
    if (body_length > 0)
        sink.write(body, body_length);
    if (spec.left_justify)
        pad(sink, ' ', padding);
    return length + padding;
}

// Formats an integer conversion. `magnitude` is the absolute value; `negative` says
// whether a minus sign belongs in front of it, which is how INT64_MIN survives intact.
size_t emit_integer(FormatSink& sink, const Spec& spec, uint64_t magnitude, bool negative, unsigned base,
                    bool upper) {
    // 22 octal digits are the most a 64-bit value needs.
    char digits[24];
    size_t digit_count = 0;
    const char* table = upper ? kUpperDigits : kLowerDigits;
    // With an explicit precision of zero the value zero prints no digits at all.
    if (!(magnitude == 0 && spec.precision == 0)) {
        char* end = digits + sizeof(digits);
        char* p = end;
        do {
            *--p = table[magnitude % base];
            magnitude /= base;
        } while (magnitude != 0);
        digit_count = static_cast<size_t>(end - p);
        // Shift to the front so `digits` is the start of the body below.
        for (size_t i = 0; i < digit_count; ++i)
            digits[i] = p[i];
    }

    char prefix[2];
    size_t prefix_length = 0;
    if (negative)
        prefix[prefix_length++] = '-';
    else if (spec.plus_sign)
        prefix[prefix_length++] = '+';
    else if (spec.space_sign)
        prefix[prefix_length++] = ' ';

    size_t zeros = 0;
    if (spec.alternate && base == 16 && digit_count > 0 && !(digit_count == 1 && digits[0] == '0')) {
        prefix[0] = '0';
        prefix[1] = upper ? 'X' : 'x';
        prefix_length = 2;
    } else if (spec.alternate && base == 8 && (digit_count == 0 || digits[0] != '0')) {
        // The '#' flag for octal raises the precision just enough to start with a zero.
        zeros = 1;
    }

    if (spec.precision >= 0) {
        size_t precision = static_cast<size_t>(spec.precision);
        if (precision > digit_count + zeros)
            zeros = precision - digit_count;
    } else if (spec.zero_pad && !spec.left_justify) {
        // The '0' flag fills the field with zeros after the sign; a precision or '-'
        // disables it, as in C.
        size_t used = prefix_length + zeros + digit_count;
        if (spec.width > used)
            zeros += spec.width - used;
    }
    return emit_field(sink, spec, prefix, prefix_length, zeros, digits, digit_count);
}

// Reads a non-negative decimal number, saturating far below overflow; widths beyond a few
// thousand are nonsense anyway and must not turn into huge loops of padding.
int parse_number(const char*& p) {
    constexpr int kLimit = 1 << 20;
    int value = 0;
    while (*p >= '0' && *p <= '9') {
        if (value < kLimit)
            value = value * 10 + (*p - '0');
        ++p;
    }
    return value < kLimit ? value : kLimit;
}

}  // namespace

void BufferSink::write(const char* chars, size_t length) {
    m_total += length;
    if (m_capacity == 0)
        return;
    // One byte always stays free for the NUL.
    size_t room = m_capacity - 1 - m_stored;
    size_t n = length < room ? length : room;
    for (size_t i = 0; i < n; ++i)
        m_buffer[m_stored + i] = chars[i];
    m_stored += n;
}

void BufferSink::terminate() {
    if (m_capacity > 0)
        m_buffer[m_stored] = '\0';
}

size_t vformat(FormatSink& sink, const char* fmt, va_list args) {
    // va_list is an array type on some ABIs; a local copy keeps va_arg well-defined
    // whatever the caller passed.
    va_list ap;
    va_copy(ap, args);
    size_t produced = 0;
    const char* p = fmt;

    while (*p != '\0') {
        // Hand over the literal run up to the next '%' in one call.
        const char* run = p;
        while (*p != '\0' && *p != '%')
            ++p;
        if (p != run) {
            sink.write(run, static_cast<size_t>(p - run));
            produced += static_cast<size_t>(p - run);
        }
        if (*p == '\0')
            break;

        const char* conversion_start = p;
        ++p;  // Skip the '%'.

        Spec spec;
        for (;; ++p) {
            if (*p == '-')
                spec.left_justify = true;
            else if (*p == '0')
                spec.zero_pad = true;
            else if (*p == '+')
                spec.plus_sign = true;
            else if (*p == ' ')
                spec.space_sign = true;
            else if (*p == '#')
                spec.alternate = true;
            else
                break;
        }

        if (*p == '*') {
            ++p;
            int width = va_arg(ap, int);
            // A negative width from '*' means left-justify, as in C.
            if (width < 0) {
                spec.left_justify = true;
                width = width == std::numeric_limits<int>::min() ? std::numeric_limits<int>::max() : -width;
            }
            spec.width = static_cast<size_t>(width);
        } else {
            spec.width = static_cast<size_t>(parse_number(p));
        }

        if (*p == '.') {
            ++p;
            if (*p == '*') {
                ++p;
                int precision = va_arg(ap, int);
                // A negative precision from '*' counts as none given.
                spec.precision = precision < 0 ? -1 : precision;
            } else {
                spec.precision = parse_number(p);
            }
        }

        Length length = Length::Default;
        switch (*p) {
            case 'h':
                ++p;
                length = Length::Short;
                if (*p == 'h') {
                    ++p;
                    length = Length::Char;
                }
                break;
            case 'l':
                ++p;
                length = Length::Long;
                if (*p == 'l') {
                    ++p;
                    length = Length::LongLong;
                }
                break;
            case 'z':
                ++p;
                length = Length::Size;
                break;
            case 'j':
                ++p;
                length = Length::Max;
                break;
            case 't':
                ++p;
                length = Length::PtrDiff;
                break;
            default:
                break;
        }

        char conversion = *p;
        if (conversion == '\0') {
            // A format that ends inside a specification: print what was there.
            size_t n = static_cast<size_t>(p - conversion_start);
            sink.write(conversion_start, n);
            produced += n;
            break;
        }
        ++p;

        switch (conversion) {
            case 'd':
            case 'i': {
                int64_t value;
                switch (length) {
                    case Length::Char:
                        value = static_cast<signed char>(va_arg(ap, int));
                        break;
                    case Length::Short:
                        value = static_cast<short>(va_arg(ap, int));
                        break;
                    case Length::Long:
                        value = va_arg(ap, long);
                        break;
                    case Length::LongLong:
                        value = va_arg(ap, long long);
                        break;
                    case Length::Size:
                        // The signed counterpart of size_t, as C's %zd.
                        value = static_cast<int64_t>(va_arg(ap, size_t));
                        break;
                    case Length::Max:
                        value = va_arg(ap, intmax_t);
                        break;
                    case Length::PtrDiff:
                        value = va_arg(ap, ptrdiff_t);
                        break;
                    default:
                        value = va_arg(ap, int);
                        break;
                }
                bool negative = value < 0;
                // Negate in unsigned arithmetic so that INT64_MIN does not overflow.
                uint64_t magnitude =
                    negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
                produced += emit_integer(sink, spec, magnitude, negative, 10, false);
                break;
            }
            case 'u':
            case 'x':
            case 'X':
            case 'o': {
                uint64_t value;
                switch (length) {
                    case Length::Char:
                        value = static_cast<unsigned char>(va_arg(ap, unsigned int));
                        break;
                    case Length::Short:
                        value = static_cast<unsigned short>(va_arg(ap, unsigned int));
                        break;
                    case Length::Long:
                        value = va_arg(ap, unsigned long);
                        break;
                    case Length::LongLong:
                        value = va_arg(ap, unsigned long long);
                        break;
                    case Length::Size:
                        value = va_arg(ap, size_t);
                        break;
                    case Length::Max:
                        value = va_arg(ap, uintmax_t);
                        break;
                    case Length::PtrDiff:
                        value = static_cast<uint64_t>(va_arg(ap, ptrdiff_t));
                        break;
                    default:
                        value = va_arg(ap, unsigned int);
                        break;
                }
                // Signs belong to signed conversions only.
                spec.plus_sign = false;
                spec.space_sign = false;
                unsigned base = conversion == 'u' ? 10 : conversion == 'o' ? 8 : 16;
                produced += emit_integer(sink, spec, value, false, base, conversion == 'X');
                break;
            }
            case 'p': {
                auto value = reinterpret_cast<uintptr_t>(va_arg(ap, void*));
                char digits[2 + 16];
                digits[0] = '0';
                digits[1] = 'x';
                for (int i = 0; i < 16; ++i)
                    digits[2 + i] = kLowerDigits[(value >> (60 - 4 * i)) & 0xf];
                spec.zero_pad = false;
                produced += emit_field(sink, spec, nullptr, 0, 0, digits, sizeof(digits));
                break;
            }
            case 's': {
                const char* s = va_arg(ap, const char*);
                if (s == nullptr)
                    s = "(null)";
                size_t limit = spec.precision >= 0 ? static_cast<size_t>(spec.precision) : SIZE_MAX;
                size_t n = bounded_length(s, limit);
                produced += emit_field(sink, spec, nullptr, 0, 0, s, n);
                break;
            }
            case 'c': {
                char c = static_cast<char>(va_arg(ap, int));
                produced += emit_field(sink, spec, nullptr, 0, 0, &c, 1);
                break;
            }
            case '%':
                sink.write("%", 1);
                produced += 1;
                break;
            default: {
                // Unknown conversion: show the whole specification so the mistake is visible.
                size_t n = static_cast<size_t>(p - conversion_start);
                sink.write(conversion_start, n);
                produced += n;
                break;
            }
        }
    }

    va_end(ap);
    return produced;
}

size_t format(FormatSink& sink, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    size_t produced = vformat(sink, fmt, args);
    va_end(args);
    return produced;
}

int vsnformat(char* buffer, size_t size, const char* fmt, va_list args) {
    BufferSink sink(buffer, size);
    vformat(sink, fmt, args);
    sink.terminate();
    size_t total = sink.total_length();
    // snprintf returns an int; a multi-gigabyte result is clamped rather than wrapped.
    constexpr size_t kIntMax = static_cast<size_t>(std::numeric_limits<int>::max());
    return static_cast<int>(total < kIntMax ? total : kIntMax);
}

int snformat(char* buffer, size_t size, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int length = vsnformat(buffer, size, fmt, args);
    va_end(args);
    return length;
}
