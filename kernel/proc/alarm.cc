// setitimer(ITIMER_REAL) and the timer tick that fires it. See alarm.h.
#include "proc/alarm.h"

#include <atomic>
#include <limits>
#include <new>
#include <utility>

#include "arch/riscv64/timer.h"
#include "lib/errno.h"
#include "proc/process.h"
#include "proc/process_table.h"

namespace {

struct AlarmTreeTraits {
    // Ties on the deadline are broken by pid, so keys are unique.
    static std::pair<uint64_t, int> key(const ProcessAlarm& alarm) { return { alarm.m_deadline, alarm.m_process.pid() }; }
};
using AlarmTree = IntrusiveTree<ProcessAlarm, &ProcessAlarm::m_node, AlarmTreeTraits>;

constexpr uint64_t kMicrosecondsPerTick = 1000000 / kTimerHz;
// Longer values are cut to this (about 3 years), as Linux cuts them: the tick count stays
// far from overflowing.
constexpr int64_t kMaxSeconds = 100'000'000;

AlarmTree s_alarms;  // Guarded by the table lock.
// The earliest deadline in s_alarms (max if none), readable without the lock.
std::atomic<uint64_t> s_next_deadline { std::numeric_limits<uint64_t>::max() };

void update_next_deadline_locked() {
    ProcessAlarm* first = s_alarms.first();
    s_next_deadline.store(first ? first->m_deadline : std::numeric_limits<uint64_t>::max(),
                          std::memory_order_relaxed);
}

// A timeval as ticks, rounded up; the caller has checked it.
uint64_t ticks_of(const atlas_timeval& value) {
    int64_t seconds = value.tv_sec > kMaxSeconds ? kMaxSeconds : value.tv_sec;
    uint64_t microseconds = static_cast<uint64_t>(seconds) * 1000000 + static_cast<uint64_t>(value.tv_usec);
    return (microseconds + kMicrosecondsPerTick - 1) / kMicrosecondsPerTick;
}

atlas_timeval timeval_of(uint64_t ticks) {
    uint64_t microseconds = ticks * kMicrosecondsPerTick;
    return atlas_timeval { static_cast<int64_t>(microseconds / 1000000), static_cast<int64_t>(microseconds % 1000000) };
}

bool valid(const atlas_timeval& value) {
    return value.tv_sec >= 0 && value.tv_usec >= 0 && value.tv_usec < 1000000;
}

void link_locked(ProcessAlarm& alarm, uint64_t deadline) {
    alarm.m_deadline = deadline;
    bool inserted = s_alarms.insert(alarm);
    ASSERT(inserted);
    update_next_deadline_locked();
}

}  // namespace

atlas_itimerval Process::real_timer_locked(uint64_t now) const {
    ProcessTable::lock().assert_locked();
    atlas_itimerval value {};
    if (!m_alarm)
        return value;
    value.it_interval = timeval_of(m_alarm->m_interval);
    if (m_alarm->m_node.is_linked()) {
        // Due but not yet fired (the tick is on its way): one tick, never "disarmed".
        value.it_value = timeval_of(m_alarm->m_deadline > now ? m_alarm->m_deadline - now : 1);
    }
    return value;
}

ErrorOr<atlas_itimerval> Process::real_timer() {
    SpinlockLocker locker(ProcessTable::lock());
    return real_timer_locked(timer_ticks());
}

ErrorOr<atlas_itimerval> Process::set_real_timer(const atlas_itimerval& value) {
    if (!valid(value.it_value) || !valid(value.it_interval))
        return Error::from_errno(EINVAL);
    uint64_t ticks = ticks_of(value.it_value);
    if (!m_alarm && ticks != 0) {
        // Only this thread sets m_alarm; the tick reads it only once it is linked.
        auto* alarm = new (std::nothrow) ProcessAlarm(*this);
        if (!alarm)
            return Error::from_errno(ENOMEM);
        OwnPtr<ProcessAlarm> owned(alarm);
        SpinlockLocker locker(ProcessTable::lock());
        m_alarm = std::move(owned);
    }
    SpinlockLocker locker(ProcessTable::lock());
    uint64_t now = timer_ticks();
    atlas_itimerval old = real_timer_locked(now);
    if (!m_alarm)
        return old;  // Disarming what was never armed.
    cancel_alarm_locked();
    m_alarm->m_interval = ticks_of(value.it_interval);
    if (ticks != 0)
        link_locked(*m_alarm, now + ticks);
    return old;
}

void Process::cancel_alarm_locked() {
    ProcessTable::lock().assert_locked();
    if (!m_alarm || !m_alarm->m_node.is_linked())
        return;
    s_alarms.erase(*m_alarm);
    update_next_deadline_locked();
}

void process_alarms_tick() {
    uint64_t now = timer_ticks();
    if (now < s_next_deadline.load(std::memory_order_relaxed))
        return;
    SpinlockLocker locker(ProcessTable::lock());
    while (ProcessAlarm* alarm = s_alarms.first()) {
        if (alarm->m_deadline > now)
            break;
        s_alarms.erase(*alarm);
        if (alarm->m_interval != 0) {
            alarm->m_deadline = now + alarm->m_interval;
            bool inserted = s_alarms.insert(*alarm);
            ASSERT(inserted);
        }
        alarm->m_process.post_signal_locked(SIGALRM, 0);
    }
    update_next_deadline_locked();
}
