/*
 * hvt_stub.S: the guest's exception handlers, which the tender copies to
 * guest address HVT_STUB_ADDR (ring 0) before the guest starts (in ring 3).
 *
 * Why: on a host without VT-x/SVM (kvm_pvm), KVM runs ring-3 code natively
 * but emulates ring 0 one instruction at a time, and its emulator knows few
 * SSE instructions. So the image runs in ring 3, and its port I/O, which
 * ring 3 may not do, faults (#GP) into this stub, which repeats the OUT in
 * ring 0 (the VM exits, the tender serves the call) and returns past it.
 * Every other exception ends at `hvt_stub_report`'s HLT with the frame on
 * the stub's stack, where the tender reads and reports it.
 *
 * Position independent (it is copied); entry N (vector N) at offset 16*N.
 * The frame at the top of the stub's stack (RSP0 = HVT_STUB_STACK_TOP):
 *   -8 ss, -16 rsp, -24 rflags, -32 cs, -40 rip, -48 error code, -56 vector.
 */
    .section .rodata.hvt_stub, "a"
    .code64
    .globl hvt_stub_start, hvt_stub_end, hvt_stub_report, hvt_stub_out

    .balign 16
hvt_stub_start:
    .irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .balign 16
    .if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    pushq $\vec                 /* the CPU pushed an error code */
    .else
    pushq $0                    /* no error code: a zero in its place */
    pushq $\vec
    .endif
    jmp common
    .endr

common:
    cmpq $13, (%rsp)            /* #GP ... */
    jne hvt_stub_report
    pushq %rbx
    movq 24(%rsp), %rbx         /* the faulting rip */
    cmpb $0xef, (%rbx)          /* ... on `out %eax, (%dx)`: a call */
    jne 1f
hvt_stub_out:
    out %eax, (%dx)             /* the guest's own eax and dx: the VM exits here */
    incq 24(%rsp)               /* past the one-byte OUT */
    popq %rbx
    addq $16, %rsp              /* vector, error code */
    iretq
1:  popq %rbx
hvt_stub_report:
    hlt                         /* the tender reads the frame and ends the guest */
    jmp hvt_stub_report
hvt_stub_end:

    .section .note.GNU-stack, "", @progbits
