/* hvt_main.c: tessera-hvt, the KVM tender: load a native image into a one-vCPU VM and serve its calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hvt.h"
#include "tender.h"

#define PROG "tessera-hvt"
#define HVT_PORT_COUNT 128u /* calls are ports TESSERA_HVT_PORT + 0..127 */

/* The tender, for the signal handler (which can reach nothing else). */
static struct tender *signal_tender;

/* SIGINT, SIGTERM, SIGHUP: remove the disk locks and end by the same signal,
 * as tessera-spt does. Only async-signal-safe calls: unlink, not
 * tender_release_locks (which frees); the process is ending anyway. */
static void on_stop_signal(int sig) {
    struct tender *t = signal_tender;
    for (size_t i = 0; t && t->devices.release_locks && i < t->devices.count; i++)
        if (t->devices.devices[i].lock_path) unlink(t->devices.devices[i].lock_path);
    tender_die_by_signal(sig);
}

static void catch_stop_signals(struct tender *t) {
    static const int stops[] = {SIGINT, SIGTERM, SIGHUP};
    signal_tender = t;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigfillset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) sigaction(stops[i], &sa, NULL);
}

static void note_if_emulated(void) {
    const char *quiet = getenv("TESSERA_HVT_QUIET");
    if (quiet && *quiet && strcmp(quiet, "0") != 0) return;
    if (hvt_host_is_emulated())
        fprintf(stderr, PROG ": note: this host has no hardware virtualization (no vmx/svm); KVM runs the guest's "
                             "code natively but emulates every call's VM exit, ~50 us a call (set "
                             "TESSERA_HVT_QUIET=1 to hide this)\n");
}

/* The call an exit is, or -1: a 4-byte OUT to one of the call ports. */
static int call_number(const struct hvt *hvt, uint32_t *args) {
    const struct kvm_run *run = hvt->run;
    if (run->exit_reason != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
        run->io.count != 1 || run->io.port < TESSERA_HVT_PORT || run->io.port >= TESSERA_HVT_PORT + HVT_PORT_COUNT ||
        run->io.data_offset > hvt->run_size - 4)
        return -1;
    memcpy(args, (const uint8_t *)run + run->io.data_offset, 4);
    return run->io.port - TESSERA_HVT_PORT;
}

static _Noreturn void run_guest(struct tender *t, struct hvt *hvt) {
    for (;;) {
        if (ioctl(hvt->vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            fprintf(stderr, PROG ": KVM_RUN: %s\n", strerror(errno));
            tender_exit(t, TENDER_EXIT_GUEST_FAILED);
        }
        uint32_t args;
        int nr = call_number(hvt, &args);
        if (nr < 0) {
            hvt_report_exit(hvt, t->layout.stack_base);
            tender_exit(t, TENDER_EXIT_GUEST_FAILED);
        }
        tender_call(t, (uint32_t)nr, args);
    }
}

int main(int argc, char **argv) {
    static struct tender t; /* large (devices, cmdline): not on the stack */
    struct hvt hvt;

    tender_init(&t, PROG, TESSERA_TARGET_HVT);
    tender_parse_options(&t, argc, argv);
    tender_load_image(&t);
    tender_check_devices(&t);
    tender_open_devices(&t);
    catch_stop_signals(&t);
    /* Never outlive whoever started us (tessera run, a test): when it dies,
     * stop as on SIGTERM, disk locks removed. */
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) raise(SIGTERM);

    if (hvt_kvm_init(&hvt, t.layout.mem_size) < 0) tender_exit(&t, TENDER_EXIT_ERROR);
    tender_attach_memory(&t, (uintptr_t)hvt.mem);
    tender_load_segments(&t, 0, hvt_kvm_tsc_khz(&hvt));

    /* The guest's map: the library's regions in ring 3; the tender's stub,
     * its stack and the descriptor tables in ring 0. */
    struct hvt_range ranges[TENDER_MAX_REGIONS + 3];
    size_t n = 0;
    for (; n < t.layout.region_count; n++)
        ranges[n] = (struct hvt_range){t.layout.regions[n].start, t.layout.regions[n].end, t.layout.regions[n].prot, 1};
    ranges[n++] = (struct hvt_range){HVT_GDT_ADDR, HVT_GDT_ADDR + TESSERA_PAGE_SIZE, PROT_READ | PROT_WRITE, 0};
    ranges[n++] = (struct hvt_range){HVT_STUB_ADDR, HVT_STUB_ADDR + TESSERA_PAGE_SIZE, PROT_READ | PROT_EXEC, 0};
    ranges[n++] = (struct hvt_range){HVT_STUB_STACK, HVT_STUB_STACK_TOP, PROT_READ | PROT_WRITE, 0};
    if (hvt_x86_64_setup(&hvt, ranges, n, t.image.entry, t.layout.stack_top, TESSERA_BOOT_ADDR) < 0)
        tender_exit(&t, TENDER_EXIT_ERROR);

    note_if_emulated();
    run_guest(&t, &hvt);
}
