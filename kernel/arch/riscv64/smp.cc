// Hart bring-up and inter-hart signalling: see smp.h.
#include "arch/riscv64/smp.h"

#include <atomic>
#include <cstddef>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/layout.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"
#include "lib/assert.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "mm/kernel_page_table.h"
#include "mm/kernel_stack.h"
#include "sync/interrupt_disabler.h"
#include "sync/mutex.h"

extern "C" char _start_secondary[];

namespace {

// How long a started hart has to report online. OpenSBI starts a hart in microseconds;
// the margin is for a loaded host running several QEMU instances.
constexpr uint64_t kHartStartTimeoutSeconds = 5;

Cpu s_cpus[kMaxCpus];
unsigned s_cpu_count = 1;
uint64_t s_timebase_frequency = 10'000'000;

// The cross-call in progress (smp_run_on_every_hart): one at a time, under s_call_lock.
Mutex s_call_lock { "cross-call" };
std::atomic<void (*)()> s_call_function { nullptr };

}  // namespace

// Read by the secondary harts through their physical addresses (kernel image, so
// kernel_image_phys() applies), before they have a kernel stack or a Cpu. Not static:
// entry.S searches it by hart id for a hart that firmware started at the wrong entry.
extern "C" SecondaryBoot secondary_boot_records[kMaxCpus];
SecondaryBoot secondary_boot_records[kMaxCpus];
// The layout entry.S assumes (SECONDARY_BOOT_* there).
static_assert(offsetof(SecondaryBoot, hart_id) == 24 && sizeof(SecondaryBoot) == 32 && kMaxCpus == 8);

Cpu& cpu_by_index(unsigned index) { return s_cpus[index]; }
unsigned cpu_count() { return s_cpu_count; }

void smp_init_boot_hart(const MachineInfo& machine, unsigned long boot_hart_id) {
    // The boot hart is cpu 0; the others follow in device-tree order.
    s_cpus[0].index = 0;
    s_cpus[0].hart_id = boot_hart_id;
    s_cpus[0].boot_stack_top = reinterpret_cast<uint64_t>(boot_stack_top);
    s_cpus[0].online.store(true);
    unsigned count = 1;
    for (size_t i = 0; i < machine.hart_count && count < kMaxCpus; ++i) {
        if (machine.harts[i].hart_id == boot_hart_id || !machine.harts[i].usable)
            continue;
        s_cpus[count].index = count;
        s_cpus[count].hart_id = machine.harts[i].hart_id;
        ++count;
    }
    s_cpu_count = count;
    if (machine.timebase_frequency)
        s_timebase_frequency = machine.timebase_frequency;
    set_this_cpu(&s_cpus[0]);
}

void smp_start_secondary_harts() {
    for (unsigned i = 1; i < s_cpu_count; ++i) {
        Cpu& cpu = s_cpus[i];
        auto stack = allocate_kernel_stack();
        if (stack.is_error()) {
            kprintf("smp: no stack for hart %lu (%s); it stays offline\n", cpu.hart_id, stack.error().name());
            continue;
        }
        cpu.boot_stack_top = stack.value().top;
        secondary_boot_records[i] = SecondaryBoot {
            .satp = kernel_satp(),
            .stack_top = stack.value().top,
            .tp = reinterpret_cast<uint64_t>(&cpu),
            .hart_id = cpu.hart_id,
        };
        // The record must be in memory before the hart can read it.
        std::atomic_thread_fence(std::memory_order_seq_cst);
        auto result = sbi::hart_start(cpu.hart_id, kernel_image_phys(_start_secondary),
                                      kernel_image_phys(&secondary_boot_records[i]));
        if (result.error != 0) {
            kprintf("smp: SBI could not start hart %lu (error %ld); it stays offline\n", cpu.hart_id, result.error);
            secondary_boot_records[i] = {};  // So that entry.S never hands it to a hart.
            free_kernel_stack(stack.value());
            continue;
        }
        uint64_t deadline = csr::read_time() + kHartStartTimeoutSeconds * s_timebase_frequency;
        while (!cpu.online.load(std::memory_order_acquire)) {
            if (csr::read_time() > deadline) {
                // The hart may still be running somewhere in its start-up code, so its stack
                // cannot be reused; leaking one stack is the safe choice.
                kprintf("smp: hart %lu did not come online within %lu s; it stays offline\n", cpu.hart_id,
                        kHartStartTimeoutSeconds);
                break;
            }
        }
    }
}

unsigned online_cpu_count() {
    unsigned count = 0;
    for (unsigned i = 0; i < s_cpu_count; ++i)
        count += s_cpus[i].online.load(std::memory_order_relaxed) ? 1 : 0;
    return count;
}

unsigned long current_hart_id() {
    Cpu* cpu = this_cpu();
    return cpu ? cpu->hart_id : 0;
}

void smp_send_ipi(Cpu& cpu, IpiRequest request) {
    // The bit must be visible before the interrupt arrives; the release orders it before
    // the ecall's own memory effects.
    cpu.ipi_requests.fetch_or(static_cast<uint32_t>(request), std::memory_order_release);
    sbi::send_ipi(1, cpu.hart_id);
}

void stop_other_harts() {
    Cpu* self = this_cpu();
    for (unsigned i = 0; i < s_cpu_count; ++i) {
        if (&s_cpus[i] != self && s_cpus[i].online.load())
            sbi::send_ipi(1, s_cpus[i].hart_id);
    }
}

void smp_handle_ipi() {
    uint32_t requests = this_cpu()->ipi_requests.exchange(0, std::memory_order_acquire);
    // Reschedule: nothing to do here. The interrupt has already ended this hart's wait in
    // its idle loop, which looks at the run queue next; a busy hart picks the new thread
    // up when its current one blocks, yields or uses up its time slice.
    // RunFunction: the cross-call's function, then the caller may go on.
    if (requests & static_cast<uint32_t>(IpiRequest::RunFunction)) {
        Cpu* self = this_cpu();
        if (self->call_pending.load(std::memory_order_acquire)) {
            s_call_function.load(std::memory_order_acquire)();
            self->call_pending.store(false, std::memory_order_release);
        }
    }
}

void smp_run_on_every_hart(void (*function)()) {
    ASSERT(csr::read_sstatus() & csr::kSstatusSie);
    MutexLocker locker(s_call_lock);
    s_call_function.store(function, std::memory_order_release);
    {
        // Every request goes out before this hart can take its own: so the functions may
        // wait for each other (a barrier), which they could not if this hart ran its own
        // while some hart's request was still unsent.
        InterruptDisabler disabler;
        for (unsigned i = 0; i < s_cpu_count; ++i) {
            Cpu& cpu = s_cpus[i];
            if (!cpu.online.load(std::memory_order_acquire))
                continue;
            cpu.call_pending.store(true, std::memory_order_release);
            smp_send_ipi(cpu, IpiRequest::RunFunction);
        }
    }
    // Interrupts stay on while waiting, so the request to this hart (whichever hart the
    // thread is on by now) is taken here too.
    for (unsigned i = 0; i < s_cpu_count; ++i) {
        while (s_cpus[i].call_pending.load(std::memory_order_acquire)) {
        }
    }
    s_call_function.store(nullptr, std::memory_order_relaxed);
}
