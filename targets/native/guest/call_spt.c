/* call_spt.c: on spt a call is a plain call into the tender, whose entry is in the boot page. */
#include "guest.h"
#include "tessera_abi.h"

void tessera_native_call(uint32_t nr, void* args) {
  if (nr == TESSERA_CALL_MEMORY_LIMIT && tessera_memory_limit != 0) {
    /* Only the guest knows its memory's own maximum: answered here, as on hvt. */
    ((struct tessera_args_memory_limit*)args)->ret = (int64_t)tessera_memory_limit;
    return;
  }
  void (*call)(uint32_t, void*) = (void (*)(uint32_t, void*))(uintptr_t)tessera_boot->call;
  call(nr, args);
}
