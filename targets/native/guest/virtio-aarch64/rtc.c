/* rtc.c: the wall clock's start, from the PL031 RTC (QEMU -M virt has one at
 * 0x09010000: the device tree's arm,pl031), to the second. None: -1. */
#include "virtio.h"

int64_t rtc_read_unix(void) {
    return virtio_machine.rtc ? (int64_t)mmio_read32(virtio_machine.rtc) : -1;
}
