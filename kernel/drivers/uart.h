// NS16550A UART: the console. Output is polled (it must work from panic() with interrupts
// off); input arrives by interrupt into a small ring that console reads drain.
//
// The base address and interrupt number come from the device tree (MachineInfo).
//
// Input ring (256 bytes, indices count up forever and are reduced modulo the size):
//
//   s_tail (consumers advance)        s_head (the interrupt handler advances)
//      v                                 v
//   ...[ c ][ c ][ c ][ c ][ c ][ c ][ c ][ free ... ]
//
// One producer at a time: the receive interrupt is routed to one hart, and the PLIC does
// not deliver it again until the handler completes. Any number of consumers: each takes a
// byte by advancing s_tail with compare-and-swap. When the ring is full, further input is
// dropped (and counted) rather than overwriting what nobody has read yet.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/error_or.h"

namespace uart {

// Programs the UART at `base` (a kernel virtual address): 8N1, FIFOs on, receive
// interrupt enabled. Until init() is called, output goes to the SBI console.
void init(uint64_t base);

bool initialized();

// Writes one character, waiting for room in the transmit holding register.
void put_char(char c);

// Registers the receive interrupt (PLIC source `irq`) with the IRQ registry, routed to cpu
// `cpu_index`. From then on input arrives without polling.
ErrorOr<void> enable_receive_interrupt(uint32_t irq, unsigned cpu_index);

// Receive-interrupt handler: moves every waiting byte into the input ring. Runs in
// interrupt context (or with interrupts off); never sleeps.
void handle_interrupt();

// A function the receive interrupt calls with every byte it takes, before the byte goes
// into the ring (the console's Ctrl-C, proc/console_file.h). It runs in interrupt context:
// it must not sleep. Null (the default) calls nothing. Set once, before input matters.
using InputHook = void (*)(char c);
void set_input_hook(InputHook hook);

// Takes one byte of input, or returns -1 if none is waiting. Safe from any hart.
int try_get_char();

// Waits for a byte of input and returns it. Call with interrupts enabled: the hart sleeps
// in wfi until an interrupt arrives (the UART's, or at the latest the next timer tick).
// FIXME: once consoles have reader threads this should block on a wait queue instead.
int wait_for_char();

// Bytes dropped because the ring was full.
uint64_t dropped_input_count();

// Loopback mode (the 16550's MCR.LOOP): transmitted bytes come back as input and nothing
// reaches the outside. For self-tests of the receive path only.
enum class Loopback { Off, On };
void set_loopback(Loopback mode);

}  // namespace uart
