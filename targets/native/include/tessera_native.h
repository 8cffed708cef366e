/*
 * tessera_native.h: what a native image and its tender agree on, besides the
 * ABI calls themselves (those are in tessera_abi.h, generated from the table).
 * Generated from packages/abi/src/native-format.ts by `npm run generate -w @tessera/abi`. Do not edit.
 *
 * A native image is a static x86_64 ELF: the image's .wasm translated by
 * wasm2c, the guest runtime (targets/native/guest) and the bindings, linked at
 * TESSERA_IMAGE_BASE. Two tenders run it:
 *
 *   tessera-spt  maps the guest's memory into its own process and calls the
 *                entry point; a call is a plain function call into the tender.
 *   tessera-hvt  gives the guest the same memory as guest-physical memory in a
 *                KVM VM, identity-mapped, in 64-bit long mode; a call is
 *                `outl(TESSERA_HVT_PORT + nr, address of the argument struct)`.
 *                The image runs in ring 3 (kvm_pvm runs ring 3 natively but
 *                emulates ring 0); its OUT faults into a small ring-0 stub of
 *                the tender's, which repeats it in ring 0: that is the VM
 *                exit. So the guest runtime uses no privileged instruction.
 *
 * Guest memory is the address range [0, mem) on both (spt maps only
 * [TESSERA_BOOT_ADDR, mem): the page below is never mapped):
 *
 *   0x00000 .. 0x0ffff   hvt only, the tender's: GDT, TSS and IDT (0x1000),
 *                        page tables, the ring-0 stub (0xe000) and its stack
 *                        (0xf000)
 *   0x10000 .. 0x10fff   struct tessera_boot (written by the tender)
 *   0x11000 .. 0xfffff   unused, never mapped writable-and-executable
 *   0x100000 ..          the ELF's PT_LOAD segments (text, rodata, data, bss)
 *   heap_base ..         the wasm linear memory, heap_size bytes at most
 *   stack guard          one unmapped page
 *   stack                TESSERA_STACK_SIZE bytes, ending at mem
 *
 * Every address the guest hands the tender is checked against this map: the
 * argument struct must lie inside guest memory, and the pointers inside it are
 * wasm offsets that must lie inside [heap_base, heap_base + heap_used).
 */
#ifndef TESSERA_NATIVE_H
#define TESSERA_NATIVE_H

#include <stdint.h>

/* The ELF is linked here (its first PT_LOAD segment starts at this address). */
#define TESSERA_IMAGE_BASE 0x100000u
/* The boot page, struct tessera_boot, at this guest address. */
#define TESSERA_BOOT_ADDR 0x10000u
/* The guest's stack, at the top of guest memory, with an unmapped page below. */
#define TESSERA_STACK_SIZE 0x100000u
/* A page: the unit of mapping and of the stack's guard. */
#define TESSERA_PAGE_SIZE 4096u
/* Guest memory is whole MiB (--mem), at least this much. */
#define TESSERA_MEM_MIN_MIB 4u
/* Guest memory at most: 4 GiB. */
#define TESSERA_MEM_MAX_MIB 4096u
/* Guest memory without --mem. */
#define TESSERA_MEM_DEFAULT_MIB 64u
/*
 * hvt: a call is a 32-bit OUT to port TESSERA_HVT_PORT + nr carrying the
 * guest-physical address of the argument struct.
 */
#define TESSERA_HVT_PORT 0x500u

/*
 * Calls a native guest makes besides the ABI's TESSERA_CALL_* (numbers
 * TESSERA_CALL_COUNT and up). The pointers in these are guest addresses, not
 * wasm offsets: they point into the image's own data or stack.
 */
enum tessera_native_call {
    /*
     * The guest runtime trapped: print `tessera: trap: <msg> in <function>`,
     * the function found from `pc` in the ELF's symbol table, exit 255.
     */
    TESSERA_CALL_TRAP = 64
};

/* The argument of TESSERA_CALL_TRAP. */
struct tessera_args_trap {
    uint64_t msg; /* Guest address of the reason, e.g. "memory access out of bounds". */
    uint32_t len; /* Its length. */
    uint32_t pad; /* Zero. */
    uint64_t pc;  /* A return address inside the wasm function that trapped, or 0. */
};
_Static_assert(sizeof(struct tessera_args_trap) == 24, "tessera_args_trap layout");
_Static_assert(__builtin_offsetof(struct tessera_args_trap, msg) == 0, "tessera_args_trap.msg");
_Static_assert(__builtin_offsetof(struct tessera_args_trap, len) == 8, "tessera_args_trap.len");
_Static_assert(__builtin_offsetof(struct tessera_args_trap, pad) == 12, "tessera_args_trap.pad");
_Static_assert(__builtin_offsetof(struct tessera_args_trap, pc) == 16, "tessera_args_trap.pc");

#define TESSERA_BOOT_MAGIC 0x31544f4f42535354ull /* "TSSBOOT1" */

/*
 * The boot page: written by the tender before the guest starts, read by the
 * guest runtime. Only heap_used is written by the guest, whenever the linear
 * memory grows; the tender reads it on every call and caps it at heap_size,
 * so a guest that lies about it can only reach its own memory.
 */
struct tessera_boot {
    uint64_t magic;       /* TESSERA_BOOT_MAGIC */
    uint64_t mem_size;    /* Guest memory, bytes: [0, mem_size). */
    uint64_t heap_base;   /* Guest address of the wasm linear memory (64 KiB aligned). */
    uint64_t heap_size;   /* Bytes the linear memory may grow to. */
    uint64_t heap_used;   /* Written by the guest: the linear memory's current size. */
    uint64_t stack_base;  /* Lowest address of the guest's stack. */
    uint64_t stack_size;  /* Its size; the page below stack_base is unmapped. */
    /*
     * spt: the tender's entry for calls, `call(nr, args)` on the guest's
     * stack. hvt: 0 (calls are port I/O).
     */
    uint64_t call;
    /*
     * hvt: the guest's TSC frequency in kHz, for a clock without VM exits.
     * spt: 0 (the clock is a call).
     */
    uint64_t tsc_khz;
    uint64_t reserved[7]; /* Zero. */
};
_Static_assert(sizeof(struct tessera_boot) == 128, "tessera_boot layout");
_Static_assert(__builtin_offsetof(struct tessera_boot, magic) == 0, "tessera_boot.magic");
_Static_assert(__builtin_offsetof(struct tessera_boot, mem_size) == 8, "tessera_boot.mem_size");
_Static_assert(__builtin_offsetof(struct tessera_boot, heap_base) == 16, "tessera_boot.heap_base");
_Static_assert(__builtin_offsetof(struct tessera_boot, heap_size) == 24, "tessera_boot.heap_size");
_Static_assert(__builtin_offsetof(struct tessera_boot, heap_used) == 32, "tessera_boot.heap_used");
_Static_assert(__builtin_offsetof(struct tessera_boot, stack_base) == 40, "tessera_boot.stack_base");
_Static_assert(__builtin_offsetof(struct tessera_boot, stack_size) == 48, "tessera_boot.stack_size");
_Static_assert(__builtin_offsetof(struct tessera_boot, call) == 56, "tessera_boot.call");
_Static_assert(__builtin_offsetof(struct tessera_boot, tsc_khz) == 64, "tessera_boot.tsc_khz");
_Static_assert(__builtin_offsetof(struct tessera_boot, reserved) == 72, "tessera_boot.reserved");

/*
 * The guest's entry point (the ELF's e_entry): `void start(struct tessera_boot *)`,
 * called with rsp at the top of the stack (16-byte aligned, minus 8, as after
 * a call), rdi = TESSERA_BOOT_ADDR. It never returns: it ends with the exit
 * call (or the trap call).
 */

/*
 * The ELF note that carries the manifest: section .note.tessera, owner name
 * "Tessera", one note of each type below.
 */
#define TESSERA_NOTE_NAME "Tessera"
/* desc: u32, the ABI version (TESSERA_ABI_VERSION). */
#define TESSERA_NOTE_ABI 1
/*
 * desc: the manifest's devices: u32 count, then per device a struct
 * tessera_note_device.
 */
#define TESSERA_NOTE_DEVICES 2
/* desc: u32, the target the image was built for (a TESSERA_TARGET_*). */
#define TESSERA_NOTE_TARGET 3
/* desc: the manifest as UTF-8 JSON, exactly the .wasm's tessera.manifest. */
#define TESSERA_NOTE_MANIFEST 4

/* A device of the manifest, in the devices note. */
struct tessera_note_device {
    uint8_t kind;     /* TESSERA_DEVICE_NET or TESSERA_DEVICE_BLOCK */
    uint8_t name_len; /* 1..31 */
    char name[32];    /* [a-z0-9_], NUL padded */
    uint8_t pad[6];   /* Zero. */
};
_Static_assert(sizeof(struct tessera_note_device) == 40, "tessera_note_device layout");
_Static_assert(__builtin_offsetof(struct tessera_note_device, kind) == 0, "tessera_note_device.kind");
_Static_assert(__builtin_offsetof(struct tessera_note_device, name_len) == 1, "tessera_note_device.name_len");
_Static_assert(__builtin_offsetof(struct tessera_note_device, name) == 2, "tessera_note_device.name");
_Static_assert(__builtin_offsetof(struct tessera_note_device, pad) == 34, "tessera_note_device.pad");

#define TESSERA_DEVICE_NET 1
#define TESSERA_DEVICE_BLOCK 2
/* Run by tessera-spt, as a process. */
#define TESSERA_TARGET_SPT 1
/* Run by tessera-hvt, in a KVM virtual machine. */
#define TESSERA_TARGET_HVT 2
/*
 * Booted by a VMM (QEMU) itself, with the boot stub in guest/virtio-x86_64
 * answering the calls.
 */
#define TESSERA_TARGET_VIRTIO_X86_64 3
/*
 * Booted as a Linux arm64 Image (QEMU -M virt), with the boot stub in
 * guest/virtio-aarch64 answering the calls.
 */
#define TESSERA_TARGET_VIRTIO_AARCH64 5
/*
 * A Raspberry Pi's kernel8.img (QEMU -M raspi3b): the virtio-aarch64 stub
 * built for the board, linked at 0x80000.
 */
#define TESSERA_TARGET_RPI 6

/*
 * The PT_INTERP every native image carries, so that the host kernel refuses
 * to run the file by mistake (`./hello.spt` fails: no such interpreter).
 */
#define TESSERA_IMAGE_INTERP "/nonexistent/tessera-image: run it with tessera run"

#endif /* TESSERA_NATIVE_H */
