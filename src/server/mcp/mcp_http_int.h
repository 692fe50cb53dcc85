/* SPDX-License-Identifier: MIT */
/* mcp_http_int.h - internal to the MCP transports (src/server/mcp/mcp_*.c, not the executor):
 * the process-wide MCP state, sessions, connection streams, the replay ring, staged blobs, and
 * the functions the transport files share. Locking: st->mu guards sessions, streams, the ring
 * and the blobs; functions named *_locked are called with it held.
 *
 *   mcp_session.c     sessions (table, refs, credentials) and the replay ring (D-121)
 *   mcp_stream.c      connection streams: the libmicrohttpd reader, pushes, numbered events,
 *                     opening a stream (new, attached, resumed)
 *   mcp_state.c       start/close/free, the sweeper, staged blobs, resource-update notices
 *   mcp_http.c        the request front: kinds, Host/Origin checks, answers, Bearer checks,
 *                     running a message body on a session
 *   mcp_live.c        live calls on their own threads (progress, log, asks, waits)
 *   mcp_streamable.c  Streamable HTTP: POST/GET/DELETE /mcp
 *   mcp_legacy.c      the 2024-11-05 HTTP+SSE transport: GET /sse, POST /messages (D-131)
 *   mcp_routes.c      side routes: POST /blob, GET /file/workspace/..., the RFC 9728 metadata */
#ifndef SRV_MCP_HTTP_INT_H
#define SRV_MCP_HTTP_INT_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "mcp.h"

#define STREAM_QUEUE_MAX (4 * 1024 * 1024) /* bytes waiting on one stream; more closes it */
#define KEEPALIVE_US (15 * 1000000LL)
#define CLOSE_WAIT_US (2 * 1000000LL)
/* Resumability (D-121, api §10.3): every event of a /mcp stream has an id "S-N" (S: the stream's
 * number in the session, N: the session's event counter); a session keeps its latest events for
 * a reconnecting GET with Last-Event-ID. */
#define RING_MAX_EVENTS 256
#define RING_MAX_BYTES (1024 * 1024)
#define RING_TTL_US (10 * 60 * 1000000LL)
#define RING_TOTAL_MAX (64 * 1024 * 1024) /* replay bytes of all sessions of the process */
#define RETRY_MS 500                      /* the retry: delay sent with a stream's priming event */
#define MCP_MAX_LIVE 128    /* live calls (own thread) in the server; more run in the handler */
#define SESS_MAX_LIVE 16    /* live calls of one session */
#define UPD_QUEUE_MAX 256   /* changed nodes waiting for resource-update notifications */
#define UPD_TARGETS_MAX 64  /* subscriptions notified per changed node */
#define LEGACY_RESUME_S 120 /* a legacy session without its /sse stream waits this long (D-131) */

struct mcp_stream;

/* One event kept for replay: the SSE text as sent (with its id line). */
struct mcp_ev {
    struct mcp_ev *next;
    unsigned sno;
    uint64_t n;
    bool last; /* the stream's final event (a call's response) */
    int64_t at_us;
    size_t len;
    char text[];
};

struct mcp_sess {
    char id[48];
    struct mcp_rpc_sess rpc;
    char token[1100];
    char auth_method[16]; /* api_key | jwt | oauth | bearer */
    char user_id[FIO_PROFILE_ID_SIZE];
    char email[256];
    char pkce_verifier[600];
    bool legacy; /* created by GET /sse */
    bool code_mode;
    bool dead; /* removed from the table; freed when refs reach 0 */
    int refs;
    int64_t last_us;     /* last activity (a request's arrival or end): the idle timeout */
    int64_t last_req_us; /* last request's arrival: the order in which a full table evicts */
    struct mcp_stream *stream;
    struct mcp_sess *next;
    /* Requests this server sent the client during a live call, waiting for its answer. */
    struct {
        char id[24];
        bool used;
        json_t *resp;
    } ask[4];
    unsigned ask_seq;
    /* Event ids and the replay ring (D-121). */
    unsigned sno_seq; /* stream numbers handed out */
    uint64_t ev_seq;  /* event numbers handed out */
    uint64_t lost_n;  /* the highest event number dropped from the ring */
    struct mcp_ev *ring, *ring_tail;
    size_t ring_n, ring_bytes;
    unsigned get_sno;                 /* the standalone GET stream's number (0: none yet) */
    unsigned live_sno[SESS_MAX_LIVE]; /* streams of calls still running (0: free slot) */
    char ip[64]; /* the client address that opened it (the rate limit of its update checks) */
};

struct mcp_stream {
    struct mcp_state *st;
    struct MHD_Connection *conn;
    struct fio_buf q;
    bool suspended;
    bool closed;
    struct mcp_sess *sess; /* holds a ref */
    int64_t last_write_us;
    struct mcp_stream *next; /* all live streams */
    int refs;                /* libmicrohttpd's response holds one; a live call's thread another */
    bool gone;               /* the response is destroyed: nothing reads the queue any more */
    unsigned sno; /* the session stream it carries (events with ids); 0: none (/sse, JSON) */
    bool json;    /* a JSON answer (no keep-alive comments) */
};

struct mcp_blob {
    char id[40];
    char owner[48]; /* session id */
    char *data;
    size_t len;
    int64_t expires_us;
    struct mcp_blob *next;
};

struct mcp_state {
    struct server *srv;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* sweeper tick and stream frees */
    pthread_t sweeper;
    bool thread_started;
    bool stop;
    bool closing;
    struct mcp_sess *sessions;
    size_t nsess;
    struct mcp_stream *streams;
    size_t nstreams;
    struct mcp_blob *blobs;
    size_t nblobs;
    size_t nlive; /* live call threads running */
    /* Nodes whose storage changed (activity keys "storage:{node}"), for the sweeper to tell
     * the sessions subscribed to download://workspace/{ws}/{node} (D-121). */
    char upd[UPD_QUEUE_MAX][64];
    size_t n_upd;
};

/* Per-request state (r->mcp_ctx). */
struct mcp_rctx {
    struct mcp_sess *sess; /* a ref, released at the end of the request */
    struct fio_buf blob;   /* POST /blob body */
    char blob_owner[48];
};

/* Collected notifications of one POST (sent ahead of the response in an SSE body). */
struct emit_buf {
    json_t *list;
};

/* How a connection stream opens (mcp_open_stream). */
struct open_opts {
    const char *first; /* text queued first (a comment, the legacy endpoint event); NULL */
    bool attach;       /* it is the session's standalone stream (GET /mcp, /sse) */
    bool json;         /* application/json (a live call's answer without SSE) */
    bool new_sno;      /* give it a new session stream number, with a priming event */
    bool live;         /* a live call will run on it: its number is registered as running */
    bool resume;       /* GET with Last-Event-ID: carry stream sno from event after_n on */
    unsigned sno;
    uint64_t after_n;
};

/* ---- mcp_session.c -------------------------------------------------------------------------- */

/* The replay ring (under st->mu). */
void mcp_ring_add(struct mcp_sess *ss, unsigned sno, uint64_t n, bool last, const char *text,
                  size_t len);
void mcp_ring_prune(struct mcp_sess *ss, int64_t now);
bool mcp_sno_running(const struct mcp_sess *ss, unsigned sno);

struct mcp_sess *mcp_sess_new(void);
void mcp_sess_free(struct mcp_sess *ss);
/* Put a new session (holding one ref) into the table; false when it is full of busy ones. */
bool mcp_sess_insert(struct mcp_state *st, struct mcp_sess *ss);
/* A session by id, with a ref taken; NULL when unknown. mcp_sess_put releases it. */
struct mcp_sess *mcp_sess_get(struct mcp_state *st, const char *id);
void mcp_sess_put(struct mcp_state *st, struct mcp_sess *ss);
void mcp_sess_unref_locked(struct mcp_sess *ss);
/* Take ss out of the table and end its stream. */
void mcp_sess_remove_locked(struct mcp_state *st, struct mcp_sess *ss);

/* ---- mcp_stream.c --------------------------------------------------------------------------- */

void mcp_stream_close_locked(struct mcp_stream *sm);
void mcp_stream_unref_locked(struct mcp_stream *sm);
/* Queue text on a stream and wake it (a reader that does not keep up loses its stream). */
void mcp_stream_push_locked(struct mcp_stream *sm, const char *text, size_t n);
/* The id line of event n of session stream sno into b: "id: S-N", on a legacy session
 * "id: {session id}/S-N" (a reconnecting GET /sse names no session otherwise: D-131). */
void mcp_event_id_line(struct fio_buf *b, const struct mcp_sess *ss, unsigned sno, uint64_t n);
/* A JSON-RPC message as the next event of session stream sno: numbered, kept for replay,
 * pushed to the connection(s) carrying it now. last: the stream ends with it. */
void mcp_sess_send_locked(struct mcp_state *st, struct mcp_sess *ss, unsigned sno, const char *json,
                          bool last);
/* Open a stream on conn for session ss (see struct open_opts). *out (when not NULL) gets the
 * stream with a second reference for the caller; *sno_out the session stream number it
 * carries (0 when none or on failure). Returns an enum MHD_Result. */
int mcp_open_stream(struct req *r, void *conn, struct mcp_sess *ss, const struct open_opts *o,
                    struct mcp_stream **out, unsigned *sno_out);

/* A resume of session ss from event n of stream sno that cannot be served: an event the
 * session never had (400) or events after it dropped from the ring (409). Then the refusal is
 * queued, *ret is its enum MHD_Result and the answer true. */
bool mcp_resume_refused(struct req *r, void *conn, struct mcp_sess *ss, unsigned sno, uint64_t n,
                        int *ret);

/* ---- mcp_state.c ---------------------------------------------------------------------------- */

void mcp_blob_free(struct mcp_blob *b);

/* ---- mcp_http.c ----------------------------------------------------------------------------- */

const char *mcp_hdr(void *conn, const char *name);
bool mcp_accepts(void *conn, const char *type);
/* Queue a response of text (copied) with status and content type; sid: Mcp-Session-Id. */
int mcp_queue_text(struct req *r, void *conn, int status, const char *ctype, const char *text,
                   size_t len, const char *sid);
/* A JSON-RPC error (id null) as the HTTP answer. */
int mcp_queue_rpc_error(struct req *r, void *conn, int status, int code, const char *msg);
/* An Authorization header: 0 = none, 1 = a valid Bearer token (copied to tok), -1 = invalid. */
int mcp_bearer_check(struct server *s, const char *authz, char *tok, size_t len);
/* Run a message body on a session in this thread, notifications collected into e. */
char *mcp_run_body(struct req *r, struct mcp_sess *ss, const char *bearer, struct emit_buf *e,
                   unsigned *flags);
/* The notifications of e then out (may be NULL) as numbered events of session stream sno
 * into b, kept for replay; out_last: the stream ends with out. Under st->mu. */
void mcp_events_locked(struct mcp_sess *ss, unsigned sno, const json_t *notes, const char *out,
                       bool out_last, struct fio_buf *b);

/* ---- mcp_live.c ----------------------------------------------------------------------------- */

/* How a live call answers: its own SSE stream, JSON on its connection, or the session's legacy
 * /sse stream (the POST answered 202). */
enum live_via { LIVE_SSE, LIVE_JSON, LIVE_LEGACY };

/* A POST body that is the client's answer (delivered, 202) or a call that runs live (started):
 * true with *ret the enum MHD_Result; false when the body runs in the handler. via: how a live
 * call would answer (LIVE_SSE when the client accepts SSE on /mcp, LIVE_JSON when not,
 * LIVE_LEGACY on /messages). */
bool mcp_post_routed(struct req *r, void *conn, struct mcp_sess *ss, const char *bearer,
                     enum live_via via, int *ret);

/* ---- the front's handlers ------------------------------------------------------------------- */

int mcp_post_mcp(struct req *r, void *conn);
int mcp_get_mcp(struct req *r, void *conn);
int mcp_delete_mcp(struct req *r, void *conn);
int mcp_get_sse(struct req *r, void *conn);
int mcp_post_messages(struct req *r, void *conn);
extern const struct req_stream mcp_blob_stream;
int mcp_get_file(struct req *r, void *conn);
int mcp_get_prm(struct req *r, void *conn);

#endif
