/* SPDX-License-Identifier: MIT */
/* test_inflight_wait.c - issue 15 item 6(d): right after an aborted upload, requests of the
 * aborted run can still hold the session's chunk slots on the server (a client that vanished
 * without closing, or requests a stall holds), and the resumed upload is answered 409 "at most 3
 * chunks of one session may be in flight". The client must wait that out (the engine waits up
 * to 60 s on such a 409 without spending its retries) and then finish with the right bytes. The
 * stuck requests are made here with raw sockets that send a chunk's headers and a few bytes and
 * then nothing, released after 10 s - longer than the engine's retries alone last. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "it_rawsock.h"
#include "it_transfer.h"

#define HOLD_MS 10000

struct holder {
    int fds[3];
};

static void *release_later(void *arg)
{
    struct holder *h = arg;
    usleep((useconds_t)HOLD_MS * 1000);
    for (int i = 0; i < 3; i++)
        if (h->fds[i] >= 0)
            close(h->fds[i]);
    return NULL;
}

/* An upload with a cancel at about `at` bytes (one chunk in flight); the run's status. */
static enum fastio_status upload_cancelled_at(struct ctx *x, const char *path, const char *name,
                                              uint64_t at)
{
    struct cancel_at c = {NULL, at, 0};
    struct fastio_transfer *t = engine(x, cancel_when, &c, 1);
    struct fastio_upload_spec up = {path, -1, name, x->ws, NULL, 0, NULL, NULL};
    struct fastio_error err;
    size_t job;
    c.t = t;
    assert_int_equal(fastio_transfer_add_upload(t, &up, &job, &err), FASTIO_OK);
    enum fastio_status st = fastio_transfer_run(t, &err);
    fastio_transfer_free(t);
    return st;
}

/* The one upload session of the workspace (its id into out, size >= 64). */
static void session_id(const struct ctx *x, char *out)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/meta.db", fx.srv.dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT id FROM upload_sessions WHERE workspace_id = ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, x->ws, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, 64, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A raw chunk request for `order` (size bytes announced) that sends its headers and `send`
 * bytes (100 for a request that then sends nothing: the server holds the session's slot for
 * it). The socket, or -1. */
static int raw_chunk(const struct ctx *x, const char *sid, int order, size_t size, size_t send)
{
    int fd = rs_connect(fx.srv.port, 0);
    if (fd < 0)
        return -1;
    static char req[1024 + CHUNK];
    int n = snprintf(req, 1024,
                     "POST /current/upload/%s/chunk/?order=%d&size=%zu HTTP/1.1\r\n"
                     "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n\r\n",
                     sid, order, size, x->token, size);
    assert_true(n > 0 && n < 1024 && send <= size && size <= CHUNK);
    memset(req + n, 'z', send);
    if (rs_send_all(fd, req, (size_t)n + send, 5000) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int stuck_chunk(const struct ctx *x, const char *sid, int order, size_t size)
{
    return raw_chunk(x, sid, order, size, size > 100 ? 100 : size - 1); /* never the whole body */
}

/* Access-log lines of 409 answers to chunk requests. */
static long chunk_409s(void)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/server.log", fx.srv.dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[2048];
    long n = 0;
    for (int guard = 0; guard < 10000000 && fgets(line, sizeof(line), f); guard++)
        if (strstr(line, "/chunk/") && strstr(line, "\"status\":409"))
            n++;
    fclose(f);
    return n;
}

static void test_resume_waits_out_chunks_in_flight(void **state)
{
    (void)state;
    struct ctx x;
    new_ctx(&x);
    char path[512];
    snprintf(path, sizeof(path), "%s/held", x.dir);
    const size_t n = 40 * CHUNK + 7; /* 41 chunks */
    unsigned char *data = make_file(path, n);
    /* every request of the first run stalls 20 ms, so the cancel at a quarter lands while most
     * chunks are unsent (unslowed, a loopback run could send all 41 chunks between two progress
     * callbacks, and the resume would then only complete, meeting no 409) */
    set_faults("stall_ms=20"); /* a POST replaces the switch: its counter starts at 0 */
    assert_int_equal(upload_cancelled_at(&x, path, "held.bin", n / 4), FASTIO_CANCELLED);
    assert_true(it_faults_injected(&fx.srv) > 0);
    set_faults("");
    char sid[64];
    session_id(&x, sid);

    /* the aborted run's last three chunks "still in flight": no row yet, slots held */
    struct holder h;
    h.fds[0] = stuck_chunk(&x, sid, 39, CHUNK);
    h.fds[1] = stuck_chunk(&x, sid, 40, CHUNK);
    h.fds[2] = stuck_chunk(&x, sid, 41, 7);
    assert_true(h.fds[0] >= 0 && h.fds[1] >= 0 && h.fds[2] >= 0);
    usleep(300 * 1000); /* their headers are in: each holds a slot */
    /* the server's answer to one more chunk of the session now: 409, 1660 */
    long before = chunk_409s();
    int fd = raw_chunk(&x, sid, 38, CHUNK, CHUNK);
    assert_true(fd >= 0);
    assert_int_equal(rs_read_status(fd, 5000), 409);
    close(fd);
    /* the access-log line is written after the answer is sent: wait for it (bounded, 2 s) */
    for (int i = 0; i < 200 && chunk_409s() <= before; i++)
        usleep(10 * 1000);
    assert_true(chunk_409s() > before);

    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, release_later, &h), 0);
    int64_t t0 = rs_now_ms();
    before = chunk_409s();
    char *node = upload_one(&x, path, "held.bin"); /* fails the test if the engine gives up */
    int64_t took = rs_now_ms() - t0;
    pthread_join(th, NULL);
    long waited = chunk_409s() - before;
    printf("resume: %ld answers 409 waited out, finished after %lld ms (slots held %d ms)\n",
           waited, (long long)took, HOLD_MS);
    /* it met the 409s and went on (waiting, and taking over the stuck orders when it sends
     * them itself) instead of giving up after its retries */
    assert_true(waited >= 1);
    assert_int_equal(sessions(&x), 1); /* the same session, resumed */
    download_check(&x, node, "held-back.bin", data, n);
    fastio_free(node);
    free(data);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_resume_waits_out_chunks_in_flight),
};

IT_FIXTURE_MAIN(tests, fx, &it_transfer_opts)
