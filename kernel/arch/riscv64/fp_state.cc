// Switching user floating-point state: see fp_state.h.
#include "arch/riscv64/fp_state.h"

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

void fp_capture_current(FpState& out) {
    InterruptDisabler disabler;
    if ((csr::read_sstatus() & fp::kFsMask) == fp::kFsOff) {
        for (uint64_t& f : out.f)
            f = 0;
        out.fcsr = 0;
        return;
    }
    uint64_t valid = out.valid;
    fp_save(&out);
    out.valid = valid;
}

void fp_load_current(const FpState& in, TrapFrame& frame) {
    InterruptDisabler disabler;
    set_live_fs(fp::kFsDirty);
    fp_restore(&in);
    frame.sstatus = (frame.sstatus & ~fp::kFsMask) | fp::kFsDirty;
}
