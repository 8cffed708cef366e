/*
 * wasm-rt.h for the gateway: the native guest's runtime interface
 * (targets/native/guest/include/wasm-rt.h, which the generated gateway C is
 * compiled against, freestanding), implemented for the gateway's ordinary
 * process by gw_rt.c: the same bounds checks and stack check, with linear
 * memory from mmap and traps that end the gateway.
 */
#ifndef GW_WASM_RT_H
#define GW_WASM_RT_H
#include "../guest/include/wasm-rt.h"
#endif
