/*
 * spt_gateway.c: the gateway's process. The guest's seccomp allowlist stays as
 * it is: a user net device is, to the guest, one end of a socketpair it reads
 * and writes as a TAP fd. Everything the user network does with the host's
 * sockets runs here instead, in a process forked from the supervisor before
 * the guest's, with:
 *
 *   - the other end of the socketpair and the listening sockets of the
 *     published ports (bound by the supervisor before the fork, so that a
 *     port in use stops the tender before anything starts); no disk, no TAP;
 *   - the hosts file and resolv.conf (--hosts-file, --resolv-conf, or the
 *     host's own), read once by gw_open before the filter, for the resolver
 *     at 10.0.2.3;
 *   - SIGINT, SIGTERM, SIGQUIT and SIGHUP ignored (a terminal's Ctrl-C goes to
 *     the guest, and the supervisor ends the gateway when the guest is gone),
 *     and SIGKILL when the supervisor dies;
 *   - a seccomp filter of its own, installed once the gateway's memory is
 *     mapped, before the first frame:
 *
 *       ppoll, clock_gettime, getrandom     the loop, its clock, Math.random's seed
 *       recvfrom, sendto                    frames on the link; bytes on host connections;
 *                                           the guest's datagrams on the UDP flows' sockets
 *       accept4                             the listening sockets only
 *       socket (AF_INET only), connect      the guest's own connections and UDP flows (NAT)
 *       setsockopt, getsockopt, shutdown    TCP_NODELAY, SO_LINGER (a reset), SO_ERROR (a
 *                                           connect's outcome); FIN to the host
 *       close                               host connections, UDP flows
 *       write                               fd 2 only: its messages
 *       brk, mmap (never PROT_EXEC),        malloc (host connections' buffers, frames held
 *       munmap, mremap, madvise             for the guest)
 *       exit_group, restart_syscall
 *
 *     No open, no exec, no bind or listen: it cannot reach a file, and the
 *     sockets it makes can only connect or send out (as the guest could
 *     through any NAT); the guest's own filter is unchanged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gw.h"
#include "spt.h"

static void sandbox(struct tender *t, const struct gw_listener *ls, size_t n) {
#ifdef __SANITIZE_ADDRESS__
    const char *off = getenv("TESSERA_SPT_UNSANDBOXED");
    if (off && strcmp(off, "1") == 0) return;
#endif
    static struct spt_filter f;
    int fds[TENDER_MAX_PUBLISH];
    for (size_t i = 0; i < n; i++) fds[i] = ls[i].fd;
    int stderr_fd = 2;
    spt_bpf_begin(&f);
    /* the loop's calls first: the filter is read top to bottom on every call */
    spt_bpf_allow(&f, __NR_ppoll);
    spt_bpf_allow(&f, __NR_recvfrom);
    spt_bpf_allow(&f, __NR_sendto);
    spt_bpf_allow(&f, __NR_clock_gettime);
    spt_bpf_allow_fds(&f, __NR_accept4, fds, n);
    int inet = AF_INET; /* socket's first argument, compared as the fds are */
    spt_bpf_allow_fds(&f, __NR_socket, &inet, 1);
    spt_bpf_allow(&f, __NR_connect);
    spt_bpf_allow(&f, __NR_setsockopt);
    spt_bpf_allow(&f, __NR_getsockopt);
    spt_bpf_allow(&f, __NR_shutdown);
    spt_bpf_allow(&f, __NR_close);
    spt_bpf_allow_fds(&f, __NR_write, &stderr_fd, 1);
    spt_bpf_allow(&f, __NR_brk);
    spt_bpf_allow_without(&f, __NR_mmap, 2, PROT_EXEC);
    spt_bpf_allow(&f, __NR_munmap);
    spt_bpf_allow(&f, __NR_mremap);
    spt_bpf_allow(&f, __NR_madvise);
    spt_bpf_allow(&f, __NR_getrandom);
    spt_bpf_allow(&f, __NR_exit_group);
    spt_bpf_allow(&f, __NR_restart_syscall);
    spt_bpf_allow_sanitizer(&f);
    spt_bpf_install(t, &f, "the gateway's", "gateway");
}

pid_t spt_start_gateway(struct tender *t) {
    struct tender_device *d = tender_user_device(t);
    if (d == NULL) return 0;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) tender_fail(t, TENDER_EXIT_ERROR, "cannot start the user-mode network's gateway: %s", strerror(errno));
    if (pid > 0) return pid;

    t->devices.release_locks = false;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(GW_EXIT_FAILED);
    static const int ignored[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) signal(ignored[i], SIG_IGN);
    /* Nothing of the guest's: its end of the link, TAP devices, disks and their locks (the supervisor holds those). */
    for (size_t i = 0; i < t->devices.count; i++) {
        struct tender_device *dev = &t->devices.devices[i];
        if (dev->fd >= 0) close(dev->fd);
        if (dev->lock_fd > 0) close(dev->lock_fd);
        dev->fd = dev->lock_fd = -1;
    }
    struct gw_listener ls[TENDER_MAX_PUBLISH];
    size_t n = 0;
    for (size_t i = 0; i < t->options.publish_count; i++)
        ls[n++] = (struct gw_listener){.fd = t->options.publish[i].fd, .guest_port = t->options.publish[i].guest_port};
    struct gw *g = gw_open(t, d->peer_fd);
    sandbox(t, ls, n);
    gw_run(g, ls, n);
}
