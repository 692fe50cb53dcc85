/* SPDX-License-Identifier: MIT */
/* http_common.c - the CURLcode -> status table under op.c's judgement, the response-header
 * capture (x-ve-limit-*, Retry-After, Date), and the TLS set-up every curl handle of the
 * library is given (the CA file of D-125). */
#include "http_common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "envelope.h"

void fio_resp_header_store(char *dst, size_t value_max, const char *v, size_t n)
{
    size_t k = n < value_max - 1 ? n : value_max - 1;
    memcpy(dst, v, k);
    dst[k] = '\0';
}

static bool header_is(const char *line, size_t name_len, const char *name)
{
    return strlen(name) == name_len && strncasecmp(line, name, name_len) == 0;
}

enum fio_resp_header_kind fio_resp_header_line(struct fio_resp_headers *h, const char *line,
                                               size_t n, size_t value_max, const char **name,
                                               size_t *name_len, const char **value,
                                               size_t *value_len)
{
    const char *colon = memchr(line, ':', n);
    const char *v, *end;
    size_t nl;
    char *dst = NULL;

    *name = NULL;
    *name_len = 0;
    *value = NULL;
    *value_len = 0;
    if (value_max > FIO_RESP_HDR_MAX)
        value_max = FIO_RESP_HDR_MAX;
    /* A new status line starts a new header block (after 100 Continue): forget the old one. */
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        memset(h, 0, sizeof(*h));
        return FIO_RESP_HDR_STATUS;
    }
    if (colon == NULL)
        return FIO_RESP_HDR_OTHER;
    nl = (size_t)(colon - line);
    v = colon + 1;
    end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;

    /* api §1.8: modern names first, legacy names as fallback. */
    if (header_is(line, nl, "x-ve-limit-avail") ||
        (h->limit_avail[0] == '\0' && header_is(line, nl, "X-Rate-Limit-Available")))
        dst = h->limit_avail;
    else if (header_is(line, nl, "x-ve-limit-max") ||
             (h->limit_max[0] == '\0' && header_is(line, nl, "X-Rate-Limit-Max")))
        dst = h->limit_max;
    else if (header_is(line, nl, "x-ve-limit-expires") ||
             (h->limit_expires[0] == '\0' && header_is(line, nl, "X-Rate-Limit-Expiry")))
        dst = h->limit_expires;
    else if (header_is(line, nl, "Retry-After"))
        dst = h->retry_after;
    else if (header_is(line, nl, "Date"))
        dst = h->date;
    if (dst != NULL) {
        fio_resp_header_store(dst, value_max, v, (size_t)(end - v));
        return FIO_RESP_HDR_STORED;
    }
    *name = line;
    *name_len = nl;
    *value = v;
    *value_len = (size_t)(end - v);
    return FIO_RESP_HDR_OTHER;
}

enum fastio_status fio_curl_status(CURLcode rc, bool *retryable)
{
    *retryable = false;
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return FASTIO_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        /* The connection broke or never came up: the same request may well work again. */
        *retryable = true;
        return FASTIO_NETWORK;
    case CURLE_OUT_OF_MEMORY:
        return FASTIO_NOMEM;
    case CURLE_ABORTED_BY_CALLBACK:
        return FASTIO_CANCELLED;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return FASTIO_INVALID;
    default:
        /* TLS verification failures and the like: retrying cannot fix them. */
        return FASTIO_NETWORK;
    }
}

/* ---- TLS (docs/decisions.md D-125) ------------------------------------------------------- */

bool fio_curl_tls_verify_failed(CURLcode rc)
{
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION: /* also CURLE_SSL_CACERT in libcurl >= 7.62 */
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
        return true;
    default:
        return false;
    }
}

/* The largest CA bundle read while looking for a certificate (Debian's is about 200 KiB), and
 * the unit it is read in (on the caller's stack). */
#define CA_FILE_SCAN_MAX ((size_t)64 << 20)
#define CA_FILE_READ 16384

char *fio_ca_file_dup(const char *path, const char *what, struct fastio_error *err)
{
    static const char marker[] = "-----BEGIN CERTIFICATE-----";
    enum { M = sizeof(marker) - 1 };
    char buf[CA_FILE_READ + M];
    size_t keep = 0, total = 0;
    bool found = false, read_error = false;
    char msg[sizeof(err->message)];
    FILE *f;

    if (path == NULL || path[0] == '\0') {
        (void)snprintf(msg, sizeof(msg), "%s: the path is empty", what);
        (void)fio_error_set(err, FASTIO_INVALID, msg);
        return NULL;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        (void)snprintf(msg, sizeof(msg), "%s %.400s: cannot open it: %s", what, path,
                       strerror(e));
        (void)fio_error_set(err, FASTIO_INVALID, msg);
        return NULL;
    }
    /* Stream the file in reads of CA_FILE_READ bytes, keeping the last M - 1 bytes of the one
     * before, so a marker across two reads is still seen; bounded by CA_FILE_SCAN_MAX. */
    while (!found && total < CA_FILE_SCAN_MAX) {
        size_t n = fread(buf + keep, 1, CA_FILE_READ, f);
        if (n == 0) {
            read_error = ferror(f) != 0;
            break;
        }
        total += n;
        n += keep;
        for (size_t i = 0; i + M <= n; i++) {
            if (buf[i] == '-' && memcmp(buf + i, marker, M) == 0) {
                found = true;
                break;
            }
        }
        keep = n < M - 1 ? n : M - 1;
        memmove(buf, buf + n - keep, keep);
    }
    (void)fclose(f);
    if (!found) {
        (void)snprintf(msg, sizeof(msg), "%s %.400s: %s", what, path,
                       read_error ? "cannot read it (a directory?)"
                                  : "holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")");
        (void)fio_error_set(err, FASTIO_INVALID, msg);
        return NULL;
    }
    char *copy = fio_strdup(path);
    if (copy == NULL)
        (void)fio_error_set(err, FASTIO_NOMEM, "out of memory");
    return copy;
}

CURLcode fio_curl_tls_setup(CURL *h, const char *ca_file)
{
    CURLcode rc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (rc == CURLE_OK && ca_file != NULL)
        rc = curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
    return rc;
}
