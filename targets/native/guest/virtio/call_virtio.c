/*
 * call_virtio.c: the ABI's calls on the virtio stubs (virtio-x86_64,
 * virtio-aarch64), answered inside the image:
 * there is no tender to hand them to. Every range a call carries is checked
 * against the linear memory as it is now (EINVAL outside it, and nothing
 * done), as the tenders' dispatcher does. The device calls go to the virtio
 * drivers (../virtio/devices.c), which check handles, lengths and offsets.
 */
#include "guest.h"
#include "tessera_abi.h"
#include "virtio.h" /* the stub's own: the console, clocks, entropy, symbols, exit */

#define CONSOLE_BIT (UINT64_C(1) << TESSERA_CONSOLE_READY_BIT)

static int64_t wall_base_ns; /* wall clock minus monotonic clock, once the RTC was read */
static bool wall_read;
static bool console_armed; /* the guest has read the console since yield last reported it */

/* The host address of wasm range [ptr, ptr + len), or NULL if it leaves the memory. */
static uint8_t *wasm_range(uint64_t ptr, uint64_t len) {
    uint64_t used = *(volatile uint64_t *)&tessera_boot->heap_used; /* one read */
    if (used > tessera_boot->heap_size) used = tessera_boot->heap_size;
    if (ptr > used || len > used - ptr) return NULL;
    return (uint8_t *)(uintptr_t)(tessera_boot->heap_base + ptr);
}

static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

__attribute__((noreturn)) static void do_exit(int32_t status) {
    if (status < 0 || status > 254) {
        serial_puts("tessera: exit status ");
        serial_dec(status);
        serial_puts(" is outside 0..254; exiting with 255\n");
        machine_exit(255);
    }
    machine_exit(status);
}

__attribute__((noreturn)) static void do_panic(const struct tessera_args_panic *a) {
    const uint8_t *msg = wasm_range(a->msg, a->len);
    serial_puts("panic: ");
    if (msg) serial_write(msg, a->len);
    else serial_puts("<message pointer outside memory>");
    serial_puts("\n");
    machine_exit(255);
}

__attribute__((noreturn)) static void do_trap(const struct tessera_args_trap *a) {
    serial_puts("tessera: trap: ");
    /* The reason is the runtime's own string (rt.c), not the guest's. */
    const char *reason = (const char *)(uintptr_t)a->msg;
    for (uint32_t i = 0; i < a->len && i < 512; i++) {
        char c = reason[i];
        serial_write(c == '\n' || c == '\r' || c == 0 ? " " : &c, 1);
    }
    serial_puts(" in ");
    const char *name =
        symbol_wasm_caller(a->pc, (uint64_t)(uintptr_t)a, tessera_boot->stack_base + tessera_boot->stack_size);
    if (name) serial_puts(name);
    else if (a->pc == 0) serial_puts("an unknown function");
    else {
        serial_puts("0x");
        serial_hex(a->pc);
        serial_puts(" (no symbol)");
    }
    serial_puts("\n");
    machine_exit(255);
}

static int64_t wall_ns(void) {
    int64_t mono = clock_monotonic_ns();
    if (!wall_read) {
        int64_t secs = rtc_read_unix();
        /* No RTC: the wall clock starts at the epoch (it still advances). */
        wall_base_ns = (secs > 0 ? secs * 1000000000 : 0) - mono;
        wall_read = true;
    }
    return wall_base_ns + mono;
}

static int32_t do_console_read(const struct tessera_args_console_read *a) {
    uint8_t *buf = wasm_range(a->ptr, a->cap);
    uint8_t *len_out = wasm_range(a->len_out, 4);
    if (buf == NULL || len_out == NULL) return TESSERA_EINVAL;
    console_armed = true;
    uint32_t n = 0;
    for (int c; n < a->cap && (c = serial_read_byte()) >= 0;) buf[n++] = (uint8_t)c;
    if (n == 0 && a->cap > 0) return TESSERA_AGAIN;
    put_u32(len_out, n);
    return TESSERA_OK;
}

static int64_t do_yield(int64_t deadline) {
    for (;;) {
        uint64_t ready = 0;
        if (console_armed && serial_input_ready()) ready |= CONSOLE_BIT;
        if (ready) console_armed = false;
        /* Acknowledges the devices first: an event after this raises their line again, and ends the sleep. */
        ready |= virtio_ready();
        if (ready || clock_monotonic_ns() >= deadline) return (int64_t)ready;
        timer_sleep_until(deadline);
    }
}

static int32_t do_acquire(uint8_t kind, uint32_t name, uint32_t name_len, uint32_t handle_out, uint32_t info_out) {
    uint32_t size = kind == TESSERA_DEVICE_NET ? sizeof(struct tessera_net_info) : sizeof(struct tessera_block_info);
    const uint8_t *n = wasm_range(name, name_len);
    uint8_t *h_out = wasm_range(handle_out, 4), *i_out = wasm_range(info_out, size);
    if (!n || !h_out || !i_out) return TESSERA_EINVAL;
    uint32_t h = 0;
    uint8_t info[16];
    int32_t r = virtio_acquire(kind, n, name_len, &h, info);
    if (r != TESSERA_OK) return r;
    put_u32(h_out, h);
    for (uint32_t i = 0; i < size; i++) i_out[i] = info[i];
    return TESSERA_OK;
}

static int32_t do_net_read(const struct tessera_args_net_read *a) {
    uint8_t *buf = wasm_range(a->ptr, a->cap), *len_out = wasm_range(a->len_out, 4);
    if (!buf || !len_out) return TESSERA_EINVAL;
    uint32_t n = 0;
    int32_t r = virtio_net_read(a->h, buf, a->cap, &n);
    if (r == TESSERA_OK) put_u32(len_out, n);
    return r;
}

static int32_t do_block_io(uint32_t h, int64_t offset, uint32_t ptr, uint32_t len, bool write) {
    uint8_t *buf = wasm_range(ptr, len);
    return buf ? virtio_block_io(h, offset, buf, len, write) : TESSERA_EINVAL;
}

void tessera_native_call(uint32_t nr, void *args) {
    switch (nr) {
    case TESSERA_CALL_EXIT:
        do_exit(((struct tessera_args_exit *)args)->status);
    case TESSERA_CALL_PANIC:
        do_panic(args);
    case TESSERA_CALL_TRAP:
        do_trap(args);
    case TESSERA_CALL_CONSOLE_WRITE: {
        struct tessera_args_console_write *a = args;
        const uint8_t *p = wasm_range(a->ptr, a->len);
        if (p) serial_write(p, a->len);
        a->ret = p ? TESSERA_OK : TESSERA_EINVAL;
        return;
    }
    case TESSERA_CALL_CONSOLE_READ: {
        struct tessera_args_console_read *a = args;
        a->ret = do_console_read(a);
        return;
    }
    case TESSERA_CALL_CLOCK_MONOTONIC:
        ((struct tessera_args_clock_monotonic *)args)->ret = clock_monotonic_ns();
        return;
    case TESSERA_CALL_CLOCK_WALL:
        ((struct tessera_args_clock_wall *)args)->ret = wall_ns();
        return;
    case TESSERA_CALL_ENTROPY: {
        struct tessera_args_entropy *a = args;
        uint8_t *p = wasm_range(a->ptr, a->len);
        /* the CPU's generator (RDRAND, RNDR), else a virtio-rng device */
        a->ret = p == NULL                                            ? TESSERA_EINVAL
                 : entropy_fill(p, a->len) || virtio_entropy(p, a->len) ? TESSERA_OK
                                                                      : TESSERA_EUNSPEC;
        return;
    }
    case TESSERA_CALL_CMDLINE: {
        struct tessera_args_cmdline *a = args;
        uint8_t *p = wasm_range(a->ptr, a->cap);
        uint32_t len = virtio_machine.cmdline_len;
        for (uint32_t i = 0; p && i < len && i < a->cap; i++) p[i] = (uint8_t)virtio_machine.cmdline[i];
        a->ret = p ? (int32_t)len : -TESSERA_EINVAL;
        return;
    }
    case TESSERA_CALL_YIELD: {
        struct tessera_args_yield *a = args;
        a->ret = do_yield(a->deadline);
        return;
    }
    case TESSERA_CALL_NET_ACQUIRE: {
        struct tessera_args_net_acquire *a = args;
        a->ret = do_acquire(TESSERA_DEVICE_NET, a->name, a->name_len, a->handle_out, a->info_out);
        return;
    }
    case TESSERA_CALL_BLOCK_ACQUIRE: {
        struct tessera_args_block_acquire *a = args;
        a->ret = do_acquire(TESSERA_DEVICE_BLOCK, a->name, a->name_len, a->handle_out, a->info_out);
        return;
    }
    case TESSERA_CALL_NET_WRITE: {
        struct tessera_args_net_write *a = args;
        const uint8_t *p = wasm_range(a->ptr, a->len);
        a->ret = p ? virtio_net_write(a->h, p, a->len) : TESSERA_EINVAL;
        return;
    }
    case TESSERA_CALL_NET_READ: {
        struct tessera_args_net_read *a = args;
        a->ret = do_net_read(a);
        return;
    }
    case TESSERA_CALL_BLOCK_READ: {
        struct tessera_args_block_read *a = args;
        a->ret = do_block_io(a->h, a->offset, a->ptr, a->len, false);
        return;
    }
    case TESSERA_CALL_BLOCK_WRITE: {
        struct tessera_args_block_write *a = args;
        a->ret = do_block_io(a->h, a->offset, a->ptr, a->len, true);
        return;
    }
    case TESSERA_CALL_BLOCK_FLUSH: {
        struct tessera_args_block_flush *a = args;
        a->ret = virtio_block_flush(a->h);
        return;
    }
    case TESSERA_CALL_MEMORY_LIMIT:
        ((struct tessera_args_memory_limit *)args)->ret =
            (int64_t)(tessera_memory_limit ? tessera_memory_limit : tessera_boot->heap_size);
        return;
    default:
        serial_puts("tessera: the guest made call ");
        serial_dec(nr);
        serial_puts(", which this Tessera ABI does not have; stopping it\n");
        machine_exit(255);
    }
}
