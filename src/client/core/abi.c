/* SPDX-License-Identifier: MIT */
/* abi.c - reading and initialising the size-tagged public config structs (abi.h, D-005). */
#include "abi.h"

#include <stdio.h>
#include <string.h>

#include "envelope.h"

void fio_abi_init(void *dst, size_t size, const void *defaults, size_t lib_size)
{
    if (dst == NULL || size < sizeof(size_t))
        return;
    memset(dst, 0, size);
    memcpy(dst, defaults, size < lib_size ? size : lib_size);
    memcpy(dst, &size, sizeof(size));
}

enum fastio_status fio_abi_read(void *out, size_t lib_size, const void *in, const char *what,
                                struct fastio_error *err)
{
    char msg[200];
    size_t size;

    memcpy(&size, in, sizeof(size));
    if (size == 0) {
        snprintf(msg, sizeof(msg), "struct %s is not initialised (struct_size 0): call %s_init()",
                 what, what);
        return fio_error_set(err, FASTIO_INVALID, msg);
    }
    if (size < sizeof(size_t)) {
        snprintf(msg, sizeof(msg), "struct %s: struct_size %zu is too small", what, size);
        return fio_error_set(err, FASTIO_INVALID, msg);
    }
    if (size > lib_size) {
        const unsigned char *tail = (const unsigned char *)in + lib_size;
        for (size_t i = 0; i < size - lib_size; i++) {
            if (tail[i] != 0) {
                snprintf(msg, sizeof(msg),
                         "struct %s is %zu bytes, this libfastio knows %zu: a field it does "
                         "not know is set (built against a newer header?)",
                         what, size, lib_size);
                return fio_error_set(err, FASTIO_INVALID, msg);
            }
        }
        size = lib_size;
    }
    memcpy(out, in, size);
    memcpy(out, &lib_size, sizeof(lib_size));
    return FASTIO_OK;
}
