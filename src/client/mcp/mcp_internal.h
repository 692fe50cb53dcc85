/* SPDX-License-Identifier: MIT */
/* mcp_internal.h - the pieces of the MCP client (fastio/mcp.h) shared by its files: the
 * connection, the transport-neutral message dispatcher (mcp.c), the HTTP transports over one
 * curl multi handle (mcp_http.c) and the spawned process (mcp_stdio.c). */
#ifndef FIO_MCP_INTERNAL_H
#define FIO_MCP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "fastio/mcp.h"
#include "http_common.h"
#include "sse.h"

#define MCP_ID_MAX 256          /* session ids and event ids we keep */
#define MCP_INBOX_MAX 4096      /* messages read but not yet handled */

struct mcp_stream;

struct fastio_mcp {
    struct fastio_mcp_config cfg; /* the caller's, strings replaced by the owned copies below */
    char *url, *bearer, *client_name, *client_version, *offer_version;
    char *ca_file; /* cfg.ca_file, checked readable at connect (D-125); NULL = system bundle */
    char **argv;
    char version[32];            /* negotiated protocol version ("" before initialize) */
    char session_id[MCP_ID_MAX]; /* Mcp-Session-Id */
    json_t *init_result;
    long next_id;

    /* the request being waited for */
    long want_id;
    bool have_response;
    json_t *response; /* the whole response message */
    json_t *inbox;    /* array of messages read, handled by mcp_drain() */

    /* a failure of the transport itself, reported by the next call */
    enum fastio_status dead;
    char dead_msg[400];

    /* HTTP transports */
    CURLM *multi;
    struct mcp_stream *streams;  /* every easy handle in the multi */
    struct mcp_stream *req;      /* the current request's POST */
    struct mcp_stream *resume;   /* the current request's resumption GET */
    int64_t resume_at;           /* 0 = none scheduled */
    char resume_id[MCP_ID_MAX];  /* Last-Event-ID to resume from */
    long resume_retry_ms;
    int resumes;
    struct mcp_stream *listen;   /* the standalone GET stream (cfg.listen) */
    int64_t listen_at;
    char listen_id[MCP_ID_MAX];
    long listen_retry_ms;
    int listen_failures;
    struct mcp_stream *legacy;   /* SSE transport: the GET stream */
    char *post_url;              /* SSE transport: from the endpoint event */
    enum fastio_status req_fail; /* the request's POST failed (HTTP error status) */
    char req_fail_msg[400];
    long req_fail_http;

    /* STDIO transport */
    pid_t pid;
    int to_child, from_child;
    struct fio_buf rd;
};

/* mcp.c */
enum fastio_status mcp_fail(struct fastio_error *err, enum fastio_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Queue a message read from the server (takes the reference). false when the inbox is full. */
bool mcp_inbox_push(struct fastio_mcp *m, json_t *msg);
/* Parse one message body (object or batch array) and queue it; false when it is not JSON. */
bool mcp_inbox_push_text(struct fastio_mcp *m, const char *text, size_t len);
/* Handle the queued messages: the awaited response, notifications, server requests. */
void mcp_drain(struct fastio_mcp *m);
/* Serialise msg and send it over the transport (no answer awaited). */
enum fastio_status mcp_send(struct fastio_mcp *m, const json_t *msg, bool is_request,
                            struct fastio_error *err);

/* mcp_http.c */
enum fastio_status mcp_http_open(struct fastio_mcp *m, struct fastio_error *err);
enum fastio_status mcp_http_send(struct fastio_mcp *m, const char *text, bool is_request,
                                 struct fastio_error *err);
/* Drive the transfers until something happened or until wake_at (fastio_now_ms clock). */
enum fastio_status mcp_http_step(struct fastio_mcp *m, int64_t wake_at, struct fastio_error *err);
/* The request finished (answered or given up): drop its streams. */
void mcp_http_request_done(struct fastio_mcp *m);
/* After initialize: open the GET stream when cfg.listen. */
void mcp_http_start_listen(struct fastio_mcp *m);
void mcp_http_close(struct fastio_mcp *m);

/* mcp_stdio.c */
enum fastio_status mcp_stdio_open(struct fastio_mcp *m, struct fastio_error *err);
enum fastio_status mcp_stdio_send(struct fastio_mcp *m, const char *text,
                                  struct fastio_error *err);
enum fastio_status mcp_stdio_step(struct fastio_mcp *m, int64_t wake_at,
                                  struct fastio_error *err);
void mcp_stdio_close(struct fastio_mcp *m);

#endif
