/* rtc.c: the wall clock's base: the CMOS RTC (ports 0x70/0x71), read once, to
 * the second. QEMU's RTC runs on UTC unless told otherwise (-rtc base=). */
#include "virtio.h"

static uint8_t cmos(uint8_t r) {
    outb(0x70, 0x80 | r); /* NMI stays disabled */
    return inb(0x71);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

struct rtc_time {
    uint8_t sec, min, hour, day, mon, year, century;
};

static void read_raw(struct rtc_time *t) {
    for (int i = 0; i < 1000000 && (cmos(0x0a) & 0x80); i++) {} /* update in progress */
    t->sec = cmos(0x00);
    t->min = cmos(0x02);
    t->hour = cmos(0x04);
    t->day = cmos(0x07);
    t->mon = cmos(0x08);
    t->year = cmos(0x09);
    t->century = cmos(0x32);
}

static unsigned bcd(uint8_t v, bool binary) {
    return binary ? v : (unsigned)(v & 0x0f) + (unsigned)(v >> 4) * 10;
}

int64_t rtc_read_unix(void) {
    if (cmos(0x0a) == 0xff && cmos(0x0b) == 0xff) return -1; /* nothing there */
    struct rtc_time a, b;
    read_raw(&a);
    for (int tries = 0; tries < 10; tries++) {
        read_raw(&b);
        if (a.sec == b.sec && a.min == b.min && a.hour == b.hour && a.day == b.day && a.mon == b.mon &&
            a.year == b.year)
            break;
        a = b;
    }
    uint8_t regb = cmos(0x0b);
    bool binary = regb & 0x04, h24 = regb & 0x02;
    bool pm = !h24 && (b.hour & 0x80);
    unsigned hour = bcd(b.hour & 0x7f, binary);
    if (!h24) hour = hour % 12 + (pm ? 12 : 0);
    unsigned century = b.century ? bcd(b.century, binary) : 20;
    if (century < 19 || century > 30) century = 20;
    int64_t year = (int64_t)century * 100 + bcd(b.year, binary);
    unsigned mon = bcd(b.mon, binary), day = bcd(b.day, binary);
    if (mon < 1 || mon > 12 || day < 1 || day > 31) return -1;
    return days_from_civil(year, mon, day) * 86400 + hour * 3600 + bcd(b.min, binary) * 60 + bcd(b.sec, binary);
}
