/* SPDX-License-Identifier: MIT */
/* fuzz_form.c - fuzz target for the form/query decoder: parse arbitrary bytes, and when they
 * parse, re-encode and parse again; the fields must survive the round trip unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct fio_form *a, const struct fio_form *b)
{
    if (a->count != b->count)
        abort();
    for (size_t i = 0; i < a->count; i++) {
        const struct fio_form_field *x = &a->fields[i], *y = &b->fields[i];
        if (strcmp(x->name, y->name) != 0 || x->value_len != y->value_len ||
            memcmp(x->value, y->value, x->value_len) != 0 || x->value[x->value_len] != '\0')
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct fio_form f, g;
    struct fio_buf b;
    fio_form_init(&f);
    fio_form_init(&g);
    fio_buf_init(&b, 0);

    if (fio_form_parse(&f, s, size, 256)) {
        if (f.count > 256)
            abort();
        if (fio_form_encode(&b, &f)) {
            if (!fio_form_parse(&g, b.data, b.len, 256))
                abort(); /* our own encoding must always parse */
            check_same(&f, &g);
        }
    } else if (f.count != 0 || f.fields != NULL) {
        abort(); /* a failed parse leaves the form empty */
    }

    /* escape -> unescape is the identity in both modes, for any bytes */
    for (int form = 0; form <= 1; form++) {
        fio_buf_reset(&b);
        if (!fio_url_escape(&b, s, size, form, form ? NULL : "/"))
            continue;
        size_t n = 0;
        char *back = fio_url_unescape(b.data, b.len, form, &n);
        if (!back || n != size || memcmp(back, s, size) != 0)
            abort();
        free(back);
    }

    /* raw unescape must never read or write out of bounds */
    size_t n = 0;
    char *u = fio_url_unescape(s, size, true, &n);
    if (u && (n > size || u[n] != '\0'))
        abort();
    free(u);

    fio_buf_release(&b);
    fio_form_release(&g);
    fio_form_release(&f);
    return 0;
}
