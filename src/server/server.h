/* SPDX-License-Identifier: MIT */
/* server.h - the shared core of fastio-server: configuration, the per-request context every
 * handler receives, the error/reply helpers that build the wire envelope (api §1.3), and the
 * role levels the router checks before any handler runs. Handlers live in h_<area>.c files, one
 * per API area, and are listed as rows in routes.def. */
#ifndef SRV_SERVER_H
#define SRV_SERVER_H

#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "buf.h"
#include "form.h"
#include "id.h"
#include "store.h"

struct store; /* the metadata store instance (store/store_backend.h); opaque here */

#include "api_codes.h"

#define SRV_API_VERSION "1.0"
#define SRV_DEFAULT_PORT 8787
#define SRV_DEFAULT_ADDR "127.0.0.1"
#define SRV_MAX_BODY (1024 * 1024)      /* non-upload bodies; api §1.2, docs/decisions.md D-006 */
#define SRV_MAX_FIELDS 100
#define SRV_MAX_HEADER_BYTES (16 * 1024) /* all header fields together */
#define SRV_MAX_HEADER_FIELDS 100
#define SRV_MAX_QUERY_ARGS 1000 /* more: 414 at once */
#define SRV_MAX_PATH_ARGS 6

/* Wire error codes: src/common/api_codes.h (shared with libfastio). */

enum srv_log_level { SRV_LOG_ERROR, SRV_LOG_WARN, SRV_LOG_INFO, SRV_LOG_DEBUG };

struct srv_config {
    char *data_dir;        /* owned */
    char listen_addr[64];  /* numeric IPv4/IPv6 address */
    uint16_t port;         /* 0 = any free port */
    enum srv_log_level log_level;
    unsigned threads;      /* libmicrohttpd worker threads */
    unsigned kdf_iterations; /* PBKDF2-HMAC-SHA256 iterations for new password hashes */
    long token_ttl_s;      /* lifetime of Basic sign-in tokens */
    long rate_max;         /* requests per window per caller; 0 = unlimited (headers still sent) */
    long rate_window_s;
    char *access_log_path; /* owned; NULL = stderr */
    char *smtp_url;        /* owned; NULL = mail stays in DATA/outbox (outbox.h) */
    char *smtp_from;       /* owned; NULL = OUTBOX_DEFAULT_FROM */
    int sync_policy;       /* enum blob_sync (blob.h): --sync=chunk|complete|none */
    bool sendfile;         /* --sendfile: downloads by sendfile(2) rather than pread + send */
    long long min_chunk_size; /* bytes; every chunk but the last is at least this (api §5.1) */
    long oauth_access_ttl_s;  /* OAuth lifetimes (api §2.5): access 1 h, refresh 30 days, */
    long oauth_refresh_ttl_s; /* code 5 min, pending authorization request 10 min */
    long oauth_code_ttl_s;
    long oauth_request_ttl_s;
    char *public_url;      /* owned; OAuth issuer/base URL; NULL = http://<listen address> */
    bool test_faults;      /* --enable-test-faults: /current/test/faults/ exists (faults.h) */
    long lock_time_scale;  /* --lock-time-scale (tests): lock durations pass N times faster */
    unsigned max_conns;          /* --max-connections: open connections (default 1000) */
    unsigned max_conns_per_ip;   /* --max-connections-per-ip (default 256; 0 = no limit) */
    long header_timeout_s;       /* --header-timeout: request headers complete within (10 s) */
    long body_timeout_s;         /* --body-timeout: a body brings 4 KiB (or ends) within (30 s) */
    /* Quotas and upload-session limits (docs/server.md "Quotas", D-080); 0 = no quota */
    long long user_quota;        /* --user-quota: bytes a user's stored versions + open sessions */
    long long org_quota;         /* --org-quota: bytes an org's stored versions + open sessions */
    long max_sessions;           /* --max-sessions: open upload sessions per user (1000) */
    long long sessions_size_max; /* --sessions-size-max: declared bytes of them (4 TiB) */
    long long disk_reserve;      /* --disk-reserve: free bytes file writes never take (64 MiB) */
    long upload_ttl_s;           /* --upload-ttl: an upload session expires after (86400 s) */
    long sweep_interval_s;       /* --sweep-interval: expired sessions removed every (60 s) */
    int signup;                  /* --signup: enum srv_signup (D-081) */
    /* MCP (src/server/mcp, api §10.1) */
    int mcp_mode;                /* --mcp-mode: 0 auto (from clientInfo.name), 1 named, 2 code */
    bool mcp_fixtures;           /* --mcp-conformance-fixtures: the conformance suite's test_* */
    unsigned mcp_max_sessions;   /* --mcp-max-sessions (default 1000) */
    long mcp_idle_s;             /* --mcp-idle-timeout: seconds before an idle session ends */
    /* URL import (import/import.h): --import-allow (owned text, NULL = none), --import-max-bytes
     * (0 = the upload file-size limit), --import-timeout, --import-stall-timeout, --import-workers */
    char *import_allow;
    long long import_max_bytes;
    long import_timeout_s;
    long import_stall_s;
    unsigned import_workers;
    /* Operations (docs/server.md "Running it as a service", D-115..D-119) */
    int metrics;                 /* --metrics: enum srv_metrics_access (default local) */
    char *trusted_proxy;         /* owned: --trusted-proxy CIDR list; NULL = none */
    long long max_chunk_size;    /* --max-chunk-size: largest chunk accepted (UP_CHUNK_MAX) */
    char *tls_cert;              /* owned: --tls-cert PEM file; NULL = plain HTTP */
    char *tls_key;               /* owned: --tls-key PEM file */
    /* AI chat (intel/chat.h): --ai-workers, --llm-url, --llm-model, --llm-key-file (owned text,
     * NULL = none), --llm-timeout (0 = the default) */
    unsigned ai_workers;
    char *llm_url;
    char *llm_model;
    char *llm_key_file;
    long llm_timeout_s;
    /* Intelligence (intel/indexer.h): --intel-workers (0 = default), --intel-max-bytes,
     * --intel-timeout (0 = defaults) */
    unsigned intel_workers;
    long long intel_max_bytes;
    long intel_timeout_s;
    char *embed_url;   /* owned; --embed-url (NULL = no hybrid retrieval) */
    char *embed_model; /* owned; --embed-model (NULL = "default") */
};

/* The URL scheme the server answers on: https with --tls-cert (D-118). */
#define SRV_SCHEME(s) ((s)->cfg.tls_cert ? "https" : "http")

/* --metrics (D-116): who may read GET /metrics. */
enum srv_metrics_access {
    SRV_METRICS_LOCAL = 0, /* loopback peers only (the default) */
    SRV_METRICS_OFF,       /* 404 for everyone */
    SRV_METRICS_PUBLIC,    /* anyone who reaches the server */
};

/* --signup (D-081): who may make an account with POST /user/. */
enum srv_signup {
    SRV_SIGNUP_OPEN = 0, /* anyone; a code is mailed; unverified accounts work but cannot accept
                          * invitations or join an org by email domain (the default) */
    SRV_SIGNUP_VERIFIED, /* anyone; nothing but verification works until the code is entered */
    SRV_SIGNUP_CLOSED,   /* nobody (403 / 1670); existing accounts work as before */
};

struct ratelimit;
struct outbox_relay;
struct upload_state;
struct faults;
struct activity;
struct blob_ops;
struct blob_backend;
struct upload_sweep;
struct mcp_state;
struct importer;
struct metrics;
struct proxy_trust;
struct ai_engine;
struct intel_indexer;
struct server {
    struct srv_config cfg;
    struct store *store;   /* store_backend.h: the metadata store (main.c: SQLite) */
    struct ratelimit *rl;
    FILE *access_log;      /* not owned when stderr */
    void *mhd;             /* struct MHD_Daemon * */
    /* written once the daemon runs, when its threads already serve: atomic, read with
     * atomic_load (the OAuth pages name it in their URLs) */
    _Atomic uint16_t bound_port;
    int64_t started_us;
    struct outbox_relay *relay; /* outbox.c; NULL without --smtp-url */
    struct upload_state *up;    /* h_upload.c: chunks in flight per session */
    struct faults *faults;      /* faults.c: test-only fault injector */
    struct activity *act;       /* activity.c: long-poll keys and parked connections */
    const struct blob_ops *blob; /* blob.h: the byte store (main.c: blob_local_ops) */
    struct blob_backend *blob_state; /* its own state (blob_ops.start); NULL when it has none */
    struct upload_sweep *sweep;  /* upload_sweep.c: the expiry sweep thread */
    struct mcp_state *mcp;           /* src/server/mcp: MCP sessions, streams, staged blobs */
    struct importer *imp;       /* import/import.c: URL import workers; NULL until started */
    struct metrics *metrics;    /* http/metrics.c: GET /metrics counters (D-116) */
    struct proxy_trust *trust;  /* http/proxy.c: --trusted-proxy; NULL = none (D-118) */
    struct ai_engine *ai;       /* intel/chat.c: AI chat workers; NULL until started */
    struct intel_indexer *intel; /* intel/indexer.c: indexing workers; NULL until started */
};

/* Roles, ordered so that a higher value includes the lower ones (api §3.2, §3.5). */
enum role {
    ROLE_NONE = 0,
    ROLE_GUEST = 1,
    ROLE_MEMBER = 2,
    ROLE_ADMIN = 3,
    ROLE_OWNER = 4,
};
const char *role_name(enum role r);       /* "owner", "admin", "member", "guest", "none" */
enum role role_parse(const char *s);      /* ROLE_NONE for unknown words */

/* Who is calling: resolved from the Authorization header before the handler runs. */
struct caller {
    bool authed;
    char user_id[FIO_PROFILE_ID_SIZE];
    char email[256];
    bool via_api_key;
    char key_id[FIO_OPAQUE_ID_SIZE]; /* when via_api_key */
    bool via_oauth;
    char oauth_session[FIO_OPAQUE_ID_SIZE]; /* when via_oauth (h_oauth_sessions.c) */
};

/* A resolved org / workspace from the path and the caller's role in it. */
struct org_ctx {
    bool set;
    char id[FIO_PROFILE_ID_SIZE];
    char domain[81];
    enum role role;
};
struct ws_ctx {
    bool set;
    char id[FIO_PROFILE_ID_SIZE];
    char org_id[FIO_PROFILE_ID_SIZE];
    char folder_name[81];
    bool archived;
    enum role role;
};

struct srv_error {
    int http;        /* HTTP status, 0 = no error */
    long code;       /* API error code */
    char text[256];
    json_t *params;  /* owned; array or object; NULL = none */
};

struct route;
struct req {
    struct server *srv;
    const struct route *route;
    const char *method;          /* borrowed from MHD */
    char *path;                  /* owned: path below /current, e.g. "/org/123/details/" */
    char *args[SRV_MAX_PATH_ARGS]; /* owned: captured {x} segments, in pattern order */
    size_t nargs;
    struct fio_form query;       /* query-string arguments */
    struct fio_form form;        /* form body fields (x-www-form-urlencoded) */
    json_t *json;                /* JSON object body, when the body was JSON */
    struct fio_buf body;         /* raw body (bounded) */
    char content_type[128];
    const char *authz;           /* Authorization header, borrowed from MHD; NULL when absent */
    char client_ip[64];
    struct caller caller;
    struct org_ctx org;
    struct ws_ctx ws;
    struct store_conn *st;       /* the metadata store, acquired for the handler's duration */
    bool st_dispatch;            /* st is the router's (it gives it back), not req_conn.h's */
    json_t *out;                 /* owned: keys merged into the success envelope */
    int status_ok;               /* HTTP status on success; default 200 */
    struct srv_error err;
    int64_t start_us;            /* monotonic */
    size_t bytes_out;
    int http_status_sent;
    bool too_large;
    bool bad_query;              /* a query key/value held a NUL byte */
    bool discard_body;           /* an error is set mid-body: drop the rest, answer at the end */
    /* rate limit window of this caller, for the x-ve-limit-* headers (api §1.8) */
    bool rl_set;
    long rl_avail, rl_max;
    int64_t rl_expires; /* epoch seconds */
    /* Streaming bodies (routes flagged F_STREAM): the handler runs once the headers are in,
     * before any body byte is read, and sets stream (+ its own stream_ctx) to receive the body;
     * http.c then calls on_data for each piece libmicrohttpd hands over and on_finish at the
     * end, and on_free when the request is released (always, also after an error). */
    const struct req_stream *stream;
    void *stream_ctx;
    int64_t content_length; /* the Content-Length header; -1 when absent or unparsable */
    void *conn;             /* struct MHD_Connection * (request headers, e.g. Range), borrowed */
    /* Byte endpoints (downloads): a prepared struct MHD_Response * sent with status_ok instead
     * of the JSON envelope when the handler succeeds (owned; destroyed by http.c). */
    void *raw_response;
    /* Bodies outside the envelope (OAuth: RFC 6749/8414 JSON, the consent page, 302s): when
     * raw_type is set and no error is, raw_body (owned) is sent with status_ok; location
     * (owned) becomes a Location header. retry_after_s > 0 sets Retry-After (fault injector). */
    const char *raw_type;
    char *raw_body;
    char *location;
    int retry_after_s;
    /* Blob reclaim (blob.h blob_reclaim_*): a JSON array of version ids whose blobs are
     * unlinked once the handler's transaction has ended (owned; router.c runs and frees it). */
    char *reclaim;
    /* Activity (activity.h): keys noted by events_add, published by the router after the
     * commit, and the wait of a parked long-poll (owned; NULL until used). */
    struct activity_req *act;
    /* MCP (src/server/mcp): the kind of MCP path (enum mcp_kind, 0 = REST) and its state. */
    int mcp_kind;
    void *mcp_ctx;
};

typedef int (*handler_fn)(struct req *r);
struct req_stream {
    int (*on_data)(struct req *r, const char *data, size_t len); /* 0, or -1 with r->err set */
    int (*on_finish)(struct req *r);                             /* 0, or -1 with r->err set */
    void (*on_free)(struct req *r);                              /* may be NULL */
};

/* ---- parameters ---------------------------------------------------------------------------- */
/* A request parameter by name: the form body, then a JSON body's string/number/bool member,
 * then the query string. Borrowed; NULL when absent. Values are NUL-terminated C strings: a body
 * parameter with an embedded NUL byte is refused (400) before any handler runs. */
const char *req_param(struct req *r, const char *name);
/* Required string parameter: on absence sets a 400 "missing" error and returns NULL. */
const char *req_param_required(struct req *r, const char *name);
/* Boolean parameter ("true"/"false"/"1"/"0"/"yes"/"no"); *out = def when absent. Returns false
 * (with a 400 set) on any other value. */
bool req_param_bool(struct req *r, const char *name, bool def, bool *out);
/* Integer parameter within [min,max]; *out = def when absent; false (400 set) when invalid. */
bool req_param_int(struct req *r, const char *name, long long min, long long max, long long def,
                   long long *out);
/* Path argument i (0-based, in pattern order). */
const char *req_arg(struct req *r, size_t i);

/* ---- replies -------------------------------------------------------------------------------- */
/* Set an error and return -1 (so handlers can `return req_fail(...)`). */
int req_fail(struct req *r, int http, long code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 400 / 1605 with params [{name, kind, message, code}] (kind "missing" | "invalid"). */
int req_fail_param(struct req *r, const char *name, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Internal failure (logged with detail, generic text on the wire): 500 / 1605-less code 0. */
int req_fail_internal(struct req *r, const char *what);
/* Add a key to the success body (steals value). Returns 0, or -1 with a 500 on OOM. */
int req_set(struct req *r, const char *key, json_t *value);

/* Replace, in place, every byte that would make text invalid UTF-8 or a control character
 * with '?'. For texts that may quote client bytes. */
void srv_sanitize_text(char *text);

/* Log a server message (not the access log) at a level; printf-style. */
void srv_log(struct server *s, enum srv_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Timestamps as stored and shown: wall-clock microseconds and API text "YYYY-MM-DD HH:MM:SS". */
int64_t srv_now_us(void);
json_t *srv_time_json(int64_t wall_us); /* new reference: "YYYY-MM-DD HH:MM:SS UTC" string */

/* ---- start/stop (http.c) -------------------------------------------------------------------- */
/* A request context outside libmicrohttpd's callbacks (conn may be NULL): the MCP tool executor
 * runs each call as such a request through the router (src/server/mcp). */
struct req *srv_req_new(struct server *s, void *conn, const char *method);
void srv_req_free(struct req *r);
int srv_start(struct server *s);
void srv_stop(struct server *s);
/* Connections the slow-client guard cut so far (past a header or body deadline; GET /metrics). */
uint64_t srv_connections_cut(const struct server *s);
/* SIGHUP with TLS: load --tls-cert/--tls-key again (D-141); on failure the previous pair stays
 * in use. Logs the outcome; -1 on failure. Runs in the signal-waiting thread (main.c). */
int srv_tls_reload(struct server *s);
/* The served certificate's notAfter (seconds since the epoch; 0 without TLS) and how many
 * certificate generations are held (the served one and replaced ones still pinned by
 * connections opened before a reload); GET /metrics. */
int64_t srv_tls_not_after(const struct server *s, unsigned *held);

/* Bootstrap: on an empty database create the local owner account and write its API key to
 * <data>/owner.key (0600), using the connection st. Implemented in h_auth.c. */
int auth_bootstrap_owner(struct server *s, struct store_conn *st);
/* Write DATA/owner.url (0600): the URL the server listens on, which owner.key belongs to; the
 * client offers the key to that address only (D-089). 0 or -1. */
int auth_write_owner_url(const struct server *s, unsigned port);
/* Resolve a bearer token into a caller (h_auth.c). 0 when resolved, -1 when invalid. */
int auth_resolve_bearer(struct store_conn *st, const char *token, struct caller *out);
/* Check an email + password (h_auth.c; same timing for unknown emails). 0 and the user's id in
 * user_id when they match, -1 otherwise. Runs the slow KDF: call outside a write transaction. */
int auth_password_check(struct server *s, struct store_conn *st, const char *email,
                        const char *pw, char user_id[FIO_PROFILE_ID_SIZE]);

#endif
