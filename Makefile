# Atlas: the commands a newcomer needs. CMake and Ninja do the building; this file only
# names the steps. See docs/build.md.
#
#   make qemu        build and boot (CPUS=1..4, MEM=128M)
#   make qemu-gdb    boot, waiting for gdb (then run gdb-multiarch in another terminal)
#   make check       build and run every test; ends with "N passed, N failed"
#   make format      clang-format every source file

CPUS ?= 2
MEM ?= 128M
BOOTARGS ?=

BUILD := build
TARGET_BUILD := $(BUILD)/target
HOST_BUILD := $(BUILD)/host
KERNEL := $(TARGET_BUILD)/kernel/kernel.elf

QEMU := qemu-system-riscv64
QEMU_FLAGS = -machine virt -bios default -nographic -smp $(CPUS) -m $(MEM) -kernel $(KERNEL) -append "$(BOOTARGS)"

.PHONY: all deps kernel host qemu qemu-gdb check format clean FORCE

all: kernel

deps:
	@tools/install-deps

$(TARGET_BUILD)/build.ninja: | deps
	@cmake -S . -B $(TARGET_BUILD) -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/riscv64-toolchain.cmake >/dev/null
	@ln -sf $(TARGET_BUILD)/compile_commands.json compile_commands.json

$(HOST_BUILD)/build.ninja: | deps
	@cmake -S tests/host -B $(HOST_BUILD) -G Ninja >/dev/null

kernel: $(TARGET_BUILD)/build.ninja
	@ninja -C $(TARGET_BUILD) --quiet

host: $(HOST_BUILD)/build.ninja
	@ninja -C $(HOST_BUILD) --quiet

qemu: kernel
	$(QEMU) $(QEMU_FLAGS)

qemu-gdb: kernel
	@sed "s|@KERNEL@|$(abspath $(KERNEL))|" tools/gdbinit.in > .gdbinit
	@echo "QEMU is waiting for gdb: run 'gdb-multiarch' in this directory (it reads .gdbinit)."
	$(QEMU) $(QEMU_FLAGS) -S -gdb tcp::$(or $(GDBPORT),1234)

check: kernel host
	@tools/run-tests --build $(BUILD)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) compile_commands.json .gdbinit
