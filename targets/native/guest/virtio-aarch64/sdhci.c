/*
 * sdhci.c: a Raspberry Pi's SD host controller, an SDHCI: the BCM2835's
 * Arasan "EMMC" (a Pi 3, 0x3f300000; its SD slot reached through GPIO 48-53
 * in function ALT3, which the firmware gives to the other host, SDHOST) or
 * the BCM2711's EMMC2 (a Pi 4, wired to the slot). Commands and programmed
 * I/O through the data port, 32-bit register accesses only (the BCM2835
 * takes no others), no interrupts: every wait polls with a deadline, and a
 * command that fails or times out resets the command and data lines.
 * The card's side of the protocol is sdcard.c.
 */
#include "sdhci.h"
#include "virtio.h"

#define BLKSIZECNT 0x04
#define ARG1 0x08
#define CMDTM 0x0c
#define RESP0 0x10
#define DATA 0x20
#define STATUS 0x24
#define CONTROL0 0x28
#define CONTROL1 0x2c
#define INTERRUPT 0x30
#define IRPT_MASK 0x34
#define IRPT_EN 0x38
#define CAPS 0x40

#define INT_CMD_DONE (1u << 0)
#define INT_DATA_DONE (1u << 1)
#define INT_WRITE_RDY (1u << 4)
#define INT_READ_RDY (1u << 5)
#define INT_ERROR (1u << 15)
#define INT_ERRORS 0xffff0000u
#define STATUS_CMD_INHIBIT (1u << 0)
#define STATUS_DAT_INHIBIT (1u << 1)
#define C1_CLK_INTLEN (1u << 0)
#define C1_CLK_STABLE (1u << 1)
#define C1_CLK_EN (1u << 2)
#define C1_DATA_TIMEOUT (0xeu << 16)
#define C1_SRST_HC (1u << 24)
#define C1_SRST_CMD (1u << 25)
#define C1_SRST_DATA (1u << 26)
#define C0_4BIT (1u << 1)
#define C0_POWER_3V3 (0xfu << 8) /* SD bus power on at 3.3 V (a standard SDHCI's; reserved on the BCM2835) */
#define TM_BLKCNT_EN (1u << 1)
#define TM_READ (1u << 4)
#define CMD_CRC (1u << 19)
#define CMD_INDEX (1u << 20)
#define CMD_DATA (1u << 21)

#define GPFSEL4 0x10
#define GPFSEL5 0x14
#define GPPUD 0x94
#define GPPUDCLK1 0x9c

#define TIMEOUT_NS 1000000000 /* one second for any one wait */

static uint64_t base;
static uint32_t base_mhz;

static uint32_t rd(uint32_t reg) {
    return mmio_read32(base + reg);
}
static void wr(uint32_t reg, uint32_t v) {
    mmio_write32(base + reg, v);
}

/* Polls until (reg & mask) == want, or the deadline; false on timeout. */
static bool wait_reg(uint32_t reg, uint32_t mask, uint32_t want) {
    int64_t deadline = clock_monotonic_ns() + TIMEOUT_NS;
    while ((rd(reg) & mask) != want)
        if (clock_monotonic_ns() > deadline) return false;
    return true;
}

/* Waits for any of `bits` (or an error) in INTERRUPT, clears it; false on an error or the deadline. */
static bool wait_int(uint32_t bits) {
    int64_t deadline = clock_monotonic_ns() + TIMEOUT_NS;
    for (;;) {
        uint32_t v = rd(INTERRUPT);
        if (v & (INT_ERROR | INT_ERRORS)) {
            wr(INTERRUPT, v);
            return false;
        }
        if (v & bits) {
            wr(INTERRUPT, v & bits);
            return true;
        }
        if (clock_monotonic_ns() > deadline) return false;
    }
}

static void reset_lines(void) {
    wr(CONTROL1, rd(CONTROL1) | C1_SRST_CMD | C1_SRST_DATA);
    wait_reg(CONTROL1, C1_SRST_CMD | C1_SRST_DATA, 0);
    wr(INTERRUPT, 0xffffffffu);
}

/* The SD clock at `hz` or just below: base / (2 N), N in 10 bits (SDHCI 3.0). */
static bool set_clock(uint32_t hz) {
    uint32_t base_hz = base_mhz * 1000000u, n = 0;
    if (hz < base_hz) {
        n = (base_hz + 2 * hz - 1) / (2 * hz);
        if (n > 0x3ff) n = 0x3ff;
    }
    uint32_t c1 = rd(CONTROL1) & ~(C1_CLK_EN | 0xffe0u);
    wr(CONTROL1, c1);
    c1 |= C1_CLK_INTLEN | C1_DATA_TIMEOUT | (n & 0xff) << 8 | (n >> 8 & 3) << 6;
    wr(CONTROL1, c1);
    if (!wait_reg(CONTROL1, C1_CLK_STABLE, C1_CLK_STABLE)) return false;
    wr(CONTROL1, c1 | C1_CLK_EN);
    return true;
}

/* A Pi 3's SD slot on the EMMC host: GPIO 48-53 (CLK, CMD, DAT0-3) to ALT3, pulled up but CLK. */
static void route_pins(uint64_t gpio) {
    uint32_t sel4 = mmio_read32(gpio + GPFSEL4), sel5 = mmio_read32(gpio + GPFSEL5);
    sel4 = (sel4 & ~(7u << 24 | 7u << 27)) | 7u << 24 | 7u << 27;           /* 48, 49: ALT3 */
    sel5 = (sel5 & ~0xfffu) | 7u << 0 | 7u << 3 | 7u << 6 | 7u << 9;         /* 50-53: ALT3 */
    mmio_write32(gpio + GPFSEL4, sel4);
    mmio_write32(gpio + GPFSEL5, sel5);
    mmio_write32(gpio + GPPUD, 2); /* pull-up */
    for (volatile int i = 0; i < 150; i++) continue;
    mmio_write32(gpio + GPPUDCLK1, 0x3eu << 16); /* 49-53 */
    for (volatile int i = 0; i < 150; i++) continue;
    mmio_write32(gpio + GPPUD, 0);
    mmio_write32(gpio + GPPUDCLK1, 0);
}

bool sdhci_init(uint64_t regs, uint64_t gpio) {
    base = regs;
    if (gpio) route_pins(gpio);
    wr(CONTROL1, C1_SRST_HC);
    if (!wait_reg(CONTROL1, C1_SRST_HC, 0)) return false;
    uint32_t caps = rd(CAPS);
    base_mhz = caps >> 8 & 0xff;
    if (base_mhz == 0) base_mhz = 250; /* the BCM2835 does not say; at most this, so the clock stays slow enough */
    wr(CONTROL0, C0_POWER_3V3);
    if (!set_clock(400000)) return false;
    wr(IRPT_EN, 0);            /* no interrupt lines: polled */
    wr(IRPT_MASK, 0xffffffffu); /* every status bit reported */
    wr(INTERRUPT, 0xffffffffu);
    return true;
}

bool sdhci_fast(bool four_bits) {
    if (four_bits) wr(CONTROL0, rd(CONTROL0) | C0_4BIT);
    return set_clock(25000000);
}

bool sdhci_command(uint32_t index, uint32_t arg, uint32_t resp, uint32_t out[4]) {
    if (!wait_reg(STATUS, STATUS_CMD_INHIBIT, 0)) {
        reset_lines();
        return false;
    }
    uint32_t flags = resp == SD_RESP_136 ? 1u << 16 | CMD_CRC
                     : resp == SD_RESP_48 ? 2u << 16 | CMD_CRC | CMD_INDEX
                     : resp == SD_RESP_48_BUSY ? 3u << 16 | CMD_CRC | CMD_INDEX
                     : resp == SD_RESP_48_NOCRC ? 2u << 16
                                                : 0;
    wr(INTERRUPT, 0xffffffffu);
    wr(ARG1, arg);
    wr(CMDTM, index << 24 | flags);
    if (!wait_int(INT_CMD_DONE)) {
        reset_lines();
        return false;
    }
    if (resp == SD_RESP_48_BUSY && !wait_reg(STATUS, STATUS_DAT_INHIBIT, 0)) {
        reset_lines();
        return false;
    }
    if (out)
        for (int i = 0; i < 4; i++) out[i] = rd(RESP0 + 4 * (uint32_t)i);
    return true;
}

bool sdhci_transfer(uint32_t index, uint32_t arg, uint8_t *buf, bool write) {
    if (!wait_reg(STATUS, STATUS_CMD_INHIBIT | STATUS_DAT_INHIBIT, 0)) {
        reset_lines();
        return false;
    }
    wr(INTERRUPT, 0xffffffffu);
    wr(BLKSIZECNT, 1u << 16 | SD_BLOCK);
    wr(ARG1, arg);
    wr(CMDTM, index << 24 | 2u << 16 | CMD_CRC | CMD_INDEX | CMD_DATA | TM_BLKCNT_EN | (write ? 0 : TM_READ));
    bool ok = wait_int(INT_CMD_DONE) && wait_int(write ? INT_WRITE_RDY : INT_READ_RDY);
    if (ok) {
        /* the data port moves 32 bits at a time; `buf` may be at any address */
        for (uint32_t i = 0; i < SD_BLOCK; i += 4) {
            if (write) {
                uint32_t w = (uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8 | (uint32_t)buf[i + 2] << 16 |
                             (uint32_t)buf[i + 3] << 24;
                wr(DATA, w);
            } else {
                uint32_t w = rd(DATA);
                buf[i] = (uint8_t)w;
                buf[i + 1] = (uint8_t)(w >> 8);
                buf[i + 2] = (uint8_t)(w >> 16);
                buf[i + 3] = (uint8_t)(w >> 24);
            }
        }
        ok = wait_int(INT_DATA_DONE);
    }
    if (!ok) reset_lines();
    return ok;
}
