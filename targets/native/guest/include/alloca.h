/* alloca.h for the generated C of a native image. */
#ifndef TESSERA_SHIM_ALLOCA_H
#define TESSERA_SHIM_ALLOCA_H
#define alloca __builtin_alloca
#endif
