/* SPDX-License-Identifier: MIT */
/* test_envelope.c - decoding of the response envelope (api §1.3): every success and error
 * variant, the status mapping (api §1.4), bodies that are not envelopes, hostile JSON, message
 * sanitising, and the rate-limit wait computed from headers (api §1.8). */
#include <stdbool.h>
#include <stdlib.h>

#include "ratelimit.h"
#include "envelope.h"
#include "testmain.h"

/* Decode a NUL-terminated body. */
static enum fastio_status decode(const char *body, long http, json_t **out,
                                 struct fastio_error *err)
{
    return fio_envelope_decode(body, strlen(body), http, out, err);
}

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80         ? 1
                   : (*p >> 5) == 6  ? 2
                   : (*p >> 4) == 14 ? 3
                   : (*p >> 3) == 30 ? 4
                                     : 0;
        if (n == 0)
            return false;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return false;
        p += n;
    }
    return true;
}

/* ---- success shapes ------------------------------------------------------------------------- */

static void env_flat_success(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    err.status = FASTIO_API_ERROR; /* must be cleared */
    assert_int_equal(decode("{\"result\":true,\"user\":{\"id\":\"1234567890123456789\"},"
                            "\"current_api_version\":\"1.0\",\"server_date\":\"2026-01-01\"}",
                            200, &out, &err),
                     FASTIO_OK);
    assert_int_equal(err.status, FASTIO_OK);
    assert_int_equal(err.http_status, 0);
    assert_int_equal(err.retry_after_ms, -1);
    assert_true(json_is_object(out));
    assert_null(json_object_get(out, "result"));
    assert_null(json_object_get(out, "current_api_version"));
    assert_null(json_object_get(out, "server_date"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(out, "user"), "id")),
                        "1234567890123456789");
    assert_int_equal(json_object_size(out), 1);
    json_decref(out);
}

static void env_wrapped_success(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    assert_int_equal(decode("{\"result\":true,\"response\":{\"org\":{\"id\":\"7\"},\"a\":1},"
                            "\"a\":2,\"pagination\":{\"total\":1},\"current_api_version\":\"1\"}",
                            200, &out, &err),
                     FASTIO_OK);
    assert_null(json_object_get(out, "response"));
    assert_null(json_object_get(out, "result"));
    assert_null(json_object_get(out, "current_api_version"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(out, "org"), "id")), "7");
    /* members beside the wrapper are kept; the wrapped one wins a clash */
    assert_int_equal(json_integer_value(json_object_get(out, "a")), 1);
    assert_true(json_is_object(json_object_get(out, "pagination")));
    json_decref(out);

    /* a "response" that is not an object is just a member */
    assert_int_equal(decode("{\"result\":true,\"response\":\"ok\"}", 200, &out, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(out, "response")), "ok");
    json_decref(out);

    /* result only inside the wrapper */
    assert_int_equal(decode("{\"response\":{\"result\":\"yes\",\"x\":1}}", 200, &out, &err),
                     FASTIO_OK);
    assert_null(json_object_get(out, "result"));
    assert_int_equal(json_integer_value(json_object_get(out, "x")), 1);
    json_decref(out);
}

static void env_result_yes_no(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    static const char *const ok[] = {"yes", "YES", "true", "True", "1"};
    static const char *const bad[] = {"no", "No", "false", "FALSE", "0"};
    char body[128];
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        snprintf(body, sizeof(body), "{\"result\":\"%s\",\"k\":1}", ok[i]);
        assert_int_equal(decode(body, 200, &out, &err), FASTIO_OK);
        assert_int_equal(json_integer_value(json_object_get(out, "k")), 1);
        json_decref(out);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(body, sizeof(body), "{\"result\":\"%s\"}", bad[i]);
        assert_int_equal(decode(body, 200, &out, &err), FASTIO_API_ERROR);
        assert_int_equal(err.status, FASTIO_API_ERROR);
        assert_int_equal(err.http_status, 200);
        assert_true(err.message[0] != '\0');
        assert_non_null(out); /* the body is still handed out */
        json_decref(out);
    }
}

static void env_result_numeric(void **state)
{
    (void)state;
    struct fastio_error err;
    assert_int_equal(decode("{\"result\":1}", 200, NULL, &err), FASTIO_OK);
    assert_int_equal(decode("{\"result\":-3}", 200, NULL, &err), FASTIO_OK);
    assert_int_equal(decode("{\"result\":2.5}", 200, NULL, &err), FASTIO_OK);
    /* api §1.3: numeric 0 is a failure (AI cancel) */
    assert_int_equal(decode("{\"result\":0}", 200, NULL, &err), FASTIO_API_ERROR);
    assert_int_equal(decode("{\"result\":0.0}", 200, NULL, &err), FASTIO_API_ERROR);
    assert_int_equal(decode("{\"result\":0,\"error\":{\"code\":1605}}", 200, NULL, &err),
                     FASTIO_INVALID);
    assert_int_equal(err.api_code, 1605);
}

/* Decision: without a usable "result" a 2xx object is a success unless it carries an error. */
static void env_missing_result(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    assert_int_equal(decode("{\"user\":{\"id\":\"1\"}}", 200, &out, &err), FASTIO_OK);
    assert_non_null(json_object_get(out, "user"));
    json_decref(out);
    assert_int_equal(decode("{}", 200, &out, &err), FASTIO_OK);
    assert_int_equal(json_object_size(out), 0);
    json_decref(out);
    /* null and false errors are no errors; unknown result values fall back the same way */
    assert_int_equal(decode("{\"error\":null}", 200, NULL, &err), FASTIO_OK);
    assert_int_equal(decode("{\"error\":false,\"result\":null}", 201, NULL, &err), FASTIO_OK);
    assert_int_equal(decode("{\"result\":\"maybe\"}", 200, NULL, &err), FASTIO_OK);
    assert_int_equal(decode("{\"result\":[true]}", 200, NULL, &err), FASTIO_OK);
    /* an error member makes it a failure */
    assert_int_equal(decode("{\"error\":{\"code\":1605,\"text\":\"bad enum\"}}", 200, NULL, &err),
                     FASTIO_INVALID);
    assert_string_equal(err.message, "bad enum");
    assert_int_equal(decode("{\"result\":\"maybe\",\"error\":\"nope\"}", 200, NULL, &err),
                     FASTIO_API_ERROR);
    assert_string_equal(err.message, "nope");
    /* and a non-2xx status is never a success */
    assert_int_equal(decode("{\"foo\":1}", 404, NULL, &err), FASTIO_NOT_FOUND);
    assert_int_equal(err.http_status, 404);
    assert_true(err.message[0] != '\0');
}

static void env_result_true_http_error(void **state)
{
    (void)state;
    struct fastio_error err;
    assert_int_equal(decode("{\"result\":true}", 500, NULL, &err), FASTIO_SERVER);
    assert_false(err.retryable);
    assert_int_equal(decode("{\"result\":\"yes\"}", 302, NULL, &err), FASTIO_API_ERROR);
    assert_int_equal(err.http_status, 302);
}

static void env_204_no_content(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    assert_int_equal(fio_envelope_decode(NULL, 0, 204, &out, &err), FASTIO_OK);
    assert_true(json_is_object(out));
    assert_int_equal(json_object_size(out), 0);
    json_decref(out);
    /* an empty 200 is not an envelope */
    assert_int_equal(fio_envelope_decode("", 0, 200, &out, &err), FASTIO_PROTOCOL);
    assert_null(out);
}

/* ---- error shapes ---------------------------------------------------------------------------- */

static void env_error_numeric_code(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":1609,\"text\":\"Not found\","
                            "\"resource\":\"GET /current/x/\"},\"current_api_version\":\"1\"}",
                            404, &out, &err),
                     FASTIO_NOT_FOUND);
    assert_int_equal(err.status, FASTIO_NOT_FOUND);
    assert_int_equal(err.http_status, 404);
    assert_int_equal(err.api_code, 1609);
    assert_string_equal(err.message, "Not found");
    assert_false(err.retryable);
    assert_int_equal(err.retry_after_ms, -1);
    /* the error body is still decoded and normalised */
    assert_true(json_is_object(out));
    assert_null(json_object_get(out, "result"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "error"), "code")),
                     1609);
    json_decref(out);
}

static void env_error_string_code(void **state)
{
    (void)state;
    struct fastio_error err;
    assert_int_equal(decode("{\"result\":\"no\",\"error\":{\"code\":\"400\",\"text\":\"bad\"}}",
                            400, NULL, &err),
                     FASTIO_INVALID);
    assert_int_equal(err.api_code, 400);
    assert_string_equal(err.message, "bad");
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":\"1650\"}}", 401, NULL, &err),
                     FASTIO_AUTH);
    assert_int_equal(err.api_code, 1650);
    assert_true(err.message[0] != '\0'); /* a message even when the server gave none */
    /* a code that is not a number is no code */
    assert_int_equal(
        decode("{\"result\":false,\"error\":{\"code\":\"12ab\",\"text\":\"x\"}}", 409, NULL, &err),
        FASTIO_CONFLICT);
    assert_int_equal(err.api_code, 0);
}

static void env_error_message_key(void **state)
{
    (void)state;
    struct fastio_error err;
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":1660,\"message\":\"version "
                            "mismatch\"}}",
                            409, NULL, &err),
                     FASTIO_CONFLICT);
    assert_string_equal(err.message, "version mismatch");
    /* "text" wins when both are there; an empty text falls back to "message" */
    assert_int_equal(
        decode("{\"result\":false,\"error\":{\"text\":\"T\",\"message\":\"M\"}}", 400, NULL, &err),
        FASTIO_INVALID);
    assert_string_equal(err.message, "T");
    assert_int_equal(
        decode("{\"result\":false,\"error\":{\"text\":\"\",\"message\":\"M\"}}", 400, NULL, &err),
        FASTIO_INVALID);
    assert_string_equal(err.message, "M");
}

static void env_flat_ai_cancel(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    assert_int_equal(decode("{\"result\":false,\"error_message\":\"Nothing to cancel\","
                            "\"error_id\":123}",
                            406, &out, &err),
                     FASTIO_API_ERROR);
    assert_int_equal(err.http_status, 406);
    assert_int_equal(err.api_code, 123);
    assert_string_equal(err.message, "Nothing to cancel");
    assert_string_equal(json_string_value(json_object_get(out, "error_message")),
                        "Nothing to cancel");
    json_decref(out);
    /* numeric 0 result with the flat fields */
    assert_int_equal(
        decode("{\"result\":0,\"error_message\":\"x\",\"error_id\":\"1671\"}", 200, NULL, &err),
        FASTIO_RATE_LIMITED);
    assert_true(err.retryable);
}

static void env_not_member_is_forbidden(void **state)
{
    (void)state;
    struct fastio_error err;
    /* 10545 is "authenticated but not a member": not an expired token, so not AUTH */
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":10545,\"text\":\"Not a "
                            "member\"}}",
                            401, NULL, &err),
                     FASTIO_FORBIDDEN);
    assert_int_equal(err.http_status, 401);
    assert_int_equal(err.api_code, 10545);
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":115069}}", 401, NULL, &err),
                     FASTIO_FORBIDDEN);
    /* other 401s are authentication failures */
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":1650}}", 401, NULL, &err),
                     FASTIO_AUTH);
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":10587}}", 401, NULL, &err),
                     FASTIO_AUTH);
    assert_int_equal(decode("{\"result\":false}", 401, NULL, &err), FASTIO_AUTH);
}

static void env_status_map(void **state)
{
    (void)state;
    static const struct {
        long http, code;
        enum fastio_status st;
    } rows[] = {
        {401, 0, FASTIO_AUTH},
        {200, 1650, FASTIO_AUTH},
        {403, 0, FASTIO_FORBIDDEN},
        {403, 1670, FASTIO_FORBIDDEN},
        {401, 10545, FASTIO_FORBIDDEN},
        {404, 0, FASTIO_NOT_FOUND},
        {400, 1609, FASTIO_NOT_FOUND},
        {409, 0, FASTIO_CONFLICT},
        {400, 1660, FASTIO_CONFLICT},
        {429, 0, FASTIO_RATE_LIMITED},
        {400, 1671, FASTIO_RATE_LIMITED},
        {413, 0, FASTIO_TOO_LARGE},
        {402, 0, FASTIO_PAYMENT},
        {403, 1688, FASTIO_PAYMENT},
        {403, 1695, FASTIO_PAYMENT},
        {402, 1696, FASTIO_PAYMENT},
        {400, 0, FASTIO_INVALID},
        {422, 0, FASTIO_INVALID},
        {200, 1605, FASTIO_INVALID},
        {500, 0, FASTIO_SERVER},
        {502, 0, FASTIO_SERVER},
        {599, 0, FASTIO_SERVER},
        {405, 0, FASTIO_API_ERROR},
        {406, 10778, FASTIO_API_ERROR},
        {200, 0, FASTIO_API_ERROR},
        {0, 0, FASTIO_API_ERROR},
        {404, 9992, FASTIO_NOT_FOUND},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        enum fastio_status got = fio_envelope_map_status(rows[i].http, rows[i].code);
        if (got != rows[i].st)
            fail_msg("http %ld code %ld: got %s, want %s", rows[i].http, rows[i].code,
                     fastio_status_name(got), fastio_status_name(rows[i].st));
    }
}

static void env_retryable(void **state)
{
    (void)state;
    struct fastio_error err;
    static const long yes[] = {429, 502, 503, 504};
    static const long no[] = {400, 401, 403, 404, 409, 413, 500, 501, 505};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        assert_int_not_equal(decode("{\"result\":false}", yes[i], NULL, &err), FASTIO_OK);
        assert_true(err.retryable);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        assert_int_not_equal(decode("{\"result\":false}", no[i], NULL, &err), FASTIO_OK);
        assert_false(err.retryable);
    }
}

static void env_bulk_404_body(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    /* api §4.2: all ids failed -> 404, but the body is still the bulk body */
    assert_int_equal(decode("{\"result\":false,\"format\":\"multi\",\"nodes\":[],\"errors\":["
                            "{\"node_id\":\"2abc\",\"code\":133123,\"message\":\"not found\"}],"
                            "\"node_count\":0,\"error_count\":1,\"requested_count\":1}",
                            404, &out, &err),
                     FASTIO_NOT_FOUND);
    assert_string_equal(json_string_value(json_object_get(out, "format")), "multi");
    assert_int_equal(json_array_size(json_object_get(out, "errors")), 1);
    json_decref(out);
}

/* ---- bodies that are not envelopes --------------------------------------------------------- */

static void env_non_json_502(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = (json_t *)&err; /* must be overwritten with NULL */
    assert_int_equal(decode("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>"
                            "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
                            "</body></html>",
                            502, &out, &err),
                     FASTIO_SERVER);
    assert_null(out);
    assert_int_equal(err.status, FASTIO_SERVER);
    assert_int_equal(err.http_status, 502);
    assert_int_equal(err.api_code, 0);
    assert_true(err.retryable);
    assert_string_equal(err.message, "HTTP 502: 502 Bad Gateway 502 Bad Gateway nginx");

    assert_int_equal(decode("Request Entity Too Large", 413, &out, &err), FASTIO_TOO_LARGE);
    assert_string_equal(err.message, "HTTP 413: Request Entity Too Large");
    assert_int_equal(fio_envelope_decode(NULL, 0, 503, &out, &err), FASTIO_SERVER);
    assert_string_equal(err.message, "HTTP 503");
    assert_true(err.retryable);
    assert_int_equal(decode("moved", 301, &out, &err), FASTIO_PROTOCOL);
    assert_null(out);
}

static void env_excerpt_is_short_and_clean(void **state)
{
    (void)state;
    struct fastio_error err;
    char body[4096];
    memset(body, 'A', sizeof(body));
    body[10] = '\x01';
    body[11] = '\xff'; /* not UTF-8 */
    body[12] = '\n';
    assert_int_equal(fio_envelope_decode(body, sizeof(body), 500, NULL, &err), FASTIO_SERVER);
    assert_true(strlen(err.message) < 200);
    assert_true(strncmp(err.message, "HTTP 500: AAAAAAAAAA ? AAA", 26) == 0);
    assert_true(valid_utf8(err.message));
    for (const char *p = err.message; *p; p++)
        assert_true((unsigned char)*p >= 0x20);
}

static void env_2xx_garbage_is_protocol(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    static const char *const bodies[] = {
        "garbage", "{\"result\":true", "{\"result\":tru}", "<html>ok</html>", "{} trailing",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        assert_int_equal(decode(bodies[i], 200, &out, &err), FASTIO_PROTOCOL);
        assert_null(out);
        assert_int_equal(err.status, FASTIO_PROTOCOL);
        assert_int_equal(err.http_status, 200);
        assert_false(err.retryable);
        assert_true(strncmp(err.message, "HTTP 200", 8) == 0);
    }
    /* binary junk with NUL bytes */
    assert_int_equal(fio_envelope_decode("\0\x01{\0}", 5, 200, &out, &err), FASTIO_PROTOCOL);
    assert_null(out);
}

static void env_json_not_object(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    static const char *const bodies[] = {
        "[]", "[{\"result\":true}]", "\"yes\"", "null", "true", "0", "1.5"};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        assert_int_equal(decode(bodies[i], 200, &out, &err), FASTIO_PROTOCOL);
        assert_null(out);
        assert_int_equal(decode(bodies[i], 404, &out, &err), FASTIO_NOT_FOUND);
        assert_null(out);
        assert_int_equal(err.http_status, 404);
    }
}

static void env_huge_numbers(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    /* codes out of the range of long are no code: the HTTP status decides */
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":1e300}}", 404, NULL, &err),
                     FASTIO_NOT_FOUND);
    assert_int_equal(err.api_code, 0);
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":-1e300}}", 409, NULL, &err),
                     FASTIO_CONFLICT);
    assert_int_equal(err.api_code, 0);
    assert_int_equal(
        decode("{\"result\":false,\"error\":{\"code\":\"99999999999999999999\"}}", 403, NULL, &err),
        FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 0);
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":1609.5}}", 400, NULL, &err),
                     FASTIO_INVALID);
    assert_int_equal(err.api_code, 0);
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":1609.0}}", 400, NULL, &err),
                     FASTIO_NOT_FOUND);
    assert_int_equal(err.api_code, 1609);
    assert_int_equal(
        decode("{\"result\":false,\"error\":{\"code\":9223372036854775807}}", 400, NULL, &err),
        FASTIO_INVALID);
    assert_int_equal(err.api_code, 9223372036854775807L);
    /* result as a huge real is non-zero: success */
    assert_int_equal(decode("{\"result\":1e308,\"n\":-9223372036854775808}", 200, &out, &err),
                     FASTIO_OK);
    json_decref(out);
    /* jansson refuses integers beyond 64 bits: such a body cannot be decoded, so a 2xx is a
     * protocol error and an error status keeps its meaning */
    assert_int_equal(
        decode("{\"result\":true,\"size\":123456789012345678901234567890}", 200, &out, &err),
        FASTIO_PROTOCOL);
    assert_null(out);
    assert_int_equal(decode("{\"result\":false,\"error\":{\"code\":1e999}}", 429, &out, &err),
                     FASTIO_RATE_LIMITED);
    assert_null(out);
}

static void env_hostile_types(void **state)
{
    (void)state;
    struct fastio_error err;
    json_t *out = NULL;
    static const char *const bodies[] = {
        "{\"result\":false,\"error\":[1,2,3]}",
        "{\"result\":false,\"error\":{\"code\":{\"a\":1},\"text\":42,\"message\":[\"x\"]}}",
        "{\"result\":false,\"error\":{\"code\":true,\"text\":null}}",
        "{\"result\":false,\"error\":1609}",
        "{\"result\":false,\"error\":\"\"}",
        "{\"result\":{},\"error\":{}}",
        "{\"result\":false,\"error_message\":7,\"error_id\":[]}",
        "{\"result\":true,\"response\":{\"result\":false,\"error\":{\"code\":1605}}}",
        "{\"result\":false,\"response\":[],\"error\":{\"error_code\":\"APP_BAD_HASH\"}}",
        "{\"response\":{\"response\":{\"response\":{}}}}",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        for (long http = 200; http <= 500; http += 100) {
            enum fastio_status st = decode(bodies[i], http, &out, &err);
            assert_int_equal(st, err.status);
            if (http != 200)
                assert_int_not_equal(st, FASTIO_OK);
            assert_true(json_is_object(out)); /* every body here is an object */
            assert_true(valid_utf8(err.message));
            json_decref(out);
        }
    }
    /* a bare numeric error is taken as the code */
    assert_int_equal(decode("{\"result\":false,\"error\":1609}", 400, NULL, &err),
                     FASTIO_NOT_FOUND);
    /* the machine string stands in for a missing text */
    assert_int_equal(
        decode("{\"result\":false,\"error\":{\"error_code\":\"APP_BAD_HASH\"}}", 406, NULL, &err),
        FASTIO_API_ERROR);
    assert_string_equal(err.message, "APP_BAD_HASH");
    /* the outer result decides; an inner one is not consulted when the outer is usable */
    assert_int_equal(decode("{\"result\":true,\"response\":{\"result\":false}}", 200, &out, &err),
                     FASTIO_OK);
    json_decref(out);
}

static void env_no_outputs(void **state)
{
    (void)state;
    /* out and err may both be NULL */
    assert_int_equal(decode("{\"result\":true}", 200, NULL, NULL), FASTIO_OK);
    assert_int_equal(decode("{\"result\":false}", 404, NULL, NULL), FASTIO_NOT_FOUND);
    assert_int_equal(decode("junk", 200, NULL, NULL), FASTIO_PROTOCOL);
    assert_int_equal(decode("junk", 502, NULL, NULL), FASTIO_SERVER);
    assert_int_equal(fio_envelope_decode(NULL, 0, 204, NULL, NULL), FASTIO_OK);
}

/* ---- messages ------------------------------------------------------------------------------ */

static void env_message_sanitized(void **state)
{
    (void)state;
    struct fastio_error err;
    /* control characters (C0, DEL, C1 as UTF-8) become single spaces, ends trimmed */
    assert_int_equal(decode("{\"result\":false,\"error\":{\"text\":\"\\u0001 bad\\r\\n\\tinput"
                            "\\u007f\\u0085!\\u001b[31m  \"}}",
                            400, NULL, &err),
                     FASTIO_INVALID);
    assert_string_equal(err.message, "bad input ! [31m");
    /* non-ASCII text survives */
    assert_int_equal(
        decode("{\"result\":false,\"error\":{\"text\":\"caf\\u00e9 \\u2603\"}}", 400, NULL, &err),
        FASTIO_INVALID);
    assert_string_equal(err.message, "caf\xc3\xa9 \xe2\x98\x83");
}

static void env_message_truncated_on_utf8_boundary(void **state)
{
    (void)state;
    struct fastio_error err;
    size_t n = 1000;
    char *body = malloc(64 + n * 2);
    assert_non_null(body);
    size_t o = (size_t)snprintf(body, 64, "{\"result\":false,\"error\":{\"text\":\"x");
    for (size_t i = 0; i < n; i++) {
        body[o++] = '\xc3';
        body[o++] = '\xa9';
    }
    memcpy(body + o, "\"}}", 4);
    assert_int_equal(decode(body, 400, NULL, &err), FASTIO_INVALID);
    free(body);
    assert_true(strlen(err.message) < sizeof(err.message));
    assert_true(strlen(err.message) > 400);
    assert_true(valid_utf8(err.message));
    assert_int_equal(strlen(err.message) % 2, 1); /* "x" plus whole two-byte sequences */

    char dst[4];
    fio_message_sanitize(dst, sizeof(dst), "\xe2\x98\x83\xe2\x98\x83", 6);
    assert_string_equal(dst, "\xe2\x98\x83");
    fio_message_sanitize(dst, sizeof(dst), "ab\xe2\x98\x83", 5);
    assert_string_equal(dst, "ab");
    fio_message_sanitize(dst, 1, "abc", 3);
    assert_string_equal(dst, "");
    fio_message_sanitize(dst, sizeof(dst), NULL, 0);
    assert_string_equal(dst, "");
    /* overlong encodings and surrogates are not UTF-8 */
    fio_message_sanitize(dst, sizeof(dst), "\xc0\xaf\xed\xa0\x80", 5);
    assert_true(valid_utf8(dst));
}

static void env_json_to_long(void **state)
{
    (void)state;
    long v = 0;
    json_t *j;
    assert_false(fio_json_to_long(NULL, &v));
    j = json_string("12");
    assert_true(fio_json_to_long(j, &v));
    assert_int_equal(v, 12);
    json_decref(j);
    j = json_string(" 12");
    assert_false(fio_json_to_long(j, &v));
    json_decref(j);
    j = json_stringn("12\0"
                     "3",
                     4);
    assert_false(fio_json_to_long(j, &v));
    json_decref(j);
    j = json_real(3600.0);
    assert_true(fio_json_to_long(j, &v));
    assert_int_equal(v, 3600);
    json_decref(j);
    j = json_real(9.3e18);
    assert_false(fio_json_to_long(j, &v));
    json_decref(j);
    j = json_true();
    assert_false(fio_json_to_long(j, &v));
    json_decref(j);
}

/* ---- rate-limit wait (api §1.8) ------------------------------------------------------------- */

static void env_retry_after_headers(void **state)
{
    (void)state;
    const long long t = 1777074544; /* 2026-04-24 23:49:04 UTC */
    /* epoch seconds (what the official CLI parses) */
    assert_int_equal(fio_retry_after_ms("1777074574", NULL, NULL, t), 30000);
    /* the datetime form of the hosted-MCP guide */
    assert_int_equal(fio_retry_after_ms("2026-04-24 23:49:04 UTC", NULL, NULL, t - 5), 5000);
    assert_int_equal(fio_retry_after_ms("2026-04-24T23:49:04Z", NULL, NULL, t - 1), 1000);
    /* the server's Date header is "now" when present: local clock skew does not matter */
    assert_int_equal(fio_retry_after_ms("1777074604", NULL, "Fri, 24 Apr 2026 23:49:04 GMT", 0),
                     60000);
    /* a window already past: retry at once */
    assert_int_equal(fio_retry_after_ms("1777074500", NULL, NULL, t), 0);
    /* a small number is seconds from now */
    assert_int_equal(fio_retry_after_ms("30", NULL, NULL, t), 30000);
    /* Retry-After only when expires is missing or unusable */
    assert_int_equal(fio_retry_after_ms(NULL, "7", NULL, t), 7000);
    assert_int_equal(fio_retry_after_ms("soon", "7", NULL, t), 7000);
    assert_int_equal(fio_retry_after_ms("1777074574", "7", NULL, t), 30000);
    assert_int_equal(fio_retry_after_ms("", "Fri, 24 Apr 2026 23:49:14 GMT", NULL, t), 10000);
    /* clamped to a day */
    assert_int_equal(fio_retry_after_ms("99999999999", NULL, NULL, t), 24L * 3600 * 1000);
    assert_int_equal(fio_retry_after_ms(NULL, "9223372036854775807", NULL, t), 24L * 3600 * 1000);
    /* nothing usable */
    assert_int_equal(fio_retry_after_ms(NULL, NULL, NULL, t), -1);
    assert_int_equal(fio_retry_after_ms("", "", "", t), -1);
    assert_int_equal(fio_retry_after_ms("-5", "x", NULL, t), -1);
    assert_int_equal(fio_retry_after_ms("2026-13-24 23:49:04 UTC", NULL, NULL, t), -1);
    assert_int_equal(fio_retry_after_ms("2026-04-24 23:49:04 PST", NULL, NULL, t), -1);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(env_flat_success),
    cmocka_unit_test(env_wrapped_success),
    cmocka_unit_test(env_result_yes_no),
    cmocka_unit_test(env_result_numeric),
    cmocka_unit_test(env_missing_result),
    cmocka_unit_test(env_result_true_http_error),
    cmocka_unit_test(env_204_no_content),
    cmocka_unit_test(env_error_numeric_code),
    cmocka_unit_test(env_error_string_code),
    cmocka_unit_test(env_error_message_key),
    cmocka_unit_test(env_flat_ai_cancel),
    cmocka_unit_test(env_not_member_is_forbidden),
    cmocka_unit_test(env_status_map),
    cmocka_unit_test(env_retryable),
    cmocka_unit_test(env_bulk_404_body),
    cmocka_unit_test(env_non_json_502),
    cmocka_unit_test(env_excerpt_is_short_and_clean),
    cmocka_unit_test(env_2xx_garbage_is_protocol),
    cmocka_unit_test(env_json_not_object),
    cmocka_unit_test(env_huge_numbers),
    cmocka_unit_test(env_hostile_types),
    cmocka_unit_test(env_no_outputs),
    cmocka_unit_test(env_message_sanitized),
    cmocka_unit_test(env_message_truncated_on_utf8_boundary),
    cmocka_unit_test(env_json_to_long),
    cmocka_unit_test(env_retry_after_headers),
};

TEST_MAIN(tests)
