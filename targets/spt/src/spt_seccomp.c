/*
 * spt_seccomp.c: the sandbox: a hand-written seccomp-BPF allowlist, installed
 * after the guest's memory and devices are set up and before its first
 * instruction. Only the tender's own architecture's system calls (x86_64: no
 * x32, no i386; aarch64: AUDIT_ARCH_AARCH64, where every call below exists
 * under the same name); anything not listed kills the process
 * (SECCOMP_RET_KILL_PROCESS):
 *
 *   read            fd 0 (if stdin is open) and net device fds (TAP, user)
 *   write           fd 1, fd 2 and net device fds
 *   pread64         block fds
 *   pwrite64        block fds
 *   fdatasync       block fds
 *   ppoll           (yield, console_read)
 *   clock_gettime   (the clocks, when the vDSO falls back to the kernel)
 *   getrandom       (entropy)
 *   exit_group      (exit, panic, trap)
 *   restart_syscall (an interrupted ppoll resumed by the kernel)
 *
 * The user device's socketpair end is a net device's fd like a TAP fd's: it
 * is in the read and write lists, and nothing else is added for it. fds are
 * compared on their low 32 bits, as the kernel reads them (spt_bpf.c).
 *
 * The sanitizer build (tessera-spt-asan, for tests) also allows
 * sigaltstack(NULL, ...), a query that AddressSanitizer makes before every
 * call of a noreturn function. A sanitizer's report needs more (readlink of
 * /proc/self/exe, to begin with), so inside the sandbox it ends as SIGSYS;
 * that build runs without the sandbox when TESSERA_SPT_UNSANDBOXED=1 is set,
 * to read the report. The release build has no such switch.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spt.h"

#define MAX_FDS (TESSERA_MAX_DEVICES + 3)

void spt_sandbox(struct tender *t) {
#ifdef __SANITIZE_ADDRESS__
    const char *off = getenv("TESSERA_SPT_UNSANDBOXED");
    if (off && strcmp(off, "1") == 0) {
        static const char warning[] = "tessera-spt: sanitizer build, TESSERA_SPT_UNSANDBOXED=1: no seccomp sandbox\n";
        if (write(2, warning, sizeof warning - 1) < 0) _exit(TENDER_EXIT_ERROR);
        return;
    }
#endif
    static struct spt_filter f; /* too large for comfort on the stack */
    int taps[TESSERA_MAX_DEVICES], disks[TESSERA_MAX_DEVICES], fds[MAX_FDS];
    size_t ntap = tender_device_fds(t, TESSERA_DEVICE_NET, taps, TESSERA_MAX_DEVICES);
    size_t ndisk = tender_device_fds(t, TESSERA_DEVICE_BLOCK, disks, TESSERA_MAX_DEVICES);

    spt_bpf_begin(&f);

    /* write: the console, stderr, net devices (TAP fds, a user device's socketpair end) */
    size_t n = 0;
    fds[n++] = 1;
    fds[n++] = 2;
    for (size_t i = 0; i < ntap; i++) fds[n++] = taps[i];
    spt_bpf_allow_fds(&f, __NR_write, fds, n);
    /* read: stdin (console_read), net devices */
    n = 0;
    if (t->devices.console_open) fds[n++] = 0;
    for (size_t i = 0; i < ntap; i++) fds[n++] = taps[i];
    spt_bpf_allow_fds(&f, __NR_read, fds, n);
    spt_bpf_allow(&f, __NR_ppoll);
    spt_bpf_allow(&f, __NR_clock_gettime);
    spt_bpf_allow_fds(&f, __NR_pread64, disks, ndisk);
    spt_bpf_allow_fds(&f, __NR_pwrite64, disks, ndisk);
    spt_bpf_allow_fds(&f, __NR_fdatasync, disks, ndisk);
    spt_bpf_allow(&f, __NR_getrandom);
    spt_bpf_allow(&f, __NR_exit_group);
    spt_bpf_allow(&f, __NR_restart_syscall);
    spt_bpf_allow_sanitizer(&f);
    spt_bpf_install(t, &f, "the sandbox's", "guest");
}
