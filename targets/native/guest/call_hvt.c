/*
 * call_hvt.c: on hvt a call is one 32-bit OUT to port TESSERA_HVT_PORT + nr
 * carrying the guest-physical (= virtual: identity-mapped) address of the
 * argument struct; the VM exits and the tender does the call.
 *
 * The clocks need no exit: the first reading asks the tender once for both
 * clocks and notes the TSC around that call; every later reading scales the
 * TSC by the frequency the tender put in the boot page. memory_limit needs
 * none either: the runtime knows its memory's maximum (rt.c).
 */
#include "guest.h"
#include "tessera_abi.h"

static void out(uint32_t nr, void* args) {
  uint32_t addr = (uint32_t)(uintptr_t)args;
  __asm__ volatile("outl %0, %w1" : : "a"(addr), "Nd"((uint16_t)(TESSERA_HVT_PORT + nr)) : "memory");
}

static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

static struct {
  uint64_t tsc0;   /* TSC at mono0 */
  uint64_t mult;   /* ns per TSC tick, as a 32.32 fixed-point number */
  int64_t mono0;   /* the tender's monotonic clock at tsc0 */
  int64_t wall_at; /* wall clock minus monotonic clock */
  int ready;
} tsc_clock;

static int64_t monotonic(void) {
  if (!tsc_clock.ready) {
    struct tessera_args_clock_monotonic m = {0};
    struct tessera_args_clock_wall w = {0};
    uint64_t before = rdtsc();
    out(TESSERA_CALL_CLOCK_MONOTONIC, &m);
    uint64_t after = rdtsc();
    out(TESSERA_CALL_CLOCK_WALL, &w);
    tsc_clock.tsc0 = before + (after - before) / 2;
    tsc_clock.mono0 = m.ret;
    tsc_clock.wall_at = w.ret - m.ret;
    tsc_clock.mult = (uint64_t)(((unsigned __int128)1000000 << 32) / tessera_boot->tsc_khz);
    tsc_clock.ready = 1;
  }
  uint64_t ticks = rdtsc() - tsc_clock.tsc0;
  return tsc_clock.mono0 + (int64_t)(((unsigned __int128)ticks * tsc_clock.mult) >> 32);
}

void tessera_native_call(uint32_t nr, void* args) {
  if (nr == TESSERA_CALL_MEMORY_LIMIT && tessera_memory_limit != 0) {
    ((struct tessera_args_memory_limit*)args)->ret = (int64_t)tessera_memory_limit;
    return;
  }
  if (tessera_boot->tsc_khz != 0) {
    if (nr == TESSERA_CALL_CLOCK_MONOTONIC) {
      ((struct tessera_args_clock_monotonic*)args)->ret = monotonic();
      return;
    }
    if (nr == TESSERA_CALL_CLOCK_WALL) {
      int64_t now = monotonic();
      ((struct tessera_args_clock_wall*)args)->ret = now + tsc_clock.wall_at;
      return;
    }
  }
  out(nr, args);
}
