/*
 * spt_seccomp.c: the sandbox: a hand-written seccomp-BPF allowlist, installed
 * after the guest's memory and devices are set up and before its first
 * instruction. Only x86_64 system calls (no x32, no i386); anything not
 * listed kills the process (SECCOMP_RET_KILL_PROCESS):
 *
 *   read            fd 0 (if stdin is open) and TAP fds
 *   write           fd 1, fd 2 and TAP fds
 *   pread64         block fds
 *   pwrite64        block fds
 *   fdatasync       block fds
 *   ppoll           (yield, console_read)
 *   clock_gettime   (the clocks, when the vDSO falls back to the kernel)
 *   getrandom       (entropy)
 *   exit_group      (exit, panic, trap)
 *   restart_syscall (an interrupted ppoll resumed by the kernel)
 *
 * fds are compared on their low 32 bits, as the kernel reads them.
 *
 * The sanitizer build (tessera-spt-asan, for tests) also allows
 * sigaltstack(NULL, ...), a query that AddressSanitizer makes before every
 * call of a noreturn function. A sanitizer's report needs more (readlink of
 * /proc/self/exe, to begin with), so inside the sandbox it ends as SIGSYS;
 * that build runs without the sandbox when TESSERA_SPT_UNSANDBOXED=1 is set,
 * to read the report. The release build has no such switch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spt.h"

#define X32_SYSCALL_BIT 0x40000000u
#define MAX_INSNS 512
#define MAX_FDS (TESSERA_MAX_DEVICES + 3)

struct filter {
    struct sock_filter insns[MAX_INSNS];
    size_t count;
};

static void emit(struct filter *f, struct sock_filter insn) {
    if (f->count < MAX_INSNS) f->insns[f->count] = insn;
    f->count++;
}

#define LOAD_FIELD(field) (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define LOAD_NR LOAD_FIELD(nr)
#define LOAD_ARCH LOAD_FIELD(arch)
#define ARG0_LOW (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]))
#define RET(action) (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, action)

/* Allows syscall `nr` outright. */
static void allow(struct filter *f, uint32_t nr) {
    emit(f, LOAD_NR);
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1));
    emit(f, RET(SECCOMP_RET_ALLOW));
}

/* Allows syscall `nr` when its first argument is one of `fds` (none: not at all). */
static void allow_fds(struct filter *f, uint32_t nr, const int *fds, size_t n) {
    if (n == 0) return;
    /* [ld nr][jeq nr][ld arg0][jeq fd]*n[ret kill][ret allow] */
    emit(f, LOAD_NR);
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, (uint8_t)(n + 3)));
    emit(f, ARG0_LOW);
    for (size_t j = 1; j <= n; j++)
        emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)fds[j - 1], (uint8_t)(n + 1 - j), 0));
    emit(f, RET(SECCOMP_RET_KILL_PROCESS));
    emit(f, RET(SECCOMP_RET_ALLOW));
}

void spt_sandbox(struct tender *t) {
#ifdef __SANITIZE_ADDRESS__
    const char *off = getenv("TESSERA_SPT_UNSANDBOXED");
    if (off && strcmp(off, "1") == 0) {
        static const char warning[] = "tessera-spt: sanitizer build, TESSERA_SPT_UNSANDBOXED=1: no seccomp sandbox\n";
        if (write(2, warning, sizeof warning - 1) < 0) _exit(TENDER_EXIT_ERROR);
        return;
    }
#endif
    static struct filter f; /* too large for comfort on the stack */
    int taps[TESSERA_MAX_DEVICES], disks[TESSERA_MAX_DEVICES], fds[MAX_FDS];
    size_t ntap = tender_device_fds(t, TESSERA_DEVICE_NET, taps, TESSERA_MAX_DEVICES);
    size_t ndisk = tender_device_fds(t, TESSERA_DEVICE_BLOCK, disks, TESSERA_MAX_DEVICES);

    f.count = 0;
    emit(&f, LOAD_ARCH);
    emit(&f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
    emit(&f, RET(SECCOMP_RET_KILL_PROCESS));
    emit(&f, LOAD_NR);
    emit(&f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
    emit(&f, RET(SECCOMP_RET_KILL_PROCESS));

    /* write: the console, stderr, TAP devices */
    size_t n = 0;
    fds[n++] = 1;
    fds[n++] = 2;
    for (size_t i = 0; i < ntap; i++) fds[n++] = taps[i];
    allow_fds(&f, __NR_write, fds, n);
    /* read: stdin (console_read), TAP devices */
    n = 0;
    if (t->devices.console_open) fds[n++] = 0;
    for (size_t i = 0; i < ntap; i++) fds[n++] = taps[i];
    allow_fds(&f, __NR_read, fds, n);
    allow(&f, __NR_ppoll);
    allow(&f, __NR_clock_gettime);
    allow_fds(&f, __NR_pread64, disks, ndisk);
    allow_fds(&f, __NR_pwrite64, disks, ndisk);
    allow_fds(&f, __NR_fdatasync, disks, ndisk);
    allow(&f, __NR_getrandom);
    allow(&f, __NR_exit_group);
    allow(&f, __NR_restart_syscall);
#ifdef __SANITIZE_ADDRESS__
    emit(&f, LOAD_NR);
    emit(&f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sigaltstack, 0, 6));
    emit(&f, ARG0_LOW);
    emit(&f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2));
    emit(&f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]) + 4));
    emit(&f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0));
    emit(&f, RET(SECCOMP_RET_KILL_PROCESS));
    emit(&f, RET(SECCOMP_RET_ALLOW));
#endif
    emit(&f, RET(SECCOMP_RET_KILL_PROCESS));
    if (f.count > MAX_INSNS) tender_fail(t, TENDER_EXIT_ERROR, "the sandbox's filter is too long (%zu)", f.count);

    struct sock_fprog prog = {.len = (unsigned short)f.count, .filter = f.insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        tender_fail(t, TENDER_EXIT_ERROR, "cannot set no_new_privs: %s", strerror(errno));
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
        tender_fail(t, TENDER_EXIT_ERROR, "cannot install the seccomp sandbox: %s (needs Linux 4.14 or later)",
                    strerror(errno));
}
