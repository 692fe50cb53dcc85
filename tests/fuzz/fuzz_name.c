/* SPDX-License-Identifier: MIT */
/* fuzz_name.c - fuzz target for node-name validation and the UTF-8 validator: no crash or
 * out-of-bounds read on any bytes, and the two functions agree with each other. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    enum fio_name_check c = fio_name_check(s, size);
    int valid = fio_utf8_valid(s, size);
    if (c > FIO_NAME_WHITESPACE || valid < 0 || valid > 1)
        abort();
    const char *why = fio_name_check_str(c);
    if (!why || !*why)
        abort();
    if (c == FIO_NAME_OK) {
        /* an accepted name is valid UTF-8 without NUL, 1..255 bytes, with no separators */
        if (!valid || size == 0 || size > FIO_NAME_MAX_BYTES || memchr(s, '/', size) ||
            memchr(s, '\\', size) || memchr(s, '\0', size))
            abort();
        if (s[0] == ' ' || s[size - 1] == ' ')
            abort();
    }
    /* a short name that is not UTF-8 is never accepted; emptiness and length are checked first */
    if (size == 0 && c != FIO_NAME_EMPTY)
        abort();
    if (size > FIO_NAME_MAX_BYTES && c != FIO_NAME_TOO_LONG)
        abort();
    if (c == FIO_NAME_BAD_UTF8 && valid)
        abort();
    return 0;
}
