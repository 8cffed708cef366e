/*
 * boot.S: the PVH entry of a virtio-x86_64 image and the interrupt stubs.
 *
 * QEMU (-M microvm, -M q35) loads the ELF's segments and, through its pvh.bin
 * option ROM, enters pvh_start in 32-bit protected mode with paging off and
 * ebx = the hvm_start_info. From here: zero the bss, identity-map the first
 * GiB with 2 MiB pages (temporary; paging.c builds the real, W^X tables), turn
 * on long mode, SSE and x87, and call virtio_main(start_info) in C.
 */
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)

/* The PVH entry note: XEN_ELFNOTE_PHYS32_ENTRY (18), owner "Xen". QEMU 7.2
 * reads 8 bytes of address from an ELF64 note: .quad. No multiboot header:
 * QEMU would try that first, and it refuses 64-bit multiboot ELFs. */
    .section .note.pvh, "a", @note
    .balign 4
    .long 4
    .long 8
    .long 18
    .asciz "Xen"
    .balign 4
    .quad pvh_start
    .balign 4

    .section .data.boot, "aw"
    .balign 16
gdt:
    .quad 0                     /* null */
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code, ring 0 */
    .quad 0x00cf92000000ffff    /* 0x10: data, ring 0 */
    .quad 0, 0                  /* 0x18: the TSS, filled in by cpu.c */
gdt_end:
    .globl virtio_gdt
    .set virtio_gdt, gdt
gdt_ptr:
    .word gdt_end - gdt - 1
    .quad gdt
start_info:
    .long 0

    .section .bss.boot, "aw", @nobits
    .balign 4096
early_pml4: .skip 4096
early_pdpt: .skip 4096
early_pd:   .skip 4096
    .balign 16
boot_stack: .skip 16384
boot_stack_top:

    .section .text.boot32, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    cld
    mov %ebx, start_info
    /* the bss: QEMU zero-fills it, but nothing says every loader will */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb
    mov $boot_stack_top, %esp

    /* PML4[0] -> PDPT[0] -> PD: 512 2 MiB pages, present + writable + large */
    mov $early_pdpt, %eax
    or $3, %eax
    mov %eax, early_pml4
    mov $early_pd, %eax
    or $3, %eax
    mov %eax, early_pdpt
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, early_pd(,%ecx,8)
    inc %ecx
    cmp $512, %ecx
    jb 1b

    mov %cr4, %eax
    or $(1 << 5), %eax          /* PAE */
    mov %eax, %cr4
    mov $early_pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax        /* PG, PE */
    mov %eax, %cr0
    lgdt gdt_ptr
    ljmp $0x08, $long_mode

    .code64
long_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %rsp
    /* x87 and SSE: CR0.EM off, MP and NE on; CR4.OSFXSR and OSXMMEXCPT; defaults masked */
    mov %cr0, %rax
    and $~(1 << 2), %rax
    or $((1 << 1) | (1 << 5)), %rax
    mov %rax, %cr0
    mov %cr4, %rax
    or $((1 << 9) | (1 << 10)), %rax
    mov %rax, %cr4
    fninit
    push $0x1f80
    ldmxcsr (%rsp)
    pop %rax
    mov start_info(%rip), %edi
    call virtio_main
    ud2

    .text
/* virtio_enter(boot, stack_top): onto the guest's own stack, into start.c's tessera_start(boot). */
    .globl virtio_enter
virtio_enter:
    mov %rsi, %rsp
    xor %ebp, %ebp
    sub $8, %rsp                /* as after a call: rsp + 8 is 16-byte aligned */
    jmp tessera_start

/* The first 32 vectors: push a zero where the CPU pushes no error code, then the vector. */
.macro fault vec
    .globl fault_\vec
fault_\vec:
    .if (\vec != 8) && (\vec != 10) && (\vec != 11) && (\vec != 12) && (\vec != 13) && (\vec != 14) && (\vec != 17) && (\vec != 21) && (\vec != 29) && (\vec != 30)
    push $0
    .endif
    push $\vec
    jmp fault_common
.endm
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fault \v
    .endr

fault_common:
    mov %rsp, %rdi              /* struct fault_frame: vector, error, rip, cs, rflags, rsp, ss */
    and $-16, %rsp
    call cpu_fault              /* never returns */
    ud2

    .section .rodata
    .balign 8
    .globl fault_stubs
fault_stubs:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad fault_\v
    .endr

    .text
/* The LAPIC timer and spurious interrupts: they only end a hlt. EOI to the LAPIC. */
    .globl irq_timer
irq_timer:
    push %rax
    mov $(0xfee00000 + 0xb0), %eax
    movl $0, (%rax)
    pop %rax
    iretq

    .globl irq_spurious
irq_spurious:
    iretq

/* UART input through the 8259's IRQ 4: ends a hlt; mask nothing, EOI to the master 8259. */
    .globl irq_serial
irq_serial:
    push %rax
    mov $0x20, %al
    outb %al, $0x20
    pop %rax
    iretq

/* A virtio device's interrupt through the 8259: it only ends a hlt (yield
 * and the drivers acknowledge the device, then look at its rings). EOI to
 * the master, and for IRQ 8..15 to the slave first. */
    .globl irq_master
irq_master:
    push %rax
    mov $0x20, %al
    outb %al, $0x20
    pop %rax
    iretq

    .globl irq_slave
irq_slave:
    push %rax
    mov $0x20, %al
    outb %al, $0xa0
    outb %al, $0x20
    pop %rax
    iretq

    .section .note.GNU-stack, "", @progbits
