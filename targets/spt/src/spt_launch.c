/*
 * spt_launch.c: entering the guest and the guest's way back in.
 *
 * The guest runs on its own stack (the top of guest memory) in this process.
 * A call is `boot->call(nr, args)`: spt_call_entry switches to the tender's
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

uint64_t spt_call_address(void) {
    return (uint64_t)(uintptr_t)spt_call_entry;
}

_Noreturn void spt_launch(struct tender *t) {
    uint64_t here;
    __asm__ volatile("mov %%rsp, %0" : "=r"(here));
    spt_tender = t;
    /* Well below this frame and its red zone; the main thread's stack grows on demand. */
    spt_tender_stack = (here - 4096) & ~(uint64_t)15;
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "jmp *%1\n\t"
                     :
                     : "r"(t->layout.stack_top), "r"(t->image.entry), "D"((uint64_t)TESSERA_BOOT_ADDR)
                     : "memory");
    __builtin_unreachable();
}
