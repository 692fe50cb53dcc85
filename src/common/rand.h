/* SPDX-License-Identifier: MIT */
/* rand.h - random bytes from getrandom(2) for anything secret or unguessable (ids, tokens, salts).
 * The C library generator (rand/srand) is banned in this tree. */
#ifndef FIO_RAND_H
#define FIO_RAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fill buf with n random bytes; false only if the kernel refuses (then buf is unspecified). */
bool fio_random_bytes(void *buf, size_t n);
/* A uniformly random integer in [0, bound) (bound > 0), without modulo bias. */
uint64_t fio_random_below(uint64_t bound);

#endif
