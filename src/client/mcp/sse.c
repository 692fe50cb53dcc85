/* SPDX-License-Identifier: MIT */
/* sse.c - the text/event-stream parser (sse.h). */
#include "sse.h"

#include <string.h>

#include "buf.h"

void fio_sse_init(struct fio_sse *p, size_t max_bytes)
{
    memset(p, 0, sizeof(*p));
    p->max_bytes = max_bytes ? max_bytes : (size_t)16 << 20;
    fio_buf_init(&p->line, p->max_bytes);
    fio_buf_init(&p->data, p->max_bytes);
    p->retry_ms = -1;
}

void fio_sse_release(struct fio_sse *p)
{
    fio_buf_release(&p->line);
    fio_buf_release(&p->data);
}

void fio_sse_end(struct fio_sse *p)
{
    fio_buf_reset(&p->line);
    fio_buf_reset(&p->data);
    p->have_data = false;
    p->type[0] = '\0';
}

static bool set_name(char *dst, const char *v, size_t n)
{
    if (n > FIO_SSE_NAME_MAX)
        return false;
    memcpy(dst, v, n);
    dst[n] = '\0';
    return true;
}

static int dispatch(struct fio_sse *p, fio_sse_event_fn fn, void *userdata)
{
    int rc = 0;
    if (p->have_data) {
        size_t n = p->data.len;
        if (n > 0 && p->data.data[n - 1] == '\n')
            n--; /* the LF after the last data line is not part of the data */
        struct fio_sse_event ev = {
            .type = p->type[0] ? p->type : "message",
            .data = p->data.data ? p->data.data : "",
            .data_len = n,
            .id = p->last_id,
        };
        if (p->data.data)
            p->data.data[n] = '\0';
        rc = fn ? fn(userdata, &ev) : 0;
    }
    fio_buf_reset(&p->data);
    p->have_data = false;
    p->type[0] = '\0';
    return rc;
}

static int process_line(struct fio_sse *p, fio_sse_event_fn fn, void *userdata)
{
    const char *s = p->line.data ? p->line.data : "";
    size_t n = p->line.len;
    if (n == 0)
        return dispatch(p, fn, userdata);
    if (s[0] == ':')
        return FIO_SSE_OK; /* comment */
    const char *colon = memchr(s, ':', n);
    size_t fn_len = colon ? (size_t)(colon - s) : n;
    const char *v = colon ? colon + 1 : s + n;
    size_t vn = colon ? n - fn_len - 1 : 0;
    if (vn > 0 && v[0] == ' ') {
        v++;
        vn--;
    }
    if (fn_len == 4 && memcmp(s, "data", 4) == 0) {
        if (p->data.len + vn + 1 > p->max_bytes)
            return FIO_SSE_TOO_LARGE;
        if (!fio_buf_append(&p->data, v, vn) || !fio_buf_append(&p->data, "\n", 1))
            return FIO_SSE_NOMEM;
        p->have_data = true;
    } else if (fn_len == 5 && memcmp(s, "event", 5) == 0) {
        if (!set_name(p->type, v, vn))
            return FIO_SSE_TOO_LARGE;
    } else if (fn_len == 2 && memcmp(s, "id", 2) == 0) {
        if (memchr(v, '\0', vn) == NULL && !set_name(p->last_id, v, vn))
            return FIO_SSE_TOO_LARGE;
    } else if (fn_len == 5 && memcmp(s, "retry", 5) == 0) {
        long ms = 0;
        bool ok = vn > 0 && vn <= 9;
        for (size_t i = 0; ok && i < vn; i++) {
            if (v[i] < '0' || v[i] > '9')
                ok = false;
            else
                ms = ms * 10 + (v[i] - '0');
        }
        if (ok)
            p->retry_ms = ms;
    }
    /* any other field is ignored */
    return FIO_SSE_OK;
}

static const unsigned char BOM[3] = {0xEF, 0xBB, 0xBF};

int fio_sse_feed(struct fio_sse *p, const char *bytes, size_t n, fio_sse_event_fn fn,
                 void *userdata)
{
    size_t i = 0;
    /* A BOM at the very start of the stream is skipped; a partial match that fails is data. */
    while (p->bom_state < 3 && i < n) {
        if ((unsigned char)bytes[i] == BOM[p->bom_state]) {
            p->bom_state++;
            i++;
            continue;
        }
        if (p->bom_state > 0 && !fio_buf_append(&p->line, BOM, p->bom_state))
            return FIO_SSE_NOMEM;
        p->bom_state = 4;
        break;
    }
    if (p->bom_state == 3 && i < n)
        p->bom_state = 4;
    while (i < n) {
        char c = bytes[i];
        if (p->after_cr) {
            p->after_cr = false;
            if (c == '\n') {
                i++;
                continue;
            }
        }
        if (c == '\r' || c == '\n') {
            p->after_cr = c == '\r';
            int rc = process_line(p, fn, userdata);
            fio_buf_reset(&p->line);
            if (rc != 0)
                return rc;
            i++;
            continue;
        }
        /* the run of bytes up to the next line end goes in at once */
        size_t j = i;
        while (j < n && bytes[j] != '\r' && bytes[j] != '\n')
            j++;
        if (!fio_buf_append(&p->line, bytes + i, j - i))
            return p->line.len + (j - i) > p->max_bytes ? FIO_SSE_TOO_LARGE : FIO_SSE_NOMEM;
        i = j;
    }
    return FIO_SSE_OK;
}
