/* SPDX-License-Identifier: MIT */
/* b64.c - base64url without padding (tokens, cursors, PKCE), standard padded base64 (Basic auth,
 * stored salts) and lowercase hex. Decoders are strict: one canonical text per byte string. */
#include <stdint.h>
#include <string.h>

#include "b64.h"

static const char B64_STD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B64_URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t fio_b64url_encoded_size(size_t n)
{
    static const size_t tail[3] = {0, 2, 3};
    return (n / 3) * 4 + tail[n % 3] + 1;
}

size_t fio_b64_encoded_size(size_t n)
{
    return (n / 3 + (n % 3 ? 1 : 0)) * 4 + 1;
}

static size_t encode(const char *alpha, bool pad, const void *in, size_t n, char *out,
                     size_t out_size)
{
    size_t need = pad ? fio_b64_encoded_size(n) : fio_b64url_encoded_size(n);
    if (out_size < need) {
        /* Contract violation by the caller: produce nothing rather than a truncated token. */
        if (out_size > 0)
            out[0] = '\0';
        return 0;
    }
    const unsigned char *p = in;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        out[o++] = alpha[v >> 6 & 63];
        out[o++] = alpha[v & 63];
    }
    size_t rem = n - i;
    if (rem) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (rem == 2)
            v |= (uint32_t)p[i + 1] << 8;
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        if (rem == 2)
            out[o++] = alpha[v >> 6 & 63];
        else if (pad)
            out[o++] = '=';
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

size_t fio_b64url_encode(const void *in, size_t n, char *out, size_t out_size)
{
    return encode(B64_URL, false, in, n, out, out_size);
}

size_t fio_b64_encode(const void *in, size_t n, char *out, size_t out_size)
{
    return encode(B64_STD, true, in, n, out, out_size);
}

static int b64_value(char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* pad_required: the text must be a multiple of 4 with '=' padding (standard); otherwise padding
 * is optional but, when present, must be complete (base64url). Non-zero bits in the last
 * character's unused low bits are rejected so that each byte string has exactly one encoding. */
static bool decode(bool url, bool pad_required, const char *in, size_t n, void *out,
                   size_t out_size, size_t *out_len)
{
    size_t pads = 0;
    while (pads < n && pads < 2 && in[n - 1 - pads] == '=')
        pads++;
    size_t m = n - pads; /* significant characters */
    if (pad_required || pads > 0) {
        if (n % 4 != 0)
            return false;
    }
    if (m % 4 == 1)
        return false;
    if (pads > 0 && (m % 4) + pads != 4)
        return false;
    size_t total = (m / 4) * 3 + (m % 4 ? m % 4 - 1 : 0);
    if (total > out_size)
        return false;
    unsigned char *o = out;
    size_t olen = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < m; i++) {
        int v = b64_value(in[i], url);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[olen++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) /* leftover bits (2 or 4) must be zero */
        return false;
    if (out_len)
        *out_len = olen;
    return true;
}

bool fio_b64url_decode(const char *in, size_t n, void *out, size_t out_size, size_t *out_len)
{
    return decode(true, false, in, n, out, out_size, out_len);
}

bool fio_b64_decode(const char *in, size_t n, void *out, size_t out_size, size_t *out_len)
{
    return decode(false, true, in, n, out, out_size, out_len);
}

void fio_hex_encode(const void *in, size_t n, char *out)
{
    static const char HEX[] = "0123456789abcdef";
    const unsigned char *p = in;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX[p[i] >> 4];
        out[2 * i + 1] = HEX[p[i] & 15];
    }
    out[2 * n] = '\0';
}
