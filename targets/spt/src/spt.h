/* spt.h: the parts of tessera-spt, the seccomp process tender. */
#ifndef TESSERA_SPT_H
#define TESSERA_SPT_H

#include <sys/types.h>

#include "tender.h"

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
 * when `starter`, the process that started the tender, dies; then removes the
 * disk locks and ends this process as the child ended: its exit status, or
 * the same signal (as PID 1: exit 128 + the signal) (spt_supervise.c). */
_Noreturn void spt_supervise(struct tender *t, pid_t child, pid_t starter);

#endif /* TESSERA_SPT_H */
