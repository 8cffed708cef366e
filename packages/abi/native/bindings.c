/* bindings.c: the ABI calls of a native image, as wasm2c's output imports them. */
/* Generated from packages/abi/src/table.ts by `npm run generate -w @tessera/abi`. Do not edit. */
#include "guest.h"
#include "tessera_abi.h"
#include "wasm-rt.h"

typedef uint32_t u32;
typedef uint64_t u64;
struct w2c_tessera;

__attribute__((noreturn)) void w2c_tessera_exit(struct w2c_tessera* env, u32 status) {
  (void)env;
  struct tessera_args_exit args = {.status = (int32_t)status};
  tessera_native_call(TESSERA_CALL_EXIT, &args);
  __builtin_trap(); /* the tender never returns from it */
}

__attribute__((noreturn)) void w2c_tessera_panic(struct w2c_tessera* env, u32 msg, u32 len) {
  (void)env;
  struct tessera_args_panic args = {.msg = (uint32_t)msg, .len = (uint32_t)len};
  tessera_native_call(TESSERA_CALL_PANIC, &args);
  __builtin_trap(); /* the tender never returns from it */
}

u32 w2c_tessera_console_write(struct w2c_tessera* env, u32 ptr, u32 len) {
  (void)env;
  struct tessera_args_console_write args = {.ptr = (uint32_t)ptr, .len = (uint32_t)len};
  tessera_native_call(TESSERA_CALL_CONSOLE_WRITE, &args);
  return (u32)args.ret;
}

u32 w2c_tessera_console_read(struct w2c_tessera* env, u32 ptr, u32 cap, u32 len_out) {
  (void)env;
  struct tessera_args_console_read args = {.ptr = (uint32_t)ptr, .cap = (uint32_t)cap, .len_out = (uint32_t)len_out};
  tessera_native_call(TESSERA_CALL_CONSOLE_READ, &args);
  return (u32)args.ret;
}

u64 w2c_tessera_clock_monotonic(struct w2c_tessera* env) {
  (void)env;
  struct tessera_args_clock_monotonic args = {};
  tessera_native_call(TESSERA_CALL_CLOCK_MONOTONIC, &args);
  return (u64)args.ret;
}

u64 w2c_tessera_clock_wall(struct w2c_tessera* env) {
  (void)env;
  struct tessera_args_clock_wall args = {};
  tessera_native_call(TESSERA_CALL_CLOCK_WALL, &args);
  return (u64)args.ret;
}

u32 w2c_tessera_entropy(struct w2c_tessera* env, u32 ptr, u32 len) {
  (void)env;
  struct tessera_args_entropy args = {.ptr = (uint32_t)ptr, .len = (uint32_t)len};
  tessera_native_call(TESSERA_CALL_ENTROPY, &args);
  return (u32)args.ret;
}

u32 w2c_tessera_cmdline(struct w2c_tessera* env, u32 ptr, u32 cap) {
  (void)env;
  struct tessera_args_cmdline args = {.ptr = (uint32_t)ptr, .cap = (uint32_t)cap};
  tessera_native_call(TESSERA_CALL_CMDLINE, &args);
  return (u32)args.ret;
}

u64 w2c_tessera_yield(struct w2c_tessera* env, u64 deadline) {
  (void)env;
  struct tessera_args_yield args = {.deadline = (int64_t)deadline};
  tessera_native_call(TESSERA_CALL_YIELD, &args);
  return (u64)args.ret;
}

u32 w2c_tessera_net_acquire(struct w2c_tessera* env, u32 name, u32 name_len, u32 handle_out, u32 info_out) {
  (void)env;
  struct tessera_args_net_acquire args = {.name = (uint32_t)name, .name_len = (uint32_t)name_len, .handle_out = (uint32_t)handle_out, .info_out = (uint32_t)info_out};
  tessera_native_call(TESSERA_CALL_NET_ACQUIRE, &args);
  return (u32)args.ret;
}

u32 w2c_tessera_net_write(struct w2c_tessera* env, u32 h, u32 ptr, u32 len) {
  (void)env;
  struct tessera_args_net_write args = {.h = (uint32_t)h, .ptr = (uint32_t)ptr, .len = (uint32_t)len};
  tessera_native_call(TESSERA_CALL_NET_WRITE, &args);
  return (u32)args.ret;
}

u32 w2c_tessera_net_read(struct w2c_tessera* env, u32 h, u32 ptr, u32 cap, u32 len_out) {
  (void)env;
  struct tessera_args_net_read args = {.h = (uint32_t)h, .ptr = (uint32_t)ptr, .cap = (uint32_t)cap, .len_out = (uint32_t)len_out};
  tessera_native_call(TESSERA_CALL_NET_READ, &args);
  return (u32)args.ret;
}

u32 w2c_tessera_block_acquire(struct w2c_tessera* env, u32 name, u32 name_len, u32 handle_out, u32 info_out) {
  (void)env;
  struct tessera_args_block_acquire args = {.name = (uint32_t)name, .name_len = (uint32_t)name_len, .handle_out = (uint32_t)handle_out, .info_out = (uint32_t)info_out};
  tessera_native_call(TESSERA_CALL_BLOCK_ACQUIRE, &args);
  return (u32)args.ret;
}

u32 w2c_tessera_block_read(struct w2c_tessera* env, u32 h, u64 offset, u32 ptr, u32 len) {
  (void)env;
  struct tessera_args_block_read args = {.h = (uint32_t)h, .offset = (int64_t)offset, .ptr = (uint32_t)ptr, .len = (uint32_t)len};
  tessera_native_call(TESSERA_CALL_BLOCK_READ, &args);
  return (u32)args.ret;
}

u32 w2c_tessera_block_write(struct w2c_tessera* env, u32 h, u64 offset, u32 ptr, u32 len) {
  (void)env;
  struct tessera_args_block_write args = {.h = (uint32_t)h, .offset = (int64_t)offset, .ptr = (uint32_t)ptr, .len = (uint32_t)len};
  tessera_native_call(TESSERA_CALL_BLOCK_WRITE, &args);
  return (u32)args.ret;
}

u32 w2c_tessera_block_flush(struct w2c_tessera* env, u32 h) {
  (void)env;
  struct tessera_args_block_flush args = {.h = (uint32_t)h};
  tessera_native_call(TESSERA_CALL_BLOCK_FLUSH, &args);
  return (u32)args.ret;
}

u64 w2c_tessera_memory_limit(struct w2c_tessera* env) {
  (void)env;
  struct tessera_args_memory_limit args = {};
  tessera_native_call(TESSERA_CALL_MEMORY_LIMIT, &args);
  return (u64)args.ret;
}
