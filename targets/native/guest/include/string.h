/* string.h for the generated C of a native image: what wasm2c's output uses, from rt.c. */
#ifndef TESSERA_SHIM_STRING_H
#define TESSERA_SHIM_STRING_H
#include <stddef.h>
void* memcpy(void* restrict, const void* restrict, size_t);
void* memmove(void*, const void*, size_t);
void* memset(void*, int, size_t);
int memcmp(const void*, const void*, size_t);
#endif
