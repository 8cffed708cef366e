/*
 * image-loader.c: the native tenders' image loader (targets/native/host:
 * image.c, and the manifest check and symbol lookup that read what it found)
 * under libFuzzer. It replaces test/fixtures/spt-guest/load-fuzz.c's random
 * damage with coverage-guided mutation of the same calls.
 *
 * Each input is an image file: written to a memfd, loaded with
 * tender_load_image as tessera-spt loads one, checked with
 * tender_check_devices against no devices, and symbolized over its segments.
 * tender_fail (a refusal, exit status 1 in the tender) is wrapped
 * (-Wl,--wrap=tender_fail) to return here through longjmp; any other way out,
 * a sanitizer report or a crash, is a bug.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tender.h"

static jmp_buf refused;
static int file = -1;
static char path[64];

_Noreturn void __wrap_tender_fail(struct tender *t, int status, const char *fmt, ...) {
    (void)t;
    if (status != TENDER_EXIT_ERROR) {
        fprintf(stderr, "image-loader: a refusal with status %d, not %d\n", status, TENDER_EXIT_ERROR);
        abort();
    }
    if (getenv("FUZZ_CONSOLE")) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    longjmp(refused, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (file < 0) {
        file = memfd_create("image", 0);
        if (file < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", file);
    }
    if (ftruncate(file, 0) != 0 || pwrite(file, data, size, 0) != (ssize_t)size) abort();
    static struct tender t;
    tender_init(&t, "image-loader", TESSERA_TARGET_SPT);
    t.options.image = path;
    if (setjmp(refused) == 0) {
        tender_load_image(&t);
        tender_check_devices(&t);
        char name[256];
        for (uint64_t pc = TESSERA_IMAGE_BASE; pc < t.image.end; pc += 61) tender_symbolize(&t, pc, name, sizeof name);
    }
    free((void *)t.image.file);
    return 0;
}
