// Copies a host directory tree into an image: see populate.h.
#include "populate.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "fs/format.h"
#include "image_builder.h"

namespace mkfs {

namespace {

namespace stdfs = std::filesystem;

void set_error(std::string* error, const std::string& message) {
    if (error)
        *error = message;
}

void warn(std::vector<std::string>* warnings, const std::string& message) {
    if (warnings)
        warnings->push_back(message);
}

// Streams a host file into `inode` a megabyte at a time, so that a large file does not need
// to fit in memory twice.
bool copy_file(ImageBuilder& builder, const stdfs::path& source, fs::InodeNumber inode, std::string* error) {
    std::ifstream input(source, std::ios::binary);
    if (!input) {
        set_error(error, "cannot open " + source.string());
        return false;
    }
    std::vector<uint8_t> chunk(1 << 20);
    uint64_t offset = 0;
    while (input) {
        input.read(reinterpret_cast<char*>(chunk.data()), std::streamsize(chunk.size()));
        size_t got = size_t(input.gcount());
        if (got == 0)
            break;
        std::string why;
        if (!builder.write_file(inode, offset, chunk.data(), got, &why)) {
            set_error(error, "cannot copy " + source.string() + ": " + why);
            return false;
        }
        offset += got;
    }
    if (input.bad()) {
        set_error(error, "error reading " + source.string());
        return false;
    }
    return true;
}

bool copy_tree(ImageBuilder& builder, const stdfs::path& source, fs::InodeNumber directory,
               std::vector<std::string>* warnings, std::string* error) {
    std::error_code code;
    std::vector<stdfs::directory_entry> entries;
    for (stdfs::directory_iterator it(source, code), end; !code && it != end; it.increment(code))
        entries.push_back(*it);
    if (code) {
        set_error(error, "cannot list " + source.string() + ": " + code.message());
        return false;
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });

    for (const stdfs::directory_entry& entry : entries) {
        std::string name = entry.path().filename().string();
        if (name.size() > fs::kMaxNameLength) {
            warn(warnings, "skipped " + entry.path().string() + ": name longer than 255 bytes");
            continue;
        }
        // symlink_status: a symbolic link is skipped, not followed.
        stdfs::file_status status = entry.symlink_status(code);
        if (code) {
            set_error(error, "cannot stat " + entry.path().string() + ": " + code.message());
            return false;
        }
        std::string why;
        if (stdfs::is_directory(status)) {
            std::optional<fs::InodeNumber> child = builder.make_directory(directory, name, &why);
            if (!child) {
                set_error(error, "cannot create directory " + entry.path().string() + ": " + why);
                return false;
            }
            if (!copy_tree(builder, entry.path(), *child, warnings, error))
                return false;
        } else if (stdfs::is_regular_file(status)) {
            std::optional<fs::InodeNumber> child = builder.create_file(directory, name, &why);
            if (!child) {
                set_error(error, "cannot create file " + entry.path().string() + ": " + why);
                return false;
            }
            if (!copy_file(builder, entry.path(), *child, error))
                return false;
        } else {
            warn(warnings, "skipped " + entry.path().string() + ": not a regular file or directory");
        }
    }
    return true;
}

}  // namespace

bool populate_image(std::vector<uint8_t>& image, const std::string& host_directory,
                    std::vector<std::string>* warnings, std::string* error) {
    std::error_code code;
    if (!stdfs::is_directory(host_directory, code)) {
        set_error(error, host_directory + " is not a directory");
        return false;
    }
    std::unique_ptr<ImageBuilder> builder = ImageBuilder::open(image, error);
    if (!builder)
        return false;
    return copy_tree(*builder, host_directory, builder->superblock().root_inode, warnings, error);
}

}  // namespace mkfs
