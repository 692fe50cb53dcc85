/* SPDX-License-Identifier: MIT */
/* mcp_stream.c - the connection streams of the MCP transports (mcp_http_int.h): libmicrohttpd
 * callback responses whose reader sends what is queued and, with nothing queued, suspends its
 * connection (no worker thread is held) until a push resumes it; numbered events of a session
 * stream (D-121); opening a stream (new, a session's standalone one, or a resumed one). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_http_int.h"
#include "timeutil.h"

/* ---- streams ------------------------------------------------------------------------------ */

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct mcp_stream *sm = cls;
    struct mcp_state *st = sm->st;
    pthread_mutex_lock(&st->mu);
    if (sm->q.len > 0) {
        size_t n = sm->q.len < max ? sm->q.len : max;
        memcpy(buf, sm->q.data, n);
        memmove(sm->q.data, sm->q.data + n, sm->q.len - n);
        sm->q.len -= n;
        pthread_mutex_unlock(&st->mu);
        return (ssize_t)n;
    }
    if (sm->closed) {
        pthread_mutex_unlock(&st->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    /* Nothing to send: park the connection until a push (or the close) resumes it. */
    sm->suspended = true;
    MHD_suspend_connection(sm->conn);
    pthread_mutex_unlock(&st->mu);
    return 0;
}

/* Under st->mu: drop one reference of a stream; the last one frees it. */
void mcp_stream_unref_locked(struct mcp_stream *sm)
{
    if (--sm->refs > 0)
        return;
    fio_buf_release(&sm->q);
    free(sm);
}

static void stream_free(void *cls)
{
    struct mcp_stream *sm = cls;
    struct mcp_state *st = sm->st;
    pthread_mutex_lock(&st->mu);
    for (struct mcp_stream **pp = &st->streams; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == sm) {
            *pp = sm->next;
            st->nstreams--;
            break;
        }
    }
    sm->next = NULL;
    sm->gone = true;
    sm->closed = true;
    struct mcp_sess *ss = sm->sess;
    sm->sess = NULL;
    if (ss != NULL) {
        if (ss->stream == sm) {
            ss->stream = NULL;
            /* A legacy session outlives its /sse stream for a while: a reconnecting GET /sse
             * with Last-Event-ID resumes it (D-131); the sweeper ends it after that. */
            ss->last_us = fio_mono_us();
        }
        mcp_sess_unref_locked(ss);
    }
    mcp_stream_unref_locked(sm);
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

/* Under st->mu: queue text on a stream and wake it. */
void mcp_stream_push_locked(struct mcp_stream *sm, const char *text, size_t n)
{
    if (sm == NULL || sm->closed || sm->gone)
        return;
    if (sm->q.len + n > STREAM_QUEUE_MAX || !fio_buf_append(&sm->q, text, n)) {
        mcp_stream_close_locked(sm); /* a reader that does not keep up loses its stream */
        return;
    }
    sm->last_write_us = fio_mono_us();
    if (sm->suspended) {
        sm->suspended = false;
        MHD_resume_connection(sm->conn);
    }
}

void mcp_event_id_line(struct fio_buf *b, const struct mcp_sess *ss, unsigned sno, uint64_t n)
{
    if (ss->legacy)
        fio_buf_printf(b, "id: %s/%u-%" PRIu64 "\n", ss->id, sno, n);
    else
        fio_buf_printf(b, "id: %u-%" PRIu64 "\n", sno, n);
}

/* Under st->mu: a JSON-RPC message as the next event of session stream sno: numbered, kept for
 * replay, and pushed to the connection(s) carrying that stream now (none while the client is
 * reconnecting). last: the stream ends with it (those connections close after it). */
void mcp_sess_send_locked(struct mcp_state *st, struct mcp_sess *ss, unsigned sno, const char *json,
                          bool last)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    uint64_t n = ++ss->ev_seq;
    mcp_event_id_line(&b, ss, sno, n);
    fio_buf_printf(&b, "event: message\ndata: %s\n\n", json);
    if (b.data == NULL) {
        fio_buf_release(&b);
        return;
    }
    mcp_ring_add(ss, sno, n, last, b.data, b.len);
    for (struct mcp_stream *sm = st->streams; sm != NULL; sm = sm->next) {
        if (sm->sess != ss || sm->sno != sno)
            continue;
        mcp_stream_push_locked(sm, b.data, b.len);
        if (last)
            mcp_stream_close_locked(sm);
    }
    fio_buf_release(&b);
}

/* Under st->mu: the priming event of a new stream (2025-11-25: an id and empty data, so that a
 * client can resume from the very start) with the retry: delay, into b. */
static void sess_prime_locked(struct mcp_sess *ss, unsigned sno, struct fio_buf *b)
{
    if (ss->legacy || strcmp(ss->rpc.proto, "2025-11-25") < 0)
        return; /* older clients may choke on an event without data */
    uint64_t n = ++ss->ev_seq;
    mcp_event_id_line(b, ss, sno, n);
    fio_buf_printf(b, "retry: %d\ndata: \n\n", RETRY_MS);
}

/* Open a stream on conn for session ss (see struct open_opts). *out (when not NULL) gets the
 * stream with a second reference for the caller; *sno_out the session stream number it
 * carries (0 when none or on failure). */
int mcp_open_stream(struct req *r, void *conn, struct mcp_sess *ss, const struct open_opts *o,
                    struct mcp_stream **out, unsigned *sno_out)
{
    struct mcp_state *st = r->srv->mcp;
    if (sno_out != NULL)
        *sno_out = 0;
    struct mcp_stream *sm = calloc(1, sizeof(*sm));
    if (sm == NULL)
        return MHD_NO;
    sm->st = st;
    sm->conn = conn;
    sm->refs = out != NULL ? 2 : 1;
    fio_buf_init(&sm->q, 0);
    sm->last_write_us = fio_mono_us();
    sm->json = o->json;
    if (o->first != NULL)
        fio_buf_append_str(&sm->q, o->first);
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024,
                                                                  stream_reader, sm, stream_free);
    if (resp == NULL) {
        fio_buf_release(&sm->q);
        free(sm);
        return MHD_NO;
    }
    pthread_mutex_lock(&st->mu);
    bool live_full = false;
    size_t slot = SESS_MAX_LIVE;
    if (o->live) {
        for (size_t i = 0; i < SESS_MAX_LIVE && slot == SESS_MAX_LIVE; i++)
            if (ss->live_sno[i] == 0)
                slot = i;
        live_full = slot == SESS_MAX_LIVE;
    }
    if (st->closing || ss->dead || live_full) {
        if (out != NULL)
            sm->refs--; /* no call will run */
        pthread_mutex_unlock(&st->mu);
        MHD_destroy_response(resp); /* stream_free runs: it takes the lock, so unlock first */
        return mcp_queue_rpc_error(r, conn, 503, MCP_ERR_INTERNAL,
                                   live_full ? "Too many calls running in this session"
                                             : "The server is stopping");
    }
    if (o->new_sno) {
        sm->sno = ++ss->sno_seq;
        sess_prime_locked(ss, sm->sno, &sm->q);
        if (o->live)
            ss->live_sno[slot] = sm->sno;
        if (o->attach)
            ss->get_sno = sm->sno;
    } else if (o->resume) {
        /* Replay what the stream sent after the client's last event, then go on with it when
         * it is still open (the standalone stream, a call still running); else end. */
        sm->sno = o->sno;
        bool open = o->sno == ss->get_sno || mcp_sno_running(ss, o->sno);
        for (struct mcp_ev *e = ss->ring; e != NULL; e = e->next)
            if (e->sno == o->sno && e->n > o->after_n)
                (void)fio_buf_append(&sm->q, e->text, e->len);
        if (!open)
            sm->closed = true; /* the reader sends the queue, then ends */
    }
    if (o->attach) {
        if (ss->stream != NULL)
            mcp_stream_close_locked(ss->stream); /* a resumed standalone stream replaces the old */
        ss->stream = sm;
    }
    ss->refs++;
    sm->sess = ss;
    sm->next = st->streams;
    st->streams = sm;
    st->nstreams++;
    if (sno_out != NULL)
        *sno_out = sm->sno;
    pthread_mutex_unlock(&st->mu);
    if (out != NULL)
        *out = sm;
    MHD_add_response_header(resp, "Content-Type",
                            o->json ? "application/json" : "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    MHD_add_response_header(resp, "Mcp-Session-Id", ss->id);
    r->http_status_sent = 200;
    int ret = MHD_queue_response(conn, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

bool mcp_resume_refused(struct req *r, void *conn, struct mcp_sess *ss, unsigned sno, uint64_t n,
                        int *ret)
{
    struct mcp_state *st = r->srv->mcp;
    pthread_mutex_lock(&st->mu);
    /* a legacy session has one stream; a /mcp session any it numbered */
    bool known = (ss->legacy ? sno == ss->get_sno : sno <= ss->sno_seq) && n <= ss->ev_seq;
    bool lost = n < ss->lost_n;
    pthread_mutex_unlock(&st->mu);
    if (!known)
        *ret = mcp_queue_rpc_error(r, conn, 400, MCP_ERR_INVALID_REQUEST,
                                   ss->legacy ? "Last-Event-ID names no event of this session's "
                                                "stream"
                                              : "Last-Event-ID names no event of this session");
    else if (lost)
        *ret = mcp_queue_rpc_error(r, conn, 409, MCP_ERR_INVALID_REQUEST,
                                   ss->legacy
                                       ? "The events after this Last-Event-ID are no longer held "
                                         "(the replay buffer keeps the latest 256 events, 1 MiB, "
                                         "10 minutes): open a new session"
                                       : "The events after this Last-Event-ID are no longer held "
                                         "(the replay buffer keeps the latest 256 events, 1 MiB, "
                                         "10 minutes): repeat the request");
    return !known || lost;
}
