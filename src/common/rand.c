/* SPDX-License-Identifier: MIT */
/* rand.c - random bytes from the kernel (getrandom(2)) and unbiased bounded integers, for ids,
 * tokens and salts. No userspace PRNG: nothing here can be seeded or predicted. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "rand.h"

bool fio_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        /* Requests over 256 bytes may return short; a signal may interrupt before any byte. */
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += got;
        n -= (size_t)got;
    }
    return true;
}

uint64_t fio_random_below(uint64_t bound)
{
    if (bound <= 1)
        return 0;
    /* Reject the lowest (2^64 mod bound) values so every residue is equally likely. */
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t r;
        /* No failure channel here, and a predictable number where callers expect an unguessable
         * one would be a silent security bug: a kernel refusing getrandom(2) (pre-3.17 or a
         * seccomp filter) is treated as a broken invariant. */
        if (!fio_random_bytes(&r, sizeof(r)))
            abort();
        if (r >= threshold)
            return r % bound;
    }
}
