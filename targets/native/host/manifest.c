/* manifest.c: the image's devices against --net/--block, by the Node tender's rules and words. */
#include <stdio.h>
#include <string.h>

#include "host.h"

static const char *kind_name(uint8_t kind) {
    return kind == TESSERA_DEVICE_NET ? "net" : "block";
}

const struct tessera_note_device *host_manifest_find(const struct tender_image *img, const char *name, size_t len,
                                                     uint8_t kind) {
    for (size_t i = 0; i < img->device_count; i++) {
        const struct tessera_note_device *d = &img->devices[i];
        if (d->kind == kind && d->name_len == len && memcmp(d->name, name, len) == 0) return d;
    }
    return NULL;
}

/* "none" or "service (net), storage (block)". */
static void describe(const struct tender_image *img, char *out, size_t cap) {
    size_t n = 0;
    out[0] = '\0';
    if (img->device_count == 0) snprintf(out, cap, "none");
    for (size_t i = 0; i < img->device_count && n < cap; i++) {
        int m = snprintf(out + n, cap - n, "%s%s (%s)", i ? ", " : "", img->devices[i].name,
                         kind_name(img->devices[i].kind));
        if (m < 0) break;
        n += (size_t)m;
    }
}

void tender_check_devices(struct tender *t) {
    const struct tender_options *o = &t->options;
    const struct tender_image *img = &t->image;
    static const uint8_t kinds[] = {TESSERA_DEVICE_NET, TESSERA_DEVICE_BLOCK};
    host_apply_publish(t);
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < o->device_count; i++) {
            const struct tender_device_option *d = &o->devices[i];
            if (d->kind != kinds[k] || host_manifest_find(img, d->name, strlen(d->name), d->kind)) continue;
            char list[TESSERA_MAX_DEVICES * 48];
            describe(img, list, sizeof list);
            tender_fail(t, TENDER_EXIT_ERROR, "--%s %s=%s: the image has no %s device \"%s\" (its devices: %s)",
                        kind_name(d->kind), d->name, d->value, kind_name(d->kind), d->name, list);
        }
    }
    /* One gateway per tender: the user backend for one net device. */
    const struct tender_device_option *user = NULL;
    for (size_t i = 0; i < o->device_count; i++) {
        const struct tender_device_option *d = &o->devices[i];
        if (!d->user) continue;
        if (user)
            tender_fail(t, TENDER_EXIT_ERROR,
                        "--net %s=user: %s gives the user backend to one net device (%s has it already)", d->name,
                        t->prog, user->name);
        user = d;
    }
    for (size_t i = 0; i < img->device_count; i++) {
        const struct tessera_note_device *m = &img->devices[i];
        bool given = false;
        for (size_t j = 0; j < o->device_count && !given; j++)
            given = o->devices[j].kind == m->kind && strcmp(o->devices[j].name, m->name) == 0;
        if (!given)
            tender_fail(t, TENDER_EXIT_ERROR, "the image needs %s device \"%s\": give it with --%s %s=%s",
                        kind_name(m->kind), m->name, kind_name(m->kind), m->name,
                        m->kind == TESSERA_DEVICE_BLOCK         ? "FILE"
                        : t->target == TESSERA_TARGET_SPT ? "tap:IFNAME (or user, or --publish HOSTPORT:GUESTPORT)"
                                                          : "tap:IFNAME");
    }
}
