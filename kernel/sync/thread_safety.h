// Thread-safety annotations: which lock guards which data, and which lock a function needs.
//
// Under clang these expand to its capability attributes, and a build with -Wthread-safety
// checks them at compile time: reading a GUARDED_BY field, or calling a REQUIRES function,
// without holding the named lock is a warning (an error with -Werror). Under GCC, which
// compiles the kernel and has no such analysis, they expand to nothing. The analysis runs
// over the kernel code that compiles on the host (kernel/fs, kernel/lib), with clang and the
// annotated lock shims of tests/host/shim: tools/check-thread-safety, run by CTest as
// ThreadSafety.Analysis. docs/concurrency.md says what it covers and what it leaves out.
//
// The annotations state the contract at compile time; the lock classes' assert_locked()
// (and RwLock's assert_write_locked()) state it at run time, on the first line of every
// function whose name ends in _locked. Each assert is also an ASSERT_CAPABILITY, so the
// analysis treats the lock as held after it.
//
//   class Counter {
//       Mutex m_lock;
//       int m_value GUARDED_BY(m_lock);
//       void bump_locked() REQUIRES(m_lock) { m_lock.assert_locked(); ++m_value; }
//   };
//
// The lock classes are capabilities (CAPABILITY), their guards scoped capabilities
// (SCOPED_CAPABILITY): a MutexLocker's constructor acquires, its destructor releases.
#pragma once

#if defined(__clang__)
#    define ATLAS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#    define ATLAS_THREAD_ANNOTATION(x)
#endif

// A class whose instances are locks; `name` is what the warnings call them ("mutex").
#define CAPABILITY(name) ATLAS_THREAD_ANNOTATION(capability(name))
// An RAII class that holds a lock for its lifetime.
#define SCOPED_CAPABILITY ATLAS_THREAD_ANNOTATION(scoped_lockable)
// A field read or written only with `lock` held (writes need it exclusively).
#define GUARDED_BY(lock) ATLAS_THREAD_ANNOTATION(guarded_by(lock))
// A pointer whose pointee is guarded by `lock`.
#define PT_GUARDED_BY(lock) ATLAS_THREAD_ANNOTATION(pt_guarded_by(lock))
// The caller must hold the locks (exclusively; SHARED: at least for reading).
#define REQUIRES(...) ATLAS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) ATLAS_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
// The function takes the locks (no argument on a lock's own member: the lock itself).
#define ACQUIRE(...) ATLAS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) ATLAS_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
// The function releases the locks.
#define RELEASE(...) ATLAS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) ATLAS_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
// Releases a lock held in either mode (a scoped guard's destructor).
#define RELEASE_GENERIC(...) ATLAS_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
// Takes the lock if the function returns `result` (true for try_lock).
#define TRY_ACQUIRE(...) ATLAS_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
// The caller must not hold the locks (the function takes them).
#define EXCLUDES(...) ATLAS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// The function checks at run time that the lock is held (and stops otherwise).
#define ASSERT_CAPABILITY(lock) ATLAS_THREAD_ANNOTATION(assert_capability(lock))
#define ASSERT_SHARED_CAPABILITY(lock) ATLAS_THREAD_ANNOTATION(assert_shared_capability(lock))
// The function returns a reference to `lock` (an accessor such as Inode::lock()).
#define RETURN_CAPABILITY(lock) ATLAS_THREAD_ANNOTATION(lock_returned(lock))
// Opts one function out of the analysis; say why next to it.
#define NO_THREAD_SAFETY_ANALYSIS ATLAS_THREAD_ANNOTATION(no_thread_safety_analysis)
