/* math.h for the generated C of a native image: the few functions wasm2c's
 * output uses, as gcc builtins (each is one SSE4.1-free instruction sequence
 * or an inline expansion; none needs libm). */
#ifndef TESSERA_SHIM_MATH_H
#define TESSERA_SHIM_MATH_H
#define NAN __builtin_nanf("")
#define INFINITY __builtin_inff()
#define isnan(x) __builtin_isnan(x)
#define signbit(x) __builtin_signbit(x)
#define floor __builtin_floor
#define floorf __builtin_floorf
#define ceil __builtin_ceil
#define ceilf __builtin_ceilf
#define trunc __builtin_trunc
#define truncf __builtin_truncf
#define nearbyint __builtin_nearbyint
#define nearbyintf __builtin_nearbyintf
#define fabs __builtin_fabs
#define fabsf __builtin_fabsf
#define sqrt __builtin_sqrt
#define sqrtf __builtin_sqrtf
#define copysign __builtin_copysign
#define copysignf __builtin_copysignf
#define fmin __builtin_fmin
#define fminf __builtin_fminf
#define fmax __builtin_fmax
#define fmaxf __builtin_fmaxf
#endif
