/*
 * fdt.c: the machine from its flattened device tree (the address in x0 at
 * entry): the memory region the image is in, /chosen/bootargs (the command
 * line), the PL011 UART (or an ns16550a, Firecracker's, if there is no PL011), the GIC (v2 or v3), the generic timer's virtual
 * PPI, the PL031 RTC, PSCI's conduit, every virtio,mmio node and a Raspberry
 * Pi's SD host and GPIO block. Read once,
 * before anything else: the tree lies in RAM the heap will later take.
 * Interrupts are read as the GIC's three cells (SPI n is INTID 32 + n, PPI n
 * is 16 + n). A device's registers go through its parent bus's `ranges`
 * (one level: a Raspberry Pi's /soc maps bus address 0x7e000000 to the
 * CPU's 0x3f000000 or 0xfe000000).
 */
#include <string.h>

#include "virtio.h"

#define FDT_MAGIC 0xd00dfeedu
#define BEGIN_NODE 1
#define END_NODE 2
#define PROP 3
#define NOP 4
#define END 9
#define MAX_DEPTH 16

struct virtio_machine virtio_machine;

static size_t str_len(const char *s, size_t max) {
    size_t n = 0;
    while (n < max && s[n]) n++;
    return n;
}

static bool str_eq(const char *a, const char *b) {
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t cells(const uint8_t *p, uint32_t n) {
    uint64_t v = 0;
    for (uint32_t i = 0; i < n; i++) v = v << 32 | be32(p + 4 * i);
    return v;
}

/* True if the string list `list` of `len` bytes has `s`. */
static bool has_string(const uint8_t *list, uint32_t len, const char *s) {
    size_t n = str_len(s, 256);
    for (uint32_t i = 0; i < len;) {
        uint32_t j = i;
        while (j < len && list[j]) j++;
        if (j - i == n && memcmp(list + i, s, n) == 0) return true;
        i = j + 1;
    }
    return false;
}

/* A node's properties, as far as they matter here. */
struct node {
    const uint8_t *compatible, *reg, *interrupts, *method, *device_type, *bootargs, *freq, *ranges, *status;
    uint32_t compatible_len, reg_len, interrupts_len, method_len, device_type_len, bootargs_len, freq_len, ranges_len,
        status_len;
    uint32_t address_cells, size_cells; /* for its children */
    uint32_t reg_shift, reg_io_width;   /* a 16550's */
    uint32_t block_size;                /* an SD host's tessera,block-size (tessera run's raspi3b tree) */
};

static uint32_t intid(const uint8_t *p) {
    uint32_t type = be32(p), n = be32(p + 4);
    return type == 1 ? 16 + n : 32 + n;
}

static bool compat(const struct node *n, const char *s) {
    return n->compatible && has_string(n->compatible, n->compatible_len, s);
}

/* The parent of the node being read, and its parent (for the parent's ranges). */
static const struct node *grandparent;

/* reg's entry `i` with the parent's cells, through the parent's ranges (to the CPU's address). */
static bool reg_at(const struct node *n, const struct node *parent, uint32_t i, uint64_t *base, uint64_t *size) {
    uint32_t ac = parent->address_cells, sc = parent->size_cells, entry = 4 * (ac + sc);
    if (!n->reg || ac > 2 || sc > 2 || entry == 0 || n->reg_len < entry * (i + 1)) return false;
    *base = cells(n->reg + entry * i, ac);
    *size = cells(n->reg + entry * i + 4 * ac, sc);
    if (parent->ranges && parent->ranges_len && grandparent) {
        uint32_t pa = grandparent->address_cells, rsize = 4 * (ac + pa + sc);
        if (pa > 2 || rsize == 0) return false;
        for (uint32_t at = 0; at + rsize <= parent->ranges_len; at += rsize) {
            uint64_t child = cells(parent->ranges + at, ac), cpu = cells(parent->ranges + at + 4 * ac, pa);
            uint64_t len = cells(parent->ranges + at + 4 * (ac + pa), sc);
            if (*base >= child && *base - child < len) {
                *base = *base - child + cpu;
                return true;
            }
        }
    }
    return true;
}

static void node_done(const struct node *n, const struct node *parent, const char *name, int depth) {
    struct virtio_machine *m = &virtio_machine;
    /* a device that is not there for us: status "disabled" (QEMU virt,secure=on's secure UART) */
    if (n->status && !(n->status_len >= 2 && n->status[0] == 'o' && n->status[1] == 'k')) return;
    uint64_t base, size;
    if (depth == 1 && str_eq(name, "chosen") && n->bootargs) {
        uint32_t len = n->bootargs_len;
        while (len && n->bootargs[len - 1] == 0) len--;
        if (len > 4096 + 1024) {
            len = 4096 + 1024;
            m->cmdline_truncated = true;
        }
        memcpy(m->cmdline, n->bootargs, len);
        m->cmdline[len] = 0;
        m->cmdline_len = len;
    }
    if (n->device_type && n->device_type_len >= 7 && memcmp(n->device_type, "memory", 7) == 0) {
        uint64_t image = (uint64_t)(uintptr_t)_head;
        for (uint32_t i = 0; reg_at(n, parent, i, &base, &size); i++)
            if (image >= base && image - base < size) {
                m->ram_start = base;
                m->ram_end = base + size;
            }
    }
    /* the first PL011, else the first 16550 */
    bool pl011 = compat(n, "arm,pl011") && (!m->uart || m->uart_kind != UART_PL011);
    bool ns16550 = (compat(n, "ns16550a") || compat(n, "ns16550")) && !m->uart;
    if ((pl011 || ns16550) && reg_at(n, parent, 0, &base, &size)) {
        m->uart = base;
        m->uart_size = size;
        m->uart_irq = n->interrupts && n->interrupts_len >= 12 ? intid(n->interrupts) : 0;
        m->uart_kind = pl011 ? UART_PL011 : UART_16550;
        m->uart_shift = n->reg_shift <= 3 ? n->reg_shift : 0;
        m->uart_width = n->reg_io_width == 4 ? 4 : 1;
    }
    if ((compat(n, "arm,cortex-a15-gic") || compat(n, "arm,gic-400") || compat(n, "arm,cortex-a9-gic")) &&
        reg_at(n, parent, 0, &m->gicd, &m->gicd_size) && reg_at(n, parent, 1, &m->gicc, &m->gicc_size))
        m->gic = GIC_V2;
    if (compat(n, "arm,gic-v3") && reg_at(n, parent, 0, &m->gicd, &m->gicd_size) &&
        reg_at(n, parent, 1, &m->gicc, &m->gicc_size))
        m->gic = GIC_V3;
    if (compat(n, "brcm,bcm2836-l1-intc") && reg_at(n, parent, 0, &base, &size)) m->local_intc = base;
    if (compat(n, "arm,armv8-timer") || compat(n, "arm,armv7-timer")) {
        /* secure physical, non-secure physical, virtual, hypervisor */
        if (n->interrupts && n->interrupts_len >= 36) m->timer_irq = intid(n->interrupts + 24);
        if (n->freq && n->freq_len >= 4) m->timer_freq = be32(n->freq);
    }
    if (compat(n, "arm,pl031") && reg_at(n, parent, 0, &base, &size)) m->rtc = base;
    /* a Pi 4's EMMC2 holds the SD slot; a Pi 3's EMMC takes it once its pins are routed (unless EMMC2 was found) */
    if (compat(n, "brcm,bcm2711-emmc2") && reg_at(n, parent, 0, &base, &size)) {
        m->sdhci = base;
        m->sdhci_pins = false;
        m->sd_block_size = n->block_size;
    }
    if ((compat(n, "brcm,bcm2835-sdhci") || compat(n, "brcm,bcm2835-mmc")) && (!m->sdhci || m->sdhci_pins) &&
        reg_at(n, parent, 0, &base, &size)) {
        m->sdhci = base;
        m->sdhci_pins = true;
        m->sd_block_size = n->block_size;
    }
    if ((compat(n, "brcm,bcm2835-gpio") || compat(n, "brcm,bcm2711-gpio")) && reg_at(n, parent, 0, &base, &size))
        m->gpio = base;
    if ((compat(n, "arm,psci") || compat(n, "arm,psci-0.2") || compat(n, "arm,psci-1.0")) && n->method)
        m->psci = n->method_len >= 3 && memcmp(n->method, "hvc", 3) == 0 ? 1 : 2;
    if (compat(n, "virtio,mmio") && reg_at(n, parent, 0, &base, &size) && n->interrupts && n->interrupts_len >= 12)
        virtio_region_add(base, size, intid(n->interrupts));
}

bool fdt_read(uint64_t dtb) {
    const uint8_t *h = (const uint8_t *)(uintptr_t)dtb;
    if (dtb == 0 || (dtb & 3) || be32(h) != FDT_MAGIC) return false;
    uint32_t total = be32(h + 4), off_struct = be32(h + 8), off_strings = be32(h + 12);
    uint32_t size_strings = be32(h + 32), size_struct = be32(h + 36);
    if (off_struct > total || size_struct > total - off_struct || off_strings > total ||
        size_strings > total - off_strings)
        return false;
    const uint8_t *p = h + off_struct, *end = p + size_struct, *strings = h + off_strings;
    struct node nodes[MAX_DEPTH + 1];
    const char *names[MAX_DEPTH + 1];
    int depth = -1;
    while (p + 4 <= end) {
        uint32_t token = be32(p);
        p += 4;
        if (token == BEGIN_NODE) {
            const char *name = (const char *)p;
            size_t n = str_len(name, (size_t)(end - p));
            p += (n + 4) & ~(size_t)3;
            if (++depth > MAX_DEPTH) return false;
            memset(&nodes[depth], 0, sizeof nodes[depth]);
            nodes[depth].address_cells = 2;
            nodes[depth].size_cells = 1;
            names[depth] = name;
        } else if (token == END_NODE) {
            if (depth < 0) return false;
            if (depth > 0) {
                /* a node's own name without its unit address */
                char name[32];
                size_t k = 0;
                while (names[depth][k] && names[depth][k] != '@' && k < sizeof name - 1) {
                    name[k] = names[depth][k];
                    k++;
                }
                name[k] = 0;
                grandparent = depth >= 2 ? &nodes[depth - 2] : NULL;
                node_done(&nodes[depth], &nodes[depth - 1], name, depth);
            }
            depth--;
        } else if (token == PROP) {
            if (end - p < 8 || depth < 0) return false;
            uint32_t len = be32(p), nameoff = be32(p + 4);
            const uint8_t *v = p + 8;
            if (len > (uint32_t)(end - v) || nameoff >= size_strings) return false;
            p = v + ((len + 3) & ~3u);
            const char *pn = (const char *)strings + nameoff;
            struct node *nd = &nodes[depth];
#define TAKE(field, str)                   \
    if (str_eq(pn, str)) {            \
        nd->field = v;                     \
        nd->field##_len = len;             \
    }
            TAKE(compatible, "compatible")
            TAKE(reg, "reg")
            TAKE(interrupts, "interrupts")
            TAKE(method, "method")
            TAKE(device_type, "device_type")
            TAKE(bootargs, "bootargs")
            TAKE(freq, "clock-frequency")
            TAKE(ranges, "ranges")
            TAKE(status, "status")
            if (str_eq(pn, "#address-cells") && len == 4) nd->address_cells = be32(v);
            if (str_eq(pn, "#size-cells") && len == 4) nd->size_cells = be32(v);
            if (str_eq(pn, "reg-shift") && len == 4) nd->reg_shift = be32(v);
            if (str_eq(pn, "reg-io-width") && len == 4) nd->reg_io_width = be32(v);
            if (str_eq(pn, "tessera,block-size") && len == 4) nd->block_size = be32(v);
        } else if (token == END) {
            break;
        } else if (token != NOP) {
            return false;
        }
    }
    virtio_machine.has_dt = true;
    return true;
}
