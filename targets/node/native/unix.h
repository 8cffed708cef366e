/* unix.h: the UNIX-socket half of the native helper (unix.c), for the switch backend. */
#ifndef TESSERA_UNIX_H
#define TESSERA_UNIX_H
#include <node_api.h>

/* Defines listenSeqpacket, connectSeqpacket, acceptSeqpacket, pollMany and
 * setNonBlocking on `exports`. */
napi_status tessera_unix_define(napi_env env, napi_value exports);

#endif
