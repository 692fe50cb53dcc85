/* SPDX-License-Identifier: MIT */
/* sse.h - an incremental, bounded parser of a text/event-stream body (the WHATWG "server-sent
 * events" format that MCP's Streamable HTTP and legacy SSE transports carry JSON-RPC in).
 *
 * Bytes are fed as they arrive, split anywhere (even inside a CRLF). Lines end with CRLF, LF or
 * CR; a line starting with ':' is a comment; "field: value" drops one space after the colon.
 * Fields: data (appended, joined by LF), event (the type, default "message"), id (kept across
 * events as the last event id; a value containing NUL is ignored), retry (digits only: the
 * reconnection delay in ms). An empty line dispatches the event when data was seen; an event
 * with no data line is not dispatched (its id still counts). A leading UTF-8 BOM is skipped.
 *
 * Bounds: a line, and the data of one event, longer than max_bytes fail with FIO_SSE_TOO_LARGE;
 * the event type and id are cut at 255 bytes (then refused: FIO_SSE_TOO_LARGE too). */
#ifndef FIO_SSE_H
#define FIO_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum fio_sse_result { FIO_SSE_OK = 0, FIO_SSE_TOO_LARGE = -1, FIO_SSE_NOMEM = -2 };

#define FIO_SSE_NAME_MAX 255

struct fio_sse_event {
    const char *type;    /* "message" unless an event: field said otherwise; NUL-terminated */
    const char *data;    /* NUL-terminated; may hold NUL bytes inside: use data_len */
    size_t data_len;
    const char *id;      /* the last event id so far ("" when none was ever set) */
};

/* Called for each dispatched event; everything is borrowed for the call. A non-zero return
 * stops fio_sse_feed(), which returns that value. */
typedef int (*fio_sse_event_fn)(void *userdata, const struct fio_sse_event *ev);

struct fio_sse {
    struct fio_buf line;  /* the line being read, without its terminator */
    struct fio_buf data;  /* data of the event being built */
    bool have_data;
    bool after_cr;        /* the last byte fed was a CR: a following LF belongs to it */
    unsigned bom_state;   /* 0..3 bytes of a leading BOM matched; 4 = past the start */
    char type[FIO_SSE_NAME_MAX + 1];
    char last_id[FIO_SSE_NAME_MAX + 1];
    long retry_ms;        /* the last valid retry: field, -1 when none */
    size_t max_bytes;
};

void fio_sse_init(struct fio_sse *p, size_t max_bytes);
void fio_sse_release(struct fio_sse *p);
/* Feed n bytes; calls fn for each complete event. Returns FIO_SSE_OK, FIO_SSE_TOO_LARGE,
 * FIO_SSE_NOMEM, or fn's non-zero value. After a failure the parser must not be fed again. */
int fio_sse_feed(struct fio_sse *p, const char *bytes, size_t n, fio_sse_event_fn fn,
                 void *userdata);
/* The end of the stream: an event not closed by an empty line is dropped (as the format says). */
void fio_sse_end(struct fio_sse *p);

#endif
