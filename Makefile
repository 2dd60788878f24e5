# Atlas: the commands a newcomer needs. CMake and Ninja do the building; this file only
# names the steps. See docs/build.md.
#
#   make qemu        build and boot to the shell (CPUS=1..4, MEM=128M, BOOTARGS=...)
#   make qemu-gdb    boot, waiting for gdb (then run gdb-multiarch -x .gdbinit elsewhere)
#   make check       build and run every test; ends with "N passed, N failed"
#   make bench       build, run the benchmarks of user/bench and judge them against their
#                    budgets, and run them on Linux too, in instructions and in wall time
#                    (tools/bench, tools/linux-ref: needs the network once; see
#                    docs/performance.md)
#   make fuzz        run the system-call fuzzer on SEEDS=A-B (default 1-100) with CPUS harts
#                    (tools/fuzz; replay one seed with tools/fuzz --seed S --cpus N)
#   make image       build the disk image build/fs.img with mkfs from build/fs-root/
#   make format      clang-format every source file

CPUS ?= 2
MEM ?= 128M
BOOTARGS ?=

BUILD := build
TARGET_BUILD := $(BUILD)/target
HOST_BUILD := $(BUILD)/host
KERNEL := $(TARGET_BUILD)/kernel/kernel.elf

QEMU := qemu-system-riscv64
# The disk is attached as a modern virtio-mmio device (QEMU's default is the legacy one).
QEMU_FLAGS = -machine virt -bios default -nographic -smp $(CPUS) -m $(MEM) -kernel $(KERNEL) -append "$(BOOTARGS)" \
	-global virtio-mmio.force-legacy=false \
	-drive file=$(FS_IMAGE),if=none,format=raw,id=disk0 -device virtio-blk-device,drive=disk0

.PHONY: all deps kernel host image qemu qemu-gdb check check-docs leakcheck bench fuzz format clean FORCE

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

# The disk image: mkfs copies the staging directory build/fs-root/ into a sparse 256 MiB
# image. Rules that install files into the staging directory add them to FS_ROOT_FILES, so
# that the image is rebuilt when any of them, or mkfs itself, changes.
FS_IMAGE := $(BUILD)/fs.img
FS_ROOT := $(BUILD)/fs-root
MKFS := $(HOST_BUILD)/tools/mkfs
FS_ROOT_FILES := $(FS_ROOT)/README

image: $(FS_IMAGE)

# Ninja decides whether mkfs needs relinking; make then compares its timestamp with the
# image's. Ninja's output is shown only if it fails ("no work to do" is noise).
$(MKFS): $(HOST_BUILD)/build.ninja FORCE
	@output=$$(ninja -C $(HOST_BUILD) --quiet mkfs 2>&1) || { echo "$$output"; exit 1; }

$(FS_ROOT)/README:
	@mkdir -p $(FS_ROOT)
	@printf '%s\n' "This is the root of Atlas's file system, made by tools/mkfs from build/fs-root/." > $@

# The user programs: the target build installs them into $(FS_ROOT)/bin and touches a
# stamp only when one changed (user/CMakeLists.txt, target user_fs_root).
USER_STAMP := $(TARGET_BUILD)/user/fs-root.stamp
FS_ROOT_FILES += $(USER_STAMP)

$(USER_STAMP): $(TARGET_BUILD)/build.ninja FORCE
	@ninja -C $(TARGET_BUILD) --quiet user_fs_root

$(FS_IMAGE): $(MKFS) $(FS_ROOT_FILES)
	@$(MKFS) $@ $(FS_ROOT)

qemu: kernel image
	$(QEMU) $(QEMU_FLAGS)

qemu-gdb: kernel image
	@sed "s|@KERNEL@|$(abspath $(KERNEL))|" tools/gdbinit.in > .gdbinit
	@echo "QEMU is waiting for gdb: run 'gdb-multiarch -x .gdbinit' in this directory."
	$(QEMU) $(QEMU_FLAGS) -S -gdb tcp::$(or $(GDBPORT),1234)

check: kernel host image
	@tools/run-tests --build $(BUILD)

# The doc check alone (make check runs it too): every name in docs and header comments exists.
check-docs:
	@tools/check-docs && tools/check-docs --self-test

# The long leak check: leak_test runs the xv6 mmaptests N times each in one boot (default 1000).
leakcheck: kernel image
	@tools/run-tests --build $(BUILD) --leak $(or $(N),1000)

# Writes build/bench/results.json and build/bench/chart.svg; fails if a budget is broken
# (but for the ratio budgets listed as known red: KNOWN_RED in tools/bench_budgets.py).
bench: kernel image
	@tools/bench --no-build --build $(BUILD)

# Two QEMUs at a time, 25 seeds a boot; prints each failure with its seed and call.
SEEDS ?= 1-100
fuzz: kernel image
	@tools/fuzz --no-build --build $(BUILD) --seeds $(SEEDS) --cpus $(CPUS) --mem $(MEM)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) compile_commands.json .gdbinit
