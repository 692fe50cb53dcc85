/* SPDX-License-Identifier: MIT */
/* utf8.c - bytes to valid UTF-8 text for the indexer (extract.h intel_utf8_clean). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "intel_internal.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s starts an invalid one (overlong
 * forms, surrogates, code points above U+10FFFF and truncated sequences are invalid). */
size_t intel_utf8_seq(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0; /* overlong */
        if (c == 0xF4 && s[1] >= 0x90)
            return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

/* Appends code point cp as UTF-8 (invalid ones as U+FFFD); dst has room for 4 bytes. */
size_t intel_utf8_put(char *dst, uint32_t cp)
{
    unsigned char *d = (unsigned char *)dst;
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        d[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (unsigned char)(0xC0 | (cp >> 6));
        d[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (unsigned char)(0xE0 | (cp >> 12));
        d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (unsigned char)(0xF0 | (cp >> 18));
    d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One code point of cleaned text: controls mapped, CR handled by the caller. */
static size_t put_clean(char *dst, uint32_t cp)
{
    if (cp == 0)
        return 0;
    if (cp == '\f') {
        dst[0] = '\n';
        return 1;
    }
    if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F) {
        dst[0] = ' ';
        return 1;
    }
    return intel_utf8_put(dst, cp);
}

static char *clean_utf16(const unsigned char *s, size_t n, int big_endian, size_t *out_len)
{
    /* each 2-byte unit gives at most 3 bytes; a surrogate pair (4 bytes) gives 4 */
    size_t cap = (n / 2) * 3 + 4;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0;
    int prev_cr = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t u = big_endian ? ((uint32_t)s[i] << 8 | s[i + 1]) : ((uint32_t)s[i + 1] << 8 | s[i]);
        uint32_t cp = u;
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
            uint32_t l = big_endian ? ((uint32_t)s[i + 2] << 8 | s[i + 3])
                                    : ((uint32_t)s[i + 3] << 8 | s[i + 2]);
            if (l >= 0xDC00 && l <= 0xDFFF) {
                cp = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                i += 2;
            } else {
                cp = 0xFFFD;
            }
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            cp = 0xFFFD;
        }
        if (cp == '\r') {
            out[o++] = '\n';
            prev_cr = 1;
            continue;
        }
        if (cp == '\n' && prev_cr) {
            prev_cr = 0;
            continue;
        }
        prev_cr = 0;
        o += put_clean(out + o, cp);
    }
    if (n % 2)
        o += intel_utf8_put(out + o, 0xFFFD); /* a dangling odd byte */
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* The UTF-8 (or unknown) path of intel_utf8_clean: writes to out when not NULL; returns the
 * output length either way. */
static size_t clean_utf8_into(char *out, const unsigned char *s, size_t len)
{
    char tmp[4] = {0}; /* the counting pass writes here */
    size_t o = 0, i = 0;
    while (i < len) {
        /* a run of printable ASCII, tabs and line feeds is copied as is */
        size_t j = i;
        while (j < len && ((s[j] >= 0x20 && s[j] < 0x7F) || s[j] == '\n' || s[j] == '\t'))
            j++;
        if (j > i) {
            if (out)
                memcpy(out + o, s + i, j - i);
            o += j - i;
            i = j;
            continue;
        }
        unsigned c = s[i];
        if (c < 0x80) {
            if (c == '\r') {
                if (out)
                    out[o] = '\n';
                o++;
                i += (i + 1 < len && s[i + 1] == '\n') ? 2 : 1;
                continue;
            }
            o += put_clean(out ? out + o : tmp, c);
            i++;
            continue;
        }
        size_t k = intel_utf8_seq(s + i, len - i);
        if (k == 0) {
            o += intel_utf8_put(out ? out + o : tmp, 0xFFFD);
            i++;
            continue;
        }
        if (out)
            memcpy(out + o, s + i, k);
        o += k;
        i += k;
    }
    return o;
}

/* Windows-1252 0x80..0x9F (the rest of its upper half is Latin-1, U+00A0..U+00FF); the five
 * unassigned bytes map to the C1 controls of the same value, as web browsers do. */
static const uint16_t CP1252_80[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

int intel_is_legacy_8bit(const void *in, size_t len)
{
    const unsigned char *s = in;
    int high = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = intel_utf8_seq(s + i, len - i);
        if (k > 1)
            return 0; /* one real UTF-8 sequence: it is UTF-8 (with errors, if any) */
        high = 1;
        i++;
    }
    return high;
}

char *intel_cp1252_to_utf8(const void *in, size_t len, size_t *out_len)
{
    const unsigned char *s = in;
    size_t need = 0;
    char tmp[4];
    for (size_t i = 0; i < len; i++)
        need += s[i] < 0x80 ? 1 : s[i] >= 0xA0 ? 2 : intel_utf8_put(tmp, CP1252_80[s[i] - 0x80]);
    char *out = malloc(need + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x80)
            out[o++] = (char)s[i];
        else
            o += intel_utf8_put(out + o, s[i] >= 0xA0 ? s[i] : CP1252_80[s[i] - 0x80]);
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

char *intel_utf8_clean(const void *in, size_t len, size_t *out_len)
{
    const unsigned char *s = in;
    size_t dummy;
    if (!out_len)
        out_len = &dummy;
    *out_len = 0;
    if (!s)
        len = 0;
    if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE)
        return clean_utf16(s + 2, len - 2, 0, out_len);
    if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF)
        return clean_utf16(s + 2, len - 2, 1, out_len);
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        s += 3;
        len -= 3;
    }
    /* high bytes of which none forms a UTF-8 sequence: an 8-bit legacy text, read as
     * Windows-1252 (a superset of the printable Latin-1) rather than as a row of U+FFFD */
    char *legacy = NULL;
    if (intel_is_legacy_8bit(s, len)) {
        size_t ln = 0;
        legacy = intel_cp1252_to_utf8(s, len, &ln);
        if (!legacy)
            return NULL;
        s = (const unsigned char *)legacy;
        len = ln;
    }
    /* two passes, so that the block is the exact size (an invalid byte becomes 3 bytes: a
     * worst-case block would be 3x the input) */
    size_t need = clean_utf8_into(NULL, s, len);
    char *out = malloc(need + 1);
    if (out) {
        size_t o = clean_utf8_into(out, s, len);
        out[o] = '\0';
        *out_len = o;
    }
    free(legacy);
    return out;
}
