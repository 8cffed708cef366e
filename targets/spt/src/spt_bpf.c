/*
 * spt_bpf.c: writing and installing a seccomp-BPF allowlist, for the guest's
 * filter (spt_seccomp.c) and the gateway's (spt_gateway.c). Every filter
 * starts by killing anything but the tender's own architecture's system calls
 * (x86_64: AUDIT_ARCH_X86_64, no x32, no i386; aarch64: AUDIT_ARCH_AARCH64, no
 * arm32 compat calls) and ends by killing whatever it did not allow
 * (SECCOMP_RET_KILL_PROCESS). fds are compared on their low 32 bits, as the
 * kernel reads them. The names are the same on both (__NR_read, __NR_ppoll,
 * ...), the numbers are each architecture's own from <sys/syscall.h>: aarch64
 * has none of the old calls (open, poll, ...), and the filters use none.
 *
 * Two environment variables, read before the filter is installed:
 *   TESSERA_SPT_FILTER_OUT=DIR   write the program about to be installed to
 *                                DIR/guest.bpf or DIR/gateway.bpf (struct
 *                                sock_filter, host byte order): the tests
 *                                read the aarch64 filter this way
 *   TESSERA_SPT_EMULATED=1       set by tessera run when it starts the aarch64
 *                                tender under qemu-aarch64-static. qemu-user
 *                                refuses seccomp filters (7.2: seccomp() is
 *                                ENOSYS, prctl(PR_SET_SECCOMP) EINVAL): then,
 *                                and only then (ENOSYS), the tender says on
 *                                stderr that it runs WITHOUT the sandbox and
 *                                goes on. Without the variable, or on a
 *                                kernel that has seccomp, nothing changes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spt.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__x86_64__)
#define SPT_AUDIT_ARCH AUDIT_ARCH_X86_64
#define X32_SYSCALL_BIT 0x40000000u
#elif defined(__aarch64__)
#define SPT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "tessera-spt runs on x86_64 and aarch64"
#endif

void spt_bpf_emit(struct spt_filter *f, struct sock_filter insn) {
    if (f->count < SPT_FILTER_MAX) f->insns[f->count] = insn;
    f->count++;
}

void spt_bpf_begin(struct spt_filter *f) {
    f->count = 0;
    spt_bpf_emit(f, SPT_LOAD_ARCH);
    spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SPT_AUDIT_ARCH, 1, 0));
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_KILL_PROCESS));
#ifdef X32_SYSCALL_BIT
    spt_bpf_emit(f, SPT_LOAD_NR);
    spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_KILL_PROCESS));
#endif
}

void spt_bpf_allow(struct spt_filter *f, uint32_t nr) {
    spt_bpf_emit(f, SPT_LOAD_NR);
    spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1));
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_ALLOW));
}

void spt_bpf_allow_fds(struct spt_filter *f, uint32_t nr, const int *fds, size_t n) {
    if (n == 0) return;
    /* [ld nr][jeq nr][ld arg0][jeq fd]*n[ret kill][ret allow] */
    spt_bpf_emit(f, SPT_LOAD_NR);
    spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, (uint8_t)(n + 3)));
    spt_bpf_emit(f, SPT_ARG_LOW(0));
    for (size_t j = 1; j <= n; j++)
        spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)fds[j - 1],
                                                      (uint8_t)(n + 1 - j), 0));
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_KILL_PROCESS));
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_ALLOW));
}

void spt_bpf_allow_without(struct spt_filter *f, uint32_t nr, unsigned arg, uint32_t bits) {
    /* [ld nr][jeq nr][ld arg][jset bits][ret allow][ret kill] */
    spt_bpf_emit(f, SPT_LOAD_NR);
    spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 4));
    spt_bpf_emit(f, SPT_ARG_LOW(arg));
    spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, bits, 1, 0));
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_ALLOW));
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_KILL_PROCESS));
}

void spt_bpf_allow_sanitizer(struct spt_filter *f) {
#ifdef __SANITIZE_ADDRESS__
    /* sigaltstack(NULL, ...), which AddressSanitizer asks before every call of a noreturn function */
    spt_bpf_emit(f, SPT_LOAD_NR);
    spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sigaltstack, 0, 6));
    spt_bpf_emit(f, SPT_ARG_LOW(0));
    spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2));
    spt_bpf_emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]) + 4));
    spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0));
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_KILL_PROCESS));
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_ALLOW));
#else
    (void)f;
#endif
}

/* TESSERA_SPT_FILTER_OUT: the program, as it is about to be installed, to DIR/<file>.bpf. */
static void dump(struct tender *t, const struct spt_filter *f, const char *file) {
    const char *dir = getenv("TESSERA_SPT_FILTER_OUT");
    if (dir == NULL || *dir == '\0') return;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s.bpf", dir, file) >= sizeof path)
        tender_fail(t, TENDER_EXIT_ERROR, "TESSERA_SPT_FILTER_OUT is too long");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = f->count * sizeof f->insns[0];
    if (fd < 0 || write(fd, f->insns, len) != (ssize_t)len || close(fd) != 0)
        tender_fail(t, TENDER_EXIT_ERROR, "cannot write %s: %s", path, strerror(errno));
}

void spt_bpf_install(struct tender *t, struct spt_filter *f, const char *whose, const char *file) {
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_KILL_PROCESS));
    if (f->count > SPT_FILTER_MAX) tender_fail(t, TENDER_EXIT_ERROR, "%s filter is too long (%zu)", whose, f->count);
    dump(t, f, file);
    struct sock_fprog prog = {.len = (unsigned short)f->count, .filter = f->insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        tender_fail(t, TENDER_EXIT_ERROR, "cannot set no_new_privs: %s", strerror(errno));
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        int e = errno;
        const char *emulated = getenv("TESSERA_SPT_EMULATED");
        if (e == ENOSYS && emulated && strcmp(emulated, "1") == 0) {
            /* qemu-user: it runs the guest's system calls itself and will not install a filter for them. */
            fprintf(stderr, "%s: seccomp is not available under this emulator (qemu-user): %s process runs WITHOUT "
                            "its sandbox\n", t->prog, file);
            return;
        }
        tender_fail(t, TENDER_EXIT_ERROR, "cannot install %s seccomp filter: %s (needs Linux 4.14 or later)", whose,
                    strerror(e));
    }
}
