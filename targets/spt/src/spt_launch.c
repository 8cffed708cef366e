/*
 * spt_launch.c: entering the guest and the guest's way back in.
 *
 * The guest runs on its own stack (the top of guest memory) in this process.
 * A call is `boot->call(nr, args)` (x86_64 and aarch64 alike): spt_call_entry switches to the tender's
 * stack (where spt_launch left it), calls tender_call, switches back and
 * returns. So the tender's code, and the sanitizers' checks, never run on
 * guest memory, and a guest that exhausted its stack cannot make the tender
 * overflow it. Calls never nest: one saved stack pointer is enough.
 *
 * The two variables below are the only globals of the tender: the call entry
 * is reached from guest code with nothing but (nr, args) in registers.
 */
#include <stdint.h>

#include "spt.h"

__attribute__((visibility("hidden"), used)) struct tender *spt_tender;
__attribute__((visibility("hidden"), used)) uint64_t spt_tender_stack;

void spt_call_entry(void);

#if defined(__x86_64__)
/* rdi = nr, rsi = args (the guest's call); rax, rdx, rsi, rdi are caller-saved. */
__asm__(".text\n"
        ".p2align 4\n"
        ".type spt_call_entry, @function\n"
        "spt_call_entry:\n"
        "    mov %rsp, %rax\n"                   /* the guest's stack */
        "    mov spt_tender_stack(%rip), %rsp\n" /* 16-byte aligned */
        "    push %rax\n"
        "    sub $8, %rsp\n" /* aligned again for the call */
        "    mov %rsi, %rdx\n"
        "    mov %edi, %esi\n"
        "    mov spt_tender(%rip), %rdi\n"
        "    call tender_call\n"
        "    add $8, %rsp\n"
        "    pop %rsp\n" /* back on the guest's stack */
        "    ret\n"
        ".size spt_call_entry, .-spt_call_entry\n");
#elif defined(__aarch64__)
/* w0 = nr, x1 = args (the guest's call); x9 and x10 are caller-saved scratch registers. The guest's sp and its
 * return address (x30) are kept on the tender's stack across the call. */
__asm__(".text\n"
        ".p2align 4\n"
        ".type spt_call_entry, %function\n"
        "spt_call_entry:\n"
        "    mov x9, sp\n" /* the guest's stack */
        "    adrp x10, spt_tender_stack\n"
        "    ldr x10, [x10, :lo12:spt_tender_stack]\n"
        "    mov sp, x10\n" /* 16-byte aligned */
        "    stp x9, x30, [sp, #-16]!\n"
        "    mov x2, x1\n"
        "    mov w1, w0\n"
        "    adrp x0, spt_tender\n"
        "    ldr x0, [x0, :lo12:spt_tender]\n"
        "    bl tender_call\n"
        "    ldp x9, x30, [sp], #16\n"
        "    mov sp, x9\n" /* back on the guest's stack */
        "    ret\n"
        ".size spt_call_entry, .-spt_call_entry\n");
#else
#error "tessera-spt runs on x86_64 and aarch64"
#endif

uint64_t spt_call_address(void) {
    return (uint64_t)(uintptr_t)spt_call_entry;
}

_Noreturn void spt_launch(struct tender *t) {
    uint64_t here;
#if defined(__aarch64__)
    __asm__ volatile("mov %0, sp" : "=r"(here));
#else
    __asm__ volatile("mov %%rsp, %0" : "=r"(here));
#endif
    spt_tender = t;
    /* Well below this frame and its red zone; the main thread's stack grows on demand. */
    spt_tender_stack = (here - 4096) & ~(uint64_t)15;
#if defined(__aarch64__)
    /* sp 16-byte aligned (the top of the stack, below the zero spt_map_memory left at stack_top), no frame, no link
     * register to return to, x0 = the boot page. */
    register uint64_t boot __asm__("x0") = TESSERA_BOOT_ADDR;
    __asm__ volatile("mov sp, %0\n\t"
                     "mov x29, xzr\n\t"
                     "mov x30, xzr\n\t"
                     "br %1\n\t"
                     :
                     : "r"(t->layout.stack_top & ~(uint64_t)15), "r"(t->image.entry), "r"(boot)
                     : "x29", "x30", "memory");
#else
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "jmp *%1\n\t"
                     :
                     : "r"(t->layout.stack_top), "r"(t->image.entry), "D"((uint64_t)TESSERA_BOOT_ADDR)
                     : "memory");
#endif
    __builtin_unreachable();
}
