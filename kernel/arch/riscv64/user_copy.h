// The assembly routines that touch user memory (user_copy.S) and the address range the
// trap code recognises as theirs. Only mm/user_memory.cc calls them; only trap.cc looks at
// the range. See user_copy.S for the recovery protocol.
#pragma once

#include <cstddef>
#include <cstdint>

// What user_copy_bytes returns (in a0 and a1): status 0 and left 0 when every byte was
// copied; status -EFAULT and left = the bytes not copied (the tail of the range) when it
// stopped at a fault it could not resolve.
struct UserCopyResult {
    long status;
    size_t left;
};

extern "C" {
UserCopyResult user_copy_bytes(void* dst, const void* src, size_t length);
long user_clear_bytes(void* dst, size_t length);
long user_copy_string(char* dst, const char* src, size_t capacity);

void user_copy_fault();
void user_copy_bulk_fault();
extern char user_copy_begin[];
extern char user_copy_end[];
extern char user_copy_bulk_begin[];
extern char user_copy_bulk_end[];
}

// Whether `pc` lies in one of the routines above (a fault there may be recovered).
inline bool is_user_copy_pc(uint64_t pc) {
    return pc >= reinterpret_cast<uint64_t>(user_copy_begin) && pc < reinterpret_cast<uint64_t>(user_copy_end);
}

// Where a routine resumes after a fault at `pc` that the pipeline could not resolve:
// user_copy_fault, which returns -EFAULT, or, for a fault in user_copy_bytes's unrolled
// loop, user_copy_bulk_fault, which finishes the copy a doubleword at a time so that it
// stops exactly where the bad page starts.
inline uint64_t user_copy_resume_pc(uint64_t pc) {
    if (pc >= reinterpret_cast<uint64_t>(user_copy_bulk_begin) && pc < reinterpret_cast<uint64_t>(user_copy_bulk_end))
        return reinterpret_cast<uint64_t>(&user_copy_bulk_fault);
    return reinterpret_cast<uint64_t>(&user_copy_fault);
}
