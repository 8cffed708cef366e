/* spt.h: the parts of tessera-spt, the seccomp process tender. */
#ifndef TESSERA_SPT_H
#define TESSERA_SPT_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/types.h>

#include "tender.h"

/* A seccomp-BPF allowlist being written (spt_bpf.c). */
#define SPT_FILTER_MAX 512
struct spt_filter {
    struct sock_filter insns[SPT_FILTER_MAX];
    size_t count;
};
#define SPT_LOAD_FIELD(field) \
    (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define SPT_LOAD_NR SPT_LOAD_FIELD(nr)
#define SPT_LOAD_ARCH SPT_LOAD_FIELD(arch)
#define SPT_ARG_LOW(i) SPT_LOAD_FIELD(args[i])
#define SPT_RET(action) (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, action)
void spt_bpf_emit(struct spt_filter *f, struct sock_filter insn);
/* Starts a filter: anything but a system call of the tender's own architecture (x86_64 or aarch64) is killed. */
void spt_bpf_begin(struct spt_filter *f);
/* Allows `nr` outright; when its first argument is one of `fds` (none: not at all); when argument `arg` has none of
 * `bits` (low 32 bits). */
void spt_bpf_allow(struct spt_filter *f, uint32_t nr);
void spt_bpf_allow_fds(struct spt_filter *f, uint32_t nr, const int *fds, size_t n);
void spt_bpf_allow_without(struct spt_filter *f, uint32_t nr, unsigned arg, uint32_t bits);
/* In the sanitizer build: what AddressSanitizer needs on every path (sigaltstack(NULL, ...)); else nothing. */
void spt_bpf_allow_sanitizer(struct spt_filter *f);
/* Ends the filter (anything else is killed) and installs it for this process; `whose` names it in messages
 * ("the sandbox's"), `file` in TESSERA_SPT_FILTER_OUT's file names ("guest", "gateway"). Exits on failure; under
 * qemu-user with TESSERA_SPT_EMULATED=1 it says that there is no sandbox and returns (spt_bpf.c). */
void spt_bpf_install(struct tender *t, struct spt_filter *f, const char *whose, const char *file);

/* Starts the gateway process of the user net device, if there is one (spt_gateway.c): forked from this one, with
 * the gateway's end of the device's socketpair and the published ports' listening sockets, behind a seccomp filter
 * of its own. Returns its pid, or 0 without a user device. Exits on failure. */
pid_t spt_start_gateway(struct tender *t);

/* Maps guest memory at its guest addresses in this process, loads the image
 * and writes the boot page (spt_memory.c). Exits on failure. */
void spt_map_memory(struct tender *t);

/* Installs the seccomp-BPF allowlist for the devices t has open (spt_seccomp.c).
 * Exits on failure. */
void spt_sandbox(struct tender *t);

/* Switches to the guest's stack and jumps to its entry point; never returns:
 * the guest ends with the exit, panic or trap call (spt_launch.c). */
_Noreturn void spt_launch(struct tender *t);

/* The address the guest calls for every ABI call (boot->call). */
uint64_t spt_call_address(void);

/* Waits for the guest process `child`, forwarding SIGINT, SIGTERM, SIGQUIT and
 * (unless this is PID 1, a container's entrypoint) SIGHUP to it, and SIGTERM
 * when `starter`, the process that started the tender, dies; then ends the
 * gateway process `gateway` (if not 0), removes the disk locks and ends this
 * process as the child ended: its exit status, or the same signal (as PID 1:
 * exit 128 + the signal). A gateway that ends first stops the guest (SIGKILL)
 * and the tender exits 1 (spt_supervise.c). */
_Noreturn void spt_supervise(struct tender *t, pid_t child, pid_t gateway, pid_t starter);

#endif /* TESSERA_SPT_H */
