/* SPDX-License-Identifier: MIT */
/* it_transfer.h - what the transfer-engine suites (test_transfer.c, test_transfer_resume.c)
 * share: one server per program run (the shared it_fixture, started by
 * IT_FIXTURE_MAIN(tests, fx, &it_transfer_opts)) with a 64 KiB minimum chunk size and the fault
 * switch, a fresh user and workspace per case with a scratch directory, pseudo-random source
 * files, engines, one-shot upload and checked download, a progress callback that cancels at a
 * byte count, and the fault switch. Include after <cmocka.h>. */
#ifndef IT_TRANSFER_H
#define IT_TRANSFER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "it_xfer_client.h"
#include <fastio/transfer.h>

#define KIB 1024u
#define CHUNK (64u * KIB)

static const char *const it_transfer_args[] = {"--min-chunk-size", "65536", "--enable-test-faults",
                                               NULL};
/* the engines' borrowed clients go before the server (it_xfer_client.h) */
static const struct it_fixture_opts it_transfer_opts = {it_transfer_args, false, itx_clients_free};
static struct it_fixture fx;

/* ---- helpers ------------------------------------------------------------------------------- */

struct ctx {
    char token[256];
    char ws[32];
    char dir[300];     /* scratch: sources, downloads, journals */
    char journal[320];
};

static inline void new_ctx(struct ctx *x)
{
    struct it_user u;
    it_user_new(&u, &fx.srv, IT_USER_WORKSPACE);
    snprintf(x->token, sizeof(x->token), "%s", u.token);
    snprintf(x->ws, sizeof(x->ws), "%s", u.ws);
    it_user_release(&u);
    snprintf(x->dir, sizeof(x->dir), "%s/xfer-XXXXXX", fx.srv.dir);
    assert_non_null(mkdtemp(x->dir));
    snprintf(x->journal, sizeof(x->journal), "%s/journal", x->dir);
}

static uint64_t seed_state = 0x1234567887654321ull;
static inline unsigned char *make_file(const char *path, size_t n)
{
    return it_make_file(path, n, &seed_state);
}

/* Set by a test to run its engines with cfg.hash_before_send (CRC pre-pass, hash in the
 * query) instead of CRCs taken on the way and sent after the bytes. */
static bool it_hash_before_send;

static inline struct fastio_transfer *engine(struct ctx *x, void (*progress)(void *, const struct fastio_transfer_progress *),
                                      void *ud, unsigned in_flight)
{
    struct fastio_transfer_config cfg;
    struct fastio_error err;
    struct fastio_transfer *t;
    fastio_transfer_config_init(&cfg);
    cfg.journal_dir = x->journal;
    cfg.chunk_size = CHUNK;
    cfg.single_max = 1;
    cfg.chunks_in_flight = in_flight;
    cfg.backoff_base_ms = 5;
    cfg.backoff_cap_ms = 50;
    cfg.progress = progress;
    cfg.progress_userdata = ud;
    cfg.progress_interval_ms = 1;
    cfg.poll_timeout_ms = 20000;
    cfg.hash_before_send = it_hash_before_send;
    t = fastio_transfer_new(itx_client(&fx.srv, x->token), &cfg, &err);
    if (t == NULL)
        fail_msg("fastio_transfer_new: %s", err.message);
    return t;
}

/* Upload path as name into x's workspace root with engine t (freed here); the node id. */
static inline char *upload_with(struct fastio_transfer *t, struct ctx *x, const char *path,
                                const char *name)
{
    struct fastio_upload_spec up = {path, -1, name, x->ws, NULL, 0, NULL, NULL};
    struct fastio_error err;
    size_t job;
    char *node = NULL;
    assert_int_equal(fastio_transfer_add_upload(t, &up, &job, &err), FASTIO_OK);
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("upload: %s", err.message);
    assert_int_equal(fastio_transfer_job_result(t, job, &node, &err), FASTIO_OK);
    assert_non_null(node);
    fastio_transfer_free(t);
    return node;
}

static inline char *upload_one(struct ctx *x, const char *path, const char *name)
{
    return upload_with(engine(x, NULL, NULL, 0), x, path, name);
}

static inline void download_check(struct ctx *x, const char *node, const char *name,
                           const unsigned char *want, size_t n)
{
    struct fastio_transfer *t = engine(x, NULL, NULL, 0);
    struct fastio_download_spec d = {.workspace = x->ws, .node = node, .dest_dir = x->dir, .name = name};
    struct fastio_error err;
    size_t job;
    char *path = NULL;
    assert_int_equal(fastio_transfer_add_download(t, &d, &job, &err), FASTIO_OK);
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("download: %s", err.message);
    assert_int_equal(fastio_transfer_job_result(t, job, &path, &err), FASTIO_OK);
    it_assert_file_equals(path, want, n);
    fastio_free(path);
    fastio_transfer_free(t);
}

static inline long long sessions(const struct ctx *x)
{
    return it_db(&fx.srv, "SELECT COUNT(*) FROM upload_sessions WHERE workspace_id = ?1", x->ws,
                 NULL);
}

struct cancel_at {
    struct fastio_transfer *t;
    uint64_t at;
    uint64_t seen;
};

static inline void cancel_when(void *ud, const struct fastio_transfer_progress *p)
{
    struct cancel_at *c = ud;
    c->seen = p->bytes_done;
    if (p->bytes_done >= c->at)
        fastio_transfer_cancel(c->t);
}

/* Set the server's fault switch (form as for it_faults_set; "" or "rate_500=0" turns it off).
 * A case that turns faults on also asserts it_faults_injected() afterwards, so that it cannot
 * pass with the switch silently off. */
static inline void set_faults(const char *form)
{
    assert_int_equal(it_faults_set(&fx.srv, form), 200);
}

#endif
