// Reading the kernel command line: see command_line.h.
#include "lib/command_line.h"

#include "lib/string.h"

bool CommandLineWord::copy_value(char* out, size_t out_size) const {
    size_t length = has_value() ? value_length : 0;
    size_t copied = length < out_size ? length : out_size - 1;
    if (copied > 0)
        klib::memcpy(out, value, copied);
    out[copied] = '\0';
    return copied == length;
}

std::optional<CommandLineWord> command_line_find(const char* command_line, const char* key) {
    size_t key_length = klib::strlen(key);
    if (key_length == 0)
        return std::nullopt;
    for (const char* p = command_line; p && *p;) {
        while (*p == ' ')
            ++p;
        const char* word = p;
        while (*p && *p != ' ')
            ++p;
        size_t word_length = static_cast<size_t>(p - word);
        if (word_length < key_length || klib::strncmp(word, key, key_length) != 0)
            continue;
        if (word_length == key_length)
            return CommandLineWord{};
        if (word[key_length] == '=')
            return CommandLineWord{word + key_length + 1, word_length - key_length - 1};
    }
    return std::nullopt;
}

bool command_line_has(const char* command_line, const char* key) {
    return command_line_find(command_line, key).has_value();
}
