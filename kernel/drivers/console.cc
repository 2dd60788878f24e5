// Kernel console: see console.h.
#include "drivers/console.h"

#include "drivers/uart.h"
#include "lib/kprintf.h"

namespace {

// Turns "\n" into "\r\n", as a terminal expects.
class UartSink final : public FormatSink {
public:
    void write(const char* chars, size_t length) override {
        for (size_t i = 0; i < length; ++i) {
            if (chars[i] == '\n')
                uart::put_char('\r');
            uart::put_char(chars[i]);
        }
    }
};

UartSink s_uart_sink;

}  // namespace

void console_init() { kprintf_set_sink(&s_uart_sink); }
