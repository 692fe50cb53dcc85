/* SPDX-License-Identifier: MIT */
/* form.c - the one encoder/decoder for application/x-www-form-urlencoded bodies and query strings
 * and the percent-encoder for path segments, so every request is escaped the same way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

void fio_form_init(struct fio_form *f)
{
    f->fields = NULL;
    f->count = 0;
    f->cap = 0;
}

void fio_form_release(struct fio_form *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++) {
        free(f->fields[i].name);
        free(f->fields[i].value);
    }
    free(f->fields);
    fio_form_init(f);
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *fio_url_unescape(const char *s, size_t n, bool form, size_t *out_len)
{
    if (n == SIZE_MAX)
        return NULL;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (n - i < 3) {
                free(out);
                return NULL;
            }
            int h = hex_value((unsigned char)s[i + 1]);
            int l = hex_value((unsigned char)s[i + 2]);
            if (h < 0 || l < 0) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(h << 4 | l);
            i += 2;
        } else if (c == '+' && form) {
            out[o++] = ' ';
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

static bool form_grow(struct fio_form *f)
{
    if (f->count < f->cap)
        return true;
    size_t cap = f->cap ? f->cap * 2 : 8;
    if (cap > SIZE_MAX / sizeof(*f->fields))
        return false;
    struct fio_form_field *p = realloc(f->fields, cap * sizeof(*p));
    if (!p)
        return false;
    f->fields = p;
    f->cap = cap;
    return true;
}

/* Takes ownership of name and value (frees them on failure). */
static bool form_push(struct fio_form *f, char *name, char *value, size_t value_len)
{
    if (!form_grow(f)) {
        free(name);
        free(value);
        return false;
    }
    f->fields[f->count].name = name;
    f->fields[f->count].value = value;
    f->fields[f->count].value_len = value_len;
    f->count++;
    return true;
}

/* The form is cleared first, so on success it holds exactly the parsed fields. A name that
 * decodes to a NUL byte ("a%00=1") is malformed: names are plain C strings and a truncated name
 * could alias another field. Values keep embedded NULs, with value_len. */
bool fio_form_parse(struct fio_form *f, const char *s, size_t n, size_t max_fields)
{
    fio_form_release(f);
    size_t i = 0;
    while (i < n) {
        const char *pair = s + i;
        const char *amp = memchr(pair, '&', n - i);
        size_t plen = amp ? (size_t)(amp - pair) : n - i;
        i = amp ? i + plen + 1 : n;
        /* Empty pair ("a&&b", leading or trailing '&'): skipped. cppcheck wrongly assumes
         * amp > pair here. */
        /* cppcheck-suppress knownConditionTrueFalse */
        if (plen == 0)
            continue;
        if (f->count >= max_fields)
            goto fail;
        const char *eq = memchr(pair, '=', plen);
        size_t nlen = eq ? (size_t)(eq - pair) : plen;
        const char *val = eq ? eq + 1 : pair + plen;
        size_t vlen = eq ? plen - nlen - 1 : 0;
        size_t name_len, value_len;
        char *name = fio_url_unescape(pair, nlen, true, &name_len);
        if (!name)
            goto fail;
        if (memchr(name, '\0', name_len)) {
            free(name);
            goto fail;
        }
        char *value = fio_url_unescape(val, vlen, true, &value_len);
        if (!value) {
            free(name);
            goto fail;
        }
        if (!form_push(f, name, value, value_len))
            goto fail;
    }
    return true;
fail:
    fio_form_release(f);
    return false;
}

bool fio_form_add(struct fio_form *f, const char *name, const char *value)
{
    if (!name)
        return false;
    if (!value)
        value = "";
    char *n = fio_strdup(name);
    char *v = fio_strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return false;
    }
    return form_push(f, n, v, strlen(v));
}

const char *fio_form_get(const struct fio_form *f, const char *name)
{
    if (!f || !name)
        return NULL;
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->fields[i].name, name) == 0)
            return f->fields[i].value;
    return NULL;
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* On failure the buffer is put back as it was, so a half-escaped value never reaches the wire. */
bool fio_url_escape(struct fio_buf *b, const char *s, size_t n, bool form, const char *keep)
{
    static const char HEX[] = "0123456789ABCDEF";
    size_t start = b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok;
        if (is_unreserved(c) || (c != '\0' && keep && strchr(keep, c))) {
            ok = fio_buf_append(b, &s[i], 1);
        } else if (c == ' ' && form) {
            ok = fio_buf_append(b, "+", 1);
        } else {
            char esc[3] = {'%', HEX[c >> 4], HEX[c & 15]};
            ok = fio_buf_append(b, esc, sizeof(esc));
        }
        if (!ok) {
            b->len = start;
            if (b->data)
                b->data[start] = '\0';
            return false;
        }
    }
    /* Even an empty string leaves data allocated and NUL-terminated (fio_buf contract). */
    return fio_buf_append(b, "", 0);
}

bool fio_form_encode(struct fio_buf *b, const struct fio_form *f)
{
    size_t start = b->len;
    for (size_t i = 0; i < f->count; i++) {
        const struct fio_form_field *fl = &f->fields[i];
        if ((i > 0 && !fio_buf_append(b, "&", 1)) ||
            !fio_url_escape(b, fl->name, strlen(fl->name), true, NULL) ||
            !fio_buf_append(b, "=", 1) ||
            !fio_url_escape(b, fl->value, fl->value_len, true, NULL)) {
            b->len = start;
            if (b->data)
                b->data[start] = '\0';
            return false;
        }
    }
    return fio_buf_append(b, "", 0);
}
