/* SPDX-License-Identifier: MIT */
/* it_mcp_http.h - the HTTP client side the MCP transport tests share (test_mcp_server.c,
 * test_mcp_stream.c): a libcurl request to the server root with any header list (the whole
 * answer and its header block), the value of one answered header, and a raw SSE reader on a
 * plain socket that sees each event as it arrives and can drop the connection in the middle.
 * Every read is bounded by a deadline and a timeout fails the test; nothing is timed. */
#ifndef IT_MCP_HTTP_H
#define IT_MCP_HTTP_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "it_rawsock.h"

/* ---- libcurl: whole answers ------------------------------------------------------------------ */

/* Bytes collected by a libcurl write or header callback, NUL-terminated. */
struct it_hbuf {
    char *p;
    size_t n;
};

static inline size_t it_hbuf_collect(char *d, size_t sz, size_t nm, void *ud)
{
    struct it_hbuf *b = ud;
    size_t n = sz * nm;
    char *np = realloc(b->p, b->n + n + 1);
    if (np == NULL)
        return 0;
    memcpy(np + b->n, d, n);
    b->n += n;
    np[b->n] = '\0';
    b->p = np;
    return n;
}

/* One request to http://127.0.0.1:<port><path>. hdrs: NULL-ended "Name: value" list (may be
 * NULL); body (NULL = none) of len bytes (SIZE_MAX = strlen); at most timeout_s seconds. Returns
 * the status (0 when no answer came, with curl's reason on stderr); *out the body and *headers
 * the header block (each "" when empty, free(); either may be NULL). */
static inline long it_http(int port, const char *method, const char *path,
                           const char *const *hdrs, const char *body, size_t len, long timeout_s,
                           char **out, char **headers)
{
    char url[300];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    struct curl_slist *hl = NULL;
    for (size_t i = 0; hdrs != NULL && hdrs[i] != NULL; i++)
        hl = curl_slist_append(hl, hdrs[i]);
    struct it_hbuf b = {NULL, 0}, h = {NULL, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, it_hbuf_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, it_hbuf_collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    if (body != NULL) {
        if (len == SIZE_MAX)
            len = strlen(body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    long status = 0;
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        fprintf(stderr, "curl: %s %s: %s [%.300s]\n", method, path, curl_easy_strerror(rc),
                body ? body : "");
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    if (out != NULL)
        *out = b.p != NULL ? b.p : strdup("");
    else
        free(b.p);
    if (headers != NULL)
        *headers = h.p != NULL ? h.p : strdup("");
    else
        free(h.p);
    return status;
}

/* The value of header name (e.g. "mcp-session-id", any case) in a header block, copied to out;
 * its length, 0 when it is missing or does not fit (out is then ""). */
static inline size_t it_header_value(const char *headers, const char *name, char *out,
                                     size_t size)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    for (const char *p = headers; p != NULL && *p;) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            p += nl + 1;
            while (*p == ' ')
                p++;
            size_t l = strcspn(p, "\r\n");
            if (l >= size)
                return 0;
            memcpy(out, p, l);
            out[l] = '\0';
            return l;
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return 0;
}

/* ---- a raw SSE reader ------------------------------------------------------------------------ */

/* One HTTP/1.0 answer read from a plain socket (it ends with the connection: no chunks). */
struct it_sse {
    int fd;
    char *buf; /* bytes read and not yet consumed, NUL-terminated */
    size_t n, cap;
    bool eof;
    int status;
    char ctype[80];
    int wait_ms; /* bound of each read */
};

struct it_sse_ev {
    char id[64];
    char *data; /* owned; "" for a priming event */
    bool have;
};

static inline void it_sse_ev_clear(struct it_sse_ev *e)
{
    free(e->data);
    memset(e, 0, sizeof(*e));
}

/* Read more bytes until end (ms, rs_now_ms clock): true when some came; false at EOF or when
 * none came by then. */
static inline bool it_sse_more_until(struct it_sse *r, int64_t end)
{
    if (r->eof)
        return false;
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    for (int guard = 0; guard < 100000; guard++) {
        int64_t left = end - rs_now_ms();
        if (left <= 0)
            return false;
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        if (r->n + 65536 + 1 > r->cap) {
            r->cap = (r->n + 65536 + 1) * 2;
            r->buf = realloc(r->buf, r->cap);
            assert_non_null(r->buf);
        }
        ssize_t k = recv(r->fd, r->buf + r->n, 65536, 0);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (k <= 0) {
            r->eof = true;
            return false;
        }
        r->n += (size_t)k;
        r->buf[r->n] = '\0';
        return true;
    }
    return false;
}

/* Read more bytes within r->wait_ms. false on EOF or timeout. */
static inline bool it_sse_more(struct it_sse *r)
{
    return it_sse_more_until(r, rs_now_ms() + r->wait_ms);
}

/* Read until the end of the answer (bounded); true when the server closed it. */
static inline bool it_sse_drain(struct it_sse *r)
{
    for (int guard = 0; guard < 1000 && it_sse_more(r); guard++)
        ;
    return r->eof;
}

static inline void it_sse_consume(struct it_sse *r, size_t k)
{
    memmove(r->buf, r->buf + k, r->n - k);
    r->n -= k;
    r->buf[r->n] = '\0';
}

/* Send "<method> <path> HTTP/1.0" with the NULL-ended header list hdrs (Host and, with a body,
 * Content-Length are added) and body (NULL = none) to 127.0.0.1:port, then read the status and
 * the headers. The test fails when that does not happen within wait_ms per read. */
static inline void it_sse_open(struct it_sse *r, int port, const char *method, const char *path,
                               const char *const *hdrs, const char *body, int wait_ms)
{
    memset(r, 0, sizeof(*r));
    r->wait_ms = wait_ms;
    r->fd = rs_connect(port, 0);
    assert_true(r->fd >= 0);
    size_t blen = body != NULL ? strlen(body) : 0, hlen = 0;
    for (size_t i = 0; hdrs != NULL && hdrs[i] != NULL; i++)
        hlen += strlen(hdrs[i]) + 2;
    size_t cap = blen + hlen + strlen(method) + strlen(path) + 128;
    char *req = malloc(cap);
    assert_non_null(req);
    int n = snprintf(req, cap, "%s %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n", method, path, port);
    assert_true(n > 0 && (size_t)n < cap);
    for (size_t i = 0; hdrs != NULL && hdrs[i] != NULL; i++) {
        int k = snprintf(req + n, cap - (size_t)n, "%s\r\n", hdrs[i]);
        assert_true(k > 0 && (size_t)k < cap - (size_t)n);
        n += k;
    }
    int k = snprintf(req + n, cap - (size_t)n, "Content-Length: %zu\r\n\r\n", blen);
    assert_true(k > 0 && (size_t)k < cap - (size_t)n);
    n += k;
    if (body != NULL)
        memcpy(req + n, body, blen);
    assert_int_equal(rs_send_all(r->fd, req, (size_t)n + blen, wait_ms), 0);
    free(req);
    char *end = NULL;
    for (int guard = 0; guard < 1000 && (r->buf == NULL || !(end = strstr(r->buf, "\r\n\r\n")));
         guard++)
        assert_true(it_sse_more(r) || (r->buf && strstr(r->buf, "\r\n\r\n")));
    assert_non_null(end);
    assert_true(r->n > 12 && strncmp(r->buf, "HTTP/1.", 7) == 0);
    r->status = (int)strtol(r->buf + 9, NULL, 10);
    *end = '\0'; /* the header block alone, for it_header_value */
    it_header_value(r->buf, "content-type", r->ctype, sizeof(r->ctype));
    it_sse_consume(r, (size_t)(end + 4 - r->buf));
}

/* The next SSE event (comments skipped); false at the end of the stream. */
static inline bool it_sse_event(struct it_sse *r, struct it_sse_ev *e)
{
    it_sse_ev_clear(e);
    for (int guard = 0; guard < 100000; guard++) {
        char *nl = r->buf != NULL ? strchr(r->buf, '\n') : NULL;
        if (nl == NULL) {
            if (!it_sse_more(r))
                return false;
            continue;
        }
        size_t l = (size_t)(nl - r->buf);
        if (l == 0) {
            it_sse_consume(r, 1);
            if (e->have)
                return true;
            continue;
        }
        if (r->buf[0] == ':') {
            /* a comment */
        } else if (l > 4 && strncmp(r->buf, "id: ", 4) == 0) {
            snprintf(e->id, sizeof(e->id), "%.*s", (int)(l - 4), r->buf + 4);
            e->have = true;
        } else if (l >= 5 && strncmp(r->buf, "data:", 5) == 0) {
            size_t off = l > 5 && r->buf[5] == ' ' ? 6 : 5;
            free(e->data);
            e->data = strndup(r->buf + off, l - off);
            e->have = true;
        } else {
            e->have = true; /* event:, retry: */
        }
        it_sse_consume(r, l + 1);
    }
    return false;
}

static inline void it_sse_close(struct it_sse *r)
{
    if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
    memset(r, 0, sizeof(*r));
    r->fd = -1;
}

#endif
