/* SPDX-License-Identifier: MIT */
/* mcp_session.c - the MCP sessions of fastio-server (mcp_http_int.h): the table (bounded, least
 * recently used one evicted), references, the credentials a session holds (under their own
 * lock), and each session's replay ring of sent events for Last-Event-ID (D-121). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "mcp_http_int.h"
#include "rand.h"
#include "timeutil.h"

/* ---- the replay ring (under st->mu) ------------------------------------------------------- */

static atomic_size_t ring_total; /* bytes held by every session's ring */

static void ring_drop_head(struct mcp_sess *ss)
{
    struct mcp_ev *e = ss->ring;
    ss->ring = e->next;
    if (ss->ring == NULL)
        ss->ring_tail = NULL;
    if (e->n > ss->lost_n)
        ss->lost_n = e->n;
    ss->ring_n--;
    ss->ring_bytes -= e->len;
    atomic_fetch_sub(&ring_total, e->len);
    free(e);
}

void mcp_ring_add(struct mcp_sess *ss, unsigned sno, uint64_t n, bool last, const char *text,
                  size_t len)
{
    /* Over the process-wide bound this session's oldest events go first; when that is not
     * enough the event is not kept (a resume past it is refused, never served with a gap). */
    while (ss->ring != NULL && atomic_load(&ring_total) + len > RING_TOTAL_MAX)
        ring_drop_head(ss);
    struct mcp_ev *e =
        atomic_load(&ring_total) + len <= RING_TOTAL_MAX ? malloc(sizeof(*e) + len + 1) : NULL;
    if (e == NULL) {
        if (n > ss->lost_n)
            ss->lost_n = n; /* a resume past it cannot be served exactly */
        return;
    }
    e->next = NULL;
    e->sno = sno;
    e->n = n;
    e->last = last;
    e->at_us = fio_mono_us();
    e->len = len;
    memcpy(e->text, text, len);
    e->text[len] = '\0';
    if (ss->ring_tail != NULL)
        ss->ring_tail->next = e;
    else
        ss->ring = e;
    ss->ring_tail = e;
    ss->ring_n++;
    ss->ring_bytes += len;
    atomic_fetch_add(&ring_total, len);
    while (ss->ring != NULL && ss->ring != e &&
           (ss->ring_n > RING_MAX_EVENTS || ss->ring_bytes > RING_MAX_BYTES))
        ring_drop_head(ss);
}

void mcp_ring_prune(struct mcp_sess *ss, int64_t now)
{
    for (size_t guard = 0; ss->ring != NULL && guard < RING_MAX_EVENTS + 1; guard++) {
        if (now - ss->ring->at_us <= RING_TTL_US)
            break;
        ring_drop_head(ss);
    }
}

bool mcp_sno_running(const struct mcp_sess *ss, unsigned sno)
{
    for (size_t i = 0; i < SESS_MAX_LIVE; i++)
        if (ss->live_sno[i] == sno)
            return true;
    return false;
}

/* ---- sessions ----------------------------------------------------------------------------- */

void mcp_sess_free(struct mcp_sess *ss)
{
    if (ss == NULL)
        return;
    explicit_bzero(ss->token, sizeof(ss->token));
    explicit_bzero(ss->pkce_verifier, sizeof(ss->pkce_verifier));
    for (size_t i = 0; i < sizeof(ss->ask) / sizeof(ss->ask[0]); i++)
        json_decref(ss->ask[i].resp);
    while (ss->ring != NULL)
        ring_drop_head(ss);
    free(ss);
}

/* Under st->mu. */
void mcp_sess_unref_locked(struct mcp_sess *ss)
{
    if (ss != NULL && --ss->refs <= 0 && ss->dead)
        mcp_sess_free(ss);
}

void mcp_stream_close_locked(struct mcp_stream *sm)
{
    if (sm == NULL || sm->closed || sm->gone)
        return;
    sm->closed = true;
    if (sm->suspended) {
        sm->suspended = false;
        MHD_resume_connection(sm->conn);
    }
}

/* Under st->mu: take ss out of the table and end its stream. */
void mcp_sess_remove_locked(struct mcp_state *st, struct mcp_sess *ss)
{
    for (struct mcp_sess **pp = &st->sessions; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == ss) {
            *pp = ss->next;
            st->nsess--;
            break;
        }
    }
    ss->next = NULL;
    ss->dead = true;
    if (ss->stream != NULL)
        mcp_stream_close_locked(ss->stream);
    if (ss->refs <= 0)
        mcp_sess_free(ss);
}

/* A session by id, with a ref taken; NULL when unknown. */
struct mcp_sess *mcp_sess_get(struct mcp_state *st, const char *id)
{
    if (id == NULL || strlen(id) >= sizeof(((struct mcp_sess *)0)->id))
        return NULL;
    struct mcp_sess *found = NULL;
    pthread_mutex_lock(&st->mu);
    for (struct mcp_sess *ss = st->sessions; ss != NULL; ss = ss->next) {
        if (strlen(ss->id) == strlen(id) && fio_ct_equal(ss->id, id, strlen(id))) {
            found = ss;
            found->refs++;
            found->last_us = fio_mono_us();
            found->last_req_us = found->last_us;
            break;
        }
    }
    pthread_mutex_unlock(&st->mu);
    return found;
}

void mcp_sess_put(struct mcp_state *st, struct mcp_sess *ss)
{
    if (ss == NULL)
        return;
    pthread_mutex_lock(&st->mu);
    ss->last_us = fio_mono_us();
    mcp_sess_unref_locked(ss);
    pthread_mutex_unlock(&st->mu);
}

struct mcp_sess *mcp_sess_new(void)
{
    struct mcp_sess *ss = calloc(1, sizeof(*ss));
    if (ss == NULL)
        return NULL;
    unsigned char raw[18];
    if (!fio_random_bytes(raw, sizeof(raw))) {
        free(ss);
        return NULL;
    }
    fio_b64url_encode(raw, sizeof(raw), ss->id, sizeof(ss->id));
    ss->last_us = fio_mono_us();
    ss->last_req_us = ss->last_us;
    ss->refs = 1;
    return ss;
}

/* Put a new session (holding one ref) into the table; when it is full, the least recently used
 * session without a call in flight or a stream makes room. false when none can. "Recently
 * used" is by the arrival of its last request, the order a client sees: a request's end is
 * noted by the server after the client already has the answer, so ordering by it let a slow
 * end make an older session look newer. */
bool mcp_sess_insert(struct mcp_state *st, struct mcp_sess *ss)
{
    unsigned max =
        st->srv->cfg.mcp_max_sessions ? st->srv->cfg.mcp_max_sessions : MCP_DEFAULT_MAX_SESSIONS;
    pthread_mutex_lock(&st->mu);
    if (st->nsess >= max) {
        struct mcp_sess *lru = NULL;
        for (struct mcp_sess *x = st->sessions; x != NULL; x = x->next)
            if (x->refs == 0 && x->stream == NULL &&
                (lru == NULL || x->last_req_us < lru->last_req_us))
                lru = x;
        if (lru == NULL) {
            pthread_mutex_unlock(&st->mu);
            return false;
        }
        mcp_sess_remove_locked(st, lru);
    }
    ss->next = st->sessions;
    st->sessions = ss;
    st->nsess++;
    pthread_mutex_unlock(&st->mu);
    return true;
}

/* The session's credentials (token, method, user, PKCE verifier) are read by calls and written
 * by the auth tool, possibly at the same time on two connections: one lock for them. */
static pthread_mutex_t tok_mu = PTHREAD_MUTEX_INITIALIZER;

void mcp_sess_token(struct mcp_sess *ss, char *out, size_t len, char *method, size_t mlen)
{
    pthread_mutex_lock(&tok_mu);
    fio_strlcpy(out, ss != NULL ? ss->token : "", len);
    if (method != NULL)
        fio_strlcpy(method, ss != NULL ? ss->auth_method : "", mlen);
    pthread_mutex_unlock(&tok_mu);
}

void mcp_sess_set_token(struct mcp_sess *ss, const char *token, const char *method,
                        const char *user_id, const char *email)
{
    if (ss == NULL)
        return;
    pthread_mutex_lock(&tok_mu);
    fio_strlcpy(ss->token, token != NULL ? token : "", sizeof(ss->token));
    fio_strlcpy(ss->auth_method, method != NULL ? method : "", sizeof(ss->auth_method));
    fio_strlcpy(ss->user_id, user_id != NULL ? user_id : "", sizeof(ss->user_id));
    fio_strlcpy(ss->email, email != NULL ? email : "", sizeof(ss->email));
    pthread_mutex_unlock(&tok_mu);
}

void mcp_sess_pkce(struct mcp_sess *ss, char *verifier, size_t vlen, bool set)
{
    if (ss == NULL)
        return;
    pthread_mutex_lock(&tok_mu);
    if (set)
        fio_strlcpy(ss->pkce_verifier, verifier, sizeof(ss->pkce_verifier));
    else
        fio_strlcpy(verifier, ss->pkce_verifier, vlen);
    pthread_mutex_unlock(&tok_mu);
}

bool mcp_sess_code_mode(struct mcp_sess *ss)
{
    return ss != NULL && ss->code_mode;
}

const char *mcp_sess_id(struct mcp_sess *ss)
{
    return ss != NULL ? ss->id : "";
}

void mcp_sess_set_code_mode(struct mcp_sess *ss, bool on)
{
    ss->code_mode = on;
}
