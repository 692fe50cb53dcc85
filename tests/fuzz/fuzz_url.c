/* SPDX-License-Identifier: MIT */
/* fuzz_url.c - fuzz target for the text and address rules of URL import
 * (src/server/import/import_url.h, import_addr.h): URL splitting, share-link rewriting,
 * Content-Disposition and URL file names, name sanitising, CIDR lists and address classes, and
 * the response headers a resumed download reads (D-126).
 * Invariants: no crash or out-of-bounds read on any bytes; every name produced is a valid node
 * name; a rewritten link is itself a valid http(s) URL; a parsed range contains its own
 * address; the allow decision with no ranges is the class; a header value has no blank or line
 * end around it and fits its buffer; a Content-Range starts at 0 or more before its total; an
 * If-Range validator has no control byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import_addr.h"
#include "import_url.h"
#include "name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *out)
{
    if (fio_name_check(out, strlen(out)) != FIO_NAME_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    char out[FIO_NAME_MAX_BYTES + 1];
    struct imp_url_parts u;
    if (imp_url_split((const char *)data, size, &u)) {
        if (u.host_len == 0 || u.host < (const char *)data ||
            u.host + u.host_len > (const char *)data + size)
            abort();
    }
    bool oom = false;
    char *rw = imp_share_rewrite(s, &oom);
    if (rw) {
        if (!imp_url_split(rw, strlen(rw), &u))
            abort();
        free(rw);
    }
    if (imp_disposition_filename((const char *)data, size, out, sizeof(out)))
        check_name(out);
    if (imp_url_filename(s, out, sizeof(out)))
        check_name(out);
    if (imp_name_sanitize((const char *)data, size, out, sizeof(out)))
        check_name(out);
    char hv[64];
    if (imp_header_value((const char *)data, size, "etag:", hv, sizeof(hv))) {
        size_t hl = strlen(hv);
        if (hl >= sizeof(hv) || (hl > 0 && (hv[0] == ' ' || hv[hl - 1] == '\n')))
            abort();
        const char *val = imp_if_range_validator(hv, s);
        for (const char *p = val; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                abort();
    }
    int64_t rs, rt;
    if (imp_content_range(s, &rs, &rt) && (rs < 0 || (rt != -1 && rt <= rs)))
        abort();
    struct imp_cidr c[IMP_ALLOW_MAX];
    size_t n = 0;
    if (imp_cidr_list_parse(s, c, IMP_ALLOW_MAX, &n)) {
        if (n == 0 || n > IMP_ALLOW_MAX)
            abort();
        for (size_t i = 0; i < n; i++) {
            if (c[i].bits < 0 || c[i].bits > 128 || !imp_cidr_contains(&c[i], &c[i].addr))
                abort();
        }
    }
    if (size >= 16) {
        struct imp_addr a;
        memcpy(a.b, data, 16);
        enum imp_addr_class why;
        enum imp_addr_class k = imp_addr_classify(&a);
        if (imp_addr_allowed(&a, NULL, 0, &why) != (k == IMP_PUBLIC) || why != k)
            abort();
        if (!imp_addr_class_str(k)[0])
            abort();
        if (n > 0 && imp_addr_allowed(&a, c, n, &why) && why != IMP_PUBLIC)
            abort();
    }
    free(s);
    return 0;
}
