// libFuzzer's entry point for programs with a main of their own (the toolchain's libclang_rt.fuzzer,
// linked by -sanitize=fuzzer). SwiftPM gives every executable a main, so the fuzzer is started from it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
