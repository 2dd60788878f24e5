// A bitmap view over caller-provided 64-bit words; it never allocates.
//
// Used for the file system's free-block bitmap, the inode bitmap and similar sets of
// small integers. The caller owns the storage (a block buffer, a static array) and
// keeps it alive for as long as the view is used.
//
// Bit i lives in words[i / 64] at position i % 64, least significant first. On a
// little-endian machine (RISC-V, x86-64) that is also byte i / 8, bit i % 8, so the
// same layout can be shared with on-disk bitmaps written byte-wise.
//
// Invariants: only bits below size() are ever read or written; bits of the last word
// beyond size() are left alone and ignored by searches and counts. Out-of-range
// indices are assertion failures.
//
// Searches and counts work a word at a time with std::countr_zero and std::popcount.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "lib/assert.h"

class Bitmap {
public:
    static constexpr size_t kBitsPerWord = 64;

    // How many words are needed to hold bit_count bits.
    static constexpr size_t words_for(size_t bit_count) { return (bit_count + kBitsPerWord - 1) / kBitsPerWord; }

    // A view of bit_count bits stored in words, which must hold words_for(bit_count).
    Bitmap(uint64_t* words, size_t bit_count)
        : m_words(words)
        , m_size(bit_count)
    {
        ASSERT(words || bit_count == 0);
    }

    size_t size() const { return m_size; }

    bool get(size_t index) const
    {
        ASSERT(index < m_size);
        return (m_words[index / kBitsPerWord] >> (index % kBitsPerWord)) & 1;
    }

    void set(size_t index)
    {
        ASSERT(index < m_size);
        m_words[index / kBitsPerWord] |= bit(index);
    }

    void clear(size_t index)
    {
        ASSERT(index < m_size);
        m_words[index / kBitsPerWord] &= ~bit(index);
    }

    void set(size_t index, bool value)
    {
        if (value)
            set(index);
        else
            clear(index);
    }

    // Sets or clears count bits starting at start; [start, start + count) must fit.
    void set_range(size_t start, size_t count) { fill_range(start, count, true); }
    void clear_range(size_t start, size_t count) { fill_range(start, count, false); }

    // The first clear (or set) bit at or after from, or nothing. A from at or beyond
    // size() finds nothing.
    std::optional<size_t> find_first_clear(size_t from = 0) const { return find_first(from, true); }
    std::optional<size_t> find_first_set(size_t from = 0) const { return find_first(from, false); }

    // The number of set bits in [start, start + count), or in the whole bitmap.
    size_t count_set(size_t start, size_t count) const
    {
        ASSERT(start <= m_size && count <= m_size - start);
        size_t total = 0;
        size_t end = start + count;
        while (start < end) {
            size_t word_index = start / kBitsPerWord;
            size_t offset = start % kBitsPerWord;
            size_t chunk = kBitsPerWord - offset < end - start ? kBitsPerWord - offset : end - start;
            total += std::popcount(m_words[word_index] & mask(offset, chunk));
            start += chunk;
        }
        return total;
    }

    size_t count_set() const { return count_set(0, m_size); }

private:
    static uint64_t bit(size_t index) { return uint64_t(1) << (index % kBitsPerWord); }

    // count (1..64) consecutive ones starting at bit offset, with offset + count <= 64.
    static uint64_t mask(size_t offset, size_t count)
    {
        uint64_t ones = count == kBitsPerWord ? ~uint64_t(0) : (uint64_t(1) << count) - 1;
        return ones << offset;
    }

    void fill_range(size_t start, size_t count, bool value)
    {
        ASSERT(start <= m_size && count <= m_size - start);
        size_t end = start + count;
        while (start < end) {
            size_t word_index = start / kBitsPerWord;
            size_t offset = start % kBitsPerWord;
            size_t chunk = kBitsPerWord - offset < end - start ? kBitsPerWord - offset : end - start;
            if (value)
                m_words[word_index] |= mask(offset, chunk);
            else
                m_words[word_index] &= ~mask(offset, chunk);
            start += chunk;
        }
    }

    // Finds the first set bit at or after from; when looking_for_clear, the words are
    // inverted first so that the same search finds the first clear bit.
    std::optional<size_t> find_first(size_t from, bool looking_for_clear) const
    {
        if (from >= m_size)
            return std::nullopt;
        size_t word_index = from / kBitsPerWord;
        // Ignore the bits below from in the first word.
        uint64_t candidates = ~uint64_t(0) << (from % kBitsPerWord);
        size_t word_count = words_for(m_size);
        for (; word_index < word_count; ++word_index) {
            uint64_t word = m_words[word_index];
            if (looking_for_clear)
                word = ~word;
            word &= candidates;
            candidates = ~uint64_t(0);
            if (word) {
                size_t index = word_index * kBitsPerWord + std::countr_zero(word);
                if (index >= m_size)
                    return std::nullopt;
                return index;
            }
        }
        return std::nullopt;
    }

    uint64_t* m_words;
    size_t m_size;
};
