/* SPDX-License-Identifier: MIT */
/* req.c - what handlers use to read a request and to answer it: parameters from the form body,
 * JSON body or query string; errors as {http, code, text, params}; success keys. The envelope
 * itself is built in one place (http.c, reply_render) from these. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "name.h"
#include "metrics.h"
#include "server.h"
#include "timeutil.h"

const char *role_name(enum role r)
{
    switch (r) {
    case ROLE_OWNER:
        return "owner";
    case ROLE_ADMIN:
        return "admin";
    case ROLE_MEMBER:
        return "member";
    case ROLE_GUEST:
        return "guest";
    default:
        return "none";
    }
}

enum role role_parse(const char *s)
{
    if (!s)
        return ROLE_NONE;
    if (strcmp(s, "owner") == 0)
        return ROLE_OWNER;
    if (strcmp(s, "admin") == 0)
        return ROLE_ADMIN;
    if (strcmp(s, "member") == 0)
        return ROLE_MEMBER;
    if (strcmp(s, "guest") == 0)
        return ROLE_GUEST;
    return ROLE_NONE;
}

int64_t srv_now_us(void)
{
    return fio_wall_us();
}

json_t *srv_time_json(int64_t wall_us)
{
    char buf[40];
    fio_time_api(wall_us, buf, sizeof(buf));
    return json_string(buf);
}

/* JSON body members are converted to text once and cached in r->form, so every parameter is a
 * NUL-terminated string whatever the encoding. */
const char *req_param(struct req *r, const char *name)
{
    const char *v = fio_form_get(&r->form, name);
    if (v)
        return v;
    v = fio_form_get(&r->query, name);
    return v;
}

const char *req_param_required(struct req *r, const char *name)
{
    const char *v = req_param(r, name);
    if (!v || !*v) {
        req_fail_param(r, name, "missing", "The parameter '%s' is required", name);
        return NULL;
    }
    return v;
}

bool req_param_bool(struct req *r, const char *name, bool def, bool *out)
{
    const char *v = req_param(r, name);
    if (!v || !*v) {
        *out = def;
        return true;
    }
    if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes")) {
        *out = true;
        return true;
    }
    if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no")) {
        *out = false;
        return true;
    }
    req_fail_param(r, name, "invalid", "The parameter '%s' must be true or false", name);
    return false;
}

bool req_param_int(struct req *r, const char *name, long long min, long long max, long long def,
                   long long *out)
{
    const char *v = req_param(r, name);
    if (!v) {
        *out = def;
        return true;
    }
    /* Present means a number: an empty value ("size=") is no default but a 400, like "-0",
     * "+1" or " 1" (fio_parse_ll, buf.h). */
    if (!fio_parse_ll(v, min, max, out)) {
        req_fail_param(r, name, "invalid", "The parameter '%s' must be a whole number from %lld to %lld",
                       name, min, max);
        return false;
    }
    return true;
}

const char *req_arg(struct req *r, size_t i)
{
    return i < r->nargs ? r->args[i] : NULL;
}

/* Make text (NUL-terminated, in place) valid UTF-8 without control characters: error texts
 * may quote client bytes (a content type, a field name), and JSON can only carry valid UTF-8. */
void srv_sanitize_text(char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            text[i++] = '?';
            continue;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
        if (len == 0 || i + len > n || !fio_utf8_valid(text + i, len)) {
            text[i++] = '?';
            continue;
        }
        i += len;
    }
}

__attribute__((format(printf, 4, 0))) static void set_err(struct req *r, int http, long code,
                                                         const char *fmt, va_list ap)
{
    r->err.http = http;
    r->err.code = code;
    vsnprintf(r->err.text, sizeof(r->err.text), fmt, ap);
    /* vsnprintf may cut a multi-byte character at the end; sanitising fixes that too. */
    srv_sanitize_text(r->err.text);
}

int req_fail(struct req *r, int http, long code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_err(r, http, code, fmt, ap);
    va_end(ap);
    return -1;
}

int req_fail_param(struct req *r, const char *name, const char *kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_err(r, 400, API_ERR_INVALID, fmt, ap);
    va_end(ap);
    json_t *p = json_pack("[{s:s, s:s, s:s, s:i}]", "name", name, "kind", kind, "message",
                          r->err.text, "code",
                          strcmp(kind, "missing") == 0 ? API_ERR_FIELD_MISSING
                                                       : API_ERR_FIELD_INVALID);
    json_decref(r->err.params);
    r->err.params = p;
    return -1;
}

int req_fail_internal(struct req *r, const char *what)
{
    srv_log(r->srv, SRV_LOG_ERROR, "internal error in %s %s: %s%s%s", r->method,
            r->path ? r->path : "?", what, r->st ? ": " : "", r->st ? store_errmsg(r->st) : "");
    metrics_internal_error(r->srv);
    return req_fail(r, 500, 0, "Internal server error");
}

int req_set(struct req *r, const char *key, json_t *value)
{
    if (!value)
        return req_fail(r, 500, 0, "Out of memory");
    if (!r->out) {
        r->out = json_object();
        if (!r->out) {
            json_decref(value);
            return req_fail(r, 500, 0, "Out of memory");
        }
    }
    if (json_object_set_new(r->out, key, value) != 0)
        return req_fail(r, 500, 0, "Out of memory");
    return 0;
}

void srv_log(struct server *s, enum srv_log_level lvl, const char *fmt, ...)
{
    if (s && lvl > s->cfg.log_level)
        return;
    static const char *const names[] = {"error", "warn", "info", "debug"};
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    char ts[40];
    fio_time_iso(fio_wall_us(), ts, sizeof(ts));
    json_t *line = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", names[lvl], "msg", msg);
    char *txt = line ? json_dumps(line, JSON_COMPACT) : NULL;
    if (txt) {
        FILE *f = s && s->access_log ? s->access_log : stderr;
        fprintf(f, "%s\n", txt);
        fflush(f);
    }
    free(txt);
    json_decref(line);
}
