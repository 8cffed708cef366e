/* options.c: the tender's command line: [--mem MiB] [--net NAME=tap:IFNAME|NAME=user]...
 * [--publish [ADDR:]HOSTPORT:GUESTPORT]... [--hosts-file FILE] [--resolv-conf FILE] [--block NAME=FILE]...
 * [--block-create NAME=SIZE]... IMAGE [-- CMDLINE...] (user, --publish, --hosts-file, --resolv-conf: spt only). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

static void usage(const struct tender *t, FILE *to) {
    const bool user = t->target == TESSERA_TARGET_SPT;
    fprintf(to,
            "usage: %s [--mem MiB] [--net NAME=tap:IFNAME%s]...%s [--block NAME=FILE]...\n"
            "       [--block-create NAME=SIZE]... IMAGE [-- CMDLINE...]\n"
            "\n"
            "Runs a native Tessera image (tessera build APP --target %s). Its exit status\n"
            "becomes this command's exit status; a panic or trap exits with 255.\n"
            "\n"
            "  --mem MiB             guest memory in MiB, %u to %u (default %u; in a\n"
            "                        container with a memory limit, the limit less\n"
            "                        16 MiB for the tender, at most %u)\n"
            "  --net NAME=tap:IFNAME give the image its net device NAME: the Linux TAP\n"
            "                        device IFNAME\n"
            "%s"
            "  --block NAME=FILE     give the image its block device NAME, backed by FILE\n"
            "                        (tessera disk create FILE SIZE)\n"
            "  --block-create NAME=SIZE  if block device NAME's file is missing, create\n"
            "                        it with SIZE bytes of blocks (e.g. 64M), as\n"
            "                        tessera disk create does\n"
            "  --help                show this\n"
            "\n"
            "Words after -- form the image's command line (at most %u bytes).\n"
            "Every device in the image's manifest must be given.\n",
            t->prog, user ? "|NAME=user" : "", user ? " [--publish [ADDR:]HOSTPORT:GUESTPORT]..." : "",
            user ? "spt" : "hvt", TESSERA_MEM_MIN_MIB, TESSERA_MEM_MAX_MIB, TESSERA_MEM_DEFAULT_MIB,
            TESSERA_MEM_MAX_MIB,
            user ? "  --net NAME=user       user-mode networking: no root, no TAP device; a\n"
                   "                        gateway gives the guest 10.0.2.15 and the DNS\n"
                   "                        server 10.0.2.3 by DHCP; the guest reaches any\n"
                   "                        address through the host's sockets (10.0.2.2:\n"
                   "                        the host's 127.0.0.1)\n"
                   "  --publish [ADDR:]HOSTPORT:GUESTPORT  host TCP connections to ADDR:HOSTPORT\n"
                   "                        (ADDR 127.0.0.1 unless given; 0.0.0.0: every\n"
                   "                        address; HOSTPORT 0: any free port) reach the\n"
                   "                        guest's GUESTPORT through the user network\n"
                   "  --hosts-file FILE     the hosts file whose names the user network's DNS\n"
                   "                        server, 10.0.2.3, answers (default /etc/hosts)\n"
                   "  --resolv-conf FILE    the resolv.conf whose nameservers 10.0.2.3 forwards\n"
                   "                        other names to (default /etc/resolv.conf)\n"
                 : "                        (user-mode networking and --publish: tessera-spt,\n"
                   "                        or the Node tender)\n",
            TESSERA_CMDLINE_MAX);
}

bool host_valid_name(const char *name, size_t len) {
    if (len < 1 || len > TENDER_NAME_MAX) return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

static void parse_mem(struct tender *t, const char *text) {
    uint64_t n = 0;
    bool ok = *text != '\0';
    for (const char *p = text; *p && ok; p++) {
        if (*p < '0' || *p > '9' || n > TESSERA_MEM_MAX_MIB) ok = false;
        else n = n * 10 + (uint64_t)(*p - '0');
    }
    if (!ok || n < TESSERA_MEM_MIN_MIB || n > TESSERA_MEM_MAX_MIB)
        tender_fail(t, TENDER_EXIT_USAGE, "--mem %s: give a whole number of MiB from %u to %u, e.g. --mem %u", text,
                    TESSERA_MEM_MIN_MIB, TESSERA_MEM_MAX_MIB, TESSERA_MEM_DEFAULT_MIB);
    t->options.mem_size = n << 20;
    t->options.mem_given = true;
}

static void parse_device(struct tender *t, uint8_t kind, const char *arg) {
    const char *flag = kind == TESSERA_DEVICE_NET ? "net" : "block";
    const char *eq = strchr(arg, '=');
    if (eq == NULL || eq[1] == '\0')
        tender_fail(t, TENDER_EXIT_USAGE, "--%s %s: write it as NAME=%s, e.g. %s", flag, arg,
                    kind == TESSERA_DEVICE_NET ? "tap:IFNAME" : "FILE",
                    kind == TESSERA_DEVICE_NET ? "--net service=tap:tap0" : "--block storage=disk.img");
    size_t name_len = (size_t)(eq - arg);
    if (!host_valid_name(arg, name_len))
        tender_fail(t, TENDER_EXIT_USAGE, "--%s %s: \"%.*s\" is not a device name (1-31 of a-z, 0-9, _)", flag, arg,
                    (int)(name_len > 64 ? 64 : name_len), arg);
    struct tender_options *o = &t->options;
    for (size_t i = 0; i < o->device_count; i++) {
        if (o->devices[i].kind == kind && strlen(o->devices[i].name) == name_len &&
            memcmp(o->devices[i].name, arg, name_len) == 0)
            tender_fail(t, TENDER_EXIT_USAGE, "--%s %.*s: given twice", flag, (int)name_len, arg);
    }
    if (o->device_count == TESSERA_MAX_DEVICES)
        tender_fail(t, TENDER_EXIT_USAGE, "--%s %s: at most %u devices in all", flag, arg, TESSERA_MAX_DEVICES);
    struct tender_device_option *d = &o->devices[o->device_count];
    memset(d, 0, sizeof *d);
    d->kind = kind;
    memcpy(d->name, arg, name_len);
    d->value = eq + 1;
    if (kind == TESSERA_DEVICE_NET && strcmp(d->value, "user") == 0 && t->target == TESSERA_TARGET_SPT) {
        d->user = true;
    } else if (kind == TESSERA_DEVICE_NET) {
        if (strncmp(d->value, "tap:", 4) != 0)
            tender_fail(t, TENDER_EXIT_USAGE, "--net %s: %s", arg,
                        t->target == TESSERA_TARGET_SPT
                            ? "tessera-spt supports tap:IFNAME and user; switch: needs the Node tender: build a .wasm "
                              "(tessera build APP) and run it with tessera run"
                            : "tessera-hvt supports only tap:IFNAME; user-mode networking and --publish need "
                              "tessera-spt (--target spt) or the Node tender (a .wasm)");
        const char *ifname = d->value + 4;
        size_t n = strlen(ifname);
        bool ok = n >= 1 && n <= TENDER_IFNAME_MAX;
        for (size_t i = 0; i < n && ok; i++) {
            char c = ifname[i];
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                 c == '.' || c == '-';
        }
        if (!ok)
            tender_fail(t, TENDER_EXIT_USAGE, "--net %s: \"%s\" is not an interface name (1-%u of A-Z a-z 0-9 _ . -)",
                        arg, ifname, TENDER_IFNAME_MAX);
        memcpy(d->ifname, ifname, n);
    }
    o->device_count++;
}

static void join_cmdline(struct tender *t, int argc, char **argv, int first) {
    struct tender_options *o = &t->options;
    size_t total = 0;
    for (int i = first; i < argc; i++) {
        size_t n = strlen(argv[i]);
        total += n + (i > first ? 1 : 0);
        if (total > TESSERA_CMDLINE_MAX) continue; /* keep counting for the message */
        if (i > first) o->cmdline[o->cmdline_len++] = ' ';
        memcpy(o->cmdline + o->cmdline_len, argv[i], n);
        o->cmdline_len += n;
    }
    if (total > TESSERA_CMDLINE_MAX)
        tender_fail(t, TENDER_EXIT_USAGE, "the command line is %zu bytes; images accept at most %u", total,
                    TESSERA_CMDLINE_MAX);
}

/* The value of option `name` at argv[*i] (`--name VALUE` or `--name=VALUE`), or NULL if argv[*i] is not it. */
static const char *option_value(struct tender *t, int argc, char **argv, int *i, const char *name) {
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0) return NULL;
    if (arg[n] == '=') return arg + n + 1;
    if (arg[n] != '\0') return NULL;
    if (*i + 1 >= argc) tender_fail(t, TENDER_EXIT_USAGE, "%s needs a value (see %s --help)", name, t->prog);
    return argv[++*i];
}

/* --block-create NAME=SIZE, parsed; given to the --block of its name once all options are read. */
struct create_option {
    const char *arg;
    size_t name_len;
    uint64_t size;
};

/* SIZE is bytes, or a number with K, M, G or T (powers of 1024): a whole number of 4096-byte blocks up to 1 TiB, as
 * tessera disk create takes it. */
static void parse_create(struct tender *t, const char *arg, struct create_option *c) {
    static const char units[] = "KMGT";
    const char *eq = strchr(arg, '=');
    const char *p = eq ? eq + 1 : "";
    uint64_t n = 0;
    bool ok = eq != NULL && *p >= '0' && *p <= '9';
    for (; ok && *p >= '0' && *p <= '9'; p++) {
        if (n > (UINT64_C(1) << 40)) ok = false;
        else n = n * 10 + (uint64_t)(*p - '0');
    }
    if (ok && *p) {
        const char *u = strchr(units, *p >= 'a' ? *p - ('a' - 'A') : *p);
        if (u == NULL || *u == '\0' || p[1] != '\0') ok = false;
        else if (n <= (UINT64_C(1) << 40)) n <<= 10 * (unsigned)(u - units + 1);
    }
    if (!ok || n < 4096 || n % 4096 != 0 || n > (UINT64_C(1) << 40))
        tender_fail(t, TENDER_EXIT_USAGE,
                    "--block-create %s: write it as NAME=SIZE, SIZE a whole number of 4096-byte blocks up to 1T, "
                    "e.g. --block-create storage=64M",
                    arg);
    c->arg = arg;
    c->name_len = (size_t)(eq - arg);
    c->size = n;
}

/* Gives each --block-create's size to the --block of its name. */
static void apply_creates(struct tender *t, const struct create_option *creates, size_t n) {
    struct tender_options *o = &t->options;
    for (size_t k = 0; k < n; k++) {
        const struct create_option *c = &creates[k];
        int shown = (int)(c->name_len > 64 ? 64 : c->name_len);
        struct tender_device_option *d = NULL;
        for (size_t i = 0; i < o->device_count && !d; i++)
            if (o->devices[i].kind == TESSERA_DEVICE_BLOCK && strlen(o->devices[i].name) == c->name_len &&
                memcmp(o->devices[i].name, c->arg, c->name_len) == 0)
                d = &o->devices[i];
        if (d == NULL)
            tender_fail(t, TENDER_EXIT_USAGE, "--block-create %s: no --block %.*s=FILE names the file to create",
                        c->arg, shown, c->arg);
        if (d->create_size) tender_fail(t, TENDER_EXIT_USAGE, "--block-create %.*s: given twice", shown, c->arg);
        d->create_size = c->size;
    }
}

void tender_parse_options(struct tender *t, int argc, char **argv) {
    struct tender_options *o = &t->options;
    struct create_option creates[TESSERA_MAX_DEVICES];
    size_t ncreates = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *v;
        if (strcmp(arg, "--") == 0) {
            join_cmdline(t, argc, argv, i + 1);
            break;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(t, stdout);
            exit(0);
        } else if ((v = option_value(t, argc, argv, &i, "--mem")) != NULL) {
            parse_mem(t, v);
        } else if ((v = option_value(t, argc, argv, &i, "--net")) != NULL) {
            parse_device(t, TESSERA_DEVICE_NET, v);
        } else if ((v = option_value(t, argc, argv, &i, "--block")) != NULL) {
            parse_device(t, TESSERA_DEVICE_BLOCK, v);
        } else if ((v = option_value(t, argc, argv, &i, "--block-create")) != NULL) {
            if (ncreates == TESSERA_MAX_DEVICES)
                tender_fail(t, TENDER_EXIT_USAGE, "--block-create %s: at most %u in all", v, TESSERA_MAX_DEVICES);
            parse_create(t, v, &creates[ncreates++]);
        } else if ((v = option_value(t, argc, argv, &i, "--publish")) != NULL) {
            if (t->target != TESSERA_TARGET_SPT)
                tender_fail(t, TENDER_EXIT_USAGE,
                            "--publish %s: %s supports only tap:IFNAME networking; user-mode networking and --publish "
                            "need tessera-spt (tessera build APP --target spt) or the Node tender (a .wasm)",
                            v, t->prog);
            host_parse_publish(t, v);
        } else if ((v = option_value(t, argc, argv, &i, "--hosts-file")) != NULL ||
                   (v = option_value(t, argc, argv, &i, "--resolv-conf")) != NULL) {
            bool hosts = strcmp(arg, "--hosts-file") == 0 || strncmp(arg, "--hosts-file=", 13) == 0;
            if (t->target != TESSERA_TARGET_SPT)
                tender_fail(t, TENDER_EXIT_USAGE, "%s %s: %s has no user-mode network (tessera-spt has)",
                            hosts ? "--hosts-file" : "--resolv-conf", v, t->prog);
            if (access(v, R_OK) != 0)
                tender_fail(t, TENDER_EXIT_USAGE, "%s %s: cannot read it: %s", hosts ? "--hosts-file" : "--resolv-conf",
                            v, strerror(errno));
            if (hosts) o->hosts_file = v;
            else o->resolv_conf = v;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            tender_fail(t, TENDER_EXIT_USAGE, "unknown option %s (see %s --help)", arg, t->prog);
        } else if (o->image != NULL) {
            tender_fail(t, TENDER_EXIT_USAGE,
                        "one image at a time: got %s and %s (words for the image go after --, e.g. %s IMAGE -- %s)",
                        o->image, arg, t->prog, arg);
        } else {
            o->image = arg;
        }
    }
    if (o->image == NULL)
        tender_fail(t, TENDER_EXIT_USAGE, "give the image to run: %s [options] IMAGE [-- CMDLINE...] (see %s --help)",
                    t->prog, t->prog);
    apply_creates(t, creates, ncreates);
    if (!o->mem_given) host_size_memory(t);
}
