/* SPDX-License-Identifier: MIT */
/* import_url.c - share-link rewriting, download names and their sanitising, the headers of a
 * resumed download (import_url.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "buf.h"
#include "import_url.h"
#include "name.h"

static bool lower_eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

bool imp_url_split(const char *url, size_t n, struct imp_url_parts *o)
{
    memset(o, 0, sizeof(*o));
    if (n == 0 || n > IMP_URL_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
            return false;
    const char *sep = NULL;
    for (size_t i = 0; i + 2 < n && i < 8; i++)
        if (url[i] == ':' && url[i + 1] == '/' && url[i + 2] == '/') {
            sep = url + i;
            break;
        }
    if (!sep)
        return false;
    o->scheme = url;
    o->scheme_len = (size_t)(sep - url);
    if (lower_eq(url, o->scheme_len, "https"))
        o->https = true;
    else if (!lower_eq(url, o->scheme_len, "http"))
        return false;
    const char *p = sep + 3, *end = url + n;
    const char *auth_end = p;
    while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
        auth_end++;
    if (memchr(p, '@', (size_t)(auth_end - p)))
        return false; /* userinfo: refused (a classic way to make a URL read as another host) */
    const char *h = p, *hend;
    if (h < auth_end && *h == '[') {
        const char *rb = memchr(h, ']', (size_t)(auth_end - h));
        if (!rb)
            return false;
        hend = rb + 1;
    } else {
        hend = h;
        while (hend < auth_end && *hend != ':')
            hend++;
    }
    if (hend == h)
        return false;
    if (hend < auth_end) {
        if (*hend != ':')
            return false;
        for (const char *q = hend + 1; q < auth_end; q++)
            if (*q < '0' || *q > '9')
                return false;
        if (auth_end - hend - 1 > 5)
            return false;
    }
    o->host = h;
    o->host_len = (size_t)(hend - h);
    const char *q = auth_end;
    o->path = q;
    while (q < end && *q != '?' && *q != '#')
        q++;
    o->path_len = (size_t)(q - o->path);
    if (q < end && *q == '?') {
        o->query = ++q;
        while (q < end && *q != '#')
            q++;
        o->query_len = (size_t)(q - o->query);
    }
    return true;
}

/* host equals dom or ends with "." dom */
static bool host_is(const struct imp_url_parts *u, const char *dom)
{
    size_t dl = strlen(dom);
    if (lower_eq(u->host, u->host_len, dom))
        return true;
    return u->host_len > dl + 1 && u->host[u->host_len - dl - 1] == '.' &&
           strncasecmp(u->host + u->host_len - dl, dom, dl) == 0;
}

/* An id of [A-Za-z0-9_-]{1,200} at s (up to n bytes, stopping at '/'): its length, 0 if none. */
static size_t id_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && i <= 200 &&
           ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
            (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
        i++;
    if (i > 200 || (i < n && s[i] != '/'))
        return 0;
    return i;
}

/* The value of query parameter key (exact name), or NULL; *vlen its length. */
static const char *query_get(const struct imp_url_parts *u, const char *key, size_t *vlen)
{
    size_t kl = strlen(key);
    const char *p = u->query, *end = u->query + u->query_len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        if ((size_t)(e - p) > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            *vlen = (size_t)(e - p - kl - 1);
            return p + kl + 1;
        }
        p = amp ? amp + 1 : end;
    }
    return NULL;
}

/* prefix + id[0..n) + suffix as a new string (NULL on out of memory). */
static char *join_id(const char *prefix, const char *id, size_t n, const char *suffix)
{
    size_t pl = strlen(prefix), sl = strlen(suffix);
    char *out = malloc(pl + n + sl + 1);
    if (out) {
        memcpy(out, prefix, pl);
        memcpy(out + pl, id, n);
        memcpy(out + pl + n, suffix, sl + 1);
    }
    return out;
}

char *imp_share_rewrite(const char *url, bool *oom)
{
    struct imp_url_parts u;
    *oom = false;
    size_t n = strlen(url);
    if (!imp_url_split(url, n, &u))
        return NULL;
    char *out = NULL;
    bool matched = false;
    if (host_is(&u, "drive.google.com")) {
        /* /file/d/{id}/view?usp=sharing and /open?id={id} -> /uc?export=download&id={id} */
        static const char fd[] = "/file/d/";
        size_t il = 0;
        const char *id = NULL;
        if (u.path_len > sizeof(fd) - 1 && strncmp(u.path, fd, sizeof(fd) - 1) == 0) {
            id = u.path + sizeof(fd) - 1;
            il = id_len(id, u.path_len - (sizeof(fd) - 1));
        } else if (lower_eq(u.path, u.path_len, "/open")) {
            id = query_get(&u, "id", &il);
            if (id && id_len(id, il) != il)
                il = 0;
        }
        if (id && il) {
            matched = true;
            out = join_id("https://drive.google.com/uc?export=download&id=", id, il, "");
        }
    } else if (host_is(&u, "dropbox.com") &&
               ((u.path_len > 3 && strncmp(u.path, "/s/", 3) == 0) ||
                (u.path_len > 8 && strncmp(u.path, "/scl/fi/", 8) == 0))) {
        /* the same link with dl=1 (replacing dl=0, or added) */
        matched = true;
        struct fio_buf b;
        fio_buf_init(&b, 2 * IMP_URL_MAX);
        size_t head = (size_t)(u.path + u.path_len - url);
        bool ok = fio_buf_append(&b, url, head) && fio_buf_append(&b, "?", 1);
        const char *p = u.query, *end = u.query ? u.query + u.query_len : NULL;
        bool first = true;
        while (ok && p && p < end) {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            const char *e = amp ? amp : end;
            if (!((size_t)(e - p) >= 3 && strncmp(p, "dl=", 3) == 0) && e > p) {
                ok =
                    (first || fio_buf_append(&b, "&", 1)) && fio_buf_append(&b, p, (size_t)(e - p));
                first = false;
            }
            p = amp ? amp + 1 : end;
        }
        ok = ok && fio_buf_append_str(&b, first ? "dl=1" : "&dl=1");
        if (ok)
            out = fio_buf_steal(&b);
        else
            fio_buf_release(&b);
    } else if (lower_eq(u.host, u.host_len, "1drv.ms") || host_is(&u, "onedrive.live.com")) {
        /* the shares API: u! + base64url of the whole link, unpadded */
        matched = true;
        size_t el = fio_b64url_encoded_size(n);
        static const char pre[] = "https://api.onedrive.com/v1.0/shares/u!";
        static const char post[] = "/root/content";
        out = malloc(sizeof(pre) + el + sizeof(post));
        if (out) {
            memcpy(out, pre, sizeof(pre) - 1);
            size_t w = fio_b64url_encode(url, n, out + sizeof(pre) - 1, el + 1);
            memcpy(out + sizeof(pre) - 1 + w, post, sizeof(post));
        }
    } else if (host_is(&u, "box.com") && u.path_len > 3 && strncmp(u.path, "/s/", 3) == 0) {
        size_t il = id_len(u.path + 3, u.path_len - 3);
        if (il) {
            matched = true;
            out = join_id("https://app.box.com/shared/static/", u.path + 3, il, "");
        }
    }
    if (matched && !out)
        *oom = true;
    return out;
}

/* ---- names ------------------------------------------------------------------------------ */

/* Decode one UTF-8 character at s (n > 0 bytes left): its length and *cp, or 0 if invalid. */
static size_t utf8_one(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

static bool is_space_cp(uint32_t cp)
{
    return cp == ' ' || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 ||
           cp == 0xfeff;
}

bool imp_name_sanitize(const char *s, size_t n, char *out, size_t size)
{
    if (size < FIO_NAME_MAX_BYTES + 1)
        return false;
    char tmp[4 * 1024];
    size_t w = 0;
    const unsigned char *u = (const unsigned char *)s;
    /* pass 1: replace or drop characters (bounded by the buffer) */
    for (size_t i = 0; i < n && w + 4 < sizeof(tmp);) {
        uint32_t cp;
        size_t l = utf8_one(u + i, n - i, &cp);
        if (l == 0) {
            tmp[w++] = '_';
            i++;
            continue;
        }
        if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
            cp == 0x200f) {
            i += l; /* bidirectional controls: dropped */
            continue;
        }
        if (cp == '\t')
            tmp[w++] = ' ';
        else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == '/' || cp == '\\')
            tmp[w++] = '_';
        else {
            memcpy(tmp + w, u + i, l);
            w += l;
        }
        i += l;
    }
    /* pass 2: trim whitespace at both ends */
    size_t a = 0, b = w;
    for (;;) {
        uint32_t cp;
        size_t l = a < b ? utf8_one((const unsigned char *)tmp + a, b - a, &cp) : 0;
        if (l == 0 || !is_space_cp(cp))
            break;
        a += l;
    }
    while (b > a) {
        size_t st = b - 1;
        while (st > a && ((unsigned char)tmp[st] & 0xc0) == 0x80)
            st--;
        uint32_t cp;
        size_t l = utf8_one((const unsigned char *)tmp + st, b - st, &cp);
        if (l == 0 || !is_space_cp(cp))
            break;
        b = st;
    }
    size_t len = b - a;
    const char *t = tmp + a;
    if (len > FIO_NAME_MAX_BYTES) {
        /* keep an extension of up to 16 bytes; cut the rest on a character boundary */
        const char *dot = NULL;
        for (size_t i = len; i > 0 && len - i < 17; i--)
            if (t[i - 1] == '.') {
                dot = t + i - 1;
                break;
            }
        size_t ext = dot ? (size_t)(t + len - dot) : 0;
        size_t keep = FIO_NAME_MAX_BYTES - ext;
        while (keep > 0 && ((unsigned char)t[keep] & 0xc0) == 0x80)
            keep--;
        memcpy(out, t, keep);
        memcpy(out + keep, dot ? dot : "", ext);
        len = keep + ext;
    } else
        memcpy(out, t, len);
    out[len] = 0;
    return fio_name_check(out, len) == FIO_NAME_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into out (at most cap bytes): its length. */
static size_t pct_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t w = 0;
    for (size_t i = 0; i < n && w < cap; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = hexval(s[i + 1])) >= 0 &&
            (l = hexval(s[i + 2])) >= 0) {
            out[w++] = (char)(h * 16 + l);
            i += 2;
        } else
            out[w++] = s[i];
    }
    return w;
}

/* The part after the last '/' or '\\' of s[0..n). */
static const char *base_of(const char *s, size_t *n)
{
    const char *b = s;
    for (size_t i = 0; i < *n; i++)
        if (s[i] == '/' || s[i] == '\\')
            b = s + i + 1;
    *n -= (size_t)(b - s);
    return b;
}

bool imp_disposition_filename(const char *v, size_t n, char *out, size_t size)
{
    char plain[1024], ext[1024];
    size_t plain_len = 0, ext_len = 0;
    bool have_plain = false, have_ext = false;
    size_t i = 0;
    /* skip the disposition type */
    while (i < n && v[i] != ';')
        i++;
    for (int guard = 0; i < n && guard < 64; guard++) {
        i++; /* ';' */
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        size_t ks = i;
        while (i < n && v[i] != '=' && v[i] != ';')
            i++;
        size_t ke = i;
        while (ke > ks && (v[ke - 1] == ' ' || v[ke - 1] == '\t'))
            ke--;
        if (i >= n || v[i] != '=')
            continue;
        i++;
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        char val[1024] = "";
        size_t vl = 0;
        if (i < n && v[i] == '"') {
            for (i++; i < n && v[i] != '"'; i++) {
                if (v[i] == '\\' && i + 1 < n)
                    i++;
                if (vl < sizeof(val))
                    val[vl++] = v[i];
            }
            if (i < n)
                i++; /* closing quote */
            while (i < n && v[i] != ';')
                i++;
        } else {
            while (i < n && v[i] != ';') {
                if (vl < sizeof(val))
                    val[vl++] = v[i];
                i++;
            }
            while (vl > 0 && (val[vl - 1] == ' ' || val[vl - 1] == '\t'))
                vl--;
        }
        if (lower_eq(v + ks, ke - ks, "filename*")) {
            /* charset'language'pct-encoded (RFC 8187) */
            const char *q1 = memchr(val, '\'', vl);
            const char *q2 = q1 ? memchr(q1 + 1, '\'', vl - (size_t)(q1 + 1 - val)) : NULL;
            if (!q2)
                continue;
            size_t cs = (size_t)(q1 - val);
            bool utf8 = lower_eq(val, cs, "utf-8");
            bool latin1 = lower_eq(val, cs, "iso-8859-1");
            if (!utf8 && !latin1)
                continue;
            char dec[1024];
            size_t dl = pct_decode(q2 + 1, vl - (size_t)(q2 + 1 - val), dec, sizeof(dec));
            if (utf8) {
                memcpy(ext, dec, dl);
                ext_len = dl;
            } else { /* ISO-8859-1 to UTF-8 */
                ext_len = 0;
                for (size_t k = 0; k < dl && ext_len + 2 <= sizeof(ext); k++) {
                    unsigned char c = (unsigned char)dec[k];
                    if (c < 0x80)
                        ext[ext_len++] = (char)c;
                    else {
                        ext[ext_len++] = (char)(0xc0 | (c >> 6));
                        ext[ext_len++] = (char)(0x80 | (c & 0x3f));
                    }
                }
            }
            have_ext = true;
        } else if (lower_eq(v + ks, ke - ks, "filename")) {
            memcpy(plain, val, vl);
            plain_len = vl;
            have_plain = true;
        }
    }
    const char *src = have_ext ? ext : plain;
    size_t sl = have_ext ? ext_len : plain_len;
    if (!have_ext && !have_plain)
        return false;
    src = base_of(src, &sl);
    return imp_name_sanitize(src, sl, out, size);
}

bool imp_url_filename(const char *url, char *out, size_t size)
{
    struct imp_url_parts u;
    if (!imp_url_split(url, strlen(url), &u))
        return false;
    size_t pl = u.path_len;
    while (pl > 0 && u.path[pl - 1] == '/')
        pl--;
    size_t seg = 0;
    while (seg < pl && u.path[pl - seg - 1] != '/')
        seg++;
    if (seg == 0)
        return false;
    char dec[1024];
    size_t dl = pct_decode(u.path + pl - seg, seg, dec, sizeof(dec));
    size_t bl = dl;
    const char *b = base_of(dec, &bl); /* an encoded %2F inside the segment */
    return imp_name_sanitize(b, bl, out, size);
}

bool imp_header_value(const char *p, size_t n, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    if (size == 0 || n < nl || strncasecmp(p, name, nl) != 0)
        return false;
    size_t i = nl, end = nl;
    /* the value ends at the line's end, or at a NUL a hostile source put in the line */
    while (end < n && p[end] != '\r' && p[end] != '\n' && p[end] != '\0')
        end++;
    while (i < end && (p[i] == ' ' || p[i] == '\t'))
        i++;
    while (end > i && (p[end - 1] == ' ' || p[end - 1] == '\t'))
        end--;
    size_t len = end - i < size - 1 ? end - i : size - 1;
    memcpy(out, p + i, len);
    out[len] = 0;
    return true;
}

/* A run of 1 to 18 decimal digits at *v (no sign, no blank): its value, *v moved past it; -1 when
 * there is none or it is longer (over 10^18 bytes is no file). */
static int64_t digits(const char **v)
{
    int64_t x = 0;
    int k = 0;
    while (**v >= '0' && **v <= '9' && k < 18) { /* 18 digits: at most 10^18 - 1, no overflow */
        x = x * 10 + (**v - '0');
        (*v)++;
        k++;
    }
    if (k == 0 || (**v >= '0' && **v <= '9'))
        return -1; /* none, or a 19th digit (UBSan and fuzz_url found the overflow) */
    return x;
}

bool imp_content_range(const char *v, int64_t *start, int64_t *total)
{
    if (strncasecmp(v, "bytes ", 6) != 0)
        return false;
    v += 6;
    int64_t a = digits(&v);
    if (a < 0 || *v++ != '-')
        return false;
    int64_t b = digits(&v);
    if (b < a || *v++ != '/')
        return false;
    int64_t t = -1;
    if (strcmp(v, "*") != 0) {
        t = digits(&v);
        if (t <= b || *v)
            return false;
    }
    *start = a;
    *total = t;
    return true;
}

const char *imp_if_range_validator(const char *etag, const char *modified)
{
    const char *v =
        etag[0] == '"' && strlen(etag) >= 2 && etag[strlen(etag) - 1] == '"' ? etag : modified;
    for (const char *c = v; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return "";
    return v;
}
