/*
 * disk_label.h: the disk label, the last LABEL_SIZE bytes of a Tessera disk
 * file (the Node tender's side: targets/node/src/block/label-format.ts, from
 * the same table). Its fields are little-endian, at the offsets below; the
 * rest of it is zero.
 * Generated from packages/abi/src/disk-label.ts by `npm run generate -w @tessera/abi`. Do not edit.
 */
#ifndef TESSERA_DISK_LABEL_H
#define TESSERA_DISK_LABEL_H

#define LABEL_SIZE 4096u
#define LABEL_MAGIC "TESSDISK"
#define LABEL_VERSION 1u
/* LABEL_MAGIC, not NUL-terminated. */
#define LABEL_MAGIC_AT 0u
#define LABEL_MAGIC_LENGTH 8u
/* LABEL_VERSION. */
#define LABEL_VERSION_AT 8u
/* The unit of every read and write: one of BLOCK_SIZES. */
#define LABEL_BLOCK_SIZE_AT 12u
/* Bytes of blocks the guest sees, a whole number of blocks: the file is capacity + LABEL_SIZE bytes. */
#define LABEL_CAPACITY_AT 16u
/* When it was made, in ms since 1970. */
#define LABEL_CREATED_AT 24u
/* A random identifier. */
#define LABEL_ID_AT 32u
#define LABEL_ID_LENGTH 16u
/* CRC-32 (zlib's) of the bytes before it. */
#define LABEL_CRC_AT 48u
/* A block size is a power of two from LABEL_BLOCK_SIZE_MIN to LABEL_BLOCK_SIZE_MAX, LABEL_BLOCK_SIZES in words. */
#define LABEL_BLOCK_SIZE_MIN 512u
#define LABEL_BLOCK_SIZE_MAX 65536u
#define LABEL_BLOCK_SIZES "512, 1024, 2048, 4096, 8192, 16384, 32768, 65536"
/* The block size of a disk a tender's --block-create makes, as tessera disk create does. */
#define LABEL_DEFAULT_BLOCK_SIZE 4096u

#endif /* TESSERA_DISK_LABEL_H */
