// The registry of shrinkers: see shrinker.h.
#include "mm/shrinker.h"

#include <atomic>

#include "sync/mutex.h"

namespace {

// A leaf among sleeping locks: nothing else is taken with it held but the spinlocks the
// shrink functions take.
Mutex s_lock { "shrinkers" };
IntrusiveList<Shrinker, &Shrinker::node> s_shrinkers;  // Guarded by s_lock.
std::atomic<size_t> s_shrunk { 0 };

}  // namespace

void register_shrinker(Shrinker& shrinker)
{
    MutexLocker locker(s_lock);
    s_shrinkers.push_back(shrinker);
}

void unregister_shrinker(Shrinker& shrinker)
{
    MutexLocker locker(s_lock);
    s_shrinkers.remove(shrinker);
}

size_t shrink_caches(size_t frames)
{
    size_t freed = 0;
    {
        MutexLocker locker(s_lock);
        for (Shrinker* shrinker = s_shrinkers.first(); shrinker && freed < frames;
             shrinker = s_shrinkers.next(*shrinker))
            freed += shrinker->shrink(shrinker->context, frames - freed);
    }
    s_shrunk.fetch_add(freed, std::memory_order_relaxed);
    return freed;
}

size_t shrunk_frames() { return s_shrunk.load(std::memory_order_relaxed); }
