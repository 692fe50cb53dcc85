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

#include <jansson.h>

#include "fastio/endpoints.h"
#include "fastio/export.h"
#include "fastio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FASTIO_VERSION "0.1.0"
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

enum fastio_endpoint {
#define FASTIO_EP_ENUM_(id, m, p, a, r, path, key) FASTIO_EP_##id,
    FASTIO_ENDPOINT_LIST(FASTIO_EP_ENUM_)
#undef FASTIO_EP_ENUM_
        FASTIO_EP_COUNT_
};

struct fastio_endpoint_info {
    const char *name; /* "ORG_CREATE" */
    enum fastio_method method;
    enum fastio_params_kind params;
    enum fastio_auth_kind auth;
    enum fastio_retry_kind retry;
    const char *path;       /* template with "{}" placeholders */
    const char *result_key; /* "" = whole body */
    unsigned path_args;     /* number of "{}" in path */
};

/* The row of an endpoint; NULL for an out-of-range value. Borrowed, static. Thread-safe. */
FASTIO_API const struct fastio_endpoint_info *fastio_endpoint_get(enum fastio_endpoint ep);
/* Look an endpoint up by its name ("ORG_CREATE", case-insensitive); -1 when unknown. */
FASTIO_API int fastio_endpoint_find(const char *name);
/* "GET", "POST", ... */
FASTIO_API const char *fastio_method_name(enum fastio_method m);

/* ---- the client --------------------------------------------------------------------------- */

/* Receives one JSON log line (no trailing newline) per request attempt; secrets are redacted.
 * Called on the thread that made the request. */
typedef void (*fastio_log_fn)(void *userdata, const char *json_line);

struct fastio_config {
    const char *base_url;    /* API base including "/current"; NULL = FASTIO_DEFAULT_BASE_URL */
    const char *token;       /* Bearer token: API key, JWT or OAuth access token; NULL = none */
    const char *user_agent;  /* NULL = "fastio-c/" FASTIO_VERSION */
    long connect_timeout_ms; /* default 30000 */
    long timeout_ms;         /* whole-request timeout; default 120000; 0 = none */
    size_t max_response_bytes; /* responses larger than this fail with TOO_LARGE; default 64 MiB */
    fastio_log_fn log;       /* optional */
    void *log_userdata;
};

/* Fill cfg with the defaults above. */
FASTIO_API void fastio_config_init(struct fastio_config *cfg);

/* Create a client; every string of cfg is copied. Returns NULL on failure (err says why:
 * INVALID for a malformed base URL, NOMEM). Free with fastio_client_free(). */
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
/* Each wraps fastio_call() for one row and returns the row's result value (OWNED). */

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

#ifdef __cplusplus
}
#endif
#endif
