/* SPDX-License-Identifier: MIT */
/* name.c - validation of user-supplied node names and short labels: strict UTF-8 and the rules
 * (no slashes, controls, bidi tricks, "."/"..") that keep a name portable and unambiguous. */
#include <stdint.h>

#include "name.h"

/* Decode one UTF-8 sequence at s (avail bytes). Returns its length and the code point in *cp,
 * or 0 when invalid: overlong forms, surrogates (U+D800-DFFF), > U+10FFFF, stray continuation
 * bytes and truncated sequences (Unicode 15 table 3-7, "well-formed byte sequences"). */
static size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned char b0 = s[0];
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    uint32_t c;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
        c = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        c = b0 & 0x0F;
        if (b0 == 0xE0)
            lo = 0xA0; /* overlong */
        else if (b0 == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        c = b0 & 0x07;
        if (b0 == 0xF0)
            lo = 0x90; /* overlong */
        else if (b0 == 0xF4)
            hi = 0x8F; /* > U+10FFFF */
    } else {
        return 0; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (avail < len)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    c = (c << 6) | (s[1] & 0x3F);
    for (size_t i = 2; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
    return len;
}

int fio_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_decode(p + i, n - i, &cp);
        if (len == 0 || cp == 0)
            return 0;
        i += len;
    }
    return 1;
}

static int is_edge_space(char c)
{
    return c == ' ' || c == '\t';
}

enum fio_name_check fio_name_check(const char *s, size_t n)
{
    if (!s || n == 0)
        return FIO_NAME_EMPTY;
    if (n > FIO_NAME_MAX_BYTES)
        return FIO_NAME_TOO_LONG;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_decode(p + i, n - i, &cp);
        if (len == 0)
            return FIO_NAME_BAD_UTF8;
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            return FIO_NAME_CONTROL;
        if (cp == '/' || cp == '\\')
            return FIO_NAME_SLASH;
        if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            return FIO_NAME_BIDI;
        i += len;
    }
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return FIO_NAME_DOTS;
    if (is_edge_space(s[0]) || is_edge_space(s[n - 1]))
        return FIO_NAME_WHITESPACE;
    return FIO_NAME_OK;
}

const char *fio_name_check_str(enum fio_name_check c)
{
    switch (c) {
    case FIO_NAME_OK:
        return "valid";
    case FIO_NAME_EMPTY:
        return "is empty";
    case FIO_NAME_TOO_LONG:
        return "is longer than 255 bytes";
    case FIO_NAME_BAD_UTF8:
        return "is not valid UTF-8";
    case FIO_NAME_CONTROL:
        return "contains a control character";
    case FIO_NAME_SLASH:
        return "contains a slash or backslash";
    case FIO_NAME_DOTS:
        return "is \".\" or \"..\"";
    case FIO_NAME_BIDI:
        return "contains a bidirectional override or isolate";
    case FIO_NAME_WHITESPACE:
        return "has leading or trailing whitespace";
    }
    return "is invalid";
}
