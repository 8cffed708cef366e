/*
 * wasm-rt.h for the fuzz targets: the native guest's runtime interface
 * (targets/native/guest/include/wasm-rt.h, the one wasm2c's output is built
 * against for native images), implemented for a hosted libFuzzer process by
 * runtime.c instead of the guest's rt.c: the same bounds checks and stack
 * check, with linear memory from mmap and traps that abort().
 */
#ifndef FUZZ_WASM_RT_H
#define FUZZ_WASM_RT_H
#include "../../targets/native/guest/include/wasm-rt.h"
#endif
