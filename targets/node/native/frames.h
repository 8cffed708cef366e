/* frames.h: the net data path of the native helper (frames.c). */
#ifndef TESSERA_FRAMES_H
#define TESSERA_FRAMES_H
#include <node_api.h>

/* Defines readFrames and writeFrame on `exports`. */
napi_status tessera_frames_define(napi_env env, napi_value exports);

#endif
