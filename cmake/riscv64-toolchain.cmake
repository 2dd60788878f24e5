# Cross toolchain for the Atlas kernel and its user programs: Debian's riscv64-linux-gnu
# GCC, used freestanding (no libc, no C++ runtime). Selected by the top-level Makefile.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER riscv64-linux-gnu-g++)
set(CMAKE_ASM_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_OBJCOPY riscv64-linux-gnu-objcopy)
set(CMAKE_NM riscv64-linux-gnu-nm)
# The compiler cannot link a hosted test program without our runtime; only check that it compiles.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
