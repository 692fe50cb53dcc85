/* SPDX-License-Identifier: MIT */
/* client.c - the client handle: process-wide set-up, the configuration and its checks, the
 * token, the default call options. Sending a request (one attempt, the retry loop, the public
 * fastio_call()) is client_call.c. */
#include "client.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "abi.h"
#include "buf.h"
#include "client_internal.h"
#include "envelope.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 30000L
#define DEFAULT_TIMEOUT_MS 120000L
#define DEFAULT_MAX_RESPONSE ((size_t)64 * 1024 * 1024)
#define DEFAULT_MAX_RETRIES 4
#define DEFAULT_BACKOFF_BASE_MS 250L
#define DEFAULT_BACKOFF_CAP_MS 20000L
#define DEFAULT_MAX_RETRY_WAIT_MS 60000L

/* ---- version ----------------------------------------------------------------------------- */

#ifndef FIO_PROJECT_VERSION
/* Only for tools that compile this file outside the build (cppcheck): the build defines it
 * from CMakeLists.txt, and tests/unit/test_version.c fails without it. */
#define FIO_PROJECT_VERSION FASTIO_VERSION
#endif
/* The header's FASTIO_VERSION and CMake's project version must be the same string; their
 * lengths are compared here at compile time, the strings by tests/unit/test_version.c. */
_Static_assert(sizeof(FASTIO_VERSION) == sizeof(FIO_PROJECT_VERSION),
               "FASTIO_VERSION in fastio.h differs from project(VERSION) in CMakeLists.txt");

FASTIO_API const char *fastio_version(void)
{
    return FIO_PROJECT_VERSION;
}

/* ---- process-wide set-up ----------------------------------------------------------------- */

/* The only global state of the library (fastio/fastio.h "process-wide set-up"): how many
 * fastio_global_init() calls are outstanding. Documented as not thread-safe, like
 * curl_global_init(). */
static unsigned global_refs;

FASTIO_API enum fastio_status fastio_global_init(void)
{
    if (global_refs == 0) {
        /* CURL_GLOBAL_DEFAULT also initialises the TLS library (OpenSSL). */
        CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
        if (rc != CURLE_OK)
            return rc == CURLE_OUT_OF_MEMORY ? FASTIO_NOMEM : FASTIO_IO;
    }
    global_refs++;
    return FASTIO_OK;
}

FASTIO_API void fastio_global_cleanup(void)
{
    if (global_refs == 0)
        return;
    if (--global_refs == 0)
        curl_global_cleanup();
}

FASTIO_API void fastio_free(void *p)
{
    free(p);
}

/* ---- the client handle ------------------------------------------------------------------- */

FIO_ABI_FIRST(fastio_config);

FASTIO_API void fastio_config_init_sized(struct fastio_config *cfg, size_t size)
{
    struct fastio_config d;
    memset(&d, 0, sizeof(d));
    d.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    d.timeout_ms = DEFAULT_TIMEOUT_MS;
    d.max_response_bytes = DEFAULT_MAX_RESPONSE;
    d.max_retries = DEFAULT_MAX_RETRIES;
    d.backoff_base_ms = DEFAULT_BACKOFF_BASE_MS;
    d.backoff_cap_ms = DEFAULT_BACKOFF_CAP_MS;
    d.max_retry_wait_ms = DEFAULT_MAX_RETRY_WAIT_MS;
    fio_abi_init(cfg, size, &d, sizeof(d));
}

/* A value that goes into an HTTP header line: a CR or LF would let it inject other headers. */
bool fio_header_safe(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
    }
    return true;
}

/* Validate the base URL with curl's own parser (the one that will use it) and return a copy
 * without trailing slashes; NULL with err set otherwise. */
static char *base_url_copy(const char *url, struct fastio_error *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *query = NULL, *fragment = NULL;
    char *copy = NULL;
    size_t n;

    if (u == NULL) {
        fio_error_set(err, FASTIO_NOMEM, "out of memory");
        return NULL;
    }
    if (!fio_header_safe(url) || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0' ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        fio_error_set(err, FASTIO_INVALID, "base URL must be an http:// or https:// URL");
        goto out;
    }
    /* Paths and queries are appended to the base: a query or fragment there would swallow
     * them. */
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK) {
        fio_error_set(err, FASTIO_INVALID, "base URL must not have a query or fragment");
        goto out;
    }
    copy = fio_strdup(url);
    if (copy == NULL) {
        fio_error_set(err, FASTIO_NOMEM, "out of memory");
        goto out;
    }
    n = strlen(copy);
    while (n > 0 && copy[n - 1] == '/')
        copy[--n] = '\0';
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(query);
    curl_free(fragment);
    curl_url_cleanup(u);
    return copy;
}

FASTIO_API struct fastio_client *fastio_client_new(const struct fastio_config *cfg,
                                                   struct fastio_error *err)
{
    struct fastio_config full; /* the caller's struct at this library's size (D-005) */
    struct fastio_client *c;

    fastio_config_init(&full);
    if (cfg != NULL && FIO_ABI_READ(&full, cfg, "fastio_config", err) != FASTIO_OK)
        return NULL;
    cfg = &full;
    if (cfg->connect_timeout_ms < 0 || cfg->timeout_ms < 0 || cfg->max_retries < 0 ||
        cfg->backoff_base_ms < 0 || cfg->backoff_cap_ms < 0 || cfg->max_retry_wait_ms < 0) {
        fio_error_set(err, FASTIO_INVALID, "timeouts and retry settings must not be negative");
        return NULL;
    }
    if ((cfg->token != NULL && !fio_header_safe(cfg->token)) ||
        (cfg->user_agent != NULL && !fio_header_safe(cfg->user_agent))) {
        fio_error_set(err, FASTIO_INVALID,
                      "token and user agent must not contain control characters");
        return NULL;
    }

    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        fio_error_set(err, FASTIO_NOMEM, "out of memory");
        return NULL;
    }
    c->cfg = *cfg;
    if (c->cfg.connect_timeout_ms == 0)
        c->cfg.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    if (c->cfg.max_response_bytes == 0)
        c->cfg.max_response_bytes = DEFAULT_MAX_RESPONSE;
    if (c->cfg.backoff_base_ms == 0)
        c->cfg.backoff_base_ms = DEFAULT_BACKOFF_BASE_MS;
    if (c->cfg.backoff_cap_ms == 0)
        c->cfg.backoff_cap_ms = DEFAULT_BACKOFF_CAP_MS;
    if (c->cfg.backoff_cap_ms < c->cfg.backoff_base_ms)
        c->cfg.backoff_cap_ms = c->cfg.backoff_base_ms;
    if (c->cfg.max_retry_wait_ms == 0)
        c->cfg.max_retry_wait_ms = DEFAULT_MAX_RETRY_WAIT_MS;
    fio_buf_init(&c->response, c->cfg.max_response_bytes);

    c->base_url =
        base_url_copy(cfg->base_url != NULL ? cfg->base_url : FASTIO_DEFAULT_BASE_URL, err);
    if (c->base_url == NULL)
        goto fail; /* err already set */
    c->user_agent =
        fio_strdup(cfg->user_agent != NULL ? cfg->user_agent : "fastio-c/" FASTIO_VERSION);
    /* An empty token means "none", like NULL: an empty Bearer header would only earn a 401. */
    c->token = cfg->token != NULL && cfg->token[0] != '\0' ? fio_strdup(cfg->token) : NULL;
    if (cfg->ca_file != NULL) {
        c->ca_file = fio_ca_file_dup(cfg->ca_file, "ca_file", err);
        if (c->ca_file == NULL)
            goto fail; /* err already set: INVALID naming the path, or NOMEM */
    }
    c->curl = curl_easy_init();
    c->multi = curl_multi_init();
    if (c->user_agent == NULL || (cfg->token != NULL && cfg->token[0] != '\0' && !c->token) ||
        c->curl == NULL || c->multi == NULL) {
        fio_error_set(err, FASTIO_NOMEM, "out of memory");
        goto fail;
    }
    c->cfg.base_url = c->base_url;
    c->cfg.token = c->token;
    c->cfg.user_agent = c->user_agent;
    c->cfg.ca_file = c->ca_file;
    fastio_error_clear(err);
    return c;
fail:
    fastio_client_free(c);
    return NULL;
}

static void wipe_free(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

FASTIO_API void fastio_client_free(struct fastio_client *c)
{
    if (c == NULL)
        return;
    if (c->curl != NULL)
        curl_easy_cleanup(c->curl);
    if (c->multi != NULL)
        curl_multi_cleanup(c->multi);
    fio_buf_release(&c->response);
    free(c->base_url);
    free(c->user_agent);
    free(c->ca_file);
    wipe_free(c->token);
    free(c);
}

FASTIO_API enum fastio_status fastio_client_set_token(struct fastio_client *c, const char *token,
                                                      struct fastio_error *err)
{
    char *copy = NULL;
    if (c == NULL) {
        return fio_error_set(err, FASTIO_INVALID, "no client");
    }
    if (token != NULL && !fio_header_safe(token)) {
        return fio_error_set(err, FASTIO_INVALID, "token must not contain control characters");
    }
    if (token != NULL && token[0] != '\0') {
        copy = fio_strdup(token);
        if (copy == NULL) {
            return fio_error_set(err, FASTIO_NOMEM, "out of memory");
        }
    }
    wipe_free(c->token);
    c->token = copy;
    c->cfg.token = copy;
    fastio_error_clear(err);
    return FASTIO_OK;
}

FASTIO_API const char *fastio_client_base_url(const struct fastio_client *c)
{
    return c != NULL ? c->base_url : NULL;
}

const struct fastio_config *fio_client_config(const struct fastio_client *c)
{
    return &c->cfg;
}


FIO_ABI_FIRST(fastio_call_opts);

FASTIO_API void fastio_call_opts_init_sized(struct fastio_call_opts *o, size_t size)
{
    struct fastio_call_opts d;
    memset(&d, 0, sizeof(d));
    d.max_retries = -1;
    fio_abi_init(o, size, &d, sizeof(d));
}

FASTIO_API enum fastio_status fastio_client_set_call_opts(struct fastio_client *c,
                                                          const struct fastio_call_opts *opts,
                                                          struct fastio_error *err)
{
    if (c == NULL)
        return fio_error_set(err, FASTIO_INVALID, "no client");
    if (opts == NULL) {
        c->has_defaults = false;
        fastio_call_opts_init(&c->defaults);
        fastio_error_clear(err);
        return FASTIO_OK;
    }
    struct fastio_call_opts full;
    fastio_call_opts_init(&full);
    if (FIO_ABI_READ(&full, opts, "fastio_call_opts", err) != FASTIO_OK)
        return FASTIO_INVALID;
    if (full.timeout_ms < 0 || full.deadline_ms < 0)
        return fio_error_set(err, FASTIO_INVALID, "negative deadline or timeout");
    c->defaults = full;
    c->has_defaults = true;
    fastio_error_clear(err);
    return FASTIO_OK;
}

FASTIO_API const char *fastio_client_last_request_id(const struct fastio_client *c)
{
    return c != NULL ? c->request_id : "";
}

FASTIO_API json_t *fastio_result(json_t *response, enum fastio_endpoint ep)
{
    const struct fastio_endpoint_info *row = fastio_endpoint_get(ep);
    json_t *v;
    if (response == NULL || row == NULL || row->result_key[0] == '\0')
        return response;
    v = json_object_get(response, row->result_key);
    return v != NULL ? v : response;
}
