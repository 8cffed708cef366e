/* spt_main.c: tessera-spt, the seccomp process tender: a native image runs in
 * this process's address space, behind a seccomp-BPF allowlist. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "spt.h"

int main(int argc, char **argv) {
    static struct tender t; /* large (the options hold the command line): not on the stack */
    pid_t starter = getppid();
    /* Output to a closed pipe is dropped, not fatal: the guest's console is
     * best effort, and the supervisor must live to remove the disk locks. */
    signal(SIGPIPE, SIG_IGN);
    tender_init(&t, "tessera-spt", TESSERA_TARGET_SPT);
    tender_parse_options(&t, argc, argv);
    tender_load_image(&t);
    tender_check_devices(&t);
    tender_open_devices(&t);
    /*
     * The guest runs in a child process, and with a user net device the
     * gateway in another (spt_gateway.c), forked first; this one only waits.
     * The disk locks hold this process's pid and are removed here when the
     * guest is gone, however it ended (exit, panic, trap, SIGSYS from the
     * sandbox, SIGKILL): the sandboxed child cannot unlink files.
     */
    pid_t parent = getpid();
    pid_t gateway = spt_start_gateway(&t);
    pid_t child = fork();
    if (child < 0) {
        if (gateway > 0) kill(gateway, SIGKILL);
        tender_fail(&t, TENDER_EXIT_ERROR, "cannot start the guest process: %s", strerror(errno));
    }
    if (child > 0) {
        /* The link and the listening sockets are the gateway's and the guest's business, not the supervisor's. */
        struct tender_device *user = tender_user_device(&t);
        if (user) {
            close(user->fd);
            user->fd = -1;
        }
        tender_close_gateway_fds(&t);
        spt_supervise(&t, child, gateway, starter);
    }
    t.devices.release_locks = false;
    tender_close_gateway_fds(&t); /* the guest keeps its end of the link only */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(TENDER_EXIT_ERROR);
    spt_map_memory(&t);
    spt_sandbox(&t);
    spt_launch(&t);
}
