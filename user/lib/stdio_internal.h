// The stream structure behind FILE, private to user/lib.
//
//   buffer: [0, pending) output not yet written            (when writing)
//           [read_position, read_end) input not yet taken  (when reading)
//
// A stream is either writing (pending > 0) or reading (read_end > read_position), never
// both: switching direction flushes output or drops read-ahead (seeking back over it).
// Every open stream is on the list that exit() flushes.
#pragma once

#include <stddef.h>

struct AtlasFile {
    int fd;
    int buffering;  // _IOFBF, _IOLBF or _IONBF; -1 until the first write decides (stdout).
    char* buffer;
    size_t capacity;
    size_t pending;
    size_t read_position;
    size_t read_end;
    int pushed_back;  // A character from ungetc, or -1.
    bool at_eof;
    bool has_error;
    bool owns_buffer;
    AtlasFile* next;
};

namespace atlas {

// Writes every stream's pending output; called by exit() and abort().
void flush_all_streams();

} // namespace atlas
