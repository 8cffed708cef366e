/* instance.c: instantiates the wasm2c'd module (always named "app") and runs its _start. */
#include "app.h"
#include "guest.h"

static w2c_app instance;

void tessera_app_run(void) {
  wasm2c_app_instantiate(&instance, 0);
  w2c_app_0x5Fstart(&instance);
}
