/* SPDX-License-Identifier: MIT */
/* b64.h - base64url (RFC 4648 §5, no padding) and standard base64 (with padding), plus hex.
 * Used for tokens, cursors, PKCE and Basic auth. */
#ifndef FIO_B64_H
#define FIO_B64_H

#include <stdbool.h>
#include <stddef.h>

/* Size of the encoded text for n bytes, including the NUL. */
size_t fio_b64url_encoded_size(size_t n);
size_t fio_b64_encoded_size(size_t n);
/* Encode n bytes into out (out_size >= the size above); returns the text length. */
size_t fio_b64url_encode(const void *in, size_t n, char *out, size_t out_size);
size_t fio_b64_encode(const void *in, size_t n, char *out, size_t out_size);
/* Decode base64url (padding optional); false on any invalid character, bad length or when the
 * result does not fit out_size. *out_len receives the byte count. */
bool fio_b64url_decode(const char *in, size_t n, void *out, size_t out_size, size_t *out_len);
bool fio_b64_decode(const char *in, size_t n, void *out, size_t out_size, size_t *out_len);
/* Lowercase hex of n bytes into out (size >= 2n+1). */
void fio_hex_encode(const void *in, size_t n, char *out);

#endif
