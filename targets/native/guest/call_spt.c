/* call_spt.c: on spt a call is a plain call into the tender, whose entry is in the boot page. */
#include "guest.h"

void tessera_native_call(uint32_t nr, void* args) {
  void (*call)(uint32_t, void*) = (void (*)(uint32_t, void*))(uintptr_t)tessera_boot->call;
  call(nr, args);
}
