/* SPDX-License-Identifier: MIT */
/* mcp_state.c - the MCP state of one fastio-server (mcp_http_int.h): mcp_start/close/free, the
 * sweeper thread (idle sessions, keep-alives, expired blobs, pruning the replay rings), staged
 * blobs (POST /blob, taken once by a call) and the resource-update notifications of
 * resources/subscribe (D-121). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity.h"
#include "mcp_http_int.h"
#include "timeutil.h"

/* ---- blobs (POST /blob, api §10.1) --------------------------------------------------------- */

void mcp_blob_free(struct mcp_blob *b)
{
    free(b->data);
    free(b);
}

int mcp_blob_take(struct server *s, const char *blob_id, const char *owner, char **data,
                  size_t *len)
{
    struct mcp_state *st = s->mcp;
    int rc = -1;
    pthread_mutex_lock(&st->mu);
    for (struct mcp_blob **pp = &st->blobs; *pp != NULL; pp = &(*pp)->next) {
        struct mcp_blob *b = *pp;
        if (strcmp(b->id, blob_id) != 0)
            continue;
        if (strcmp(b->owner, owner) != 0 || b->expires_us < fio_mono_us())
            break;
        *pp = b->next;
        st->nblobs--;
        *data = b->data;
        *len = b->len;
        b->data = NULL;
        mcp_blob_free(b);
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

/* ---- resource-update notifications (resources/subscribe) --------------------------------- */

/* activity_listener_fn: a published key; "storage:{node}" queues the node (deduplicated,
 * bounded: past UPD_QUEUE_MAX changes wait for no one). Runs under the hub's lock. */
static void on_activity(void *ctx, const char *entity, const char *key)
{
    (void)entity;
    struct mcp_state *st = ctx;
    if (strncmp(key, "storage:", 8) != 0 || strlen(key + 8) >= sizeof(st->upd[0]))
        return;
    pthread_mutex_lock(&st->mu);
    bool have = false;
    for (size_t i = 0; i < st->n_upd && !have; i++)
        have = strcmp(st->upd[i], key + 8) == 0;
    if (!have && st->n_upd < UPD_QUEUE_MAX) {
        fio_strlcpy(st->upd[st->n_upd++], key + 8, sizeof(st->upd[0]));
        pthread_cond_broadcast(&st->cv);
    }
    pthread_mutex_unlock(&st->mu);
}

bool mcp_download_uri(const char *uri, char *ws, size_t wl, char *node, size_t nl)
{
    if (strncmp(uri, "download://workspace/", 21) != 0)
        return false;
    const char *p = uri + 21, *slash = strchr(p, '/');
    if (slash == NULL || slash == p || (size_t)(slash - p) >= wl || strchr(slash + 1, '/') ||
        slash[1] == '\0' || strlen(slash + 1) >= nl)
        return false;
    memcpy(ws, p, (size_t)(slash - p));
    ws[slash - p] = '\0';
    fio_strlcpy(node, slash + 1, nl);
    return true;
}

/* Under st->mu (released while the router checks access): for each changed node, every
 * session subscribed to its download:// URI that may still read it (a details request through
 * the router with the session's token: a subscription is no way around BOLA) gets
 * notifications/resources/updated on its standalone GET stream, kept for replay like any
 * event of that stream. */
static void notify_updates_locked(struct mcp_state *st)
{
    for (size_t guard = 0; st->n_upd > 0 && !st->closing && guard < UPD_QUEUE_MAX; guard++) {
        char node[64]; /* first in, first out */
        fio_strlcpy(node, st->upd[0], sizeof(node));
        memmove(st->upd[0], st->upd[1], (st->n_upd - 1) * sizeof(st->upd[0]));
        st->n_upd--;
        struct {
            struct mcp_sess *ss;
            char uri[256];
            char ws[96];
        } *t = calloc(UPD_TARGETS_MAX, sizeof(*t));
        if (t == NULL)
            return;
        size_t nt = 0;
        for (struct mcp_sess *ss = st->sessions; ss != NULL && nt < UPD_TARGETS_MAX;
             ss = ss->next) {
            if (ss->get_sno == 0)
                continue; /* no standalone stream ever opened: nowhere to say it */
            for (unsigned i = 0; i < ss->rpc.n_subs && i < MCP_MAX_SUBS && nt < UPD_TARGETS_MAX;
                 i++) {
                char ws[96], nd[96];
                if (!mcp_download_uri(ss->rpc.subs[i], ws, sizeof(ws), nd, sizeof(nd)) ||
                    strcmp(nd, node) != 0)
                    continue;
                ss->refs++;
                t[nt].ss = ss;
                fio_strlcpy(t[nt].uri, ss->rpc.subs[i], sizeof(t[nt].uri));
                fio_strlcpy(t[nt].ws, ws, sizeof(t[nt].ws));
                nt++;
            }
        }
        pthread_mutex_unlock(&st->mu);
        for (size_t k = 0; k < nt; k++) {
            char tok[1100], authz[1200];
            mcp_sess_token(t[k].ss, tok, sizeof(tok), NULL, 0);
            bool ok = false;
            if (tok[0] != '\0') {
                snprintf(authz, sizeof(authz), "Bearer %s", tok);
                struct fio_buf path;
                fio_buf_init(&path, 0);
                fio_buf_append_str(&path, "/workspace/");
                fio_url_escape(&path, t[k].ws, strlen(t[k].ws), false, NULL);
                fio_buf_append_str(&path, "/storage/");
                fio_url_escape(&path, node, strlen(node), false, NULL);
                fio_buf_append_str(&path, "/details/");
                struct mcp_ires res;
                ok = path.data != NULL && mcp_internal(st->srv, t[k].ss->ip, "GET", path.data, NULL,
                                                       NULL, NULL, NULL, 0, authz, &res) == 0;
                mcp_ires_clear(&res);
                fio_buf_release(&path);
                explicit_bzero(authz, sizeof(authz));
            }
            explicit_bzero(tok, sizeof(tok));
            json_t *n = ok ? json_pack("{s:s, s:s, s:{s:s}}", "jsonrpc", "2.0", "method",
                                       "notifications/resources/updated", "params", "uri", t[k].uri)
                           : NULL;
            char *text = n != NULL ? json_dumps(n, JSON_COMPACT) : NULL;
            json_decref(n);
            pthread_mutex_lock(&st->mu);
            /* the standalone stream: GET /mcp's, or a legacy session's /sse (D-131) */
            if (text != NULL && !t[k].ss->dead && t[k].ss->get_sno != 0)
                mcp_sess_send_locked(st, t[k].ss, t[k].ss->get_sno, text, false);
            mcp_sess_unref_locked(t[k].ss);
            pthread_mutex_unlock(&st->mu);
            free(text);
        }
        free(t);
        pthread_mutex_lock(&st->mu);
    }
}

/* ---- sweeper: idle sessions, keep-alives, expired blobs ---------------------------------- */

static void *sweeper_main(void *arg)
{
    struct mcp_state *st = arg;
    pthread_mutex_lock(&st->mu);
    while (!st->stop) {
        notify_updates_locked(st);
        int64_t now = fio_mono_us();
        long idle_s = st->srv->cfg.mcp_idle_s > 0 ? st->srv->cfg.mcp_idle_s : MCP_DEFAULT_IDLE_S;
        struct mcp_sess *ss = st->sessions;
        for (size_t guard = 0; ss != NULL && guard < 1000000; guard++) {
            struct mcp_sess *next = ss->next;
            /* a legacy session without its /sse stream waits only for a resume (D-131) */
            long limit = ss->legacy && idle_s > LEGACY_RESUME_S ? LEGACY_RESUME_S : idle_s;
            if (ss->refs == 0 && ss->stream == NULL && now - ss->last_us > limit * 1000000LL)
                mcp_sess_remove_locked(st, ss);
            else
                mcp_ring_prune(ss, now);
            ss = next;
        }
        for (struct mcp_stream *sm = st->streams; sm != NULL; sm = sm->next) {
            if (!sm->closed && !sm->json && now - sm->last_write_us > KEEPALIVE_US)
                mcp_stream_push_locked(sm, ": keepalive\n\n", 14);
            if (sm->sess != NULL && !sm->closed)
                sm->sess->last_us = now; /* a session with an open stream is not idle */
        }
        for (struct mcp_blob **pp = &st->blobs; *pp != NULL;) {
            struct mcp_blob *b = *pp;
            if (b->expires_us < now) {
                *pp = b->next;
                st->nblobs--;
                mcp_blob_free(b);
            } else {
                pp = &b->next;
            }
        }
        int64_t until = fio_wall_us() + 1000000;
        struct timespec ts = {(time_t)(until / 1000000), (long)(until % 1000000) * 1000};
        (void)pthread_cond_timedwait(&st->cv, &st->mu, &ts);
    }
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

int mcp_start(struct server *s)
{
    struct mcp_state *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return -1;
    st->srv = s;
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    if (pthread_create(&st->sweeper, NULL, sweeper_main, st) != 0) {
        pthread_cond_destroy(&st->cv);
        pthread_mutex_destroy(&st->mu);
        free(st);
        return -1;
    }
    st->thread_started = true;
    s->mcp = st;
    activity_set_listener(s, on_activity, st);
    return 0;
}

void mcp_close(struct server *s)
{
    struct mcp_state *st = s->mcp;
    if (st == NULL)
        return;
    activity_set_listener(s, NULL, NULL);
    pthread_mutex_lock(&st->mu);
    st->closing = true;
    pthread_cond_broadcast(&st->cv); /* live calls waiting for the client give up */
    for (struct mcp_stream *sm = st->streams; sm != NULL; sm = sm->next)
        mcp_stream_close_locked(sm);
    int64_t until = fio_wall_us() + CLOSE_WAIT_US;
    for (size_t guard = 0; (st->nstreams > 0 || st->nlive > 0) && guard < 1000; guard++) {
        if (fio_wall_us() >= until)
            break;
        struct timespec ts = {(time_t)(until / 1000000), (long)(until % 1000000) * 1000};
        (void)pthread_cond_timedwait(&st->cv, &st->mu, &ts);
    }
    if (st->nstreams > 0 || st->nlive > 0)
        srv_log(s, SRV_LOG_WARN, "mcp: %zu streams and %zu calls still open at shutdown",
                st->nstreams, st->nlive);
    pthread_mutex_unlock(&st->mu);
}

void mcp_free(struct server *s)
{
    struct mcp_state *st = s->mcp;
    if (st == NULL)
        return;
    activity_set_listener(s, NULL, NULL);
    if (st->thread_started) {
        pthread_mutex_lock(&st->mu);
        st->stop = true;
        pthread_cond_broadcast(&st->cv);
        pthread_mutex_unlock(&st->mu);
        pthread_join(st->sweeper, NULL);
    }
    while (st->sessions != NULL) {
        struct mcp_sess *ss = st->sessions;
        st->sessions = ss->next;
        mcp_sess_free(ss);
    }
    while (st->blobs != NULL) {
        struct mcp_blob *b = st->blobs;
        st->blobs = b->next;
        mcp_blob_free(b);
    }
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->mu);
    free(st);
    s->mcp = NULL;
}
