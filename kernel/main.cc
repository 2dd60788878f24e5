// The kernel's entry point after entry.S: the order in which Atlas comes up.
//
// Everything that can be learned from the device tree is learned from it first, so that
// nothing below depends on a fixed board layout.
#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/layout.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/smp.h"
#include "arch/riscv64/trap.h"
#include "drivers/console.h"
#include "drivers/poweroff.h"
#include "drivers/uart.h"
#include "drivers/virtio_blk.h"
#include "fs/fs_benchmark.h"
#include "fs/root_file_system.h"
#include "lib/command_line.h"
#include "lib/fdt.h"
#include "lib/kprintf.h"
#include "lib/ktest.h"
#include "lib/panic.h"
#include "mm/flusher.h"
#include "mm/memory_init.h"
#include "mm/reclaim.h"
#include "proc/scheduler.h"
#include "proc/thread.h"
#include "proc/user_land.h"

void run_global_constructors();

MachineInfo g_machine;

// The first thread: mounts the root file system, then runs the self-tests (and powers off
// with their verdict), or the file-system benchmark ("fsbench"), or starts user land (pid
// 1), or, if that is impossible (no disk, no /bin/init), echoes the console.
static void first_thread_main(void*) {
    mount_root_file_system(root_block_device());
    if (command_line_has(g_machine.bootargs, "fsbench"))
        power_off(run_fs_benchmark(64) ? PowerOffStatus::Success : PowerOffStatus::TestsFailed);

    // "selftest" runs every in-kernel self-test and "selftest=FILTER" those whose name
    // holds FILTER (its first 63 bytes); either way the machine then powers off.
    if (auto selftest = command_line_find(g_machine.bootargs, "selftest")) {
        static char filter[64];
        selftest->copy_value(filter, sizeof(filter));
        unsigned failed = run_kernel_selftests(selftest->has_value() ? filter : nullptr);
        power_off(failed ? PowerOffStatus::TestsFailed : PowerOffStatus::Success);
    }

    // [processes] pid 1: /bin/init, running the shell or atlas-run's command (proc/user_land.h).
    if (start_user_land(g_machine.bootargs))
        return;

    kprintf("No user land: the console echoes what you type. Ctrl-A X leaves QEMU.\n");
    for (;;) {
        int c = uart::wait_for_char();  // Sleeps in wfi until the UART interrupt brings input.
        if (c >= 0)
            kprintf("%c", c);
        Thread::yield();
    }
}

extern "C" [[noreturn]] void kernel_main(unsigned long hart_id, uint64_t device_tree_phys) {
    // tp names the boot hart's Cpu before anything can print: kprintf's lock disables
    // interrupts through an InterruptDisabler, which counts in the Cpu. (smp_init_boot_hart
    // fills the Cpu in.)
    set_this_cpu(&cpu_by_index(0));
    run_global_constructors();
    console_init();

    auto fdt = Fdt::from_blob(phys_to_virt(device_tree_phys));
    if (!fdt)
        panic("no valid device tree at %p", reinterpret_cast<void*>(device_tree_phys));
    const char* reason = nullptr;
    if (!parse_machine_info(*fdt, g_machine, &reason))
        panic("unusable device tree: %s", reason);

    smp_init_boot_hart(g_machine, hart_id);
    if (g_machine.uart.present)
        uart::init(reinterpret_cast<uint64_t>(phys_to_virt(g_machine.uart.base)));
    if (g_machine.test_device.present)
        poweroff_init(reinterpret_cast<uint64_t>(phys_to_virt(g_machine.test_device.base)));

    // Trap vector, PLIC, timer and UART input; then interrupts on for good.
    trap_init(g_machine);
    trap_init_hart();
    enable_interrupts();
    trap_run_boot_debug_requests(g_machine.bootargs);
    memory_init(g_machine, MemoryRange { device_tree_phys, fdt->total_size() });
    scheduler_init(g_machine);
    reclaim::start_thread();
    flusher::start_thread();
    smp_start_secondary_harts();

    uint64_t memory_bytes = 0;
    for (size_t i = 0; i < g_machine.memory_count; ++i)
        memory_bytes += g_machine.memory[i].size;
    kprintf("\nAtlas: %u harts, %lu MiB of memory, booted on hart %lu\n", online_cpu_count(), memory_bytes >> 20,
            hart_id);
    // The root disk, if one is attached (the kernel boots without one).
    virtio_init(g_machine);

    // Everything from here on runs in threads: the first one does what the command line
    // asks, and this context becomes the boot hart's idle thread.
    auto first = Thread::try_spawn("main", first_thread_main, nullptr);
    if (first.is_error())
        panic("cannot create the first thread: %s", first.error().name());
    scheduler_enter();
}

extern "C" [[noreturn]] void secondary_main(unsigned long, SecondaryBoot*) {
    // entry.S has switched to the kernel page table and pointed tp at this hart's Cpu.
    trap_init_hart();
    this_cpu()->online.store(true, std::memory_order_release);
    scheduler_enter();
}
