/* SPDX-License-Identifier: MIT */
/* test_transfer_resume.c - resuming uploads with the libfastio transfer engine against a real
 * fastio-server: resume after a cancel (same session, only missing chunks), a changed source
 * restarts, a deadline or a cancel token stopping a running upload that a later run resumes. The
 * two deadline/cancel cases send ~24 MiB each. Shared fixtures in it_transfer.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>

#include "harness.h"
#include <fastio/transfer.h>
#include "it_transfer.h"

/* ---- resume ------------------------------------------------------------------------------------ */

/* Chunks the one journal in dir lists as done (-1: no journal or not readable). */
static long journal_chunks(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long n = -1;
    char path[800];
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        json_t *doc;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        doc = json_load_file(path, 0, NULL);
        if (doc != NULL && json_is_object(json_object_get(doc, "chunks")))
            n = (long)json_object_size(json_object_get(doc, "chunks"));
        json_decref(doc);
    }
    closedir(d);
    return n;
}

/* Upload with a cancel at about `at` bytes; returns the run's status. */
static enum fastio_status upload_cancelled(struct ctx *x, const char *path, const char *name,
                                           uint64_t at)
{
    struct cancel_at c = {NULL, at, 0};
    struct fastio_transfer *t = engine(x, cancel_when, &c, 1);
    struct fastio_upload_spec up = {path, -1, name, x->ws, NULL, 0, NULL, NULL};
    struct fastio_error err;
    enum fastio_status st;
    size_t job;
    c.t = t;
    assert_int_equal(fastio_transfer_add_upload(t, &up, &job, &err), FASTIO_OK);
    st = fastio_transfer_run(t, &err);
    assert_int_equal(fastio_transfer_job_result(t, job, NULL, &err), st);
    fastio_transfer_free(t);
    return st;
}

static void resume_after_cancel(void);

static void test_transfer_resume_after_cancel(void **state)
{
    (void)state;
    it_hash_before_send = false;
    resume_after_cancel();
}

/* The same with the CRC pre-pass (hash in the query). */
static void test_transfer_resume_after_cancel_hash_before(void **state)
{
    (void)state;
    it_hash_before_send = true;
    resume_after_cancel();
    it_hash_before_send = false;
}

static void resume_after_cancel(void)
{
    struct ctx x;
    char path[512], *node;
    unsigned char *data;
    const size_t n = 40 * CHUNK + 7;
    long long chunks_before, chunks_after;
    new_ctx(&x);
    snprintf(path, sizeof(path), "%s/big", x.dir);
    data = make_file(path, n);
    assert_int_equal(upload_cancelled(&x, path, "big.bin", n / 3), FASTIO_CANCELLED);
    assert_int_equal(sessions(&x), 1);
    chunks_before = it_db(&fx.srv,
                          "SELECT COUNT(*) FROM upload_chunks WHERE session_id IN (SELECT id FROM "
                          "upload_sessions WHERE workspace_id = ?1)",
                          x.ws, NULL);
    assert_true(chunks_before > 0 && chunks_before < 41);
    /* the journal is rewritten at most twice a second while chunks go (this run is shorter),
     * and once more when the run ends without success: it lists every chunk whose answer the
     * client saw, i.e. all the server holds but those the cancel caught in flight (<= 3) */
    {
        long j = journal_chunks(x.journal);
        assert_true(j >= chunks_before - 3 && j <= chunks_before);
    }
    /* a second engine (as after a restart of the program) continues the same session */
    node = upload_one(&x, path, "big.bin");
    assert_int_equal(sessions(&x), 1);
    chunks_after = it_db(&fx.srv,
                         "SELECT COUNT(*) FROM upload_chunks WHERE session_id IN (SELECT id FROM "
                         "upload_sessions WHERE workspace_id = ?1)",
                         x.ws, NULL);
    (void)chunks_after; /* the server may drop chunk rows once stored */
    download_check(&x, node, "big-back.bin", data, n);
    fastio_free(node);
    free(data);
}

static void test_transfer_changed_source_restarts(void **state)
{
    struct ctx x;
    char path[512], *node;
    unsigned char *data;
    const size_t n = 30 * CHUNK;
    (void)state;
    new_ctx(&x);
    snprintf(path, sizeof(path), "%s/changing", x.dir);
    data = make_file(path, n);
    assert_int_equal(upload_cancelled(&x, path, "changing.bin", n / 3), FASTIO_CANCELLED);
    assert_int_equal(sessions(&x), 1);
    free(data);
    usleep(20000); /* a different mtime even on coarse clocks */
    data = make_file(path, n); /* same size, new bytes */
    node = upload_one(&x, path, "changing.bin");
    assert_int_equal(sessions(&x), 2); /* a new session: never a mix of old and new bytes */
    download_check(&x, node, "changing-back.bin", data, n);
    fastio_free(node);
    free(data);
}

/* ---- cancellation and deadlines (issue 4) ----------------------------------------------------- */

#define BIG_N (24u * KIB * KIB + 3u) /* ~24 MiB */

/* An engine with 1 MiB chunks, one in flight, and the given deadline and cancel token. */
static struct fastio_transfer *engine_bounded(struct ctx *x, int64_t deadline_ms,
                                              struct fastio_cancel *cancel)
{
    struct fastio_transfer_config cfg;
    struct fastio_error err;
    struct fastio_transfer *t;
    fastio_transfer_config_init(&cfg);
    cfg.journal_dir = x->journal;
    cfg.chunk_size = 1024u * KIB;
    cfg.single_max = 1;
    cfg.chunks_in_flight = 1;
    cfg.backoff_base_ms = 5;
    cfg.backoff_cap_ms = 50;
    cfg.poll_timeout_ms = 20000;
    cfg.deadline_ms = deadline_ms;
    cfg.cancel = cancel;
    t = fastio_transfer_new(itx_client(&fx.srv, x->token), &cfg, &err);
    if (t == NULL)
        fail_msg("fastio_transfer_new: %s", err.message);
    return t;
}

static long long session_chunks(const struct ctx *x)
{
    return it_db(&fx.srv,
                 "SELECT COUNT(*) FROM upload_chunks WHERE session_id IN (SELECT id FROM "
                 "upload_sessions WHERE workspace_id = ?1)",
                 x->ws, NULL);
}

/* Runs one upload of path bounded by deadline/cancel; returns the status, *ended the time. */
static enum fastio_status upload_bounded(struct ctx *x, const char *path, int64_t deadline_ms,
                                         struct fastio_cancel *cancel, int64_t *ended)
{
    struct fastio_transfer *t = engine_bounded(x, deadline_ms, cancel);
    struct fastio_upload_spec up = {path, -1, "big24.bin", x->ws, NULL, 0, NULL, NULL};
    struct fastio_error err;
    enum fastio_status st;
    size_t job;
    assert_int_equal(fastio_transfer_add_upload(t, &up, &job, &err), FASTIO_OK);
    st = fastio_transfer_run(t, &err);
    *ended = fastio_now_ms();
    if (st != FASTIO_OK)
        assert_int_equal(err.status, st);
    assert_int_equal(fastio_transfer_job_result(t, job, NULL, &err),
                     st == FASTIO_OK ? FASTIO_OK : FASTIO_CANCELLED);
    fastio_transfer_free(t); /* everything the run held is freed (ASan/LSan check) */
    return st;
}

/* Resume without bounds: the same (only) session completes and the bytes match. */
static void resume_and_check(struct ctx *x, const char *path, const unsigned char *data)
{
    char *node = upload_with(engine_bounded(x, 0, NULL), x, path, "big24.bin");
    assert_int_equal(sessions(x), 1);
    download_check(x, node, "big24-back.bin", data, BIG_N);
    fastio_free(node);
}

static void test_transfer_deadline_stops_upload_and_resumes(void **state)
{
    struct ctx x;
    char path[512];
    unsigned char *data;
    int64_t deadline, ended;
    (void)state;
    new_ctx(&x);
    snprintf(path, sizeof(path), "%s/big24", x.dir);
    data = make_file(path, BIG_N);
    set_faults("stall_ms=150"); /* every request takes >= 150 ms: 24 chunks >> deadline */
    deadline = fastio_now_ms() + 1200;
    assert_int_equal(upload_bounded(&x, path, deadline, NULL, &ended), FASTIO_TIMEOUT);
    assert_true(it_faults_injected(&fx.srv) > 0); /* the stalls, not a slow machine */
    set_faults("stall_ms=0");
    if (ended > deadline + 100)
        fail_msg("the run ended %lld ms after its deadline", (long long)(ended - deadline));
    assert_int_equal(sessions(&x), 1);
    {
        long long done = session_chunks(&x);
        print_message("deadline: %lld of 24 chunks stored, ended %lld ms after it\n", done,
                      (long long)(ended - deadline));
        assert_true(done > 0 && done < 24); /* it was running, and was cut short */
    }
    /* a deadline already passed stops at once, before any request */
    assert_int_equal(upload_bounded(&x, path, 1, NULL, &ended), FASTIO_TIMEOUT);
    assert_int_equal(sessions(&x), 1);
    resume_and_check(&x, path, data);
    free(data);
}

struct trigger {
    struct fastio_cancel *token;
    long after_ms;
    int64_t at; /* when it was triggered */
};

static void *trigger_later(void *arg)
{
    struct trigger *tr = arg;
    usleep((useconds_t)tr->after_ms * 1000u);
    tr->at = fastio_now_ms();
    fastio_cancel_trigger(tr->token);
    return NULL;
}

static void test_transfer_cancel_token_from_thread(void **state)
{
    struct ctx x;
    char path[512];
    unsigned char *data;
    int64_t ended;
    struct trigger tr = {NULL, 700, 0};
    pthread_t th;
    (void)state;
    new_ctx(&x);
    snprintf(path, sizeof(path), "%s/big24", x.dir);
    data = make_file(path, BIG_N);
    tr.token = fastio_cancel_new();
    assert_non_null(tr.token);
    set_faults("stall_ms=150");
    assert_int_equal(pthread_create(&th, NULL, trigger_later, &tr), 0);
    assert_int_equal(upload_bounded(&x, path, 0, tr.token, &ended), FASTIO_CANCELLED);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_true(it_faults_injected(&fx.srv) > 0); /* the stalls, not a slow machine */
    set_faults("stall_ms=0");
    if (ended - tr.at > 100)
        fail_msg("the run ended %lld ms after the cancel", (long long)(ended - tr.at));
    assert_int_equal(sessions(&x), 1);
    assert_true(session_chunks(&x) < 24);
    /* a token still triggered stops the next run at once; reset, it no longer does */
    assert_int_equal(upload_bounded(&x, path, 0, tr.token, &ended), FASTIO_CANCELLED);
    fastio_cancel_reset(tr.token);
    fastio_cancel_free(tr.token);
    resume_and_check(&x, path, data);
    free(data);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_transfer_resume_after_cancel),
    cmocka_unit_test(test_transfer_resume_after_cancel_hash_before),
    cmocka_unit_test(test_transfer_changed_source_restarts),
    cmocka_unit_test(test_transfer_deadline_stops_upload_and_resumes),
    cmocka_unit_test(test_transfer_cancel_token_from_thread),
};

IT_FIXTURE_MAIN(tests, fx, &it_transfer_opts)
