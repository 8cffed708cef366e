/* hvt.h: what the files of the KVM tender share (the VM, its vCPU, guest memory). */
#ifndef TESSERA_HVT_H
#define TESSERA_HVT_H

#include <stddef.h>
#include <stdint.h>

struct kvm_run;

struct hvt {
    int kvm;             /* /dev/kvm */
    int vm;              /* the VM */
    int vcpu;            /* its one vCPU */
    struct kvm_run *run; /* the vCPU's shared run page */
    size_t run_size;
    uint8_t *mem; /* guest memory, guest-physical [0, mem_size) */
    uint64_t mem_size;
    int has_nx; /* the vCPU's CPUID offers NX: data pages are mapped no-execute */
};

/* A range of guest memory as the page tables map it. */
struct hvt_range {
    uint64_t start, end; /* [start, end), page aligned */
    int prot;            /* PROT_READ/PROT_WRITE/PROT_EXEC; never W and X */
    int user;            /* the guest's (ring 3) or the tender's stub's (ring 0 only) */
};

/*
 * The part of [0, 64 KiB) the tender keeps for itself (tessera_native.h).
 * The guest runs in ring 3; the tender's exception stub (hvt_stub.S) in
 * ring 0 turns its port I/O into calls and its faults into reports.
 */
#define HVT_GDT_ADDR 0x1000u /* GDT, TSS and IDT share this page */
#define HVT_TSS_ADDR 0x1080u
#define HVT_IDT_ADDR 0x1100u /* 32 gates: the exceptions */
#define HVT_PML4_ADDR 0x2000u
#define HVT_PDPT_ADDR 0x3000u
#define HVT_PD_ADDR 0x4000u /* four page directories, one per GiB */
#define HVT_PD_COUNT 4u
#define HVT_PT_ADDR 0x8000u /* page tables for the 2 MiB regions mapped page by page */
#define HVT_PT_COUNT 6u
#define HVT_STUB_ADDR 0xe000u      /* hvt_stub.S, read-execute, ring 0 */
#define HVT_STUB_STACK 0xf000u     /* its stack, one page, ring 0 */
#define HVT_STUB_STACK_TOP 0x10000u /* RSP0: where an exception frame lands */

/* The exception frame on the stub's stack (see hvt_stub.S): byte offsets
 * below HVT_STUB_STACK_TOP. */
#define HVT_FRAME_VECTOR 56u
#define HVT_FRAME_ERROR 48u
#define HVT_FRAME_RIP 40u
#define HVT_FRAME_RSP 16u

/* hvt_stub.S, as linked into the tender. */
extern const uint8_t hvt_stub_start[], hvt_stub_end[], hvt_stub_report[], hvt_stub_out[];

/* hvt_kvm.c */

/* Opens /dev/kvm, checks its API, makes a VM with mem_size bytes of guest
 * memory in one slot and one vCPU whose CPUID is the host's supported set.
 * Prints why on stderr and returns -1 on failure. */
int hvt_kvm_init(struct hvt *hvt, uint64_t mem_size);
/* The vCPU's TSC frequency in kHz: KVM_GET_TSC_KHZ, else measured. */
uint64_t hvt_kvm_tsc_khz(struct hvt *hvt);
/* 1 if the host CPU has neither vmx nor svm (KVM emulates the guest). */
int hvt_host_is_emulated(void);
void hvt_kvm_close(struct hvt *hvt);

/* hvt_x86_64.c */

/* Builds identity page tables for [0, mem_size) from `ranges` (any address
 * outside them is unmapped), the GDT, TSS and IDT, copies the stub, and sets
 * the vCPU's registers for 64-bit long mode in ring 3: rip = entry,
 * rsp = rsp, rdi = arg. Prints why on stderr and returns -1 on failure. */
int hvt_x86_64_setup(struct hvt *hvt, const struct hvt_range *ranges, size_t count, uint64_t entry, uint64_t rsp,
                     uint64_t arg);

/* hvt_exit.c */

/* The guest's rip: where it faulted or made its OUT, if it is in the stub. */
uint64_t hvt_guest_rip(struct hvt *hvt);
/* Says on stderr why the guest stopped when it stopped by anything but a
 * call (a fault, HLT, an unknown port, ...), with rip and what else helps;
 * stack_base is the lowest address of the stack, above its guard page. */
void hvt_report_exit(struct hvt *hvt, uint64_t stack_base);

#endif /* TESSERA_HVT_H */
