/* SPDX-License-Identifier: MIT */
/* log.c - one JSON line per request attempt through the application's callback, with secrets
 * redacted by name. Headers are never logged (the Authorization line and cookies live there);
 * the path is logged as sent and the query only with secret values replaced. */
#include "log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form.h"
#include "timeutil.h"

#define REDACTED "REDACTED"

/* Case-insensitive search of needle (NUL-terminated) in s[0..n). */
static bool contains_ci(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (strncasecmp(s + i, needle, k) == 0)
            return true;
    }
    return false;
}

static bool equals_ci(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

bool fio_log_is_secret_name(const char *name, size_t len)
{
    /* Substrings catch the families (access_token, refresh_token, lock_token, new_password,
     * client_secret, code_verifier); exact words catch short names that are too common as
     * substrings ("code" would hit "api_code", "key" would hit "sort_key"). */
    static const char *const parts[] = {"token",    "password",      "passwd",
                                        "secret",   "api_key",       "apikey",
                                        "verifier", "authorization", "signature",
                                        "credential"};
    static const char *const words[] = {"code", "key", "otp", "pin"};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (contains_ci(name, len, parts[i]))
            return true;
    }
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (equals_ci(name, len, words[i]))
            return true;
    }
    return false;
}

bool fio_log_redact_query(struct fio_buf *out, const char *query, size_t n)
{
    size_t i = 0;
    bool first = true;
    while (i < n) {
        const char *part = query + i;
        const char *amp = memchr(part, '&', n - i);
        size_t plen = amp != NULL ? (size_t)(amp - part) : n - i;
        const char *eq = memchr(part, '=', plen);
        size_t nlen = eq != NULL ? (size_t)(eq - part) : plen;
        size_t dlen = 0;
        /* Decode the name so that "acc%65ss_token" is caught too; an undecodable name is
         * treated as a secret (fail closed). */
        char *decoded = fio_url_unescape(part, nlen, true, &dlen);
        bool secret = decoded == NULL || fio_log_is_secret_name(decoded, dlen);
        bool ok;
        free(decoded);
        ok = (first || fio_buf_append(out, "&", 1)) && fio_buf_append(out, part, nlen);
        if (ok && eq != NULL)
            ok = secret ? fio_buf_append_str(out, "=" REDACTED)
                        : fio_buf_append(out, eq, plen - nlen);
        if (!ok)
            return false;
        first = false;
        i += plen + (amp != NULL ? 1 : 0);
    }
    return true;
}

void fio_log_redact_json(json_t *v)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        void *tmp;
        json_object_foreach_safe(v, tmp, k, m)
        {
            if (fio_log_is_secret_name(k, strlen(k))) {
                json_t *r = json_string(REDACTED);
                /* On OOM drop the member rather than leave the secret in place. */
                if (r == NULL || json_object_set_new(v, k, r) != 0)
                    json_object_del(v, k);
            } else {
                fio_log_redact_json(m);
            }
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            fio_log_redact_json(json_array_get(v, i));
    }
}

char *fio_log_format(const struct fio_log_attempt *a)
{
    char when[40];
    struct fio_buf q;
    json_t *line;
    char *text = NULL;

    fio_time_iso(fio_wall_us(), when, sizeof(when));
    fio_buf_init(&q, 0);
    if (a->query.len > 0 && !fio_log_redact_query(&q, a->query.ptr, a->query.len))
        goto out;
    line = json_pack("{s:s, s:s, s:s, s:s, s:s%, s:i, s:s, s:I, s:I, s:I, s:i, s:I}", "time",
                     when, "request_id", a->request_id != NULL ? a->request_id : "", "endpoint",
                     a->endpoint, "method", a->method, "path", a->path.ptr, a->path.len, "status",
                     (int)a->http_status, "outcome", fastio_status_name(a->outcome), "api_code",
                     (json_int_t)a->api_code, "latency_us", (json_int_t)a->latency_us, "bytes",
                     (json_int_t)a->bytes, "attempt", a->attempt, "retry_wait_ms",
                     (json_int_t)a->retry_wait_ms);
    if (line == NULL)
        goto out;
    if (q.len > 0 && json_object_set_new(line, "query", json_stringn(q.data, q.len)) != 0) {
        json_decref(line);
        goto out;
    }
    text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
out:
    fio_buf_release(&q);
    return text;
}

void fio_log_emit(fastio_log_fn log, void *userdata, const struct fio_log_attempt *a)
{
    char *text;
    if (log == NULL)
        return;
    text = fio_log_format(a);
    if (text != NULL)
        log(userdata, text);
    free(text);
}
