/*
 * spt_bpf.c: writing and installing a seccomp-BPF allowlist, for the guest's
 * filter (spt_seccomp.c) and the gateway's (spt_gateway.c). Every filter
 * starts by killing anything but x86_64 system calls (no x32, no i386) and
 * ends by killing whatever it did not allow (SECCOMP_RET_KILL_PROCESS). fds
 * are compared on their low 32 bits, as the kernel reads them.
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

#define X32_SYSCALL_BIT 0x40000000u

void spt_bpf_emit(struct spt_filter *f, struct sock_filter insn) {
    if (f->count < SPT_FILTER_MAX) f->insns[f->count] = insn;
    f->count++;
}

void spt_bpf_begin(struct spt_filter *f) {
    f->count = 0;
    spt_bpf_emit(f, SPT_LOAD_ARCH);
    spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_KILL_PROCESS));
    spt_bpf_emit(f, SPT_LOAD_NR);
    spt_bpf_emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_KILL_PROCESS));
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

void spt_bpf_install(struct tender *t, struct spt_filter *f, const char *whose) {
    spt_bpf_emit(f, SPT_RET(SECCOMP_RET_KILL_PROCESS));
    if (f->count > SPT_FILTER_MAX) tender_fail(t, TENDER_EXIT_ERROR, "%s filter is too long (%zu)", whose, f->count);
    struct sock_fprog prog = {.len = (unsigned short)f->count, .filter = f->insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        tender_fail(t, TENDER_EXIT_ERROR, "cannot set no_new_privs: %s", strerror(errno));
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
        tender_fail(t, TENDER_EXIT_ERROR, "cannot install %s seccomp filter: %s (needs Linux 4.14 or later)", whose,
                    strerror(errno));
}
