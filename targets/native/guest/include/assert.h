/* assert.h for the generated C of a native image: assertions compiled out. */
#ifndef TESSERA_SHIM_ASSERT_H
#define TESSERA_SHIM_ASSERT_H
#define assert(x) ((void)0)
#define static_assert _Static_assert
#endif
