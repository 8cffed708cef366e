/*
 * boot.S: the entry of a virtio-aarch64 image. The file begins with the Linux
 * arm64 Image header, so QEMU -M virt -kernel, U-Boot booti and the Raspberry
 * Pi firmware load it at a 2 MiB-aligned base + text_offset (QEMU: RAM base;
 * Firecracker: 0x80200000; U-Boot: where it was put) and jump to its first byte
 * with the device tree's address in x0, the MMU off, at EL3, EL2 or EL1.
 *
 *   1. drop to EL1 (from EL3 or EL2: AArch64 EL1, the timer's registers open
 *      to EL1, CNTVOFF 0, the GIC's system registers open);
 *   2. FP/SIMD on (CPACR_EL1.FPEN): the wasm2c code uses floating point;
 *   3. an early identity map of 1 GiB blocks: Device memory everywhere, but
 *      Normal cacheable for the GiBs the image spans and the device tree's GiB;
 *      then the MMU and the caches on, before any C code runs;
 *   4. zero the bss, relocate the image (a static PIE: the loader may put it
 *      anywhere, 4 KiB-aligned; header flag bit 3 says so), the exception vectors, SP_EL1 = the fault stack, and
 *      run on SP_EL0 from then on (so that a fault, even on the stack's guard
 *      page, is taken on a stack of its own), into virtio_main(dtb).
 */
#define SCTLR_RES1 0x30d00800
#define R_AARCH64_RELATIVE 1027
#define MAIR ((0x00 << 0) | (0x04 << 8) | (0xff << 16)) /* 0: Device-nGnRnE, 1: Device-nGnRE, 2: Normal WB */
#define BLOCK_DEVICE ((1 << 0) | (1 << 2) | (1 << 10) | (3 << 53))      /* block, attr 1, AF, PXN, UXN */
#define BLOCK_NORMAL ((1 << 0) | (2 << 2) | (3 << 8) | (1 << 10))       /* block, attr 2, inner shareable, AF */

    .section .text.head, "ax"
    .globl _head
_head:
    b       entry                       /* code0 */
    .long   0                           /* code1 */
    .quad   TEXT_OFFSET                 /* text_offset: the image's offset from a 2 MiB-aligned RAM base */
    /* (x - _head: offsets and sizes the link resolves, not run-time relocations; see virtio.ld) */
    .quad   __image_end - _head         /* image_size: the bytes the image takes in RAM, bss included */
    .quad   0xa                         /* flags: little-endian (bit 0 clear), 4 KiB pages (bits 1-2: 1), anywhere in physical memory (bit 3: it relocates itself) */
    .long   __syms_start - _head        /* res2: where the function table is in the file, */
    .long   __syms_size_at - _head      /*   and its size (tessera inspect) */
    .quad   __note_tessera_start - _head /* res3: where Tessera's notes are in the file */
    .quad   __notes_size_at - _head     /* res4: their size */
    .ascii  "ARM\x64"                   /* magic */
    .long   0                           /* res5 */

entry:
    mov     x19, x0                     /* the device tree */
    mrs     x1, CurrentEL
    lsr     x1, x1, #2
    cmp     x1, #3
    b.ne    1f
    /* EL3: EL2 and EL1 non-secure, AArch64; on to EL2 */
    mov     x1, #0x5b1                  /* NS, RES1 bits 4-5, SMD, HCE, RW */
    msr     scr_el3, x1
    msr     cptr_el3, xzr               /* FP/SIMD not trapped */
    mrs     x1, id_aa64pfr0_el1
    ubfx    x1, x1, #24, #4
    cbz     x1, 2f
    mrs     x1, s3_6_c12_c12_5          /* ICC_SRE_EL3: SRE, DFB, DIB, Enable */
    orr     x1, x1, #0xf
    msr     s3_6_c12_c12_5, x1
    isb
2:  mov     x1, #0x3c9                  /* EL2h, DAIF masked */
    msr     spsr_el3, x1
    adr     x1, 1f
    msr     elr_el3, x1
    eret
1:  mrs     x1, CurrentEL
    lsr     x1, x1, #2
    cmp     x1, #2
    b.ne    3f
    /* EL2: EL1 is AArch64 and traps nothing to EL2 */
    mov     x1, #(1 << 31)
    msr     hcr_el2, x1
    mov     x1, #0x33ff                 /* CPTR_EL2: RES1 bits, TFP clear */
    msr     cptr_el2, x1
    mrs     x1, cnthctl_el2
    orr     x1, x1, #3                  /* EL1PCTEN, EL1PCEN */
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    msr     vttbr_el2, xzr
    mrs     x1, midr_el1
    msr     vpidr_el2, x1
    mrs     x1, mpidr_el1
    msr     vmpidr_el2, x1
    mrs     x1, id_aa64pfr0_el1
    ubfx    x1, x1, #24, #4
    cbz     x1, 4f
    mrs     x1, s3_4_c12_c9_5           /* ICC_SRE_EL2: SRE, DFB, DIB, Enable (EL1 may use the system registers) */
    orr     x1, x1, #0xf
    msr     s3_4_c12_c9_5, x1
    isb
    msr     s3_4_c12_c11_0, xzr         /* ICH_HCR_EL2: no virtual interface */
4:  ldr     x1, =SCTLR_RES1
    msr     sctlr_el1, x1
    mov     x1, #0x3c5                  /* EL1h, DAIF masked */
    msr     spsr_el2, x1
    adr     x1, 3f
    msr     elr_el2, x1
    eret
3:  /* EL1 */
    msr     daifset, #0xf
    ldr     x1, =SCTLR_RES1
    msr     sctlr_el1, x1
    isb
    mov     x1, #(3 << 20)              /* CPACR_EL1.FPEN: FP/SIMD at EL1 */
    msr     cpacr_el1, x1
    isb

    /* The early map: 512 blocks of 1 GiB (39-bit addresses), all Device, XN. */
    adrp    x2, early_l1
    add     x2, x2, :lo12:early_l1
    ldr     x3, =BLOCK_DEVICE
    mov     x4, #0
5:  orr     x5, x3, x4, lsl #30
    str     x5, [x2, x4, lsl #3]
    add     x4, x4, #1
    cmp     x4, #512
    b.lo    5b
    /* Normal, executable: every GiB the image spans (bss and this table too), and the device tree's. */
    ldr     x3, =BLOCK_NORMAL
    adr     x4, _head
    lsr     x4, x4, #30
    adrp    x6, __image_end
    add     x6, x6, :lo12:__image_end
    sub     x6, x6, #1
    lsr     x6, x6, #30
10: and     x7, x4, #511
    orr     x5, x3, x4, lsl #30
    str     x5, [x2, x7, lsl #3]
    add     x4, x4, #1
    cmp     x4, x6
    b.ls    10b
    lsr     x4, x19, #30
    and     x4, x4, #511
    orr     x5, x3, x4, lsl #30
    str     x5, [x2, x4, lsl #3]
    /* the table was written with the MMU off: no stale cache lines over it */
    mov     x4, #0
6:  add     x5, x2, x4
    dc      civac, x5
    add     x4, x4, #64
    cmp     x4, #4096
    b.lo    6b
    dsb     sy

    ldr     x1, =MAIR
    msr     mair_el1, x1
    /* TCR: T0SZ 25 (512 GiB), 4 KiB granule, walks cacheable WBWA, inner shareable; no TTBR1 walks; IPS from the CPU */
    mrs     x1, id_aa64mmfr0_el1
    and     x1, x1, #7
    ldr     x3, =(25 | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23))
    orr     x3, x3, x1, lsl #32
    msr     tcr_el1, x3
    msr     ttbr0_el1, x2
    isb
    tlbi    vmalle1
    ic      iallu
    dsb     nsh
    isb
    ldr     x1, =(SCTLR_RES1 | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 12)) /* M, C, SA, I */
    msr     sctlr_el1, x1
    isb

    /* the bss, with the caches on */
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
7:  cmp     x1, x2
    b.hs    8f
    str     xzr, [x1], #8
    b       7b
8:
    /*
     * The image is a static PIE linked at TESSERA_LINK_ADDR and may run
     * anywhere (4 KiB-aligned: adrp): apply .rela.dyn, offset + delta <-
     * addend + delta for each R_AARCH64_RELATIVE (setting, not adding: harmless
     * with delta 0). Until here only PC-relative addressing was used. Any
     * other type is left alone and counted: main.c reports it once the console
     * is up (there is none yet), then stops.
     */
    adr     x20, _head
    ldr     x1, =TESSERA_LINK_ADDR     /* a constant, not an address to relocate */
    sub     x20, x20, x1                /* delta */
    adrp    x1, __rela_start
    add     x1, x1, :lo12:__rela_start
    adrp    x2, __rela_end
    add     x2, x2, :lo12:__rela_end
    mov     x6, #R_AARCH64_RELATIVE
11: cmp     x1, x2
    b.hs    13f
    ldp     x3, x4, [x1], #16           /* r_offset, r_info */
    ldr     x5, [x1], #8                /* r_addend */
    cmp     x4, x6                      /* the type, and symbol 0 */
    b.ne    12f
    add     x5, x5, x20
    str     x5, [x3, x20]
    b       11b
12: adrp    x3, boot_bad_relocs
    add     x3, x3, :lo12:boot_bad_relocs
    ldr     x5, [x3]
    cbnz    x5, 14f
    str     x4, [x3, #8]                /* the first one's r_info */
14: add     x5, x5, #1
    str     x5, [x3]
    b       11b
13: adrp    x1, boot_load_delta
    add     x1, x1, :lo12:boot_load_delta
    str     x20, [x1]

    adrp    x1, vectors
    add     x1, x1, :lo12:vectors
    msr     vbar_el1, x1
    adrp    x1, fault_stack_top
    add     x1, x1, :lo12:fault_stack_top
    mov     sp, x1                      /* SP_EL1: exceptions' stack */
    msr     spsel, #0
    adrp    x1, boot_stack_top
    add     x1, x1, :lo12:boot_stack_top
    mov     sp, x1                      /* SP_EL0: everything else */
    isb
    mov     x0, x19
    bl      virtio_main
9:  wfi
    b       9b
    .ltorg

/* virtio_enter(boot, stack_top): onto the guest's stack, into start.c's tessera_start. */
    .text
    .globl virtio_enter
virtio_enter:
    mov     sp, x1
    mov     x29, #0
    mov     x30, #0
    b       tessera_start

/* Switches to the final tables (paging.c): ttbr0_switch(table). */
    .globl ttbr0_switch
ttbr0_switch:
    dsb     ishst
    msr     ttbr0_el1, x0
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    ret

/*
 * The exception vectors. The stub runs on SP_EL0, so every exception it takes
 * is "current EL with SP0" (the first four), on SP_EL1's fault stack. All
 * save the registers and call exception(frame, kind) (cpu.c); it returns only
 * to resume (the semihosting probe), and then the registers come back.
 * Interrupts stay masked: WFI wakes on them without taking them.
 */
.macro vector kind
    .balign 0x80
    sub     sp, sp, #(34 * 8)
    stp     x0, x1, [sp, #0]
    mov     x1, #\kind
    b       exception_entry
.endm

    .section .text.vectors, "ax"
    .balign 2048
vectors:
    vector 0
    vector 1
    vector 2
    vector 3
    vector 4
    vector 5
    vector 6
    vector 7
    vector 8
    vector 9
    vector 10
    vector 11
    vector 12
    vector 13
    vector 14
    vector 15

exception_entry:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x2, sp_el0
    stp     x30, x2, [sp, #240]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #256]
    mov     x0, sp                      /* x1: the kind */
    bl      exception
    ldp     x2, x3, [sp, #256]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #(34 * 8)
    eret

/* semihost(op, param): the Arm semihosting call (HLT #0xF000). Without
 * semihosting it is an undefined instruction: cpu.c skips it, and this returns -1. */
    .globl semihost, semihost_insn
semihost:
semihost_insn:
    hlt     #0xf000
    ret

    .section .bss.stacks, "aw", %nobits
    .balign 16
    .space  16384
fault_stack_top:
    .space  16384
boot_stack_top:

/* Set before any C runs (so in .data, not the bss that is zeroed first): where the image runs minus where
 * it was linked (symbols.c), and how many relocations boot.S could not apply, with the first's r_info (main.c). */
    .section .data.boot, "aw"
    .balign 8
    .globl boot_load_delta, boot_bad_relocs
boot_load_delta:
    .quad   0
boot_bad_relocs:
    .quad   0, 0

    .section .pgtable, "aw", %nobits
    .balign 4096
early_l1:
    .space  4096

    .section .note.GNU-stack, "", %progbits
