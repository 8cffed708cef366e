/*
 * hidden.h: included first in every C file of a virtio-aarch64 or rpi image
 * (gcc -include). The image is one static PIE: every symbol is defined in it,
 * so the declarations are hidden too, and gcc reaches them PC-relative
 * instead of through a GOT entry that boot.S would have to relocate.
 */
#pragma GCC visibility push(hidden)
