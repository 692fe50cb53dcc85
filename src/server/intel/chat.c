/* SPDX-License-Identifier: MIT */
/* chat.c - the AI chat workers (chat.h; docs/server.md "AI chat"; D-105..D-109), on the
 * background job pool of jobs/ (D-127). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "blob.h"
#include "chat.h"
#include "compose.h"
#include "extract.h"
#include "index.h"
#include "jobpool.h"
#include "jobreq.h"
#include "llm.h"
#include "store_aichat.h"
#include "store_backend.h"
#include "store_node.h"

struct ai_engine {
    struct server *s;
    struct jobpool *pool; /* the workers (jobs/jobpool.h); a stop cancels the answers running */
    char *llm_key;        /* the first line of --llm-key-file */
};

/* ---- activity ------------------------------------------------------------------------------- */

void ai_note(struct req *r, const char *ws_id, const char *chat_id)
{
    jobs_note(r, ws_id, "ai_chat", chat_id);
}

/* Publish ai_chat:{chat} on the message's workspace (a change committed by a worker). */
static void notify(struct server *s, const struct store_aimsg *m)
{
    jobs_publish(s, m->user_id, "ai-chat", m->ws_id, "ai_chat", m->chat_id);
}

/* ---- gathering passages --------------------------------------------------------------------- */

/* The passages an answer is composed from, with the storage they borrow from. */
struct gathered {
    struct ai_passage *p;
    size_t n, cap;
    char **owned; /* strings the passages point at */
    size_t nowned, capowned;
    bool oom;
};

static const char *keep(struct gathered *g, const char *s)
{
    if (g->oom)
        return "";
    if (g->nowned == g->capowned) {
        size_t cap = g->capowned ? g->capowned * 2 : 64;
        char **v = realloc(g->owned, cap * sizeof(*v));
        if (!v) {
            g->oom = true;
            return "";
        }
        g->owned = v;
        g->capowned = cap;
    }
    char *d = fio_strdup(s ? s : "");
    if (!d) {
        g->oom = true;
        return "";
    }
    g->owned[g->nowned++] = d;
    return d;
}

static void add_passage(struct gathered *g, const struct ai_passage *p)
{
    if (g->oom)
        return;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 32;
        struct ai_passage *v = realloc(g->p, cap * sizeof(*v));
        if (!v) {
            g->oom = true;
            return;
        }
        g->p = v;
        g->cap = cap;
    }
    struct ai_passage q = *p;
    q.node_id = keep(g, p->node_id);
    q.version_id = keep(g, p->version_id);
    q.name = keep(g, p->name);
    q.text = keep(g, p->text);
    if (!g->oom)
        g->p[g->n++] = q;
}

static void gathered_free(struct gathered *g)
{
    for (size_t i = 0; i < g->nowned; i++)
        free(g->owned[i]);
    free(g->owned);
    free(g->p);
    memset(g, 0, sizeof(*g));
}

/* The content of version_id (at most cap bytes) into *data. 0 or -1. */
static int read_blob(struct server *s, const char *version_id, int64_t cap, char **data,
                     size_t *len)
{
    int64_t size = 0;
    int fd = blob_open(s, version_id, &size);
    if (fd < 0)
        return -1;
    if (size < 0 || size > cap) {
        close(fd);
        return -1;
    }
    char *buf = malloc((size_t)size + 1);
    if (!buf) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    for (int guard = 0; got < (size_t)size && guard < 1000000; guard++) {
        ssize_t r = pread(fd, buf + got, (size_t)size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != (size_t)size) {
        free(buf);
        return -1;
    }
    buf[got] = 0;
    *data = buf;
    *len = got;
    return 0;
}

/* Attachments: each file read and extracted directly (no index), its best passages kept, then
 * the best of all. Files that cannot be read are named in note. 0, or -1 with reason. */
static int gather_subjects(struct server *s, const struct store_aimsg *m, json_t *subjects,
                           struct gathered *g, char *reason, size_t rlen)
{
    struct intel_limits lim;
    intel_limits_default(&lim);
    lim.max_input_bytes = 64L * 1024 * 1024;
    lim.max_text_bytes = 8L * 1024 * 1024;
    size_t i;
    json_t *it;
    size_t failed = 0, files = 0;
    char first_fail[300] = "";
    json_array_foreach(subjects, i, it)
    {
        if (i >= AI_SUBJECTS_MAX)
            break;
        const char *id = json_string_value(json_object_get(it, "id"));
        const char *ver = json_string_value(json_object_get(it, "version_id"));
        if (!id)
            continue;
        struct store_node node;
        char cur[FIO_OPAQUE_ID_SIZE] = "";
        struct store_conn *st = store_acquire(s->store);
        enum store_rc rc = STORE(st, node)->node_get(st, m->ws_id, id, NULL, &node);
        if (rc == STORE_OK && !node.hidden && (!ver || !*ver))
            rc = STORE(st, node)->version_current(st, m->ws_id, id, cur);
        store_release(s->store, st);
        if (rc != STORE_OK || node.hidden) {
            failed++;
            if (!first_fail[0])
                snprintf(first_fail, sizeof(first_fail), "%s: no longer in the workspace", id);
            continue;
        }
        const char *vid = ver && *ver ? ver : cur;
        files++;
        char *data = NULL;
        size_t len = 0;
        if (!*vid) {
            data = fio_strdup("");
        } else if (read_blob(s, vid, (int64_t)lim.max_input_bytes, &data, &len) != 0) {
            failed++;
            if (!first_fail[0])
                snprintf(first_fail, sizeof(first_fail), "%.120s: its content cannot be read",
                         node.name);
            continue;
        }
        struct intel_doc doc;
        memset(&doc, 0, sizeof(doc));
        char why[200] = "";
        int xr =
            data ? intel_extract_mem(data, len, node.name, NULL, &lim, &doc, why, sizeof(why)) : -1;
        free(data);
        if (xr != 0 || !doc.is_text) {
            failed++;
            if (!first_fail[0])
                snprintf(first_fail, sizeof(first_fail), "%.80s: %.160s", node.name,
                         xr != 0 ? why : "not text (an image or a binary file)");
            intel_doc_free(&doc);
            continue;
        }
        struct ai_passage *pv = calloc(doc.n_passages ? doc.n_passages : 1, sizeof(*pv));
        size_t *order = calloc(doc.n_passages ? doc.n_passages : 1, sizeof(*order));
        size_t nout = 0;
        if (!pv || !order) {
            free(pv);
            free(order);
            intel_doc_free(&doc);
            g->oom = true;
            break;
        }
        for (size_t k = 0; k < doc.n_passages; k++) {
            pv[k].node_id = id;
            pv[k].version_id = vid;
            pv[k].name = node.name;
            pv[k].text = doc.passages[k].text;
            pv[k].page = doc.passages[k].page;
            pv[k].line_start = doc.passages[k].line_start;
            pv[k].line_end = doc.passages[k].line_end;
        }
        if (ai_rank_passages(m->question, pv, doc.n_passages, AI_CONTEXT_PASSAGES, order, &nout) !=
            0)
            g->oom = true;
        for (size_t k = 0; k < nout; k++)
            add_passage(g, &pv[order[k]]);
        free(pv);
        free(order);
        intel_doc_free(&doc);
    }
    if (g->oom) {
        snprintf(reason, rlen, "out of memory while reading the attached files");
        return -1;
    }
    if (files == 0 || failed == files) {
        snprintf(reason, rlen, "No attached file could be read as text (%s)",
                 first_fail[0] ? first_fail : "no file");
        return -1;
    }
    /* the best of every file's best, ranked together */
    if (g->n > AI_CONTEXT_PASSAGES) {
        size_t *order = calloc(g->n, sizeof(*order));
        size_t nout = 0;
        if (!order ||
            ai_rank_passages(m->question, g->p, g->n, AI_CONTEXT_PASSAGES, order, &nout) != 0) {
            free(order);
            snprintf(reason, rlen, "out of memory while ranking the attached files");
            return -1;
        }
        struct ai_passage *best = calloc(nout ? nout : 1, sizeof(*best));
        if (!best) {
            free(order);
            snprintf(reason, rlen, "out of memory while ranking the attached files");
            return -1;
        }
        for (size_t k = 0; k < nout; k++)
            best[k] = g->p[order[k]];
        memcpy(g->p, best, nout * sizeof(*best));
        g->n = nout;
        free(best);
        free(order);
    }
    return 0;
}

/* Scope or whole workspace: the search index (index.h), only live indexed files of the scope.
 * 0, or -1 with reason. */
static int gather_scope(struct server *s, const struct store_aimsg *m, json_t *refs,
                        struct gathered *g, char *reason, size_t rlen)
{
    const char *ids[AI_REFERENCES_MAX];
    size_t nids = 0, i;
    json_t *it;
    json_array_foreach(refs, i, it)
    {
        const char *id = json_string_value(json_object_get(it, "id"));
        if (id && nids < AI_REFERENCES_MAX)
            ids[nids++] = id;
    }
    if (json_array_size(refs) > 0 && nids == 0) {
        snprintf(reason, rlen, "The scope names no file or folder");
        return -1;
    }
    struct intel_hit *hits = NULL;
    size_t nh = 0;
    if (intel_retrieve(s, m->ws_id, m->question, ids, nids, AI_CONTEXT_PASSAGES, &hits, &nh) != 0) {
        snprintf(reason, rlen, "The search index could not be read; try again");
        return -1;
    }
    for (size_t k = 0; k < nh; k++) {
        /* a file of the scope pinned to a version: only that version's passages */
        bool other_version = false;
        json_array_foreach(refs, i, it)
        {
            const char *id = json_string_value(json_object_get(it, "id"));
            const char *ver = json_string_value(json_object_get(it, "version_id"));
            if (id && ver && *ver && strcmp(id, hits[k].node_id) == 0 &&
                strcmp(ver, hits[k].version_id) != 0)
                other_version = true;
        }
        if (other_version)
            continue;
        struct ai_passage p = {.node_id = hits[k].node_id,
                               .version_id = hits[k].version_id,
                               .name = hits[k].name,
                               .text = hits[k].text,
                               .page = hits[k].page,
                               .line_start = hits[k].line_start,
                               .line_end = hits[k].line_end,
                               .score = hits[k].score};
        add_passage(g, &p);
    }
    intel_hits_free(hits, nh);
    if (g->oom) {
        snprintf(reason, rlen, "out of memory while reading the search results");
        return -1;
    }
    return 0;
}

/* ---- composing ------------------------------------------------------------------------------ */

static long long estimate_tokens(const char *s)
{
    return s ? (long long)(strlen(s) + 3) / 4 : 0;
}

/* The model's answer from the passages: 0 with *text and *cits (markers renumbered to the
 * citations actually used), or -1 with reason. */
static int compose_llm(struct ai_engine *e, struct jobpool_slot *slot, const struct store_aimsg *m,
                       const struct gathered *g, char **text, json_t **cits, long long *tin,
                       long long *tout, char *reason, size_t rlen)
{
    struct server *s = e->s;
    json_t *msgs = json_array();
    char *ctx = ai_context_text(g->p, g->n, AI_LLM_CONTEXT_BYTES);
    if (!msgs || !ctx) {
        json_decref(msgs);
        free(ctx);
        snprintf(reason, rlen, "out of memory");
        return -1;
    }
    json_array_append_new(
        msgs, json_pack("{s:s, s:s}", "role", "system", "content",
                        "You answer questions about a workspace's files using only the numbered "
                        "passages given with the question. After each statement put the number "
                        "of the passage it comes from in square brackets, like [2]. If the "
                        "passages do not answer the question, say that the answer is not in "
                        "the workspace's files. Never cite a number that was not given."));
    /* the chat so far, oldest first */
    json_t *hist = NULL;
    struct store_conn *st = store_acquire(s->store);
    STORE(st, aichat)->msg_history(st, m->chat_id, m->seq, 3, &hist);
    store_release(s->store, st);
    for (size_t k = json_array_size(hist); k > 0; k--) {
        json_t *h = json_array_get(hist, k - 1);
        json_array_append_new(msgs, json_pack("{s:s, s:O}", "role", "user", "content",
                                              json_object_get(h, "question")));
        json_array_append_new(msgs, json_pack("{s:s, s:O}", "role", "assistant", "content",
                                              json_object_get(h, "answer")));
    }
    json_decref(hist);
    struct fio_buf u;
    fio_buf_init(&u, 0);
    bool ok = fio_buf_append_str(&u, "Passages:\n\n") && fio_buf_append_str(&u, ctx) &&
              fio_buf_append_str(&u, "Question: ") && fio_buf_append_str(&u, m->question);
    free(ctx);
    if (ok)
        json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", "user", "content", u.data));
    fio_buf_release(&u);
    if (!ok) {
        json_decref(msgs);
        snprintf(reason, rlen, "out of memory");
        return -1;
    }
    struct ai_llm cfg = {.url = s->cfg.llm_url,
                         .model = s->cfg.llm_model,
                         .key = e->llm_key,
                         .timeout_s = s->cfg.llm_timeout_s ? s->cfg.llm_timeout_s
                                                           : AI_LLM_DEFAULT_TIMEOUT_S};
    char *content = NULL;
    int rc =
        ai_llm_complete(&cfg, msgs, jobpool_cancel_flag(slot), &content, tin, tout, reason, rlen);
    json_decref(msgs);
    if (rc != 0)
        return -1;
    /* passage k -> citation number (one per file version), only for the passages cited */
    int *map = calloc(g->n ? g->n : 1, sizeof(*map));
    bool *used = calloc(g->n ? g->n : 1, sizeof(*used));
    int *cit_of = calloc(g->n ? g->n : 1, sizeof(*cit_of));
    json_t *cv = json_array();
    if (!map || !used || !cit_of || !cv) {
        free(map);
        free(used);
        free(cit_of);
        json_decref(cv);
        free(content);
        snprintf(reason, rlen, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < g->n; k++)
        map[k] = 1; /* first pass: which ones are used */
    char *tmp = ai_markers_rewrite(content, strlen(content), map, g->n, used);
    free(tmp);
    int next = 0;
    for (size_t k = 0; k < g->n; k++) {
        map[k] = 0;
        if (!used[k])
            continue;
        int found = 0;
        for (size_t j = 0; j < k && !found; j++)
            if (used[j] && strcmp(g->p[j].node_id, g->p[k].node_id) == 0 &&
                strcmp(g->p[j].version_id, g->p[k].version_id) == 0)
                found = cit_of[j];
        if (!found) {
            found = ++next;
            json_array_append_new(cv, json_pack("{s:s, s:s, s:s, s:[]}", "nodeId", g->p[k].node_id,
                                                "versionId", g->p[k].version_id, "name",
                                                g->p[k].name, "entries"));
        }
        cit_of[k] = found;
        map[k] = found;
        char snip[AI_SNIPPET_BYTES + 4];
        size_t sl = strlen(g->p[k].text);
        if (sl > AI_SNIPPET_BYTES) {
            sl = AI_SNIPPET_BYTES;
            while (sl > 0 && ((unsigned char)g->p[k].text[sl] & 0xC0) == 0x80)
                sl--;
        }
        memcpy(snip, g->p[k].text, sl);
        snip[sl] = 0;
        json_array_append_new(json_object_get(json_array_get(cv, (size_t)found - 1), "entries"),
                              json_pack("{s:i, s:s, s:i, s:i}", "page", g->p[k].page, "snippet",
                                        snip, "line_start", g->p[k].line_start, "line_end",
                                        g->p[k].line_end));
    }
    *text = ai_markers_rewrite(content, strlen(content), map, g->n, NULL);
    free(content);
    free(map);
    free(used);
    free(cit_of);
    if (!*text) {
        json_decref(cv);
        snprintf(reason, rlen, "out of memory");
        return -1;
    }
    *cits = cv;
    return 0;
}

/* Store the end of message m (only while it is still being answered: a cancel wins), its
 * transaction, then publish. */
static void finish(struct server *s, const struct store_aimsg *m,
                   const struct store_aimsg_result *res, long long tin, long long tout)
{
    struct store_conn *st = store_acquire(s->store);
    int64_t now = srv_now_us();
    enum store_rc rc = store_begin(st);
    if (rc == STORE_OK)
        rc = STORE(st, aichat)->msg_finish(st, m->id, STORE_AI_OPEN, res, now);
    if (rc == STORE_OK && res->engine && *res->engine) {
        char tid[FIO_OPAQUE_ID_SIZE];
        if (!fio_opaque_id_new("b", tid)) /* AiTransaction (api §1.7) */
            rc = STORE_ERROR;
        else
            rc = STORE(st, aichat)->txn_insert(st, tid, m, res->engine, tin, tout, now);
    }
    if (rc == STORE_OK)
        rc = store_commit(st);
    else
        store_rollback(st);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        srv_log(s, SRV_LOG_ERROR, "ai chat %s: the answer could not be stored: %s", m->id,
                store_errmsg(st));
    store_release(s->store, st);
    if (rc == STORE_OK)
        notify(s, m);
}

static void fail(struct server *s, const struct store_aimsg *m, const char *why)
{
    struct store_aimsg_result res = {.state = "errored", .error = why};
    finish(s, m, &res, 0, 0);
}

static bool set_state(struct server *s, const struct store_aimsg *m, const char *from,
                      const char *to)
{
    struct store_conn *st = store_acquire(s->store);
    enum store_rc rc = STORE(st, aichat)->msg_set_state(st, m->id, from, to, NULL, srv_now_us());
    store_release(s->store, st);
    if (rc == STORE_OK)
        notify(s, m);
    return rc == STORE_OK;
}

static void answer(struct ai_engine *e, struct jobpool_slot *slot, const struct store_aimsg *m)
{
    struct server *s = e->s;
    notify(s, m); /* in_progress */
    struct ai_terms q;
    ai_terms_of(m->question, strlen(m->question), &q);
    if (q.n == 0) {
        struct ai_answer a;
        if (ai_compose_extractive(m->question, NULL, 0, NULL, &a) != 0) {
            fail(s, m, "out of memory");
            return;
        }
        struct store_aimsg_result res = {.state = "needs_input",
                                         .answer = a.text,
                                         .clarification = a.clarification,
                                         .engine = "extractive"};
        finish(s, m, &res, estimate_tokens(m->question), 0);
        ai_answer_free(&a);
        return;
    }
    json_error_t je;
    json_t *subjects = json_loads(m->subjects, 0, &je);
    json_t *refs = json_loads(m->refs, 0, &je);
    struct gathered g;
    memset(&g, 0, sizeof(g));
    char reason[512] = "";
    bool attach = json_array_size(subjects) > 0;
    int rc = attach ? gather_subjects(s, m, subjects, &g, reason, sizeof(reason))
                    : gather_scope(s, m, refs, &g, reason, sizeof(reason));
    json_decref(subjects);
    json_decref(refs);
    if (rc != 0) {
        gathered_free(&g);
        fail(s, m, reason);
        return;
    }
    if (jobpool_canceled(slot) || !set_state(s, m, "in_progress", "post_processing")) {
        gathered_free(&g);
        return; /* canceled meanwhile */
    }
    char note[600] = "";
    if (s->cfg.llm_url && g.n > 0) {
        char *text = NULL;
        json_t *cits = NULL;
        long long tin = 0, tout = 0;
        if (compose_llm(e, slot, m, &g, &text, &cits, &tin, &tout, reason, sizeof(reason)) == 0) {
            char *ctext = json_dumps(cits, JSON_COMPACT);
            struct store_aimsg_result res = {.state = "complete",
                                             .answer = text,
                                             .citations = ctext ? ctext : "[]",
                                             .engine = "llm",
                                             .tokens = tin + tout};
            finish(s, m, &res, tin ? tin : estimate_tokens(m->question),
                   tout ? tout : estimate_tokens(text));
            free(ctext);
            free(text);
            json_decref(cits);
            gathered_free(&g);
            return;
        }
        if (jobpool_canceled(slot)) {
            gathered_free(&g);
            return;
        }
        /* D-107: the model failed: the answer is composed from the passages instead */
        srv_log(s, SRV_LOG_WARN, "ai chat %s: the model failed (%s); extractive answer", m->id,
                reason);
        snprintf(note, sizeof(note),
                 "The language model failed (%s); this answer was composed "
                 "from the passages instead",
                 reason);
    }
    struct ai_answer a;
    struct ai_compose_opts o = {.where = attach ? "the attached files" : "the workspace"};
    if (ai_compose_extractive(m->question, g.p, g.n, &o, &a) != 0) {
        gathered_free(&g);
        fail(s, m, "out of memory");
        return;
    }
    long long tin = estimate_tokens(m->question);
    for (size_t k = 0; k < g.n; k++)
        tin += estimate_tokens(g.p[k].text);
    char *ctext = json_dumps(a.citations, JSON_COMPACT);
    struct store_aimsg_result res = {.state = "complete",
                                     .answer = a.text,
                                     .citations = ctext ? ctext : "[]",
                                     .engine = "extractive",
                                     .engine_note = note};
    res.tokens = tin + estimate_tokens(a.text);
    finish(s, m, &res, tin, estimate_tokens(a.text));
    free(ctext);
    ai_answer_free(&a);
    gathered_free(&g);
}

/* ---- the pool's callbacks (jobs/jobpool.h) ------------------------------------------------- */

static bool claim_one(void *ctx, void *job, char id[JOBPOOL_ID_SIZE])
{
    struct ai_engine *e = ctx;
    struct store_aimsg *m = job;
    struct store_conn *st = store_acquire(e->s->store);
    enum store_rc rc = store_begin(st);
    if (rc == STORE_OK) {
        rc = STORE(st, aichat)->msg_claim(st, srv_now_us(), m);
        if (rc == STORE_OK) {
            rc = store_commit(st);
            if (rc != STORE_OK)
                store_aimsg_clear(m);
        } else
            store_rollback(st);
    }
    store_release(e->s->store, st);
    if (rc == STORE_OK)
        fio_strlcpy(id, m->id, JOBPOOL_ID_SIZE);
    return rc == STORE_OK;
}

static void run_one(void *ctx, struct jobpool_slot *slot, void *job)
{
    answer(ctx, slot, job);
}

static void release_one(void *ctx, void *job)
{
    (void)ctx;
    store_aimsg_clear(job);
}

/* ---- start-up recovery ---------------------------------------------------------------------- */

struct open_msg {
    char id[FIO_OPAQUE_ID_SIZE];
    char state[STORE_AI_STATE_SIZE];
    long long attempts;
};

static void collect_open(const char *id, const char *state, long long attempts, void *arg)
{
    struct open_msg *o = jobs_vec_push(arg);
    if (!o)
        return;
    fio_strlcpy(o->id, id, sizeof(o->id));
    fio_strlcpy(o->state, state, sizeof(o->state));
    o->attempts = attempts;
}

int ai_recover(struct server *s)
{
    struct jobs_vec o = {.elem = sizeof(struct open_msg)};
    struct store_conn *st = store_acquire(s->store);
    enum store_rc rc = STORE(st, aichat)->msg_each_open(st, 100000, collect_open, &o);
    if (rc != STORE_OK || o.oom) {
        srv_log(s, SRV_LOG_ERROR, "ai chat: the unanswered messages could not be read: %s",
                o.oom ? "out of memory" : store_errmsg(st));
        store_release(s->store, st);
        jobs_vec_free(&o);
        return -1;
    }
    int64_t now = srv_now_us();
    const struct open_msg *v = o.v;
    for (size_t i = 0; i < o.n; i++) {
        if (strcmp(v[i].state, "ready") == 0)
            continue;
        if (v[i].attempts >= AI_ATTEMPTS_MAX) {
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "The server restarted while answering this question %lld times; given up",
                     v[i].attempts);
            STORE(st, aichat)->msg_set_state(st, v[i].id, v[i].state, "errored", msg, now);
        } else {
            STORE(st, aichat)->msg_set_state(st, v[i].id, v[i].state, "ready", NULL, now);
        }
        srv_log(s, SRV_LOG_INFO, "ai chat %s: interrupted by a restart (run %lld)", v[i].id,
                v[i].attempts);
    }
    store_release(s->store, st);
    jobs_vec_free(&o);
    return 0;
}

static char *read_key_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[4096];
    char *k = NULL;
    if (fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = 0;
        k = fio_strdup(line);
    }
    fclose(f);
    explicit_bzero(line, sizeof(line));
    return k;
}

static void engine_free(struct ai_engine *e)
{
    if (e->llm_key) {
        explicit_bzero(e->llm_key, strlen(e->llm_key));
        free(e->llm_key);
    }
    free(e);
}

int ai_start(struct server *s)
{
    struct ai_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return -1;
    e->s = s;
    /* libcurl's global set-up on this (the main) thread, before any worker may use it */
    if (s->cfg.llm_url && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        srv_log(s, SRV_LOG_ERROR, "ai chat: libcurl cannot be initialised");
        free(e);
        return -1;
    }
    if (s->cfg.llm_key_file) {
        e->llm_key = read_key_file(s->cfg.llm_key_file);
        if (!e->llm_key) {
            srv_log(s, SRV_LOG_ERROR, "ai chat: --llm-key-file %s cannot be read",
                    s->cfg.llm_key_file);
            free(e);
            return -1;
        }
    }
    unsigned want = s->cfg.ai_workers ? s->cfg.ai_workers : AI_DEFAULT_WORKERS;
    const struct jobpool_def def = {
        .workers = want < AI_WORKERS_MAX ? want : AI_WORKERS_MAX,
        .job_size = sizeof(struct store_aimsg),
        .cancel_on_stop = true, /* a model request in flight stops */
        .ctx = e,
        .claim = claim_one,
        .run = run_one,
        .release = release_one,
    };
    s->ai = e;
    if (jobpool_start(&def, &e->pool) != 0) {
        s->ai = NULL;
        engine_free(e);
        return -1;
    }
    return 0;
}

void ai_stop(struct server *s)
{
    struct ai_engine *e = s->ai;
    if (!e)
        return;
    jobpool_stop(e->pool);
    engine_free(e);
    s->ai = NULL;
}

void ai_kick(struct server *s)
{
    if (s->ai)
        jobpool_kick(s->ai->pool);
}

void ai_cancel(struct server *s, const char *msg_id)
{
    if (s->ai)
        jobpool_cancel(s->ai->pool, msg_id);
}
