/* SPDX-License-Identifier: MIT */
/* http_common.h - the pieces of an HTTP answer that the operation (op.c) is judged by: the
 * CURLcode -> status table underneath fio_op_curl_error() and the capture of the rate-limit,
 * Retry-After and Date response headers (api §1.8). */
#ifndef FIO_HTTP_COMMON_H
#define FIO_HTTP_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "fastio/fastio.h"

/* Room for one captured header value (NUL included); a caller may cut values shorter. */
#define FIO_RESP_HDR_MAX 96

/* Values of the response headers both paths care about, for the current header block. */
struct fio_resp_headers {
    char limit_avail[FIO_RESP_HDR_MAX];
    char limit_max[FIO_RESP_HDR_MAX];
    char limit_expires[FIO_RESP_HDR_MAX];
    char retry_after[FIO_RESP_HDR_MAX];
    char date[FIO_RESP_HDR_MAX];
};

/* What fio_resp_header_line() did with a header line. */
enum fio_resp_header_kind {
    FIO_RESP_HDR_STATUS, /* an "HTTP/" status line: a new block starts, h was cleared */
    FIO_RESP_HDR_STORED, /* one of the headers above, stored in h */
    FIO_RESP_HDR_OTHER,  /* any other line; name and value are set when it has a colon */
};

/* Look at one raw header line of n bytes (as curl's header callback gets it). Values are
 * trimmed and cut to value_max - 1 bytes (value_max <= FIO_RESP_HDR_MAX). Modern x-ve-limit-*
 * names win; legacy X-Rate-Limit-* names are a fallback. For FIO_RESP_HDR_OTHER with a colon,
 * the name (name, name_len) and the trimmed value (value, value_len) point into line; name is
 * NULL otherwise. */
enum fio_resp_header_kind fio_resp_header_line(struct fio_resp_headers *h, const char *line,
                                               size_t n, size_t value_max, const char **name,
                                               size_t *name_len, const char **value,
                                               size_t *value_len);

/* Copy a trimmed value into dst of value_max bytes, cutting it if need be. */
void fio_resp_header_store(char *dst, size_t value_max, const char *v, size_t n);

/* The CURLcode -> status table (op.c's fio_op_curl_error() handles the codes of its own
 * callbacks - write/read errors, aborts - first). *retryable is set for failures where the
 * connection broke or never came up (the same request may well work again); everything else,
 * including CURLE_OPERATION_TIMEDOUT (FASTIO_TIMEOUT), is left not retryable. It only fills
 * fastio_error.retryable: whether a request is repeated is fio_op_retry_wait()'s decision,
 * from the row's retry class. */
enum fastio_status fio_curl_status(CURLcode rc, bool *retryable);

/* ---- TLS (docs/decisions.md D-125) ------------------------------------------------------- */

/* The start of err->message when the server's TLS certificate did not verify (fastio.h). */
#define FIO_TLS_VERIFY_MSG "TLS certificate verification failed"

/* Whether rc means the server's certificate (or the CA file meant to verify it) was refused. */
bool fio_curl_tls_verify_failed(CURLcode rc);

/* Check that path names a readable PEM file holding at least one certificate, and return a
 * copy of it (OWNED). NULL with err set otherwise: INVALID naming the path (what is wrong with
 * it), NOMEM. what names the setting in the message ("ca_file"). */
char *fio_ca_file_dup(const char *path, const char *what, struct fastio_error *err);

/* Set up TLS verification on h: the peer and the host name are always verified (there is no
 * way to turn that off), against ca_file when not NULL, else libcurl's default bundle. */
CURLcode fio_curl_tls_setup(CURL *h, const char *ca_file);

#endif
