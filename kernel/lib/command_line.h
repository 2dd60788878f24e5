// Reading the kernel command line (the device tree's /chosen bootargs).
//
// The command line is a list of words separated by spaces. A word is either a flag on its
// own ("selftest", "fsbench") or a key with a value ("selftest=Heap", "atlas.run=ls,-l"):
//
//     "fsbench  selftest=Heap atlas.run=echo,hi"
//      ^^^^^^^  ^^^^^^^^ ^^^^ ^^^^^^^^^ ^^^^^^^
//      flag     key      value key      value
//
// A key is found only as a whole word or before its '=': "selftest" does not match
// "selftests" or "myselftest". When a key appears more than once, the first word wins.
// The value runs to the next space and is returned as a pointer into the command line
// with a length, since it is not NUL-terminated there; copy_value() makes a C string of it.
//
// Nothing here allocates or writes to the command line, so the functions work on the
// boot hart before the heap exists and compile unchanged in the host tests.
#pragma once

#include <cstddef>
#include <optional>

// One word of the command line that names a key.
struct CommandLineWord {
    // The text after "key=", or null when the word is the key alone.
    const char* value{nullptr};
    size_t value_length{0};

    bool has_value() const { return value != nullptr; }

    // Copies the value into `out` as a C string ("" when there is none), cutting it to
    // out_size - 1 bytes. Returns false if it had to cut. `out_size` must be at least 1.
    bool copy_value(char* out, size_t out_size) const;
};

// The first word of `command_line` that is `key` alone or `key=value`, or nothing. A null
// command line holds no words.
std::optional<CommandLineWord> command_line_find(const char* command_line, const char* key);

// Whether `command_line` holds `key`, alone or with a value.
bool command_line_has(const char* command_line, const char* key);
