/* hvt_kvm.c: /dev/kvm, the VM, its one memory slot and its one vCPU. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "hvt.h"

#define CPUID_MAX_ENTRIES 256u
#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EXT_EDX_NX (1u << 20)

static int open_kvm(void) {
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
        fprintf(stderr, "tessera-hvt: /dev/kvm not found: this host has no KVM (use tessera-spt, or tessera "
                        "run on a .wasm)\n");
    else if (errno == EACCES || errno == EPERM)
        fprintf(stderr, "tessera-hvt: /dev/kvm: permission denied: add your user to group kvm "
                        "(sudo usermod -aG kvm $USER, then log in again) or run as root\n");
    else
        fprintf(stderr, "tessera-hvt: /dev/kvm: %s\n", strerror(errno));
    return -1;
}

/* The host's supported CPUID, given to the vCPU as it is: SSE/SSE2 (which
 * wasm2c's float code needs), NX and the TSC are in it. */
static int set_cpuid(struct hvt *hvt) {
    size_t size = sizeof(struct kvm_cpuid2) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
    struct kvm_cpuid2 *cpuid = calloc(1, size);
    if (!cpuid) {
        fprintf(stderr, "tessera-hvt: out of memory\n");
        return -1;
    }
    cpuid->nent = CPUID_MAX_ENTRIES;
    if (ioctl(hvt->kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
        fprintf(stderr, "tessera-hvt: KVM_GET_SUPPORTED_CPUID: %s\n", strerror(errno));
        free(cpuid);
        return -1;
    }
    for (uint32_t i = 0; i < cpuid->nent; i++)
        if (cpuid->entries[i].function == CPUID_EXT_FEATURES)
            hvt->has_nx = (cpuid->entries[i].edx & CPUID_EXT_EDX_NX) != 0;
    int rc = ioctl(hvt->vcpu, KVM_SET_CPUID2, cpuid);
    if (rc < 0) fprintf(stderr, "tessera-hvt: KVM_SET_CPUID2: %s\n", strerror(errno));
    free(cpuid);
    return rc < 0 ? -1 : 0;
}

int hvt_kvm_init(struct hvt *hvt, uint64_t mem_size) {
    memset(hvt, 0, sizeof *hvt);
    hvt->kvm = hvt->vm = hvt->vcpu = -1;
    hvt->mem = MAP_FAILED;
    if ((hvt->kvm = open_kvm()) < 0) return -1;
    int version = ioctl(hvt->kvm, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION) {
        fprintf(stderr, "tessera-hvt: /dev/kvm speaks API version %d, this tender needs %d\n", version,
                KVM_API_VERSION);
        return -1;
    }
    if ((hvt->vm = ioctl(hvt->kvm, KVM_CREATE_VM, 0)) < 0) {
        fprintf(stderr, "tessera-hvt: KVM_CREATE_VM: %s\n", strerror(errno));
        return -1;
    }
    hvt->mem_size = mem_size;
    hvt->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (hvt->mem == MAP_FAILED) {
        fprintf(stderr, "tessera-hvt: cannot map %llu MiB of guest memory: %s\n",
                (unsigned long long)(mem_size >> 20), strerror(errno));
        return -1;
    }
    struct kvm_userspace_memory_region slot = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = mem_size, .userspace_addr = (uint64_t)(uintptr_t)hvt->mem};
    if (ioctl(hvt->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
        fprintf(stderr, "tessera-hvt: KVM_SET_USER_MEMORY_REGION: %s\n", strerror(errno));
        return -1;
    }
    if ((hvt->vcpu = ioctl(hvt->vm, KVM_CREATE_VCPU, 0)) < 0) {
        fprintf(stderr, "tessera-hvt: KVM_CREATE_VCPU: %s\n", strerror(errno));
        return -1;
    }
    int run_size = ioctl(hvt->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < (int)sizeof(struct kvm_run)) {
        fprintf(stderr, "tessera-hvt: KVM_GET_VCPU_MMAP_SIZE: %s\n", strerror(errno));
        return -1;
    }
    hvt->run_size = (size_t)run_size;
    hvt->run = mmap(NULL, hvt->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, hvt->vcpu, 0);
    if (hvt->run == MAP_FAILED) {
        hvt->run = NULL;
        fprintf(stderr, "tessera-hvt: cannot map the vCPU's run page: %s\n", strerror(errno));
        return -1;
    }
    return set_cpuid(hvt);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The guest's TSC ticks at the host's rate unless KVM scales it, and KVM
 * says when it does; without KVM_GET_TSC_KHZ, time the host's TSC for 20 ms. */
uint64_t hvt_kvm_tsc_khz(struct hvt *hvt) {
    int khz = ioctl(hvt->vcpu, KVM_GET_TSC_KHZ, 0);
    if (khz > 0) return (uint64_t)khz;
    uint64_t t0 = now_ns(), c0 = __rdtsc();
    struct timespec pause = {0, 20 * 1000 * 1000};
    while (nanosleep(&pause, &pause) < 0 && errno == EINTR) {
    }
    uint64_t t1 = now_ns(), c1 = __rdtsc();
    return (c1 - c0) * 1000000u / (t1 - t0);
}

static int has_word(const char *line, const char *word) {
    size_t n = strlen(word);
    for (const char *p = strstr(line, word); p; p = strstr(p + 1, word))
        if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0')) return 1;
    return 0;
}

int hvt_host_is_emulated(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return 0; /* cannot tell: say nothing */
    char *line = NULL;
    size_t cap = 0;
    int emulated = 0;
    while (getline(&line, &cap, f) > 0) {
        if (strncmp(line, "flags", 5) != 0) continue;
        emulated = !has_word(line, "vmx") && !has_word(line, "svm");
        break;
    }
    free(line);
    fclose(f);
    return emulated;
}

void hvt_kvm_close(struct hvt *hvt) {
    if (hvt->run) munmap(hvt->run, hvt->run_size);
    if (hvt->vcpu >= 0) close(hvt->vcpu);
    if (hvt->mem != MAP_FAILED && hvt->mem) munmap(hvt->mem, hvt->mem_size);
    if (hvt->vm >= 0) close(hvt->vm);
    if (hvt->kvm >= 0) close(hvt->kvm);
    hvt->run = NULL;
    hvt->mem = MAP_FAILED;
    hvt->vcpu = hvt->vm = hvt->kvm = -1;
}
