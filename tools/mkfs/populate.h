// populate_image: copies a host directory tree into a formatted in-memory disk image.
//
// Host-only, used by tools/mkfs. Regular files are copied with their contents and
// subdirectories recursively, in name order so that the same tree always gives the same
// image. Anything else (symbolic links, devices, sockets, FIFOs) and names the format cannot
// hold (longer than 255 bytes) are skipped with a warning. Hard links on the host become
// separate copies. The image stays consistent if the copy fails part-way (out of space or
// inodes), but then holds only part of the tree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mkfs {

// Copies the contents of `host_directory` (not the directory itself) into the root of
// `image`, which format_image() made. Appends a sentence to *warnings for every entry it
// skips. Returns false and says why in *error if the tree does not fit or cannot be read.
bool populate_image(std::vector<uint8_t>& image, const std::string& host_directory,
                    std::vector<std::string>* warnings, std::string* error);

}  // namespace mkfs
