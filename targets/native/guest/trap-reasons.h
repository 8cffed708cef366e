/* The words a trap is reported in: V8's, so every target (the Node tender,
 * spt, hvt, the boot stubs, the fuzz targets) says the same. Included by the
 * guest runtime (rt.c), the gateway's runtime and the fuzz runtime
 * (fuzz/runtime/runtime.c), after wasm-rt.h.
 * Generated from packages/abi/src/native-format.ts by `npm run generate -w @tessera/abi`. Do not edit. */
#ifndef TESSERA_TRAP_REASONS_H
#define TESSERA_TRAP_REASONS_H

static const char* const tessera_trap_reasons[] = {
    [WASM_RT_TRAP_NONE] = "trap",
    [WASM_RT_TRAP_OOB] = "memory access out of bounds",
    [WASM_RT_TRAP_INT_OVERFLOW] = "divide result unrepresentable",
    [WASM_RT_TRAP_DIV_BY_ZERO] = "divide by zero",
    [WASM_RT_TRAP_INVALID_CONVERSION] = "float unrepresentable in integer range",
    [WASM_RT_TRAP_UNREACHABLE] = "unreachable",
    [WASM_RT_TRAP_CALL_INDIRECT] = "null function or function signature mismatch",
    [WASM_RT_TRAP_NULL_REF] = "dereferencing a null pointer",
    [WASM_RT_TRAP_UNCAUGHT_EXCEPTION] = "uncaught exception",
    [WASM_RT_TRAP_UNALIGNED] = "unaligned access",
    [WASM_RT_TRAP_EXHAUSTION] = "call stack exhausted",
};

/* The reason for trap `code`, or "trap" for a code this table does not know. */
static inline const char* tessera_trap_reason(wasm_rt_trap_t code) {
  return (unsigned)code < sizeof tessera_trap_reasons / sizeof *tessera_trap_reasons && tessera_trap_reasons[code]
             ? tessera_trap_reasons[code]
             : "trap";
}

#endif
