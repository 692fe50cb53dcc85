/* SPDX-License-Identifier: MIT */
/* multipart.c - the incremental multipart/form-data parser (multipart.h). One state machine over
 * the bytes as they arrive: the delimiter "\r\n--boundary" is matched byte by byte with the
 * matched prefix held back (a boundary never contains CR, so a mismatch releases the whole held
 * prefix); bodies between delimiters are handed over in runs found with memchr. The body is
 * treated as if it started with "\r\n", so a first delimiter at offset 0 needs no special case. */
#include "multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
    ST_PREAMBLE, /* before the first delimiter: discarded */
    ST_AFTER,    /* right after a delimiter: "--" (end) or CRLF (a part follows) */
    ST_AFTER_DASH,
    ST_AFTER_CR,
    ST_HEADERS,
    ST_BODY,
    ST_DONE,
    ST_ERROR,
};

#define PADDING_MAX 64

static bool bchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           strchr("'()+_,-./:=? ", c) != NULL;
}

bool mp_content_type_boundary(const char *ct, char *out, size_t out_size)
{
    if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
        return false;
    const char *p = ct + 19;
    /* parameters: ; name=value or name="value" */
    for (int guard = 0; guard < 32 && *p; guard++) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != ';')
            return false;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        const char *k = p;
        while (*p && *p != '=' && *p != ';')
            p++;
        size_t kl = (size_t)(p - k);
        while (kl && (k[kl - 1] == ' ' || k[kl - 1] == '\t'))
            kl--;
        if (*p != '=')
            return false;
        p++;
        char val[MP_BOUNDARY_MAX + 2];
        size_t vl = 0;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                if (vl >= MP_BOUNDARY_MAX + 1)
                    return false;
                val[vl++] = *p++;
            }
            if (*p != '"')
                return false;
            p++;
        } else {
            while (*p && *p != ';' && *p != ' ' && *p != '\t') {
                if (vl >= MP_BOUNDARY_MAX + 1)
                    return false;
                val[vl++] = *p++;
            }
        }
        val[vl] = 0;
        if (kl == 8 && strncasecmp(k, "boundary", 8) == 0) {
            if (vl == 0 || vl > MP_BOUNDARY_MAX || vl >= out_size)
                return false;
            memcpy(out, val, vl + 1);
            return true;
        }
    }
    return false;
}

bool mp_init(struct mp_parser *p, const char *boundary, const struct mp_callbacks *cb, void *ud)
{
    memset(p, 0, sizeof(*p));
    fio_form_init(&p->fields);
    fio_buf_init(&p->hdr, MP_HEADER_MAX);
    fio_buf_init(&p->text, MP_TEXT_MAX);
    size_t bl = boundary ? strlen(boundary) : 0;
    if (bl == 0 || bl > MP_BOUNDARY_MAX || boundary[bl - 1] == ' ')
        return false;
    for (size_t i = 0; i < bl; i++)
        if (!bchar((unsigned char)boundary[i]))
            return false;
    memcpy(p->delim, "\r\n--", 4);
    memcpy(p->delim + 4, boundary, bl);
    p->dlen = 4 + bl;
    p->match = 2; /* the virtual leading CRLF */
    p->state = ST_PREAMBLE;
    if (cb)
        p->cb = *cb;
    p->ud = ud;
    return true;
}

void mp_release(struct mp_parser *p)
{
    fio_form_release(&p->fields);
    fio_buf_release(&p->hdr);
    fio_buf_release(&p->text);
}

bool mp_done(const struct mp_parser *p)
{
    return p->state == ST_DONE;
}

static enum mp_status fail(struct mp_parser *p, enum mp_status st, const char *msg)
{
    if (p->state != ST_ERROR) {
        snprintf(p->err, sizeof(p->err), "%s", msg);
        p->err_status = st;
    }
    p->state = ST_ERROR;
    return p->err_status;
}

/* Body bytes of the current part (or of the preamble, which is dropped). */
static enum mp_status emit(struct mp_parser *p, const char *d, size_t n)
{
    if (p->state == ST_PREAMBLE || n == 0)
        return MP_OK;
    if (p->streaming) {
        if (p->cb.on_data && p->cb.on_data(p->ud, d, n) != 0)
            return fail(p, MP_ERR_CALLBACK, "stopped by the receiver");
        return MP_OK;
    }
    if (p->text_total + n > MP_TEXT_MAX || !fio_buf_append(&p->text, d, n))
        return fail(p, MP_ERR_LIMIT, "text parts too large");
    p->text_total += n;
    return MP_OK;
}

static enum mp_status part_end(struct mp_parser *p)
{
    if (p->streaming) {
        p->streaming = false;
        if (p->cb.on_end && p->cb.on_end(p->ud) != 0)
            return fail(p, MP_ERR_CALLBACK, "stopped by the receiver");
        return MP_OK;
    }
    if (memchr(p->text.data ? p->text.data : "", 0, p->text.len))
        return fail(p, MP_ERR_SYNTAX, "a text part contains a NUL byte");
    if (p->fields.count >= MP_PARTS_MAX)
        return fail(p, MP_ERR_LIMIT, "too many parts");
    if (!fio_form_add(&p->fields, p->name, p->text.data ? p->text.data : ""))
        return fail(p, MP_ERR_NOMEM, "out of memory");
    fio_buf_reset(&p->text);
    return MP_OK;
}

/* A parameter value of Content-Disposition: token or quoted-string. Returns the position after
 * it, or NULL when malformed or too long. */
static const char *param_value(const char *s, const char *end, char *out, size_t out_size)
{
    size_t n = 0;
    if (s < end && *s == '"') {
        s++;
        while (s < end && *s != '"') {
            if (*s == '\\' && s + 1 < end)
                s++;
            if (n + 1 >= out_size)
                return NULL;
            out[n++] = *s++;
        }
        if (s >= end)
            return NULL;
        s++;
    } else {
        while (s < end && *s != ';' && *s != ' ' && *s != '\t') {
            if (n + 1 >= out_size)
                return NULL;
            out[n++] = *s++;
        }
    }
    out[n] = 0;
    return s;
}

/* Content-Disposition: form-data; name="x"; filename="y" */
static enum mp_status disposition(struct mp_parser *p, const char *v, const char *end)
{
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    /* cppcheck-suppress knownConditionTrueFalse ; false positive: v may have reached end */
    if ((size_t)(end - v) < 9 || strncasecmp(v, "form-data", 9) != 0)
        return fail(p, MP_ERR_SYNTAX, "a part's Content-Disposition is not form-data");
    v += 9;
    for (int guard = 0; guard < 32 && v < end; guard++) {
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        if (v >= end)
            break;
        if (*v != ';')
            return fail(p, MP_ERR_SYNTAX, "malformed Content-Disposition");
        v++;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        const char *k = v;
        while (v < end && *v != '=' && *v != ';')
            v++;
        size_t kl = (size_t)(v - k);
        while (kl && (k[kl - 1] == ' ' || k[kl - 1] == '\t'))
            kl--;
        if (v >= end || *v != '=')
            return fail(p, MP_ERR_SYNTAX, "malformed Content-Disposition parameter");
        v++;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        char val[MP_PARAM_MAX + 1];
        v = param_value(v, end, val, sizeof(val));
        if (!v)
            return fail(p, MP_ERR_LIMIT, "Content-Disposition parameter too long or unterminated");
        if (kl == 4 && strncasecmp(k, "name", 4) == 0)
            memcpy(p->name, val, strlen(val) + 1);
        else if (kl == 8 && strncasecmp(k, "filename", 8) == 0) {
            memcpy(p->filename, val, strlen(val) + 1);
            p->has_filename = true;
        }
    }
    return MP_OK;
}

/* The header block of a part is complete in p->hdr (lines separated by CRLF, no final blank). */
static enum mp_status headers_done(struct mp_parser *p)
{
    p->name[0] = 0;
    p->filename[0] = 0;
    p->has_filename = false;
    bool seen_cd = false;
    const char *s = p->hdr.data ? p->hdr.data : "", *e = s + p->hdr.len;
    for (int guard = 0; guard < 128 && s < e; guard++) {
        const char *nl = memchr(s, '\n', (size_t)(e - s));
        const char *le = nl ? nl : e;
        const char *line_end = (le > s && le[-1] == '\r') ? le - 1 : le;
        const char *colon = memchr(s, ':', (size_t)(line_end - s));
        if (!colon)
            return fail(p, MP_ERR_SYNTAX, "malformed part header");
        if ((size_t)(colon - s) == 19 && strncasecmp(s, "Content-Disposition", 19) == 0) {
            enum mp_status st = disposition(p, colon + 1, line_end);
            if (st != MP_OK)
                return st;
            seen_cd = true;
        }
        s = nl ? nl + 1 : e;
    }
    if (!seen_cd)
        return fail(p, MP_ERR_SYNTAX, "a part has no Content-Disposition");
    if (++p->parts > MP_PARTS_MAX)
        return fail(p, MP_ERR_LIMIT, "too many parts");
    enum mp_part_action a = MP_PART_COLLECT;
    p->known = 0;
    if (p->cb.on_part)
        a = p->cb.on_part(p->ud, p->name, p->has_filename ? p->filename : NULL);
    if (a == MP_PART_ABORT)
        return fail(p, MP_ERR_CALLBACK, "part refused by the receiver");
    p->streaming = a == MP_PART_STREAM;
    if (!p->streaming)
        p->known = 0;
    fio_buf_reset(&p->text);
    fio_buf_reset(&p->hdr);
    return MP_OK;
}

enum mp_status mp_feed(struct mp_parser *p, const char *data, size_t n)
{
    size_t i = 0;
    enum mp_status st;
    if (p->state == ST_ERROR)
        return p->err_status; /* the first error, again */
    /* every iteration consumes at least one byte or changes state without looping back to the
     * same state on the same byte, so the loop is bounded by 2n + constant */
    while (i < n) {
        switch (p->state) {
        case ST_PREAMBLE:
        case ST_BODY:
            if (p->state == ST_BODY && p->known > 0 && p->match == 0) {
                size_t k = n - i < p->known ? n - i : p->known;
                if ((st = emit(p, data + i, k)) != MP_OK)
                    return st;
                p->known -= k;
                i += k;
                break;
            }
            if (p->match == 0) {
                /* Fast path: the whole delimiter in this piece, else hold back the longest tail
                 * that could start one (it can only start at a CR). Bodies go out in one run
                 * per piece, not one per CR byte of binary data. */
                const char *f = memmem(data + i, n - i, p->delim, p->dlen);
                if (f) {
                    if ((st = emit(p, data + i, (size_t)(f - (data + i)))) != MP_OK)
                        return st;
                    i = (size_t)(f - data) + p->dlen;
                    if (p->state == ST_BODY && (st = part_end(p)) != MP_OK)
                        return st;
                    p->state = ST_AFTER;
                    p->ws = 0;
                    break;
                }
                size_t rest = n - i, tail = rest < p->dlen - 1 ? rest : p->dlen - 1;
                size_t hold = 0;
                for (size_t k = rest - tail; k < rest; k++) {
                    size_t m = rest - k;
                    if (data[i + k] == '\r' && memcmp(data + i + k, p->delim, m) == 0) {
                        hold = m;
                        break;
                    }
                }
                if ((st = emit(p, data + i, rest - hold)) != MP_OK)
                    return st;
                p->match = hold;
                i = n;
                break;
            }
            if (data[i] == p->delim[p->match]) {
                p->match++;
                i++;
                if (p->match == p->dlen) {
                    p->match = 0;
                    if (p->state == ST_BODY && (st = part_end(p)) != MP_OK)
                        return st;
                    p->state = ST_AFTER;
                    p->ws = 0;
                }
            } else {
                /* the held-back prefix was data after all (the first held CR of the virtual
                 * leading CRLF belongs to the preamble, which is dropped anyway) */
                if ((st = emit(p, p->delim, p->match)) != MP_OK)
                    return st;
                p->match = 0;
            }
            break;
        case ST_AFTER: {
            char c = data[i++];
            if (c == '-')
                p->state = ST_AFTER_DASH;
            else if (c == '\r')
                p->state = ST_AFTER_CR;
            else if ((c == ' ' || c == '\t') && ++p->ws <= PADDING_MAX)
                ;
            else
                return fail(p, MP_ERR_SYNTAX, "junk after a boundary");
            break;
        }
        case ST_AFTER_DASH:
            if (data[i++] != '-')
                return fail(p, MP_ERR_SYNTAX, "junk after a boundary");
            p->state = ST_DONE;
            break;
        case ST_AFTER_CR:
            if (data[i++] != '\n')
                return fail(p, MP_ERR_SYNTAX, "boundary not followed by CRLF");
            p->state = ST_HEADERS;
            fio_buf_reset(&p->hdr);
            break;
        case ST_HEADERS: {
            /* headers end at CRLFCRLF, or at CRLF right away (a part without headers) */
            const char *nl = memchr(data + i, '\n', n - i);
            size_t take = nl ? (size_t)(nl - (data + i)) + 1 : n - i;
            if (!fio_buf_append(&p->hdr, data + i, take))
                return fail(p, MP_ERR_LIMIT, "part headers too large");
            i += take;
            if (!nl)
                break;
            size_t L = p->hdr.len;
            const char *h = p->hdr.data;
            bool blank_first = L == 2 && h[0] == '\r';
            bool blank_end = L >= 4 && memcmp(h + L - 4, "\r\n\r\n", 4) == 0;
            if (blank_first || blank_end) {
                p->hdr.len -= blank_first ? 2 : 4;
                if ((st = headers_done(p)) != MP_OK)
                    return st;
                p->state = ST_BODY;
                p->match = 0;
            }
            break;
        }
        case ST_DONE:
            i = n; /* the epilogue is ignored */
            break;
        default:
            return MP_ERR_SYNTAX;
        }
    }
    return MP_OK;
}

void mp_expect_length(struct mp_parser *p, size_t n)
{
    p->known = n;
}

enum mp_status mp_finish(struct mp_parser *p)
{
    if (p->state == ST_DONE)
        return MP_OK;
    if (p->state == ST_ERROR)
        return p->err_status; /* the first error, again */
    return fail(p, MP_ERR_SYNTAX, "the body ended before the closing boundary");
}
