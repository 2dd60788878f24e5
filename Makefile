# Atlas: the commands a newcomer needs. CMake and Ninja do the building; this file only
# names the steps. See docs/build.md.
#
#   make qemu        build and boot (CPUS=1..4, MEM=128M)
#   make qemu-gdb    boot, waiting for gdb (then run gdb-multiarch in another terminal)
#   make check       build and run every test; ends with "N passed, N failed"
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
QEMU_FLAGS = -machine virt -bios default -nographic -smp $(CPUS) -m $(MEM) -kernel $(KERNEL) -append "$(BOOTARGS)"

.PHONY: all deps kernel host image qemu qemu-gdb check format clean FORCE

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

# Ninja decides whether mkfs needs relinking; make then compares its timestamp with the image's.
$(MKFS): $(HOST_BUILD)/build.ninja FORCE
	@ninja -C $(HOST_BUILD) --quiet mkfs

$(FS_ROOT)/README:
	@mkdir -p $(FS_ROOT)
	@printf '%s\n' "This is the root of Atlas's file system, made by tools/mkfs from build/fs-root/." > $@

$(FS_IMAGE): $(MKFS) $(FS_ROOT_FILES)
	@$(MKFS) $@ $(FS_ROOT)

qemu: kernel
	$(QEMU) $(QEMU_FLAGS)

qemu-gdb: kernel
	@sed "s|@KERNEL@|$(abspath $(KERNEL))|" tools/gdbinit.in > .gdbinit
	@echo "QEMU is waiting for gdb: run 'gdb-multiarch -x .gdbinit' in this directory."
	$(QEMU) $(QEMU_FLAGS) -S -gdb tcp::$(or $(GDBPORT),1234)

check: kernel host
	@tools/run-tests --build $(BUILD)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) compile_commands.json .gdbinit
