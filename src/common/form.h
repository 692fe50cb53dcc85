/* SPDX-License-Identifier: MIT */
/* form.h - the one encoder/decoder for application/x-www-form-urlencoded bodies and URL query
 * strings, and percent-encoding of path segments. */
#ifndef FIO_FORM_H
#define FIO_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct fio_form_field {
    char *name;  /* owned, NUL-terminated, decoded */
    char *value; /* owned, NUL-terminated, decoded; may contain NUL bytes only as value_len says */
    size_t value_len;
};

struct fio_form {
    struct fio_form_field *fields; /* owned */
    size_t count;
    size_t cap;
};

void fio_form_init(struct fio_form *f);
void fio_form_release(struct fio_form *f);
/* Parse "a=1&b=x%20y" ('+' is a space). Fails (false) on a malformed escape, more than
 * max_fields fields, or OOM; the form is then left empty. Empty input is a valid empty form. */
bool fio_form_parse(struct fio_form *f, const char *s, size_t n, size_t max_fields);
/* Add a copy of name/value; false on OOM. */
bool fio_form_add(struct fio_form *f, const char *name, const char *value);
/* First value of a field (borrowed), or NULL. */
const char *fio_form_get(const struct fio_form *f, const char *name);

/* Append the percent-encoding of s (RFC 3986 unreserved kept, space as %20; with form=true space
 * as '+') to b. keep is a set of extra characters to leave unescaped (may be NULL). */
bool fio_url_escape(struct fio_buf *b, const char *s, size_t n, bool form, const char *keep);
/* Append "name=value" pairs joined with '&', form-encoded. */
bool fio_form_encode(struct fio_buf *b, const struct fio_form *f);
/* Decode %XX (and '+' as space when form) in place-free fashion into a new string (free()).
 * NULL on malformed escape or OOM. *out_len (may be NULL) gets the decoded length. */
char *fio_url_unescape(const char *s, size_t n, bool form, size_t *out_len);

#endif
