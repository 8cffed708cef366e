/* interp.c: the PT_INTERP string (see image.ld): a path that does not exist. */
#include "tessera_native.h"

__attribute__((section(".interp"), used)) static const char interp[] = TESSERA_IMAGE_INTERP;
