/*
 * driver.c: libFuzzer's entry points for a wasm2c'd fuzz image (module name
 * "app"). The image is instantiated and its _start run once, then snapshotted
 * (instance and linear memory); every input starts from that snapshot, so a
 * run depends on its input alone and a crash replays exactly.
 *
 * The image exports fuzz(ptr, len), input(len) (where an input of len bytes
 * goes), area() and areaLength() (the buffer that holds it: see
 * fuzz/assembly/common.ts). Around each call the area is poisoned for
 * AddressSanitizer except the input itself, which ends at an 8-byte boundary:
 * reading past the input's end is reported even though the bytes are inside
 * linear memory, where the wasm bounds checks do not reach.
 */
#include <sanitizer/asan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "fuzz.h"

extern uint32_t wasm_rt_call_stack_depth;

static w2c_app instance, snapshot;
static uint8_t* saved;
static uint64_t saved_size;
static uint32_t area, area_length;

int LLVMFuzzerInitialize(int* argc, char*** argv) {
  (void)argc, (void)argv;
  fuzz_set_stack_limit();
  wasm2c_app_instantiate(&instance, NULL);
  w2c_app_0x5Fstart(&instance);
  snapshot = instance;
  saved_size = fuzz_memory_size();
  saved = malloc(saved_size);
  if (!saved) abort();
  memcpy(saved, fuzz_memory_base(), saved_size);
  area = w2c_app_area(&instance);
  area_length = w2c_app_areaLength(&instance);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint8_t* base = fuzz_memory_base();
  if (size > area_length - 64) return -1; /* longer than the area: not an input (libFuzzer drops it) */
  instance = snapshot;
  memcpy(base, saved, saved_size);
  fuzz_memory_reset(saved_size);
  fuzz_clock = 0;
  wasm_rt_call_stack_depth = 0;
  fuzz_set_stack_limit();
  uint32_t ptr = w2c_app_input(&instance, (uint32_t)size);
  base = fuzz_memory_base();
  memcpy(base + ptr, data, size);
  ASAN_POISON_MEMORY_REGION(base + area, area_length);
  ASAN_UNPOISON_MEMORY_REGION(base + ptr, size);
  w2c_app_fuzz(&instance, ptr, (uint32_t)size);
  ASAN_UNPOISON_MEMORY_REGION(base + area, area_length);
  return 0;
}
