// Switching user floating-point state: see fp_state.h.
#include "arch/riscv64/fp_state.h"

#include <cstddef>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/trap_frame.h"
#include "proc/thread.h"
#include "sync/interrupt_disabler.h"

namespace {

void set_live_fs(uint64_t fs) {
    csr::clear_sstatus(fp::kFsMask);
    if (fs)
        csr::set_sstatus(fs);
}

}  // namespace

void fp_switch_out(Thread& thread) {
    if ((csr::read_sstatus() & fp::kFsMask) != fp::kFsDirty)
        return;
    fp_save(&thread.fp_state());
    thread.fp_state().valid = 1;
    set_live_fs(fp::kFsClean);
}

void fp_switch_in(Thread& thread) {
    if (thread.fp_state().valid) {
        set_live_fs(fp::kFsClean);
        fp_restore(&thread.fp_state());
        set_live_fs(fp::kFsClean);
    } else if (thread.address_space()) {
        set_live_fs(fp::kFsInitial);
        fp_zero();
        set_live_fs(fp::kFsInitial);
    }
}

void fp_state_copy_current_to(Thread& child) {
    if ((csr::read_sstatus() & fp::kFsMask) == fp::kFsOff)
        return;
    fp_save(&child.fp_state());
    child.fp_state().valid = 1;
}

// fp_save and fp_restore see an FpRegisters as the start of an FpState.
static_assert(offsetof(FpState, f) == offsetof(FpRegisters, f) && offsetof(FpState, fcsr) == offsetof(FpRegisters, fcsr));

void fp_capture_current(FpRegisters& out) {
    InterruptDisabler disabler;
    if ((csr::read_sstatus() & fp::kFsMask) == fp::kFsOff) {
        out = FpRegisters {};
        return;
    }
    fp_save(reinterpret_cast<FpState*>(&out));
}

void fp_load_current(const FpRegisters& in, TrapFrame& frame) {
    InterruptDisabler disabler;
    set_live_fs(fp::kFsDirty);
    fp_restore(reinterpret_cast<const FpState*>(&in));
    frame.sstatus = (frame.sstatus & ~fp::kFsMask) | fp::kFsDirty;
}
