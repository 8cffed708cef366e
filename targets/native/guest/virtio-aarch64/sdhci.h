/*
 * sdhci.h: the SD host controller (sdhci.c) as the SD card's protocol
 * (sdcard.c) uses it: one command at a time, one 512-byte block per transfer.
 */
#ifndef TESSERA_SDHCI_H
#define TESSERA_SDHCI_H

#include <stdbool.h>
#include <stdint.h>

#define SD_BLOCK 512u

/* A command's response: none, 136 bits (R2), 48 bits (R1, R6, R7), 48 with busy (R1b), 48 unchecked (R3). */
#define SD_RESP_NONE 0
#define SD_RESP_136 1
#define SD_RESP_48 2
#define SD_RESP_48_BUSY 3
#define SD_RESP_48_NOCRC 4

/* Resets the host at `regs` (and routes a Pi 3's SD pins through the GPIO block at `gpio`, if not 0); the clock
 * at 400 kHz for identification. False if the host does not answer. */
bool sdhci_init(uint64_t regs, uint64_t gpio);
/* The clock at 25 MHz (default speed), the bus 4 bits wide if `four_bits`. */
bool sdhci_fast(bool four_bits);
/* Command `index` with `arg`; its response registers into `out` (if not NULL). False on an error or timeout. */
bool sdhci_command(uint32_t index, uint32_t arg, uint32_t resp, uint32_t out[4]);
/* A single-block read or write (`index`: 17 or 24) of 512 bytes at `buf`, at card address `arg`. */
bool sdhci_transfer(uint32_t index, uint32_t arg, uint8_t *buf, bool write);

#endif
