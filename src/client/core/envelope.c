/* SPDX-License-Identifier: MIT */
/* envelope.c - decodes the response envelope (api §1.3) into a result object or a fastio_error.
 * Every byte here comes from the network: any JSON type may sit in any member, numbers may be
 * out of range and strings may be huge, so each access checks the type and each conversion
 * checks the range. See envelope.h for the exact rules. */
#include "envelope.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api_codes.h"
#include "buf.h"

/* Bytes of a non-JSON body quoted in the message: enough to show "502 Bad Gateway" or the
 * first line of a proxy's error page, short enough to keep a log line readable. */
#define EXCERPT_MAX 160

enum verdict { VERDICT_UNKNOWN, VERDICT_SUCCESS, VERDICT_FAILURE };

/* ---- helpers --------------------------------------------------------------------------------- */

static void set_error(struct fastio_error *err, enum fastio_status st, long http_status,
                      long api_code)
{
    if (err == NULL)
        return;
    fastio_error_clear(err);
    err->status = st;
    err->http_status = http_status;
    err->api_code = api_code;
    /* api §1.8: a 429 invites a retry after the window; 502-504 are gateways and overload,
     * where the same request usually succeeds a moment later. 500 is a bug, not a blip. */
    err->retryable =
        st == FASTIO_RATE_LIMITED || http_status == 502 || http_status == 503 || http_status == 504;
    if (st == FASTIO_NOMEM)
        (void)fio_strlcpy(err->message, "out of memory", sizeof(err->message));
}

/* Length of the valid UTF-8 sequence at s (n > 0 bytes available), or 0 when invalid:
 * overlong forms, surrogates and code points above U+10FFFF are rejected. */
static size_t utf8_seq_len(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, min = 0x80, c &= 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, min = 0x800, c &= 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

void fio_message_sanitize(char *dst, size_t size, const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t o = 0;
    bool space = true; /* drops leading spaces and collapses runs */
    if (size == 0)
        return;
    for (size_t i = 0; i < n && text != NULL;) {
        unsigned cp = 0;
        size_t len = utf8_seq_len(s + i, n - i, &cp);
        if (len == 0) {
            /* Not UTF-8 (a non-JSON body): show a placeholder rather than pass bytes that
             * would make the message unprintable, or unencodable as JSON by the CLI. */
            if (o + 1 >= size)
                break;
            dst[o++] = '?';
            space = false;
            i++;
            continue;
        }
        if (cp <= 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
            if (!space && o + 1 < size) {
                dst[o++] = ' ';
                space = true;
            }
        } else {
            if (o + len >= size)
                break; /* whole sequences only: never end inside a UTF-8 sequence */
            memcpy(dst + o, s + i, len);
            o += len;
            space = false;
        }
        i += len;
    }
    while (o > 0 && dst[o - 1] == ' ')
        o--;
    dst[o] = '\0';
}

/* Numeric strings count as numbers: the framework layer sends codes such as "400" (api §1.3). */
bool fio_json_to_long(const json_t *v, long *out)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < LONG_MIN || i > LONG_MAX)
            return false;
        *out = (long)i;
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        long l;
        /* Converting a double outside the range of long is undefined: check first. (No
         * floor(): the library does not link libm for one call.) */
        if (!isfinite(d) || d < (double)LONG_MIN || d >= (double)LONG_MAX)
            return false;
        l = (long)d;
        if ((double)l != d)
            return false; /* not a whole number */
        *out = l;
        return true;
    }
    if (json_is_string(v)) {
        long long ll;
        const char *s = json_string_value(v);
        /* json_string_length() differs from strlen() when the string holds a NUL; a code with
         * an embedded NUL is not a number. */
        if (strlen(s) != json_string_length(v) || !fio_parse_ll(s, LONG_MIN, LONG_MAX, &ll))
            return false;
        *out = (long)ll;
        return true;
    }
    return false;
}

/* What "result" says (api §1.3): bool, "yes"/"no" (older responses), or a number where 0 is a
 * failure (AI cancel). Anything else is not an answer. */
static enum verdict result_verdict(const json_t *r)
{
    if (json_is_boolean(r))
        return json_is_true(r) ? VERDICT_SUCCESS : VERDICT_FAILURE;
    if (json_is_integer(r))
        return json_integer_value(r) != 0 ? VERDICT_SUCCESS : VERDICT_FAILURE;
    if (json_is_real(r)) {
        double d = json_real_value(r);
        if (isnan(d))
            return VERDICT_UNKNOWN;
        return d != 0.0 ? VERDICT_SUCCESS : VERDICT_FAILURE;
    }
    if (json_is_string(r)) {
        const char *s = json_string_value(r);
        if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
            return VERDICT_SUCCESS;
        if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
            return VERDICT_FAILURE;
    }
    return VERDICT_UNKNOWN;
}

/* An "error" member that reports something: null and false mean "no error". */
static bool error_present(const json_t *e)
{
    return e != NULL && !json_is_null(e) && !json_is_false(e);
}

static const char *string_member(const json_t *obj, const char *key, size_t *len)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return NULL;
    *len = json_string_length(v);
    return json_string_value(v);
}

/* "HTTP <n>: <excerpt>" for a body that is not an envelope. Markup is skipped so that a
 * proxy's HTML error page reads as its text ("502 Bad Gateway nginx"). */
static void excerpt_message(struct fastio_error *err, long http_status, const char *body,
                            size_t len, bool is_2xx)
{
    char raw[EXCERPT_MAX];
    char clean[EXCERPT_MAX + 1];
    size_t n = 0;
    bool in_tag = false;
    int w;

    if (err == NULL)
        return;
    for (size_t i = 0; i < len && n < sizeof(raw); i++) {
        char ch = body[i];
        if (ch == '<') {
            in_tag = true;
            raw[n++] = ' '; /* tags separate words */
        } else if (ch == '>' && in_tag) {
            in_tag = false;
        } else if (!in_tag) {
            raw[n++] = ch;
        }
    }
    fio_message_sanitize(clean, sizeof(clean), raw, n);
    /* A 2xx that is not an envelope is our problem to explain, not the server's message. */
    w = snprintf(err->message, sizeof(err->message), "HTTP %ld%s%s%s", http_status,
                 is_2xx ? " with a body that is not a JSON object" : "",
                 clean[0] != '\0' ? ": " : "", clean);
    (void)w; /* truncation is fine: the message buffer is documented as possibly truncated */
}

/* Remove the envelope's bookkeeping members and unwrap "response" (api §1.3). Returns the
 * object to hand out (a new reference) or NULL on OOM. */
static json_t *normalise(json_t *root)
{
    static const char *const meta[] = {"result", "current_api_version", "server_date"};
    json_t *inner = json_object_get(root, "response");
    json_t *obj;

    if (json_is_object(inner)) {
        const char *key;
        json_t *value;
        obj = json_incref(inner);
        /* Keep members beside the wrapper (e.g. pagination) instead of dropping them. The
         * parsed tree has no shared nodes, so adding outer values cannot create a cycle. */
        json_object_foreach(root, key, value)
        {
            if (strcmp(key, "response") == 0 || json_object_get(obj, key) != NULL)
                continue;
            if (json_object_set(obj, key, value) != 0) {
                json_decref(obj);
                return NULL;
            }
        }
    } else {
        obj = json_incref(root);
    }
    for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
        (void)json_object_del(obj, meta[i]); /* -1 only means "was not there" */
    return obj;
}

/* Fill err from the error part of an envelope. env is the top-level object; inner is the
 * unwrapped "response" object or NULL (errors have been seen at both levels). */
static enum fastio_status decode_api_error(const json_t *root, const json_t *inner,
                                           long http_status, struct fastio_error *err)
{
    const json_t *e = json_object_get(root, "error");
    const char *text = NULL;
    size_t text_len = 0;
    long code = 0;
    enum fastio_status st;

    if (!error_present(e) && inner != NULL)
        e = json_object_get(inner, "error");

    if (json_is_object(e)) {
        /* api §1.3: code is a number or a numeric string; text is in "text" or "message". */
        if (!fio_json_to_long(json_object_get(e, "code"), &code))
            code = 0;
        text = string_member(e, "text", &text_len);
        if (text == NULL || text_len == 0)
            text = string_member(e, "message", &text_len);
        if (text == NULL || text_len == 0)
            text = string_member(e, "error_code", &text_len);
    } else if (json_is_string(e)) {
        text = json_string_value(e);
        text_len = json_string_length(e);
    } else if (!fio_json_to_long(e, &code)) {
        code = 0;
    }
    /* The flat variant of AI cancel: {"result": false, "error_message": "…", "error_id": 123}
     * (api §1.3). */
    if (text == NULL || text_len == 0)
        text = string_member(root, "error_message", &text_len);
    if (code == 0 && !fio_json_to_long(json_object_get(root, "error_id"), &code))
        code = 0;

    st = fio_envelope_map_status(http_status, code);
    set_error(err, st, http_status, code);
    if (err != NULL) {
        if (text != NULL && text_len > 0) {
            fio_message_sanitize(err->message, sizeof(err->message), text, text_len);
        }
        if (err->message[0] == '\0') {
            int w;
            if (code != 0)
                w = snprintf(err->message, sizeof(err->message), "HTTP %ld, API error %ld",
                             http_status, code);
            else
                w = snprintf(err->message, sizeof(err->message), "HTTP %ld: %s", http_status,
                             fastio_status_str(st));
            (void)w; /* bounded; cannot be truncated meaningfully */
        }
    }
    return st;
}

/* ---- public (inside libfastio) --------------------------------------------------------------- */

enum fastio_status fio_error_set(struct fastio_error *err, enum fastio_status st, const char *msg)
{
    if (err == NULL)
        return st;
    fastio_error_clear(err);
    err->status = st;
    (void)fio_strlcpy(err->message, msg, sizeof(err->message)); /* truncation is acceptable */
    return st;
}

enum fastio_status fio_envelope_map_status(long http_status, long api_code)
{
    /* Codes first: they are more specific than the HTTP status (api §1.4). */
    switch (api_code) {
    case API_ERR_NOT_MEMBER: /* authenticated but not a member of the workspace (sent with 401) */
    case API_ERR_NOT_SHARED: /* resource not shared with the caller (401) */
        /* Not an expired token: signing in again would not help, so not AUTH. */
        return FASTIO_FORBIDDEN;
    case API_ERR_AUTH:
        return FASTIO_AUTH;
    case API_ERR_NOT_FOUND:
        return FASTIO_NOT_FOUND;
    case API_ERR_CONFLICT:
        return FASTIO_CONFLICT;
    case API_ERR_RATE_LIMITED:
        return FASTIO_RATE_LIMITED;
    case API_ERR_PAYMENT:
    case API_ERR_UPGRADE:
    case API_ERR_CREDIT_LIMIT:
        return FASTIO_PAYMENT;
    case API_ERR_INVALID:
        return FASTIO_INVALID;
    default:
        break;
    }
    switch (http_status) {
    case 400:
    case 422:
        return FASTIO_INVALID;
    case 401:
        return FASTIO_AUTH;
    case 402:
        return FASTIO_PAYMENT;
    case 403:
        return FASTIO_FORBIDDEN;
    case 404:
        return FASTIO_NOT_FOUND;
    case 409:
        return FASTIO_CONFLICT;
    case 413:
        return FASTIO_TOO_LARGE;
    case 429:
        return FASTIO_RATE_LIMITED;
    default:
        break;
    }
    if (http_status >= 500 && http_status <= 599)
        return FASTIO_SERVER;
    return FASTIO_API_ERROR;
}

enum fastio_status fio_envelope_decode(const char *body, size_t len, long http_status, json_t **out,
                                       struct fastio_error *err)
{
    bool is_2xx = http_status >= 200 && http_status <= 299;
    json_error_t jerr;
    json_t *root;
    json_t *inner;
    json_t *normal;
    enum verdict v;
    enum fastio_status st;

    if (out != NULL)
        *out = NULL;
    if (body == NULL)
        len = 0;

    if (len == 0 && http_status == 204) {
        /* No Content: nothing to decode, and nothing went wrong. */
        json_t *empty = json_object();
        if (empty == NULL) {
            set_error(err, FASTIO_NOMEM, http_status, 0);
            return FASTIO_NOMEM;
        }
        if (out != NULL)
            *out = empty;
        else
            json_decref(empty);
        fastio_error_clear(err);
        return FASTIO_OK;
    }

    /* JSON_DECODE_ANY so that a bare string or array is recognised (and refused below)
     * rather than reported as a syntax error. */
    root = len > 0 ? json_loadb(body, len, JSON_DECODE_ANY, &jerr) : NULL;
    if (root == NULL && len > 0 && json_error_code(&jerr) == json_error_out_of_memory) {
        set_error(err, FASTIO_NOMEM, http_status, 0);
        return FASTIO_NOMEM;
    }

    if (!json_is_object(root)) {
        /* Not an envelope: a proxy's error page, a truncated body, a bare JSON value. */
        json_decref(root);
        st = http_status >= 400 ? fio_envelope_map_status(http_status, 0) : FASTIO_PROTOCOL;
        set_error(err, st, http_status, 0);
        excerpt_message(err, http_status, body, len, is_2xx);
        return st;
    }

    inner = json_object_get(root, "response");
    if (!json_is_object(inner))
        inner = NULL;
    v = result_verdict(json_object_get(root, "result"));
    if (v == VERDICT_UNKNOWN && inner != NULL)
        v = result_verdict(json_object_get(inner, "result"));

    if (v == VERDICT_UNKNOWN) {
        /* No usable "result": decide by the HTTP status and the presence of an error. */
        bool has_error = error_present(json_object_get(root, "error")) ||
                         (inner != NULL && error_present(json_object_get(inner, "error")));
        v = has_error ? VERDICT_FAILURE : VERDICT_SUCCESS;
    }

    if (v == VERDICT_SUCCESS && is_2xx) {
        st = FASTIO_OK;
        fastio_error_clear(err);
    } else {
        st = decode_api_error(root, inner, http_status, err);
        if (st == FASTIO_OK) /* cannot happen: the map never yields OK; keep failure a failure */
            st = FASTIO_API_ERROR;
    }

    normal = normalise(root);
    json_decref(root);
    if (normal == NULL) {
        set_error(err, FASTIO_NOMEM, http_status, 0);
        return FASTIO_NOMEM;
    }
    if (out != NULL)
        *out = normal;
    else
        json_decref(normal);
    return st;
}
