/* spt_supervise.c: the parent process: waits for the guest (and the gateway,
 * with a user net device), forwards signals, removes the disk locks, and ends
 * as the guest ended. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spt.h"

#ifdef __SANITIZE_ADDRESS__
#define SANITIZER_HINT \
    " (in this sanitizer build, a sanitizer report ends that way too: TESSERA_SPT_UNSANDBOXED=1 shows it)"
#else
#define SANITIZER_HINT ""
#endif

/* The guest's pid, for the signal handler (which can reach nothing else). */
static volatile pid_t guest_pid;

static void forward(int sig) {
    if (guest_pid > 0) kill(guest_pid, sig);
}

/* The name of a signal that means the guest's code crashed, or NULL for any other signal (sigabbrev_np is glibc's
 * only: the static tender is built with musl too). */
static const char *crash_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    default: return NULL;
    }
}

/* Waits for `pid` (EINTR: again). */
static void reap(struct tender *t, pid_t pid, int *status) {
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR) {
            const char *why = strerror(errno);
            tender_fail(t, TENDER_EXIT_ERROR, "lost the guest process: %s", why);
        }
    }
}

/* The gateway ended with `status`, not because the guest's end of the link closed: the tender says so and exits 1. */
static _Noreturn void gateway_failed(struct tender *t, int status) {
    char how[64];
    if (WIFEXITED(status)) snprintf(how, sizeof how, "with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
        snprintf(how, sizeof how, "by SIGSYS: a system call outside its seccomp filter");
    else snprintf(how, sizeof how, "by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    tender_fail(t, TENDER_EXIT_ERROR, "the user-mode network's gateway ended %s; the guest was stopped", how);
}

/* Status 0: the gateway saw the guest's end of the link close, so the guest is gone or going. */
static bool gateway_failure(int status) {
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The gateway ended before the guest: the guest has no network any more, so it is stopped. */
static _Noreturn void gateway_ended(struct tender *t, pid_t child, int status) {
    int guest_status;
    guest_pid = 0;
    kill(child, SIGKILL);
    reap(t, child, &guest_status);
    gateway_failed(t, status);
}

_Noreturn void spt_supervise(struct tender *t, pid_t child, pid_t gateway, pid_t starter) {
    /*
     * As PID 1 of a PID namespace (a container's entrypoint) this process gets
     * no default signal actions: a signal it has no handler for is dropped.
     * SIGINT, SIGTERM (docker stop) and SIGQUIT are forwarded to the guest,
     * whose default action ends it at once; the tender then exits 128 + the
     * signal (tender_die_by_signal: PID 1 cannot end by its own signal).
     * SIGKILL (docker kill) ends the whole namespace. SIGHUP is forwarded only
     * outside a container (a closed terminal); as PID 1 it, SIGWINCH, SIGUSR1
     * and every other signal are dropped, as the kernel drops them for PID 1.
     * SIGPIPE is ignored (main).
     */
    static const int forwarded[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};
    const bool init = getpid() == 1;
    size_t nforwarded = sizeof forwarded / sizeof forwarded[0] - (init ? 1 : 0);
    guest_pid = child;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < nforwarded; i++) sigaction(forwarded[i], &sa, NULL);
    /* Never outlive whoever started the tender (tessera run, a test killed with
     * SIGKILL): when it dies, stop the guest as on SIGTERM. PID 1 has no such
     * starter: its container engine ends it. */
    if (!init) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != starter) forward(SIGTERM);
    }
    int status;
    for (;;) {
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) {
            const char *why = strerror(errno);
            tender_fail(t, TENDER_EXIT_ERROR, "lost the guest process: %s", why);
        }
        if (pid == child) break;
        if (pid != gateway || gateway <= 0) continue;
        if (gateway_failure(status)) gateway_ended(t, child, status);
        gateway = 0;
    }
    if (gateway > 0) {
        /* The guest ended first, or seemed to: a dying gateway closes the link before it becomes a child to reap,
         * and the guest fails on the closed link at once. So the gateway gets a second to end by itself (it does
         * within milliseconds once the guest's end of the link is closed); if it ended otherwise than by seeing
         * the link close, its end is the cause. */
        int gw_status;
        pid_t done = 0;
        for (int i = 0; i < 1000 && done == 0; i++) {
            done = waitpid(gateway, &gw_status, WNOHANG);
            if (done < 0 && errno == EINTR) done = 0;
            if (done == 0) usleep(1000);
        }
        if (done == gateway && gateway_failure(gw_status)) gateway_failed(t, gw_status);
        if (done != gateway) {
            kill(gateway, SIGKILL);
            reap(t, gateway, &gw_status);
        }
    }
    tender_release_locks(t);
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
    const char *crash = crash_name(sig);
    if (sig == SIGSYS)
        fprintf(stderr, "%s: the guest made a system call outside the sandbox's allowlist and was killed (SIGSYS)%s\n",
                t->prog, SANITIZER_HINT);
    else if (crash)
        fprintf(stderr, "%s: the guest crashed (%s)\n", t->prog, crash);
    /* End the same way, so that whoever started the tender sees the signal; no core file of the tender. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    tender_die_by_signal(sig);
}
