/* SPDX-License-Identifier: MIT */
/* orgws.c - validation, the "null clears" update engine and offset paging shared by the
 * organization and workspace handlers (see orgws.h). Checks never echo the rejected value: an
 * error names the field and the rule only. */
#include "orgws.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "name.h"

/* ---- parameters ------------------------------------------------------------------------------ */

static const struct fio_form_field *field_find(const struct fio_form *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->fields[i].name, name) == 0)
            return &f->fields[i];
    return NULL;
}

int orgws_param(struct req *r, const char *name, const char **out)
{
    /* Same precedence as req_param: the body (form or JSON), then the query string. */
    const struct fio_form_field *fl = field_find(&r->form, name);
    if (!fl)
        fl = field_find(&r->query, name);
    *out = NULL;
    if (!fl)
        return 0;
    if (strlen(fl->value) != fl->value_len)
        return req_fail_param(r, name, "invalid", "The parameter '%s' must not contain NUL bytes",
                              name);
    *out = fl->value;
    return 0;
}

bool orgws_is_clear(const char *v)
{
    return !*v || strcmp(v, "null") == 0;
}

/* ---- checks ---------------------------------------------------------------------------------- */

/* Decode one code point of UTF-8 already checked by fio_utf8_valid. */
static size_t cp_next(const unsigned char *p, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if ((p[0] & 0xE0) == 0xC0) {
        *cp = ((uint32_t)(p[0] & 0x1F) << 6) | (uint32_t)(p[1] & 0x3F);
        return 2;
    }
    if ((p[0] & 0xF0) == 0xE0) {
        *cp = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) |
              (uint32_t)(p[2] & 0x3F);
        return 3;
    }
    *cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
          ((uint32_t)(p[2] & 0x3F) << 6) | (uint32_t)(p[3] & 0x3F);
    return 4;
}

static bool is_space_cp(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0 || cp == 0x3000 ||
           (cp >= 0x2000 && cp <= 0x200B);
}

static int check_text(struct req *r, const struct orgws_field *f, const char *v)
{
    size_t n = strlen(v);
    /* A character is at most 4 bytes: longer input is refused before it is scanned. */
    if (n > f->max * 4)
        return req_fail_param(r, f->key, "invalid", "'%s' must be %zu to %zu characters long",
                              f->key, f->min, f->max);
    if (!fio_utf8_valid(v, n))
        return req_fail_param(r, f->key, "invalid", "'%s' must be valid UTF-8 text", f->key);
    bool multi = f->check == OW_MULTILINE;
    size_t chars = 0;
    bool blank = true;
    const unsigned char *p = (const unsigned char *)v;
    for (size_t i = 0; i < n; chars++) {
        uint32_t cp;
        i += cp_next(p + i, &cp);
        bool layout = multi && (cp == '\t' || cp == '\n' || cp == '\r');
        if (!layout && (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)))
            return req_fail_param(r, f->key, "invalid", "'%s' must not contain control characters",
                                  f->key);
        /* Bidi overrides let a one-line label display as something else (U+202E); free text
         * in right-to-left languages may need them, so only labels refuse them. */
        if (!multi && ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)))
            return req_fail_param(r, f->key, "invalid",
                                  "'%s' must not contain bidirectional override characters",
                                  f->key);
        if (!is_space_cp(cp))
            blank = false;
    }
    if (chars < f->min || chars > f->max)
        return req_fail_param(r, f->key, "invalid", "'%s' must be %zu to %zu characters long",
                              f->key, f->min, f->max);
    if (f->min > 0 && blank)
        return req_fail_param(r, f->key, "invalid", "'%s' must not be blank", f->key);
    return 0;
}

static int check_slug(struct req *r, const struct orgws_field *f, const char *v)
{
    size_t n = strlen(v);
    if (n < ORGWS_SLUG_MIN || n > ORGWS_SLUG_MAX)
        return req_fail_param(r, f->key, "invalid", "'%s' must be %d to %d characters long", f->key,
                              ORGWS_SLUG_MIN, ORGWS_SLUG_MAX);
    bool digits = true;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        bool digit = c >= '0' && c <= '9';
        if (!digit && !(c >= 'a' && c <= 'z') && c != '-')
            return req_fail_param(r, f->key, "invalid",
                                  "'%s' may contain only lowercase letters, digits and '-'",
                                  f->key);
        if (!digit)
            digits = false;
    }
    if (v[0] == '-' || v[n - 1] == '-')
        return req_fail_param(r, f->key, "invalid",
                              "'%s' must start and end with a letter or digit", f->key);
    /* Paths accept an id or this name in the same place (api §1.1): an all-digit name could
     * shadow another tenant's profile id, so names need at least one letter or '-'. */
    if (digits)
        return req_fail_param(r, f->key, "invalid", "'%s' must not be all digits", f->key);
    return 0;
}

static int check_email(struct req *r, const struct orgws_field *f, const char *v)
{
    size_t n = strlen(v);
    const char *at = strchr(v, '@');
    bool ok = n >= 3 && n <= f->max && fio_utf8_valid(v, n) && at && at != v && at[1] &&
              !strchr(at + 1, '@') && at[1] != '.' && v[n - 1] != '.' && !strstr(at, "..");
    for (const char *p = v; ok && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c == 0x7F || strchr("\"(),:;<>[\\]/", c))
            ok = false;
    }
    if (!ok)
        return req_fail_param(r, f->key, "invalid", "'%s' must be a valid email address", f->key);
    return 0;
}

static int check_url(struct req *r, const struct orgws_field *f, const char *v)
{
    size_t n = strlen(v);
    size_t scheme = strncasecmp(v, "https://", 8) == 0  ? 8
                    : strncasecmp(v, "http://", 7) == 0 ? 7
                                                        : 0;
    bool ok = scheme && n > scheme && n <= f->max;
    for (const char *p = v; ok && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '\\')
            ok = false;
    }
    if (!ok)
        return req_fail_param(r, f->key, "invalid",
                              "'%s' must be an http:// or https:// URL of at most %zu characters",
                              f->key, f->max);
    return 0;
}

static size_t json_depth(const json_t *j, size_t limit)
{
    if (limit == 0)
        return 1;
    size_t deepest = 0;
    if (json_is_object(j)) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)j, k, v)
        {
            size_t d = json_depth(v, limit - 1);
            if (d > deepest)
                deepest = d;
        }
        return 1 + deepest;
    }
    if (json_is_array(j)) {
        size_t i;
        const json_t *v;
        json_array_foreach(j, i, v)
        {
            size_t d = json_depth(v, limit - 1);
            if (d > deepest)
                deepest = d;
        }
        return 1 + deepest;
    }
    return 0;
}

static int parse_object(struct req *r, const struct orgws_field *f, const char *v, json_t **out)
{
    if (strlen(v) > f->max)
        return req_fail_param(r, f->key, "invalid", "'%s' must be at most %zu bytes of JSON",
                              f->key, f->max);
    json_error_t je;
    json_t *j = json_loads(v, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(j)) {
        json_decref(j);
        return req_fail_param(r, f->key, "invalid", "'%s' must be a JSON object", f->key);
    }
    if (json_depth(j, ORGWS_JSON_MAX_DEPTH + 1) > ORGWS_JSON_MAX_DEPTH) {
        json_decref(j);
        return req_fail_param(r, f->key, "invalid", "'%s' is nested too deeply", f->key);
    }
    *out = j;
    return 0;
}

static int parse_bool(struct req *r, const struct orgws_field *f, const char *v, json_t **out)
{
    if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes"))
        *out = json_true();
    else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no"))
        *out = json_false();
    else
        return req_fail_param(r, f->key, "invalid", "'%s' must be true or false", f->key);
    return 0;
}

int orgws_value(struct req *r, const struct orgws_field *f, const char *v, json_t **out)
{
    *out = NULL;
    int rc = 0;
    switch (f->check) {
    case OW_LINE:
    case OW_MULTILINE:
        rc = check_text(r, f, v);
        break;
    case OW_SLUG:
        rc = check_slug(r, f, v);
        break;
    case OW_EMAIL:
        rc = check_email(r, f, v);
        break;
    case OW_URL:
        rc = check_url(r, f, v);
        break;
    case OW_CHOICE: {
        bool found = false;
        for (const char *const *c = f->choices; c && *c && !found; c++)
            found = strcmp(*c, v) == 0;
        if (!found) {
            char list[256] = "";
            size_t len = 0;
            for (const char *const *c = f->choices; c && *c; c++) {
                int w = snprintf(list + len, sizeof(list) - len, "%s'%s'", len ? ", " : "", *c);
                if (w < 0 || (size_t)w >= sizeof(list) - len)
                    break;
                len += (size_t)w;
            }
            return req_fail_param(r, f->key, "invalid", "'%s' must be one of %s", f->key, list);
        }
        break;
    }
    case OW_BOOL:
        return parse_bool(r, f, v, out);
    case OW_JSON_OBJECT:
        return parse_object(r, f, v, out);
    }
    if (rc != 0)
        return rc;
    *out = json_string(v);
    return *out ? 0 : req_fail(r, 500, 0, "Out of memory");
}

/* ---- the update engine ----------------------------------------------------------------------- */

static json_t *cleared_value(const struct orgws_field *f)
{
    if (f->check == OW_BOOL)
        return json_boolean(strcmp(f->clear_to, "true") == 0);
    return json_string(f->clear_to);
}

int orgws_apply(struct req *r, const struct orgws_field *rules, size_t n, json_t *row,
                bool create_only, size_t *known)
{
    json_t *extra = json_object_get(row, "extra");
    *known = 0;
    bool copy_later[32] = {false};
    if (n > sizeof(copy_later) / sizeof(copy_later[0]) || !json_is_object(extra))
        return req_fail_internal(r, "orgws_apply: bad rules or row");
    for (size_t i = 0; i < n; i++) {
        const struct orgws_field *f = &rules[i];
        if (create_only && !(f->flags & OW_ON_CREATE))
            continue;
        const char *v;
        if (orgws_param(r, f->key, &v) != 0)
            return -1;
        if (!v)
            continue;
        (*known)++;
        json_t *val = NULL;
        if (orgws_is_clear(v)) {
            if (f->store == OW_EXTRA) {
                json_object_del(extra, f->key);
                continue;
            }
            if (f->clear_copy) {
                copy_later[i] = true;
                continue;
            }
            if (!f->clear_to)
                return req_fail_param(r, f->key, "invalid", "'%s' cannot be empty or null", f->key);
            val = cleared_value(f);
        } else if (orgws_value(r, f, v, &val) != 0) {
            return -1;
        }
        if (json_object_set_new(f->store == OW_EXTRA ? extra : row, f->key, val) != 0)
            return req_fail(r, 500, 0, "Out of memory");
    }
    /* A cleared field that defaults to another one (org name -> domain) takes that field's
     * final value, so "name=null&domain=new" gives name "new". */
    for (size_t i = 0; i < n; i++)
        if (copy_later[i] &&
            json_object_set_new(row, rules[i].key,
                                json_string(row_str(row, rules[i].clear_copy))) != 0)
            return req_fail(r, 500, 0, "Out of memory");
    return 0;
}

/* ---- rows and the extra column --------------------------------------------------------------- */

json_t *orgws_extra_parse(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    if (json_is_object(j))
        return j;
    json_decref(j);
    return json_object();
}

char *orgws_extra_dump(const json_t *extra)
{
    return json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS);
}

void orgws_extra_copy(json_t *dst, const json_t *extra, const char *const *keys)
{
    for (const char *const *k = keys; *k; k++) {
        json_t *v = json_object_get(extra, *k);
        if (v)
            json_object_set(dst, *k, v);
    }
}

/* ---- paging ---------------------------------------------------------------------------------- */

int orgws_page_read(struct req *r, struct orgws_page *pg)
{
    if (!req_param_int(r, "limit", 1, 500, 100, &pg->limit))
        return -1;
    if (!req_param_int(r, "offset", 0, 1000000000, 0, &pg->offset))
        return -1;
    return 0;
}

int orgws_page_reply(struct req *r, const char *key, json_t *items, long long total,
                     const struct orgws_page *pg)
{
    bool more = pg->offset + (long long)json_array_size(items) < total;
    json_t *p =
        json_pack("{s:I, s:I, s:I, s:b}", "total", (json_int_t)total, "limit",
                  (json_int_t)pg->limit, "offset", (json_int_t)pg->offset, "has_more", more);
    if (req_set(r, key, items) != 0) {
        json_decref(p);
        return -1;
    }
    return req_set(r, "pagination", p);
}
