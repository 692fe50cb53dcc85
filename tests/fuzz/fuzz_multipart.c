/* SPDX-License-Identifier: MIT */
/* fuzz_multipart.c - fuzz target for the incremental multipart/form-data parser: the same bytes
 * fed whole and fed in small pieces (sizes from the first input byte) must give the same result:
 * same status, same streamed bytes of the `chunk` part, same collected text fields. The first
 * byte picks the piece size; the rest is a body with the boundary "XyZ". A third parse announces
 * the first streamed part's length (mp_expect_length, as chunk uploads do) as the first parse
 * found it, and must give the same result again; a fourth announces a length taken from the
 * input, which may be wrong, and must only stay within bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
    struct fio_buf bytes;
    int parts, ends;
    struct mp_parser *p;
    size_t announce;    /* SIZE_MAX: none; else announced for the first streamed part */
    size_t first_len;   /* bytes of the first streamed part (set at its end) */
    int streamed;
};

static enum mp_part_action on_part(void *ud, const char *name, const char *filename)
{
    struct sink *s = ud;
    (void)filename;
    if (strcmp(name, "chunk") != 0)
        return MP_PART_COLLECT;
    if (s->streamed++ == 0 && s->announce != SIZE_MAX)
        mp_expect_length(s->p, s->announce);
    return MP_PART_STREAM;
}

static int on_data(void *ud, const char *d, size_t n)
{
    struct sink *s = ud;
    if (n == 0)
        abort(); /* the contract: pieces are never empty */
    return fio_buf_append(&s->bytes, d, n) ? 0 : -1;
}

static int on_end(void *ud)
{
    struct sink *s = ud;
    if (s->ends++ == 0)
        s->first_len = s->bytes.len;
    return 0;
}

static const struct mp_callbacks cbs = {on_part, on_data, on_end};

static enum mp_status run(const char *body, size_t n, size_t piece, struct sink *s,
                          struct mp_parser *p, size_t announce)
{
    fio_buf_init(&s->bytes, 1 << 22);
    s->parts = s->ends = s->streamed = 0;
    s->first_len = 0;
    s->p = p;
    s->announce = announce;
    if (!mp_init(p, "XyZ", &cbs, s))
        abort();
    enum mp_status st = MP_OK;
    for (size_t off = 0; off < n && st == MP_OK; off += piece)
        st = mp_feed(p, body + off, n - off < piece ? n - off : piece);
    if (st == MP_OK)
        st = mp_finish(p);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t piece = (size_t)(data[0] % 17) + 1;
    const char *body = (const char *)data + 1;
    size_t n = size - 1;
    struct sink a, b;
    struct mp_parser pa, pb;
    enum mp_status sa = run(body, n, n ? n : 1, &a, &pa, SIZE_MAX);
    enum mp_status sb = run(body, n, piece, &b, &pb, SIZE_MAX);
    if ((sa == MP_OK) != (sb == MP_OK))
        abort();
    if (sa == MP_OK) {
        if (a.bytes.len != b.bytes.len ||
            (a.bytes.len && memcmp(a.bytes.data, b.bytes.data, a.bytes.len) != 0) ||
            a.ends != b.ends || pa.fields.count != pb.fields.count)
            abort();
        for (size_t i = 0; i < pa.fields.count; i++)
            if (strcmp(pa.fields.fields[i].name, pb.fields.fields[i].name) != 0 ||
                strcmp(pa.fields.fields[i].value, pb.fields.fields[i].value) != 0)
                abort();
    }
    if (sa == MP_OK && a.ends > 0) {
        /* the right length announced: the same outcome, whatever the piece size */
        struct sink c;
        struct mp_parser pc;
        enum mp_status sc = run(body, n, piece, &c, &pc, a.first_len);
        if (sc != MP_OK || c.bytes.len != a.bytes.len ||
            (a.bytes.len && memcmp(a.bytes.data, c.bytes.data, a.bytes.len) != 0) ||
            c.ends != a.ends || pc.fields.count != pa.fields.count)
            abort();
        mp_release(&pc);
        fio_buf_release(&c.bytes);
    }
    {
        /* any length announced: bounded, never more bytes out than went in */
        struct sink d;
        struct mp_parser pd;
        (void)run(body, n, piece, &d, &pd, (size_t)data[0] * 7);
        if (d.bytes.len > n)
            abort();
        mp_release(&pd);
        fio_buf_release(&d.bytes);
    }
    mp_release(&pa);
    mp_release(&pb);
    fio_buf_release(&a.bytes);
    fio_buf_release(&b.bytes);
    /* the Content-Type parser on the same bytes, as a C string */
    char ct[256], out[MP_BOUNDARY_MAX + 1];
    size_t cl = n < sizeof(ct) - 1 ? n : sizeof(ct) - 1;
    memcpy(ct, body, cl);
    ct[cl] = 0;
    if (mp_content_type_boundary(ct, out, sizeof(out)) && strlen(out) > MP_BOUNDARY_MAX)
        abort();
    return 0;
}
