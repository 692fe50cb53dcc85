/* SPDX-License-Identifier: MIT */
/* fastio/fastio.h - libfastio, the C client of the Fast.io REST API.
 *
 * Conventions for every function below:
 *  - Functions that can fail return enum fastio_status and fill the optional struct fastio_error
 *    (pass NULL if you only want the status). On success the error is cleared.
 *  - JSON results are jansson values. Every json_t ** output is OWNED by the caller on success
 *    (release with json_decref); it is set to NULL on failure. Output pointers may be NULL when
 *    the caller does not want the result.
 *  - Strings returned through char ** are owned by the caller: release with fastio_free().
 *  - Input strings are borrowed for the duration of the call only.
 *  - A struct fastio_client is not thread-safe: use one client per thread (separate clients may
 *    be used concurrently from different threads once fastio_global_init() has returned).
 *  - Identifiers (org, workspace, node, key ids) are opaque strings; orgs may also be named by
 *    their domain and workspaces by their folder_name, as the API allows (api §1.1).
 */
#ifndef FASTIO_FASTIO_H
#define FASTIO_FASTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fastio/endpoints.h"
#include "fastio/export.h"
#include "fastio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FASTIO_VERSION "0.1.0"
/* The version of the library actually linked ("0.1.0"): compare with FASTIO_VERSION, the
 * version of the header compiled against. Static string; thread-safe. */
FASTIO_API const char *fastio_version(void);
#define FASTIO_DEFAULT_BASE_URL "https://api.fast.io/current"

/* ---- process-wide set-up ------------------------------------------------------------------ */

/* Initialise libcurl and OpenSSL once per process, before any other thread uses libfastio.
 * Safe to call more than once (reference counted). Not thread-safe itself. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_global_init(void);
/* Undo one fastio_global_init(); the last call releases libcurl. */
FASTIO_API void fastio_global_cleanup(void);

/* Release memory returned by libfastio through char ** outputs. NULL is a no-op. */
FASTIO_API void fastio_free(void *p);

/* ---- the endpoint table ------------------------------------------------------------------- */

enum fastio_method {
    FASTIO_METHOD_GET,
    FASTIO_METHOD_POST,
    FASTIO_METHOD_PUT,
    FASTIO_METHOD_PATCH,
    FASTIO_METHOD_DELETE
};
enum fastio_params_kind { FASTIO_PARAMS_QUERY, FASTIO_PARAMS_FORM, FASTIO_PARAMS_JSON, FASTIO_PARAMS_NONE };
enum fastio_auth_kind { FASTIO_AUTH_NONE, FASTIO_AUTH_BEARER, FASTIO_AUTH_BASIC };
enum fastio_retry_kind { FASTIO_RETRY_SAFE, FASTIO_RETRY_UNSAFE };

/* The highest row id plus one: the size of a union with one member of NUM + 1 bytes per row, so
 * it follows the rows without a hand-kept count (ids are explicit, see fastio/endpoints.h). */
union fastio_endpoint_span_ {
#define FASTIO_EP_SPAN_(id, num, m, p, a, r, path, key, doc, params) char ep_##id[(num) + 1];
    FASTIO_ENDPOINT_LIST(FASTIO_EP_SPAN_, FASTIO_EP_SPAN_)
#undef FASTIO_EP_SPAN_
};

/* Endpoint ids: explicit and append-only (fastio/endpoints.h), so a new row never changes the
 * value of an existing one. An id below FASTIO_EP_COUNT_ that no row uses (a removed row) is a
 * gap: fastio_endpoint_get() returns NULL for it. */
enum fastio_endpoint {
#define FASTIO_EP_ENUM_(id, num, m, p, a, r, path, key, doc, params) FASTIO_EP_##id = (num),
    FASTIO_ENDPOINT_LIST(FASTIO_EP_ENUM_, FASTIO_EP_ENUM_)
#undef FASTIO_EP_ENUM_
        FASTIO_EP_COUNT_ = (int)sizeof(union fastio_endpoint_span_)
};

/* Value type of a parameter (fastio/endpoints.h "TYPE"). Append-only. */
enum fastio_param_type {
    FASTIO_PARAM_STRING,
    FASTIO_PARAM_INT,     /* decimal, >= 0 */
    FASTIO_PARAM_BOOL,    /* "true" | "false" */
    FASTIO_PARAM_ENUM,    /* one of the '|'-separated choices */
    FASTIO_PARAM_ID,      /* an opaque id, or a name the API accepts in its place (api §1.1) */
    FASTIO_PARAM_JSON,    /* a JSON document sent as one string */
    FASTIO_PARAM_NAME,    /* a file or folder name */
    FASTIO_PARAM_DATETIME /* "YYYY-MM-DD HH:MM:SS UTC" */
};

/* Where a parameter travels. Append-only. */
enum fastio_param_in {
    FASTIO_PARAM_IN_PATH,     /* fills a "{}" of the path; path parameters come in path order */
    FASTIO_PARAM_IN_QUERY,    /* URL query */
    FASTIO_PARAM_IN_FORM,     /* x-www-form-urlencoded body */
    FASTIO_PARAM_IN_JSON,     /* member of a JSON object body */
    FASTIO_PARAM_IN_MULTIPART, /* part of a multipart body (sent by the transfer engine) */
    FASTIO_PARAM_IN_RAW        /* the whole request body, as bytes (sent by the transfer engine) */
};

/* One parameter of a row. Static data: every pointer is borrowed for the life of the process. */
struct fastio_param_info {
    const char *name; /* wire name, e.g. "billing_email" */
    enum fastio_param_type type;
    enum fastio_param_in in;
    bool required;       /* the server refuses the call without it */
    const char *choices; /* "a|b|c" when the contract fixes the values; NULL otherwise */
    const char *doc;     /* one line */
};

/* One row. Fields are only ever appended (applications read this struct from the library, so
 * an older application still finds its fields at the same offsets). */
struct fastio_endpoint_info {
    const char *name; /* "ORG_CREATE" */
    enum fastio_method method;
    enum fastio_params_kind params;
    enum fastio_auth_kind auth;
    enum fastio_retry_kind retry;
    const char *path;       /* template with "{}" placeholders */
    const char *result_key; /* "" = whole body */
    unsigned path_args;     /* number of "{}" in path */
    /* ---- appended with the parameter rows (issue 12) */
    const char *doc;                          /* one line saying what the endpoint does */
    const struct fastio_param_info *param_info; /* n_params entries (path ones in path order) */
    size_t n_params;
};

/* The row of an endpoint; NULL for an out-of-range value or a gap. Borrowed, static.
 * Thread-safe. */
FASTIO_API const struct fastio_endpoint_info *fastio_endpoint_get(enum fastio_endpoint ep);
/* Look an endpoint up by its name ("ORG_CREATE", case-insensitive); -1 when unknown. */
FASTIO_API int fastio_endpoint_find(const char *name);
/* The parameter of row `info` named `name` that travels outside the path (query, body or
 * multipart part); NULL when the row has none (or info is NULL). Borrowed, static. */
FASTIO_API const struct fastio_param_info *
fastio_endpoint_param(const struct fastio_endpoint_info *info, const char *name);
/* The k-th (0-based) path parameter of row `info`; NULL when k >= info->path_args. */
FASTIO_API const struct fastio_param_info *
fastio_endpoint_path_param(const struct fastio_endpoint_info *info, unsigned k);
/* "string", "int", "bool", "enum", "id", "json", "name", "datetime"; "unknown" otherwise. */
FASTIO_API const char *fastio_param_type_name(enum fastio_param_type t);
/* "path", "query", "form", "json", "multipart"; "unknown" otherwise. */
FASTIO_API const char *fastio_param_in_name(enum fastio_param_in in);
/* "GET", "POST", ... */
FASTIO_API const char *fastio_method_name(enum fastio_method m);

/* ---- the client --------------------------------------------------------------------------- */

/* Receives one JSON log line (no trailing newline) per request attempt; secrets are redacted.
 * Called on the thread that made the request. */
typedef void (*fastio_log_fn)(void *userdata, const char *json_line);

/* The largest token a token provider may return, including the NUL. */
#define FASTIO_TOKEN_MAX 8192

/* Supplies the Bearer token of each call (it takes precedence over cfg.token); installed as
 * cfg.token_provider. Called on the thread making the call, before the first attempt of every
 * call on a BEARER row with rejected = NULL ("the current token"), and at most once more per
 * call with rejected = the token that just earned a 401 ("refresh unless someone already
 * did"); after that second answer the call is repeated once. Write the token, NUL-terminated,
 * into buf (size FASTIO_TOKEN_MAX); an empty string means "no token". Return OK, or a status
 * (with err filled) that ends the call, typically AUTH. A provider shared by several clients
 * must be thread-safe; fastio_token_store_provider() is one. */
typedef enum fastio_status (*fastio_token_fn)(void *userdata, const char *rejected, char *buf,
                                              size_t size, struct fastio_error *err);

/* ABI rule of the config structs (docs/decisions.md D-005). A long-lived config struct
 * (fastio_config, fastio_call_opts, fastio_token_store_config here; fastio_transfer_config,
 * fastio_login_opts, fastio_event_filter, fastio_credentials_opts,
 * fastio_profile_tokens_config in the other headers) starts with `size_t struct_size`, set by its
 * `*_init()`: always call `*_init()` before setting fields, never zero-fill it yourself. `*_init()`
 * is a static inline that passes the struct's size as your compiler sees it to the exported
 * `*_init_sized()`, so a library newer than your header writes only the bytes your struct has.
 * The library reads only the first struct_size bytes: a field added after your header was
 * written keeps its default. Fields are only appended. Refused with FASTIO_INVALID: struct_size
 * 0 (not initialised), or a struct larger than the library knows whose extra bytes are not all
 * zero (you set a field this older library does not have; all-zero extra bytes, i.e. those
 * fields at their defaults, are accepted). The small per-call structs (fastio_page,
 * fastio_list_opts, fastio_signup, fastio_apikey_opts, fastio_org_opts, fastio_workspace_opts,
 * fastio_oauth_code_grant, fastio_upload_spec, fastio_download_spec, fastio_lock_opts) have no
 * size field: fields are only appended and an appended field's zero means "the default", so
 * zero-fill them (`= {0}` or designated initialisers) and a field added later reads as its
 * default. (Two older fields predate this: fastio_workspace_opts.intelligence, where 0 is
 * "false" and -1 "not sent", and fastio_upload_spec.fd, read only when path is NULL.) */

struct fastio_config {
    size_t struct_size;      /* set by fastio_config_init(); see the ABI rule above */
    const char *base_url;    /* API base including "/current"; NULL = FASTIO_DEFAULT_BASE_URL */
    const char *token;       /* Bearer token: API key, JWT or OAuth access token; NULL = none */
    const char *user_agent;  /* NULL = "fastio-c/" FASTIO_VERSION */
    long connect_timeout_ms; /* default 30000 */
    long timeout_ms;         /* whole-request timeout; default 120000; 0 = none */
    size_t max_response_bytes; /* responses larger than this fail with TOO_LARGE; default 64 MiB */
    fastio_log_fn log;       /* optional */
    void *log_userdata;
    /* ---- retries (decisions.md "Retries, deadlines, logs"); a zeroed struct never retries */
    int max_retries;         /* repeats after the first attempt; default 4; 0 = none */
    long backoff_base_ms;    /* first backoff ceiling; default 250 (0 = default) */
    long backoff_cap_ms;     /* largest backoff ceiling; default 20000 (0 = default) */
    long max_retry_wait_ms;  /* a 429/503 asking for a longer wait is returned, not waited;
                                default 60000 (0 = default) */
    fastio_token_fn token_provider; /* optional; see fastio_token_fn */
    void *token_provider_userdata;
    /* ---- TLS (D-125) */
    const char *ca_file;     /* PEM bundle of the CAs that verify the server's certificate
                                (https:// only), e.g. a private CA or a self-signed server's own
                                certificate, in place of libcurl's bundle file (a CA directory
                                libcurl was built with is still read, as by curl --cacert);
                                NULL = the system bundle. Checked at fastio_client_new()
                                (INVALID naming the path when it cannot be read or holds no
                                certificate), then used by every request of the client, the
                                transfer engine's included. Verification is never turned off. */
};

/* Fill the first size bytes of cfg with the defaults above and set struct_size = size (the ABI
 * rule above). Use fastio_config_init(). NULL is a no-op. */
FASTIO_API void fastio_config_init_sized(struct fastio_config *cfg, size_t size);
/* Fill cfg with the defaults above; struct_size = sizeof(*cfg) as this header has it. */
static inline void fastio_config_init(struct fastio_config *cfg)
{
    fastio_config_init_sized(cfg, sizeof(*cfg));
}

/* Create a client; every string of cfg is copied. Returns NULL on failure (err says why:
 * INVALID for a malformed base URL, an unreadable ca_file or a cfg not set up by
 * fastio_config_init(), NOMEM). cfg NULL = the defaults. Free with fastio_client_free().
 * A server certificate that does not verify fails a call with NETWORK, not retried, and an
 * err->message starting "TLS certificate verification failed". */
FASTIO_API FASTIO_NODISCARD struct fastio_client *fastio_client_new(const struct fastio_config *cfg,
                                                                   struct fastio_error *err);
/* Free a client and everything it owns. NULL is a no-op. */
FASTIO_API void fastio_client_free(struct fastio_client *c);

/* Replace the Bearer token (NULL clears it). The string is copied. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_client_set_token(struct fastio_client *c,
                                                                      const char *token,
                                                                      struct fastio_error *err);
/* The base URL in use; borrowed, valid until the client is freed. */
FASTIO_API const char *fastio_client_base_url(const struct fastio_client *c);

/* ---- the generic request path ------------------------------------------------------------- */

/* A name/value parameter. Sent as query, form field or JSON string member according to the
 * endpoint's PARAMS kind. Values are sent as given (booleans as "true"/"false"). */
struct fastio_param {
    const char *name;
    const char *value;
};

/* Send one request described by an endpoint row and decode its envelope (api §1.3).
 *  path_args: n_path_args strings for the "{}" of the path (must equal the row's path_args).
 *  params:    n_params parameters; NULL values are skipped.
 *  response:  on success the decoded body, OWNED: the "response" wrapper is removed when
 *             present and "result", "current_api_version" and "server_date" are dropped.
 * Failures: INVALID (bad arguments), NETWORK, TIMEOUT, PROTOCOL (not an envelope), and for API
 * errors a status mapped from the HTTP status and API code (AUTH, FORBIDDEN, NOT_FOUND, CONFLICT,
 * RATE_LIMITED, TOO_LARGE, PAYMENT, SERVER, INVALID, API_ERROR) with err->api_code and err->message. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_call(struct fastio_client *c, enum fastio_endpoint ep, const char *const *path_args,
            size_t n_path_args, const struct fastio_param *params, size_t n_params,
            json_t **response, struct fastio_error *err);

/* The value of the endpoint's result key in a response from fastio_call(), or the response
 * itself when the key is "" or absent. Borrowed from response. */
FASTIO_API json_t *fastio_result(json_t *response, enum fastio_endpoint ep);

/* ---- typed wrappers ----------------------------------------------------------------------- */
/* Each wraps fastio_call() for one row and returns the row's result value (OWNED). The wire
 * names, where each value travels and which ones are required come from the row (its
 * param_info); a missing required argument is INVALID before anything is sent. An endpoint
 * without a typed function here is called through its row: fastio_call() + fastio_result(). */

FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_ping(struct fastio_client *c, json_t **out,
                                                           struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_system_status(struct fastio_client *c,
                                                                    json_t **out,
                                                                    struct fastio_error *err);

struct fastio_signup {
    const char *email;      /* required */
    const char *password;   /* required */
    const char *first_name; /* optional */
    const char *last_name;  /* optional */
    bool agent;             /* account_type "agent" (permanent; needed to mint transfer tokens) */
};
/* POST /user/ (api §2.1). The answer is the same for new and existing emails. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_user_signup(struct fastio_client *c,
                                                                  const struct fastio_signup *s,
                                                                  json_t **out,
                                                                  struct fastio_error *err);
/* GET /user/auth/ with Basic credentials (api §2.2). On success *token (OWNED, fastio_free)
 * holds the bearer token and *expires_in (may be NULL) its lifetime in seconds. The client's
 * own token is not changed: call fastio_client_set_token() to use it. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_user_signin(struct fastio_client *c, const char *email, const char *password, char **token,
                   long *expires_in, struct fastio_error *err);
/* GET /user/auth/check/: *user_id (OWNED) is the caller's id. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_auth_check(struct fastio_client *c,
                                                                 char **user_id,
                                                                 struct fastio_error *err);
/* GET /user/me/details/: *user is the "user" object. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_user_me(struct fastio_client *c,
                                                              json_t **user,
                                                              struct fastio_error *err);

struct fastio_apikey_opts {
    const char *memo;       /* label */
    const char *scopes;     /* JSON array string, e.g. "[\"org:123:rw\"]"; NULL = full access */
    const char *agent_name; /* optional */
    const char *expires;    /* "YYYY-MM-DD HH:MM:SS UTC"; NULL = never; "" clears on update */
};
/* POST /user/auth/key/: *out holds "api_key" (the secret, shown only once) and "key". */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_apikey_create(struct fastio_client *c, const struct fastio_apikey_opts *o, json_t **out,
                     struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_apikey_list(struct fastio_client *c,
                                                                  json_t **keys,
                                                                  struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_apikey_get(struct fastio_client *c,
                                                                 const char *key_id, json_t **key,
                                                                 struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_apikey_update(struct fastio_client *c, const char *key_id,
                     const struct fastio_apikey_opts *o, json_t **key, struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_apikey_delete(struct fastio_client *c,
                                                                    const char *key_id,
                                                                    struct fastio_error *err);

/* Offset paging for lists (api §1.5); zeros mean the server defaults. */
struct fastio_page {
    long limit;
    long offset;
};

FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_org_list(struct fastio_client *c,
                                                               const struct fastio_page *pg,
                                                               json_t **orgs,
                                                               struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_org_list_external(struct fastio_client *c,
                                                                        const struct fastio_page *pg,
                                                                        json_t **orgs,
                                                                        struct fastio_error *err);
struct fastio_org_opts {
    const char *domain; /* required on create: 2-80 chars, [a-z0-9-] */
    const char *name;
    const char *description;
    const char *industry;
    const char *billing_email;
};
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_org_create(struct fastio_client *c,
                                                                 const struct fastio_org_opts *o,
                                                                 json_t **org,
                                                                 struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_org_details(struct fastio_client *c,
                                                                  const char *org, json_t **out,
                                                                  struct fastio_error *err);
/* POST /org/{org}/update/ with any of the contract's wire keys as params. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_org_update(struct fastio_client *c, const char *org, const struct fastio_param *fields,
                  size_t n_fields, json_t **out, struct fastio_error *err);
/* POST /org/{org}/close/; confirm must equal the org's domain or id. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_org_close(struct fastio_client *c,
                                                                const char *org,
                                                                const char *confirm,
                                                                struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_org_workspaces(struct fastio_client *c,
                                                                     const char *org,
                                                                     const struct fastio_page *pg,
                                                                     json_t **workspaces,
                                                                     struct fastio_error *err);

struct fastio_workspace_opts {
    const char *name;               /* required on create */
    const char *folder_name;        /* required on create: [a-z0-9-], unique */
    const char *description;
    const char *perm_join;          /* "Member or above" | "Admin or above" | "Only Org Owners" */
    const char *perm_member_manage; /* "Member or above" | "Admin or above" */
    int intelligence;               /* -1 = not sent, 0 = false, 1 = true (create needs 0/1) */
};
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_workspace_create(struct fastio_client *c, const char *org,
                        const struct fastio_workspace_opts *o, json_t **workspace,
                        struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_workspace_list(struct fastio_client *c,
                                                                     const struct fastio_page *pg,
                                                                     json_t **workspaces,
                                                                     struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_workspace_details(struct fastio_client *c,
                                                                        const char *ws,
                                                                        json_t **workspace,
                                                                        struct fastio_error *err);
/* Only the non-NULL fields of o (and intelligence when >= 0) are sent. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_workspace_update(struct fastio_client *c, const char *ws,
                        const struct fastio_workspace_opts *o, json_t **workspace,
                        struct fastio_error *err);
/* DELETE /workspace/{ws}/delete/?confirm=; confirm must equal the folder_name or id. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_workspace_delete(struct fastio_client *c,
                                                                       const char *ws,
                                                                       const char *confirm,
                                                                       struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_workspace_archive(struct fastio_client *c,
                                                                        const char *ws,
                                                                        bool archive,
                                                                        json_t **workspace,
                                                                        struct fastio_error *err);

/* Cursor paging for folder and trash listings (api §1.5). NULL/0 = server default. */
struct fastio_list_opts {
    const char *sort_by;  /* name | updated | created | type */
    const char *sort_dir; /* asc | desc */
    int page_size;        /* 100, 250 or 500 */
    const char *cursor;   /* next_cursor of the previous page */
};
/* List a folder ("root" for the top). *nodes is the array of node objects; *next_cursor (OWNED,
 * may be NULL arg) is set to the cursor of the next page, or NULL on the last page. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_storage_list(struct fastio_client *c, const char *ws, const char *folder,
                    const struct fastio_list_opts *o, json_t **nodes, char **next_cursor,
                    struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_storage_trash_list(struct fastio_client *c, const char *ws, const struct fastio_list_opts *o,
                          json_t **nodes, char **next_cursor, struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_storage_details(struct fastio_client *c,
                                                                      const char *ws,
                                                                      const char *node,
                                                                      json_t **out,
                                                                      struct fastio_error *err);
/* Bulk details of 1-25 ids (api §4.2): *out is the whole "multi" body (nodes, errors, counts).
 * When every id failed the server answers 404 with a bulk body; this returns NOT_FOUND and still
 * sets *out to that body. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_storage_details_bulk(struct fastio_client *c, const char *ws, const char *const *ids,
                            size_t n_ids, json_t **out, struct fastio_error *err);
/* The node a path names in workspace ws (api §4.2: there is no lookup by path, so the path is
 * walked from the root one listing per folder, every page, at most 256 components). path:
 * "/reports/2026/q3.pdf" or "reports/2026" (the same); "" and "/" are the root; "." and ".."
 * components are refused (INVALID). *node_id (OWNED, fastio_free; may be NULL arg) gets the
 * node's id ("root" for the root); *node (OWNED; may be NULL arg) the node object as its
 * folder listed it (NULL for the root). NOT_FOUND with a message naming the missing component
 * and the folder it was looked for in (also when a component before the last is a file). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_storage_resolve(struct fastio_client *c, const char *ws, const char *path, char **node_id,
                       json_t **node, struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_storage_create_folder(struct fastio_client *c, const char *ws, const char *parent,
                             const char *name, bool force, json_t **node,
                             struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_storage_move(struct fastio_client *c,
                                                                   const char *ws,
                                                                   const char *node,
                                                                   const char *to_parent,
                                                                   json_t **out,
                                                                   struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_storage_copy(struct fastio_client *c,
                                                                   const char *ws,
                                                                   const char *node,
                                                                   const char *to_parent,
                                                                   json_t **out,
                                                                   struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_storage_rename(struct fastio_client *c,
                                                                     const char *ws,
                                                                     const char *node,
                                                                     const char *new_name,
                                                                     json_t **out,
                                                                     struct fastio_error *err);
/* Soft delete into the trash. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_storage_delete(struct fastio_client *c,
                                                                     const char *ws,
                                                                     const char *node,
                                                                     struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_storage_restore(struct fastio_client *c,
                                                                      const char *ws,
                                                                      const char *node,
                                                                      json_t **out,
                                                                      struct fastio_error *err);
/* Permanently delete a node that is in the trash. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_storage_purge(struct fastio_client *c,
                                                                    const char *ws,
                                                                    const char *node,
                                                                    struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_storage_trash_empty(struct fastio_client *c,
                                                                          const char *ws,
                                                                          struct fastio_error *err);

/* ---- cancellation, deadlines and per-call options (issue 4) ----------------------------------
 * Every call may be bounded by a deadline and stopped by a cancel token. The plain functions
 * above take the client's default options (fastio_client_set_call_opts, none unless set);
 * fastio_call_ex() takes its own. A cancelled call ends with FASTIO_CANCELLED within about
 * 100 ms (transfers are polled in 25 ms slices, waits between retries sleep in 10 ms slices);
 * a call still running at its deadline ends with FASTIO_TIMEOUT, and a retry wait that would
 * pass the deadline is not started: the last failure is returned instead. */

/* A cancel token (opaque). Created and freed by the application; it may be shared by several
 * calls and clients, and outlives every call that uses it. */
struct fastio_cancel;

/* A new, untriggered token; NULL when out of memory. Free with fastio_cancel_free(). */
FASTIO_API FASTIO_NODISCARD struct fastio_cancel *fastio_cancel_new(void);
/* Free a token no call is using any more. NULL is a no-op. */
FASTIO_API void fastio_cancel_free(struct fastio_cancel *t);
/* Trigger the token: every call using it stops. Async-signal-safe and thread-safe (one atomic
 * store); may be called from any thread, any number of times. NULL is a no-op. */
FASTIO_API void fastio_cancel_trigger(struct fastio_cancel *t);
/* Untrigger it so it can be used again (for a resumed transfer). Thread-safe. */
FASTIO_API void fastio_cancel_reset(struct fastio_cancel *t);
/* Whether the token is triggered; false for NULL. Thread-safe. */
FASTIO_API bool fastio_cancel_is_set(const struct fastio_cancel *t);

/* The monotonic clock of deadlines, in milliseconds (not wall time). Thread-safe. */
FASTIO_API int64_t fastio_now_ms(void);

struct fastio_call_opts {
    size_t struct_size;           /* set by fastio_call_opts_init(); ABI rule above */
    int64_t deadline_ms;          /* absolute, on the fastio_now_ms() clock; 0 = none */
    long timeout_ms;              /* relative to the start of the call; 0 = none; with both,
                                     the earlier one wins. Covers every attempt and wait. */
    struct fastio_cancel *cancel; /* borrowed; NULL = none */
    int max_retries;              /* -1 = the client's cfg.max_retries */
};

/* Fill the first size bytes of o with the defaults; use fastio_call_opts_init(). */
FASTIO_API void fastio_call_opts_init_sized(struct fastio_call_opts *o, size_t size);
/* Fill o with "no deadline, no cancel token, the client's retries" (struct_size = sizeof). */
static inline void fastio_call_opts_init(struct fastio_call_opts *o)
{
    fastio_call_opts_init_sized(o, sizeof(*o));
}

/* Set the options every later call on c uses unless it passes its own (fastio_call_ex):
 * the typed wrappers get deadlines and cancellation this way. The struct is copied; the cancel
 * token is borrowed and must outlive its use. A relative timeout_ms restarts with each call.
 * NULL restores "none". Returns OK or INVALID (c NULL, negative timeout, opts not set up by
 * fastio_call_opts_init()). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_client_set_call_opts(struct fastio_client *c, const struct fastio_call_opts *opts,
                            struct fastio_error *err);

/* fastio_call() with explicit options (NULL = the client's defaults). Besides the statuses of
 * fastio_call(): CANCELLED (the token was triggered), TIMEOUT (the deadline passed), INVALID
 * (opts not set up by fastio_call_opts_init()). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_call_ex(struct fastio_client *c, enum fastio_endpoint ep, const char *const *path_args,
               size_t n_path_args, const struct fastio_param *params, size_t n_params,
               const struct fastio_call_opts *opts, json_t **response, struct fastio_error *err);

/* The x-request-id sent with the last call on c (32 hex characters; "" before the first call):
 * the same for every attempt of one call, so it joins client log lines and server logs.
 * Borrowed: valid until the next call on c. */
FASTIO_API const char *fastio_client_last_request_id(const struct fastio_client *c);

/* ---- OAuth 2.0 + PKCE (api §2.5) ------------------------------------------------------------ */

/* A PKCE pair and state for one authorization request (RFC 7636, S256 only). Plain data;
 * wipe it (explicit_bzero) when done: the verifier is a secret until the code is exchanged. */
struct fastio_pkce {
    char verifier[44];  /* base64url of 32 random bytes, 43 characters */
    char challenge[44]; /* base64url(SHA-256(verifier)), 43 characters */
    char state[33];     /* 32 hex characters (16 random bytes), checked on the redirect */
};

/* Fill p with a fresh verifier, its challenge and a state, from getrandom(2).
 * Returns OK, INVALID (p NULL) or IO (no randomness or no SHA-256). Thread-safe. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_pkce_new(struct fastio_pkce *p,
                                                               struct fastio_error *err);
/* The S256 challenge of a verifier (43-128 characters of [A-Za-z0-9-._~], RFC 7636 §4.1)
 * into challenge (size >= 44). Returns OK, INVALID or IO. Thread-safe. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_pkce_challenge(const char *verifier, char *challenge, size_t size, struct fastio_error *err);

/* The answer of POST /oauth/token/ (a plain OAuth body, not an envelope). Strings OWNED;
 * release with fastio_oauth_tokens_release(), which wipes them. */
struct fastio_oauth_tokens {
    char *access_token;
    char *token_type;    /* "Bearer" */
    char *refresh_token; /* NULL when none was issued */
    char *scope;         /* "scope" or "scopes" as sent; NULL when absent */
    long expires_in;     /* seconds; 0 when absent */
};
/* Wipe and free the strings and zero *t; NULL is a no-op. Safe on a zeroed struct. */
FASTIO_API void fastio_oauth_tokens_release(struct fastio_oauth_tokens *t);

struct fastio_oauth_code_grant {
    const char *code;          /* required: from the redirect or pasted by the user */
    const char *code_verifier; /* required: fastio_pkce.verifier */
    const char *client_id;     /* required, e.g. "fastio-cli" */
    const char *redirect_uri;  /* required: exactly the one sent to /oauth/authorize/ */
    const char *device_name;   /* optional */
    const char *device_type;   /* optional, e.g. "cli" */
};

/* POST /oauth/token/ grant_type=authorization_code (api §2.5 step 5). On success *out holds
 * the tokens (OWNED; release it); on failure it is zeroed. OAuth errors {error,
 * error_description} map to AUTH (invalid_grant, invalid_client, unauthorized_client),
 * INVALID (invalid_request, unsupported_grant_type, invalid_scope), RATE_LIMITED, SERVER or
 * API_ERROR, with err->message "<error>: <description>". Never retried except on 429 or a
 * failure before sending (a code is single-use). Same threading rule as every client call. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_oauth_token_exchange(struct fastio_client *c, const struct fastio_oauth_code_grant *g,
                            struct fastio_oauth_tokens *out, struct fastio_error *err);

/* POST /oauth/token/ grant_type=refresh_token (api §2.5 step 6). The server rotates refresh
 * tokens: out->refresh_token replaces the old one, which must not be used again (reuse is
 * detected and revokes the session). Statuses as for fastio_oauth_token_exchange(). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_oauth_token_refresh(struct fastio_client *c, const char *client_id,
                           const char *refresh_token, struct fastio_oauth_tokens *out,
                           struct fastio_error *err);

/* ---- a shared, self-refreshing token (issue 4) -----------------------------------------------
 * A token store holds an access token, its expiry and a refresh token behind a mutex. Install
 * it in any number of clients (cfg.token_provider = fastio_token_store_provider,
 * cfg.token_provider_userdata = store): each call gets the current token; a token within
 * refresh_skew_s of its expiry is refreshed first, and a 401 triggers one refresh that the
 * other clients share (a thread whose rejected token was already replaced just takes the new
 * one). Rotated tokens are handed to the persist callback under the lock, so the file on disk
 * follows the rotation; serialising refreshes between processes (flock on the credentials
 * file) is the application's part, done inside persist or around it. */

/* Called with the new tokens after each refresh, under the store's lock: save them (the
 * refresh token is single-use). expires_at is wall-clock Unix seconds (0 = unknown). A failure
 * status is returned to the call that triggered the refresh; the new tokens are kept in
 * memory anyway (the old refresh token is already spent). */
typedef enum fastio_status (*fastio_token_persist_fn)(void *userdata,
                                                     const struct fastio_oauth_tokens *tokens,
                                                     int64_t expires_at,
                                                     struct fastio_error *err);

struct fastio_token_store_config {
    size_t struct_size;        /* set by fastio_token_store_config_init(); ABI rule above */
    const char *base_url;      /* API base for the refresh call; NULL = default */
    const char *client_id;     /* required for refreshes, e.g. "fastio-cli" */
    const char *access_token;  /* may be NULL: then the first use refreshes */
    const char *refresh_token; /* NULL = cannot refresh (API key or basic JWT) */
    int64_t expires_at;        /* wall-clock Unix seconds; 0 = unknown (never refreshed early) */
    long refresh_skew_s;       /* refresh this long before expiry; 0 = 60 */
    fastio_token_persist_fn persist; /* optional */
    void *persist_userdata;
    fastio_log_fn log;         /* optional: the refresh call's attempt lines */
    void *log_userdata;
    const char *ca_file;       /* the refresh call's CA bundle (fastio_config.ca_file); NULL */
};

/* Fill the first size bytes of cfg with the defaults (every field 0/NULL); use
 * fastio_token_store_config_init(). */
FASTIO_API void fastio_token_store_config_init_sized(struct fastio_token_store_config *cfg,
                                                     size_t size);
/* Fill cfg with the defaults (struct_size = sizeof); call it before setting fields. */
static inline void fastio_token_store_config_init(struct fastio_token_store_config *cfg)
{
    fastio_token_store_config_init_sized(cfg, sizeof(*cfg));
}

/* A new store; strings copied. NULL on failure (err: INVALID for a cfg not set up by
 * fastio_token_store_config_init(), or without client_id when a refresh
 * token is given, or for a malformed base URL; NOMEM). Free with fastio_token_store_free(),
 * after every client using it. */
FASTIO_API FASTIO_NODISCARD struct fastio_token_store *
fastio_token_store_new(const struct fastio_token_store_config *cfg, struct fastio_error *err);
/* Wipe and free; NULL is a no-op. */
FASTIO_API void fastio_token_store_free(struct fastio_token_store *s);

/* A fastio_token_fn over a store (userdata = the store). Thread-safe. Returns OK, AUTH (no
 * token and nothing to refresh with, or the refresh was refused), or the refresh call's
 * status (NETWORK, TIMEOUT, ...). */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_token_store_provider(void *store,
                                                                           const char *rejected,
                                                                           char *buf, size_t size,
                                                                           struct fastio_error *err);
/* Refresh now, whatever the expiry (e.g. "fastio auth refresh"). Thread-safe. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_token_store_refresh(struct fastio_token_store *s,
                                                                          struct fastio_error *err);
/* Copy the current tokens out (OWNED, release with fastio_oauth_tokens_release; expires_in is
 * the seconds left, 0 when unknown or expired). Thread-safe. Returns OK or NOMEM. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_token_store_snapshot(struct fastio_token_store *s, struct fastio_oauth_tokens *out,
                            struct fastio_error *err);

#ifdef __cplusplus
}
#endif
#endif
