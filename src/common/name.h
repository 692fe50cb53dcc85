/* SPDX-License-Identifier: MIT */
/* name.h - validation of user-supplied node names (folders, files) and other short labels.
 * The server never builds a path from a name; these rules keep names portable and unambiguous. */
#ifndef FIO_NAME_H
#define FIO_NAME_H

#include <stddef.h>

#define FIO_NAME_MAX_BYTES 255

enum fio_name_check {
    FIO_NAME_OK = 0,
    FIO_NAME_EMPTY,
    FIO_NAME_TOO_LONG,     /* > FIO_NAME_MAX_BYTES bytes */
    FIO_NAME_BAD_UTF8,     /* invalid or overlong UTF-8, surrogates, > U+10FFFF */
    FIO_NAME_CONTROL,      /* NUL, C0/C1 controls, DEL */
    FIO_NAME_SLASH,        /* '/' or '\\' */
    FIO_NAME_DOTS,         /* exactly "." or ".." */
    FIO_NAME_BIDI,         /* bidirectional overrides / isolates (U+202A-202E, U+2066-2069) */
    FIO_NAME_WHITESPACE,   /* leading or trailing whitespace */
};

/* Check a node name of n bytes. */
enum fio_name_check fio_name_check(const char *s, size_t n);
/* Short English reason for a result ("contains a slash"). Static string. */
const char *fio_name_check_str(enum fio_name_check c);
/* true when s is valid UTF-8 without NUL bytes. */
int fio_utf8_valid(const char *s, size_t n);

#endif
