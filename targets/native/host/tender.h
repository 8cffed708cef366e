/*
 * tender.h: the shared library of the native tenders (tessera-spt, tessera-hvt):
 * options, the image (ELF) loader, the manifest check, guest memory and its
 * range checks, the devices and the ABI call dispatcher.
 *
 * A tender's main is, in order:
 *
 *   struct tender t;
 *   tender_init(&t, "tessera-spt", TESSERA_TARGET_SPT);
 *   tender_parse_options(&t, argc, argv);     // exits 0 (--help) or 2
 *   tender_load_image(&t);                    // exits 1: bad image, wrong target/ABI
 *   tender_check_devices(&t);                 // exits 1: manifest vs --net/--block
 *   tender_open_devices(&t);                  // exits 1: TAP, disk files and locks
 *   ...map guest memory: t.layout says what goes where...
 *   tender_attach_memory(&t, host_address_of_guest_0);
 *   tender_load_segments(&t);                 // copies the segments, writes the boot page
 *   ...run the guest; for each call: tender_call(&t, nr, args_guest_address)...
 *
 * Errors before the guest starts are one line on stderr, `PROG: <message>`,
 * then exit status 2 (bad usage) or 1 (anything else). Once the guest runs,
 * its status is the process's: exit 0..254, panic/trap/a bad call 255.
 *
 * Nothing here keeps global state: everything is in struct tender.
 */
#ifndef TESSERA_TENDER_H
#define TESSERA_TENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h> /* PROT_* */

#include "tessera_abi.h"
#include "tessera_native.h"

/* Exit statuses of the tender itself (the guest's status is passed through). */
#define TENDER_EXIT_ERROR 1 /* bad image, missing device, I/O error at start */
#define TENDER_EXIT_USAGE 2 /* bad command line */
#define TENDER_EXIT_GUEST_FAILED 255 /* panic, trap, bad call */

#define TENDER_NAME_MAX 31 /* device names: [a-z0-9_]{1,31} */
#define TENDER_IFNAME_MAX 15 /* Linux IFNAMSIZ - 1 */
#define TENDER_MAX_SEGMENTS 16
#define TENDER_MAX_REGIONS (TENDER_MAX_SEGMENTS + 4)
#define TENDER_HEAP_ALIGN 65536u /* heap_base and heap_size: whole wasm pages */
#define TENDER_MAX_PUBLISH 32 /* --publish options */

/* --net NAME=tap:IFNAME and --block NAME=FILE, as given. */
struct tender_device_option {
    uint8_t kind;                   /* TESSERA_DEVICE_NET or TESSERA_DEVICE_BLOCK */
    char name[TENDER_NAME_MAX + 1]; /* NUL-terminated */
    const char *value;              /* the text after '=' (argv memory) */
    char ifname[TENDER_IFNAME_MAX + 1]; /* net: the TAP interface ("" for user) */
    bool user;                      /* net: --net NAME=user (user-mode networking: the gateway, spt only) */
    uint64_t create_size;           /* block: --block-create NAME=SIZE, bytes of blocks; 0 if not given */
};

/* --publish [ADDR:]HOSTPORT:GUESTPORT (publish.c), and its listening socket (listen.c). */
struct tender_publish {
    const char *spec;   /* as given (argv memory), for messages */
    int family;         /* AF_INET or AF_INET6 */
    uint8_t addr[16];   /* the address to listen on (4 bytes for AF_INET) */
    char host[48];      /* its text as given, without brackets: 127.0.0.1, ::1 */
    uint16_t host_port; /* 0: any free port */
    uint16_t guest_port;
    int fd;             /* listening socket (non-blocking), -1 until bound */
    uint16_t bound_port; /* the port listened on (the one picked for 0) */
};

struct tender_options {
    const char *image;  /* the image file */
    uint64_t mem_size;  /* guest memory in bytes (--mem MiB, or from the cgroup's memory limit: cgroup.c) */
    bool mem_given;     /* --mem was given */
    size_t device_count;
    struct tender_device_option devices[TESSERA_MAX_DEVICES];
    size_t publish_count;
    struct tender_publish publish[TENDER_MAX_PUBLISH];
    const char *hosts_file;  /* --hosts-file: the user network's resolver's hosts file (NULL: /etc/hosts) */
    const char *resolv_conf; /* --resolv-conf: its nameservers (NULL: /etc/resolv.conf) */
    size_t cmdline_len; /* words after `--`, joined by single spaces, no NUL */
    char cmdline[TESSERA_CMDLINE_MAX];
};

/* One PT_LOAD segment of the image, validated. */
struct tender_segment {
    uint64_t vaddr;  /* guest address of the first byte */
    uint64_t memsz;  /* bytes in guest memory (the rest after filesz are zero) */
    uint64_t filesz; /* bytes from the file */
    uint64_t offset; /* where they are in the file */
    int prot;        /* PROT_READ/PROT_WRITE/PROT_EXEC, never both W and X */
};

/* The image file, read whole and validated by tender_load_image. */
struct tender_image {
    uint8_t *file; /* the file's bytes (malloc) */
    size_t file_size;
    uint64_t entry;
    size_t segment_count;
    struct tender_segment segments[TENDER_MAX_SEGMENTS];
    uint64_t end;         /* highest segment end (guest address) */
    uint32_t abi_version; /* from the notes */
    uint32_t target;      /* TESSERA_TARGET_SPT or _HVT */
    size_t device_count;  /* the manifest's devices, from the notes */
    struct tessera_note_device devices[TESSERA_MAX_DEVICES];
    /* .symtab and its string table inside `file` (count 0 if stripped). */
    size_t symbol_count;
    uint64_t symtab_offset;
    uint64_t strtab_offset;
    uint64_t strtab_size;
};

/* A range of guest memory with the same protection (page aligned). */
struct tender_region {
    uint64_t start, end; /* [start, end) guest addresses */
    int prot;            /* PROT_READ/PROT_WRITE/PROT_EXEC */
};

/*
 * Where everything goes in guest memory (tessera_native.h's map), computed by
 * tender_load_image from the image and --mem. `regions` lists every range the
 * guest may touch, sorted, non-overlapping; anything else is never mapped
 * (spt: PROT_NONE; hvt may map it, but the tender never reads or writes it).
 */
struct tender_layout {
    uint64_t mem_size;   /* guest memory [0, mem_size) */
    uint64_t heap_base;  /* first 64 KiB boundary above the highest segment */
    uint64_t heap_size;  /* whole 64 KiB pages up to the stack guard page */
    uint64_t stack_base; /* mem_size - TESSERA_STACK_SIZE */
    uint64_t stack_top;  /* initial rsp: mem_size - 8 (16-byte aligned minus 8) */
    size_t region_count;
    struct tender_region regions[TENDER_MAX_REGIONS];
};

/* Guest memory as the tender sees it once it is mapped. */
struct tender_memory {
    uintptr_t host_base; /* host address of guest address 0 (may itself be unmapped) */
    bool attached;
};

/* An opened device (one per --net/--block option, in the manifest's order). */
struct tender_device {
    uint8_t kind;
    char name[TENDER_NAME_MAX + 1];
    char *given; /* "--block storage=disk.img", for messages (malloc) */
    int fd;
    int peer_fd; /* a user net device: the gateway's end of the socketpair whose other end is fd; else -1 */
    int handle; /* -1 until the guest acquires it */
    /* net */
    uint8_t mac[6];
    uint32_t mtu;
    uint8_t *frame;          /* scratch for one read from the TAP device (malloc) */
    uint8_t *ring;           /* frames read ahead of the guest, HOST_RING_SLOTS of them (malloc) */
    uint16_t *ring_len;      /* their lengths */
    uint32_t ring_head;      /* the oldest */
    uint32_t ring_count;     /* how many */
    int64_t drained_at;      /* monotonic ns of the last read-ahead */
    /* block */
    uint32_t block_size;
    uint64_t capacity;
    bool failed;       /* a write or flush failed: every later flush fails */
    char *lock_path;   /* FILE.lock (malloc), NULL if not locked */
    int lock_fd;       /* FILE.lock open, with flock(LOCK_EX) held until the process ends; -1 if none */
};

struct tender_devices {
    size_t count;
    struct tender_device devices[TESSERA_MAX_DEVICES];
    int8_t by_handle[TESSERA_MAX_HANDLE + 1]; /* index into devices, -1 if free */
    /* Console input: stdin open (for reading) at start. */
    bool console_open;
    bool console_armed; /* cleared when yield reports bit 63, set again by console_read */
    bool console_ended; /* console_read met the end of input: yield stops watching it */
    /* Disk locks: removed by tender_exit only if this is set (spt's sandboxed
     * child clears it: its parent removes them when the child is gone). */
    bool release_locks;
};

struct tender {
    const char *prog; /* "tessera-spt": the prefix of every message */
    uint32_t target;  /* TESSERA_TARGET_SPT or TESSERA_TARGET_HVT */
    struct tender_options options;
    struct tender_image image;
    struct tender_layout layout;
    struct tender_memory memory;
    struct tender_devices devices;
};

void tender_init(struct tender *t, const char *prog, uint32_t target);

/* Parses `[--mem MiB] [--net NAME=tap:IFNAME|NAME=user]... [--publish [ADDR:]HOSTPORT:GUESTPORT]...
 * [--block NAME=FILE]... [--block-create NAME=SIZE]... IMAGE [-- CMDLINE...]` and --help (user and --publish: spt
 * only; hvt refuses them); without
 * --mem, sizes guest memory from the cgroup's memory limit (cgroup.c). Prints usage and exits 0 on --help; prints a
 * message and exits TENDER_EXIT_USAGE on bad input. */
void tender_parse_options(struct tender *t, int argc, char **argv);

/* Reads and validates t->options.image (ELF64 x86_64 ET_EXEC, segments inside
 * guest memory and never W+X, the .note.tessera notes: ABI version, target,
 * devices) and computes t->layout. Exits TENDER_EXIT_ERROR with a message. */
void tender_load_image(struct tender *t);

/* The Node tender's rules: --publish goes to the one net device no --net names
 * (it gets the user backend), or to the one --net NAME=user; every manifest
 * device given, with the right kind, nothing given that is not in the
 * manifest. Exits TENDER_EXIT_ERROR. */
void tender_check_devices(struct tender *t);

/* Attaches the TAP devices, makes the socketpairs of user devices, opens and
 * locks the disk files, notes whether stdin is open, then listens on every
 * --publish (printing `publishing ...` lines). Exits TENDER_EXIT_ERROR (after
 * releasing locks taken). */
void tender_open_devices(struct tender *t);

/* Tells the library where guest memory is: guest address g is host address
 * host_base + g, for every g in t->layout.regions (which must be mapped
 * readable and writable by the tender when tender_load_segments runs). */
void tender_attach_memory(struct tender *t, uintptr_t host_base);

/* Copies the segments into guest memory (zeroing the rest of each: bss) and
 * writes the boot page; `call` goes into boot->call (spt: the call entry's
 * address; hvt: 0) and tsc_khz into boot->tsc_khz (spt: 0). */
void tender_load_segments(struct tender *t, uint64_t call, uint64_t tsc_khz);

/* The host address of guest range [addr, addr+len) if it lies inside one
 * region whose protection includes `prot` (PROT_READ, PROT_WRITE or both);
 * NULL otherwise. Correct for len 0, huge values and wraparound. */
void *tender_guest_range(const struct tender *t, uint64_t addr, uint64_t len, int prot);

/* Runs ABI call `nr` (TESSERA_CALL_* or TESSERA_CALL_TRAP) with its argument
 * struct at guest address `args`; fills in `ret`. Returns when the call
 * returns to the guest; exit, panic, trap, an unknown call number or an
 * argument struct outside guest memory end the process (tender_exit): an
 * unknown number or a bad struct with a message and status 255 (a struct
 * outside memory has no `ret` to put EINVAL in). The struct must lie in one
 * region that is readable (exit, panic, trap) or readable and writable (the
 * calls with a `ret`); every pointer in it is a wasm offset checked against
 * [0, min(boot->heap_used, heap_size)), heap_used read once per call. */
void tender_call(struct tender *t, uint32_t nr, uint64_t args);

/* The fds a sandbox must allow: stdout/stderr, stdin (if open), and the
 * devices'. Fills `fds` (up to `cap`) with the fds of devices of `kind`,
 * returns how many there are. */
size_t tender_device_fds(const struct tender *t, uint8_t kind, int *fds, size_t cap);

/* Removes the disk locks (if devices.release_locks) and ends the process with
 * `status` (_exit: nothing else runs). */
_Noreturn void tender_exit(struct tender *t, int status);

/* Prints `PROG: <message>` on stderr, releases disk locks, exits with `status`.
 * For errors before the guest starts. */
_Noreturn void tender_fail(struct tender *t, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ends the process by signal `sig`, default action restored and unblocked, so
 * that whoever started the tender sees the same signal (exit 128+sig if the
 * signal does not end it). Async-signal-safe. */
_Noreturn void tender_die_by_signal(int sig);

/* The user net device (the one whose frames go to the gateway), or NULL. */
struct tender_device *tender_user_device(struct tender *t);

/* Closes the fds only the gateway uses (the user device's peer end, the
 * listening sockets): for the guest and supervisor processes. */
void tender_close_gateway_fds(struct tender *t);

/* Removes every disk lock this process took (for a supervisor process). */
void tender_release_locks(struct tender *t);

/* The name of the FUNC symbol containing guest address `pc` (the image's
 * .symtab), demangled from wasm2c's `w2c_<module>_<name>` back to the wasm
 * name (gcc's clone suffixes such as .isra.0 dropped), written into `out`
 * (NUL-terminated). Returns false if no FUNC symbol contains pc. Traps use it
 * (and, when pc is in a runtime helper, the first return address into a wasm
 * function up the guest's stack). */
bool tender_symbolize(const struct tender *t, uint64_t pc, char *out, size_t cap);

#endif /* TESSERA_TENDER_H */
