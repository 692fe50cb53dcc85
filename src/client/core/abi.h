/* SPDX-License-Identifier: MIT */
/* abi.h - the size rule of the public config structs (docs/decisions.md D-005).
 *
 * A struct under the rule has `size_t struct_size` as its first member. Its `*_init()` (a static
 * inline in the public header) passes sizeof as the caller's compiler saw it to the library's
 * `*_init_sized()`, which calls fio_abi_init(); a public function that takes the struct reads it
 * with fio_abi_read() into a full-size copy that already holds the defaults. */
#ifndef FIO_ABI_H
#define FIO_ABI_H

#include <stddef.h>

#include "fastio/fastio.h"

/* Zero the caller's `size` bytes at dst, copy in the defaults (lib_size bytes at defaults; only
 * the first min(size, lib_size) bytes: a field the caller's older struct lacks is not written)
 * and set struct_size to `size`. dst NULL or size smaller than struct_size itself: nothing. */
void fio_abi_init(void *dst, size_t size, const void *defaults, size_t lib_size);

/* Read the caller's struct at in into out (lib_size bytes, holding the library's defaults):
 * the first min(in->struct_size, lib_size) bytes are copied, so a field beyond the caller's
 * struct keeps its default; out->struct_size becomes lib_size. Refused with FASTIO_INVALID (out
 * unchanged): struct_size 0 (never initialised), smaller than struct_size itself, or larger than
 * lib_size with a non-zero byte past lib_size (a field of a newer header this library does not
 * know was set; all-zero means every such field is at its default, and that is accepted).
 * `what` names the struct in the message, e.g. "fastio_config". */
enum fastio_status fio_abi_read(void *out, size_t lib_size, const void *in, const char *what,
                                struct fastio_error *err);

/* A struct under the rule starts with struct_size (fio_abi_read() finds it at offset 0); each
 * `*_init_sized()` states it for its struct. */
#define FIO_ABI_FIRST(type)                                                                        \
    _Static_assert(offsetof(struct type, struct_size) == 0, #type ": struct_size must be first")

/* fio_abi_read() with lib_size taken from out's type. */
#define FIO_ABI_READ(out, in, what, err) fio_abi_read((out), sizeof(*(out)), (in), (what), (err))

#endif
