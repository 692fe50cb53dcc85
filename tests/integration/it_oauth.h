/* it_oauth.h - raw-HTTP helpers shared by the OAuth and fault suites (test_oauth*.c,
 * test_oauth_client.c, test_faults.c): a header from a raw header block, a query parameter from
 * a URL, URL-encoding, and the client / redirect / password constants of the OAuth flow.
 * Header-only (static inline) so each suite stays one program. Include after <cmocka.h>. */
#ifndef IT_OAUTH_H
#define IT_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "form.h"
#include "harness.h"

#define FORM "application/x-www-form-urlencoded"
#define CLIENT "fastio-cli"
#define REDIRECT "http://127.0.0.1:19836/callback"
#define PASSWORD "correct horse battery"

/* Value of header name in a raw header block (copied into out), or false. */
static inline bool ito_header(const char *hdrs, const char *name, char *out, size_t out_size)
{
    size_t nl = strlen(name);
    for (const char *p = hdrs; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        if (!eol)
            eol = p + strlen(p);
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(eol - v);
            if (vl >= out_size)
                vl = out_size - 1;
            memcpy(out, v, vl);
            out[vl] = 0;
            return true;
        }
        p = *eol ? eol + 2 : eol;
    }
    return false;
}

/* Value of query parameter k in url (decoded, copied into out), or false. */
static inline bool ito_query_param(const char *url, const char *k, char *out, size_t out_size)
{
    const char *q = strchr(url, '?');
    if (!q)
        return false;
    struct fio_form f;
    fio_form_init(&f);
    bool ok = fio_form_parse(&f, q + 1, strlen(q + 1), 100);
    const char *v = ok ? fio_form_get(&f, k) : NULL;
    if (v)
        fio_strlcpy(out, v, out_size);
    fio_form_release(&f);
    return v != NULL;
}

/* s URL-encoded (free()). */
static inline char *ito_enc(const char *s)
{
    struct fio_buf b;
    fio_buf_init(&b, 1 << 16);
    assert_true(fio_url_escape(&b, s, strlen(s), true, NULL));
    char *r = fio_buf_steal(&b);
    assert_non_null(r);
    return r;
}

#endif
