/*
 * start.c: the image's entry point. The tender calls tessera_start with the
 * boot page, on the guest's own stack; the wasm module is instantiated and
 * its _start run; returning from _start is exit(0).
 */
#include "guest.h"
#include "tessera_abi.h"

struct tessera_boot* tessera_boot;
extern uintptr_t tessera_stack_limit;

/* Room left below the deepest wasm frame for the calls into the tender. */
#define STACK_MARGIN (64u << 10)

__attribute__((noreturn, used)) void tessera_start(struct tessera_boot* boot) {
  tessera_boot = boot;
  if (boot->magic != TESSERA_BOOT_MAGIC) {
    /* Not started by a tender that speaks this layout: nothing to report to. */
    for (;;) __builtin_trap();
  }
  tessera_stack_limit = (uintptr_t)boot->stack_base + STACK_MARGIN;
  tessera_app_run();
  struct tessera_args_exit args = {0};
  tessera_native_call(TESSERA_CALL_EXIT, &args);
  __builtin_unreachable();
}

__attribute__((noreturn)) void tessera_native_trap(const char* reason, uint64_t pc) {
  uint32_t len = 0;
  while (reason[len]) len++;
  struct tessera_args_trap args = {(uint64_t)(uintptr_t)reason, len, 0, pc};
  tessera_native_call(TESSERA_CALL_TRAP, &args);
  __builtin_unreachable();
}
