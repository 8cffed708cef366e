/* hvt_exit.c: why the guest stopped, in words, when it stopped by anything but a call. */
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hvt.h"
#include "tessera_native.h"

#define PF_PRESENT (1u << 0) /* page-fault error code bits */
#define PF_WRITE (1u << 1)
#define PF_FETCH (1u << 4)
#define VEC_GP 13u
#define VEC_PF 14u

static const char *const exception_names[32] = {
    [0] = "divide error", [1] = "debug", [2] = "NMI", [3] = "breakpoint (int3)", [4] = "overflow",
    [5] = "bound range exceeded", [6] = "invalid opcode", [7] = "device not available", [8] = "double fault",
    [10] = "invalid TSS", [11] = "segment not present", [12] = "stack-segment fault",
    [13] = "general protection fault", [14] = "page fault", [16] = "x87 floating-point error",
    [17] = "alignment check", [18] = "machine check", [19] = "SIMD floating-point exception",
    [20] = "virtualization exception", [21] = "control protection exception"};

static uint64_t frame(const struct hvt *hvt, unsigned offset) {
    uint64_t v;
    memcpy(&v, hvt->mem + HVT_STUB_STACK_TOP - offset, sizeof v);
    return v;
}

uint64_t hvt_guest_rip(struct hvt *hvt) { return frame(hvt, HVT_FRAME_RIP); }

static uint64_t stub_addr(const uint8_t *symbol) { return HVT_STUB_ADDR + (uint64_t)(symbol - hvt_stub_start); }

/* The guest's byte at addr, or -1 outside its memory. */
static int guest_byte(const struct hvt *hvt, uint64_t addr) {
    return addr < hvt->mem_size ? hvt->mem[addr] : -1;
}

static int is_port_io(int op) {
    return (op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef) || (op >= 0x6c && op <= 0x6f) || op == 0x66;
}

static void report_page_fault(const struct hvt *hvt, uint64_t rip, uint64_t rsp, uint64_t err, uint64_t cr2,
                              uint64_t stack_base) {
    if (cr2 >= stack_base - TESSERA_PAGE_SIZE && cr2 < stack_base) {
        fprintf(stderr,
                "tessera-hvt: the guest overflowed its stack (rip=0x%llx, rsp=0x%llx touched the guard page "
                "below 0x%llx; the stack is %u KiB)\n",
                (unsigned long long)rip, (unsigned long long)rsp, (unsigned long long)stack_base,
                TESSERA_STACK_SIZE / 1024);
        return;
    }
    const char *access = err & PF_FETCH ? "executed" : err & PF_WRITE ? "wrote" : "read";
    const char *why = !(err & PF_PRESENT) ? (cr2 < TESSERA_PAGE_SIZE ? "a null pointer: page 0 is not mapped"
                                             : cr2 >= hvt->mem_size ? "outside guest memory"
                                                                    : "not mapped")
                      : err & PF_FETCH ? "not executable"
                      : err & PF_WRITE ? "read-only"
                                       : "not readable";
    fprintf(stderr, "tessera-hvt: the guest %s address 0x%llx (%s) at rip=0x%llx\n", access,
            (unsigned long long)cr2, why, (unsigned long long)rip);
}

/* An exception the stub caught in the guest (it halted with the frame on its stack). */
static void report_exception(const struct hvt *hvt, uint64_t cr2, uint64_t stack_base) {
    uint64_t vector = frame(hvt, HVT_FRAME_VECTOR), err = frame(hvt, HVT_FRAME_ERROR);
    uint64_t rip = frame(hvt, HVT_FRAME_RIP), rsp = frame(hvt, HVT_FRAME_RSP);
    int op = guest_byte(hvt, rip);
    if (vector == VEC_PF) {
        report_page_fault(hvt, rip, rsp, err, cr2, stack_base);
    } else if (vector == VEC_GP && op == 0xf4) {
        fprintf(stderr, "tessera-hvt: the guest halted (HLT) at rip=0x%llx without calling exit\n",
                (unsigned long long)rip);
    } else if (vector == VEC_GP && is_port_io(op)) {
        fprintf(stderr,
                "tessera-hvt: the guest did port I/O at rip=0x%llx (opcode 0x%02x) that is not a call "
                "(a call is `out %%eax, (%%dx)` to ports 0x%x..0x%x)\n",
                (unsigned long long)rip, op, TESSERA_HVT_PORT, TESSERA_HVT_PORT + 127);
    } else {
        const char *name = vector < 32 && exception_names[vector] ? exception_names[vector] : "exception";
        fprintf(stderr, "tessera-hvt: the guest stopped on a %s (vector %llu, error code 0x%llx) at rip=0x%llx, "
                        "rsp=0x%llx\n",
                name, (unsigned long long)vector, (unsigned long long)err, (unsigned long long)rip,
                (unsigned long long)rsp);
    }
}

void hvt_report_exit(struct hvt *hvt, uint64_t stack_base) {
    struct kvm_run *run = hvt->run;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    memset(&regs, 0, sizeof regs);
    memset(&sregs, 0, sizeof sregs);
    ioctl(hvt->vcpu, KVM_GET_REGS, &regs);
    ioctl(hvt->vcpu, KVM_GET_SREGS, &sregs);
    uint64_t report = stub_addr(hvt_stub_report), out = stub_addr(hvt_stub_out);
    unsigned long long rip = regs.rip, rsp = regs.rsp;

    switch (run->exit_reason) {
    case KVM_EXIT_HLT:
        if (regs.rip == report || regs.rip == report + 1) {
            report_exception(hvt, sregs.cr2, stack_base);
            return;
        }
        fprintf(stderr, "tessera-hvt: the guest halted (HLT) at rip=0x%llx\n", rip);
        return;
    case KVM_EXIT_IO:
        if (regs.rip == out || regs.rip == out + 1) rip = hvt_guest_rip(hvt);
        fprintf(stderr,
                "tessera-hvt: the guest used port 0x%x (%s, %u bytes) at rip=0x%llx: not a call "
                "(a call is a 4-byte OUT to ports 0x%x..0x%x)\n",
                run->io.port, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.size, rip,
                TESSERA_HVT_PORT, TESSERA_HVT_PORT + 127);
        return;
    case KVM_EXIT_MMIO:
        fprintf(stderr, "tessera-hvt: the guest %s guest-physical 0x%llx, outside its memory, at rip=0x%llx\n",
                run->mmio.is_write ? "wrote" : "read", (unsigned long long)run->mmio.phys_addr, rip);
        return;
    case KVM_EXIT_SHUTDOWN:
        /* A fault the stub could not take (its own stack or code broken). */
        if (rsp + 4096 >= stack_base && rsp < stack_base)
            fprintf(stderr, "tessera-hvt: the guest overflowed its stack (triple fault at rip=0x%llx, rsp=0x%llx)\n",
                    rip, rsp);
        else
            fprintf(stderr, "tessera-hvt: the guest faulted (triple fault) at rip=0x%llx, rsp=0x%llx, cr2=0x%llx\n",
                    rip, rsp, (unsigned long long)sregs.cr2);
        return;
    case KVM_EXIT_FAIL_ENTRY:
        fprintf(stderr, "tessera-hvt: KVM could not enter the guest (hardware reason 0x%llx) at rip=0x%llx\n",
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason, rip);
        return;
    case KVM_EXIT_INTERNAL_ERROR:
        fprintf(stderr,
                "tessera-hvt: KVM internal error (suberror %u%s) at rip=0x%llx: KVM could not emulate an "
                "instruction, or a fault hit while delivering a fault\n",
                run->internal.suberror,
                run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? ", emulation failed" : "", rip);
        return;
    default:
        fprintf(stderr, "tessera-hvt: the guest stopped with KVM exit %u at rip=0x%llx\n", run->exit_reason, rip);
        return;
    }
}
