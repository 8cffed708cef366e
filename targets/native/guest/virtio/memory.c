/* memory.c: wasm memory must start out zero, and RAM under a VMM's firmware
 * need not be (SeaBIOS on q35 leaves tables 16 MiB below the end of RAM). So
 * the stub zeroes each piece of RAM as the linear memory takes it in (rt.c
 * calls this when the memory is made and on every memory.grow): the cost is
 * the memory the app uses, not the machine's. */
#include <string.h>

#include "guest.h"

void tessera_memory_taken(uint8_t *from, uint64_t len) {
    memset(from, 0, len);
}
