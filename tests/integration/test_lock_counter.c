/* SPDX-License-Identifier: MIT */
/* test_lock_counter.c - locks and uploads together (issue 6, docs/decisions.md "Locks"), with
 * libfastio's lock API and transfer engine against a real fastio-server:
 *  - uploads onto a locked file: without the token (action=update, a same-name upload, a chunked
 *    session) refused, with it accepted; a session created with a token whose lock is lost
 *    before complete is refused at commit;
 *  - 8 processes x 50 rounds increment a decimal counter in one file (acquire with waiting,
 *    download, +1, upload a new version with the token, release): the final value is exactly
 *    400 and the file has 400 new versions;
 *  - a holder killed with SIGKILL while its keeper holds the lock: the others get the lock once
 *    it expires, and the killed holder's late write with its old token is refused.
 * The server runs with --lock-time-scale 60 (a 60 s lock lasts one real second) and
 * --kdf-iterations 1000 (fast sign-ups). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <fastio/lock.h>
#include <fastio/transfer.h>

#include "harness.h"
#include "it_xfer_client.h"

#define WORKERS 8
#define ROUNDS 50

static const char *const server_args[] = {"--lock-time-scale", "60", "--kdf-iterations", "1000",
                                          NULL};
static const struct it_fixture_opts fx_opts = {server_args, false, itx_clients_free};
static struct it_fixture fx;

/* ---- helpers ---------------------------------------------------------------------------------- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A private temporary directory (removed by rm_dir). */
static void tmp_dir(char out[300])
{
    snprintf(out, 300, "%.250s/lockctr-XXXXXX", fx.srv.dir);
    assert_non_null(mkdtemp(out));
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static long long read_number(const char *path)
{
    char buf[64] = "";
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    char *end = NULL;
    long long v = strtoll(buf, &end, 10);
    return end == buf ? -1 : v;
}

static struct fastio_transfer *engine(const char *token, uint64_t single_max)
{
    struct fastio_transfer_config cfg;
    fastio_transfer_config_init(&cfg);
    cfg.single_max = single_max;
    cfg.max_retries = -1; /* a refusal must show, not be retried */
    return fastio_transfer_new(itx_client(&fx.srv, token), &cfg, NULL);
}

/* Upload path (as name) into the root, or as a new version of file_id, with lock_token (may be
 * NULL). single_max 1 forces a chunked session. *node_out (may be NULL; size >= 64) gets the
 * node id. Returns the job's status. */
static enum fastio_status upload(const char *token, const char *path, const char *name,
                                 const char *ws, const char *file_id, const char *lock_token,
                                 uint64_t single_max, char *node_out, struct fastio_error *err)
{
    struct fastio_transfer *t = engine(token, single_max);
    if (!t)
        return FASTIO_NOMEM;
    struct fastio_upload_spec up;
    memset(&up, 0, sizeof(up));
    up.path = path;
    up.fd = -1;
    up.name = name;
    up.workspace = ws;
    up.file_id = file_id;
    up.lock_token = lock_token;
    size_t job = 0;
    char *node = NULL;
    enum fastio_status st = fastio_transfer_add_upload(t, &up, &job, err);
    if (st == FASTIO_OK)
        st = fastio_transfer_run(t, err);
    if (st == FASTIO_OK)
        st = fastio_transfer_job_result(t, job, &node, err);
    if (st == FASTIO_OK && node_out)
        snprintf(node_out, 64, "%s", node ? node : "");
    fastio_free(node);
    fastio_transfer_free(t);
    return st;
}

/* Download node into dir; *path (OWNED, free with fastio_free) gets the local path. */
static enum fastio_status download(struct fastio_transfer *t, const char *ws, const char *node,
                                   const char *dir, char **path, struct fastio_error *err)
{
    struct fastio_download_spec d = {.workspace = ws, .node = node, .dest_dir = dir, .name = "counter.txt"};
    size_t job = 0;
    *path = NULL;
    enum fastio_status st = fastio_transfer_add_download(t, &d, &job, err);
    if (st == FASTIO_OK)
        st = fastio_transfer_run(t, err);
    if (st == FASTIO_OK)
        st = fastio_transfer_job_result(t, job, path, err);
    return st;
}

/* A workspace of a new user; the token to tok (size 128), the workspace id to ws (size 32),
 * and a file "counter.txt" holding text in its root (node id to node, size 64). */
static struct fastio_client *counter_ws(char *tok, char *ws, char *node, const char *text)
{
    struct it_user u;
    it_user_new(&u, &fx.srv, IT_USER_WORKSPACE);
    snprintf(tok, 128, "%.127s", u.token);
    snprintf(ws, 32, "%s", u.ws);
    struct fastio_client *c = it_user_take_client(&u);
    char dir[300], path[400];
    tmp_dir(dir);
    snprintf(path, sizeof(path), "%s/counter.txt", dir);
    assert_int_equal(write_text(path, text), 0);
    struct fastio_error err;
    enum fastio_status st = upload(tok, path, "counter.txt", ws, NULL, NULL, 0, node, &err);
    if (st != FASTIO_OK)
        fail_msg("upload: %s", err.message);
    unlink(path);
    rmdir(dir);
    return c;
}

static long long versions_count(struct fastio_client *c, const char *ws, const char *node)
{
    const char *args[2] = {ws, node};
    json_t *resp = NULL;
    assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_VERSIONS, args, 2, NULL, 0, &resp, NULL),
                     FASTIO_OK);
    json_t *v = json_object_get(resp, "versions");
    long long n = json_is_array(v) ? (long long)json_array_size(v) : -1;
    json_decref(resp);
    return n;
}

static void assert_conflict(enum fastio_status st, const struct fastio_error *err)
{
    assert_int_equal(st, FASTIO_CONFLICT);
    assert_int_equal(err->http_status, 409);
    assert_int_equal(err->api_code, 1660);
}

/* The counter's value as stored now. */
static long long stored_value(const char *tok, const char *ws, const char *node)
{
    char dir[300];
    tmp_dir(dir);
    struct fastio_transfer *t = engine(tok, 0);
    assert_non_null(t);
    char *path = NULL;
    struct fastio_error err;
    assert_int_equal(download(t, ws, node, dir, &path, &err), FASTIO_OK);
    long long v = read_number(path);
    unlink(path);
    rmdir(dir);
    fastio_free(path);
    fastio_transfer_free(t);
    return v;
}

/* ---- uploads onto a locked file --------------------------------------------------------------- */

static void test_upload_locked(void **state)
{
    (void)state;
    char tok[128], ws[32], node[64], other[64], dir[300], path[400];
    struct fastio_client *c = counter_ws(tok, ws, node, "7");
    tmp_dir(dir);
    snprintf(path, sizeof(path), "%s/counter.txt", dir);
    assert_int_equal(write_text(path, "8"), 0);

    char *token = NULL;
    struct fastio_lock_opts o = {300, NULL, 0};
    assert_int_equal(fastio_lock_acquire(c, ws, node, &o, &token, NULL, NULL), FASTIO_OK);
    struct fastio_error err;
    /* without the token: action=update (single and chunked) and a same-name upload */
    assert_conflict(upload(tok, path, "counter.txt", ws, node, NULL, 0, NULL, &err), &err);
    assert_conflict(upload(tok, path, "counter.txt", ws, node, NULL, 1, NULL, &err), &err);
    assert_conflict(upload(tok, path, "counter.txt", ws, NULL, NULL, 0, NULL, &err), &err);
    assert_conflict(upload(tok, path, "counter.txt", ws, NULL, NULL, 1, NULL, &err), &err);
    assert_int_equal(versions_count(c, ws, node), 1);
    /* another name is not the locked file */
    assert_int_equal(upload(tok, path, "other.txt", ws, NULL, NULL, 0, other, &err), FASTIO_OK);
    /* with the token: accepted, as update and as a same-name upload */
    assert_int_equal(upload(tok, path, "counter.txt", ws, node, token, 0, NULL, &err), FASTIO_OK);
    assert_int_equal(upload(tok, path, "counter.txt", ws, NULL, token, 1, other, &err), FASTIO_OK);
    assert_string_equal(other, node);
    assert_int_equal(versions_count(c, ws, node), 3);
    assert_int_equal(stored_value(tok, ws, node), 8);
    /* restore-version is a write too */
    {
        const char *args[2] = {ws, node};
        json_t *resp = NULL;
        assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_VERSIONS, args, 2, NULL, 0, &resp, NULL),
                         FASTIO_OK);
        json_t *vs = json_object_get(resp, "versions");
        char first[64];
        snprintf(first, sizeof(first), "%s",
                 json_string_value(json_object_get(json_array_get(vs, json_array_size(vs) - 1), "id")));
        json_decref(resp);
        struct fastio_param p[2] = {{"version_id", first}, {"lock_token", token}};
        assert_conflict(fastio_call(c, FASTIO_EP_STORAGE_VERSION_RESTORE, args, 2, p, 1, &resp,
                                    &err), &err);
        json_decref(resp);
        resp = NULL;
        assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_VERSION_RESTORE, args, 2, p, 2, &resp,
                                     &err), FASTIO_OK);
        json_decref(resp);
        assert_int_equal(stored_value(tok, ws, node), 7);
        assert_int_equal(upload(tok, path, "counter.txt", ws, node, token, 0, NULL, &err),
                         FASTIO_OK);
        assert_int_equal(versions_count(c, ws, node), 4);
    }

    /* a session created with the token, the lock lost before complete: refused at commit */
    char sid[64], *out = NULL;
    char form[512];
    snprintf(form, sizeof(form),
             "name=counter.txt&size=1&action=update&file_id=%s&instance_id=%s&"
             "profile_type=workspace&lock_token=%s",
             node, ws, token);
    char authz[200];
    snprintf(authz, sizeof(authz), "Bearer %s", tok);
    long http = it_raw(&fx.srv, "POST", "/current/upload/", "application/x-www-form-urlencoded",
                       form, strlen(form), authz, &out);
    assert_int_equal(http, 200);
    json_t *j = json_loads(out, 0, NULL);
    free(out);
    const char *id = json_string_value(json_object_get(j, "id"));
    assert_non_null(id);
    snprintf(sid, sizeof(sid), "%s", id);
    json_decref(j);
    assert_int_equal(fastio_lock_release(c, ws, node, token, NULL), FASTIO_OK);
    char *tok2 = NULL;
    assert_int_equal(fastio_lock_acquire(c, ws, node, &o, &tok2, NULL, NULL), FASTIO_OK);
    /* the chunk (multipart) then complete, by raw requests */
    {
        char cpath[256];
        /* crc32c("9") */
        snprintf(cpath, sizeof(cpath), "/current/upload/%s/chunk/?order=1&size=1", sid);
        const char *boundary = "XbOuNdArY";
        char body[512], ctype[64];
        int n = snprintf(body, sizeof(body),
                         "--%s\r\nContent-Disposition: form-data; name=\"chunk\"; "
                         "filename=\"c\"\r\nContent-Type: application/octet-stream\r\n\r\n9\r\n"
                         "--%s--\r\n",
                         boundary, boundary);
        snprintf(ctype, sizeof(ctype), "multipart/form-data; boundary=%s", boundary);
        http = it_raw(&fx.srv, "POST", cpath, ctype, body, (size_t)n, authz, &out);
        assert_int_equal(http, 200);
        free(out);
        snprintf(cpath, sizeof(cpath), "/current/upload/%s/complete/", sid);
        http =
            it_raw(&fx.srv, "POST", cpath, "application/x-www-form-urlencoded", "", 0, authz, &out);
        assert_int_equal(http, 409);
        assert_non_null(strstr(out, "1660"));
        free(out);
        /* the holder of the new lock completes the same session with its own token */
        char form2[200];
        int n2 = snprintf(form2, sizeof(form2), "lock_token=%s", tok2);
        http = it_raw(&fx.srv, "POST", cpath, "application/x-www-form-urlencoded", form2,
                      (size_t)n2, authz, &out);
        assert_int_equal(http, 200);
        free(out);
    }
    assert_int_equal(stored_value(tok, ws, node), 9);
    assert_int_equal(versions_count(c, ws, node), 5);
    assert_int_equal(fastio_lock_release(c, ws, node, tok2, NULL), FASTIO_OK);
    /* a dead token refuses the write even on the unlocked file (a lost update otherwise) */
    assert_conflict(upload(tok, path, "counter.txt", ws, node, tok2, 0, NULL, &err), &err);
    fastio_free(token);
    fastio_free(tok2);
    unlink(path);
    rmdir(dir);
    fastio_client_free(c);
}

/* ---- 8 processes x 50 rounds ------------------------------------------------------------------ */

struct round {
    const char *tok, *ws, *node, *dir;
    struct fastio_transfer *t;
};

/* The update under the lock: download, +1, upload as a new version with the token. */
static enum fastio_status bump(void *userdata, struct fastio_client *c, const char *lock_token,
                               struct fastio_error *err)
{
    (void)c;
    struct round *r = userdata;
    char *path = NULL;
    enum fastio_status st = download(r->t, r->ws, r->node, r->dir, &path, err);
    if (st != FASTIO_OK)
        return st;
    long long v = read_number(path);
    char text[32];
    snprintf(text, sizeof(text), "%lld\n", v + 1);
    if (v < 0 || write_text(path, text) != 0) {
        fastio_free(path);
        snprintf(err->message, sizeof(err->message), "bad counter file");
        return err->status = FASTIO_IO;
    }
    st = upload(r->tok, path, "counter.txt", r->ws, r->node, lock_token, 0, NULL, err);
    fastio_free(path);
    return st;
}

/* One worker process: ROUNDS increments. Exit status 0 = all done. */
static int worker(const char *tok, const char *ws, const char *node, int id)
{
    struct fastio_config cfg;
    fastio_config_init(&cfg);
    cfg.base_url = fx.srv.base;
    cfg.token = tok;
    struct fastio_client *c = fastio_client_new(&cfg, NULL);
    char dir[300];
    snprintf(dir, sizeof(dir), "%.250s/worker-%d", fx.srv.dir, id);
    if (!c || mkdir(dir, 0700) != 0)
        return 2;
    struct round r = {tok, ws, node, dir, engine(tok, 0)};
    if (!r.t)
        return 2;
    struct fastio_lock_opts o = {300, "{\"device_name\":\"worker\"}", 120000};
    for (int i = 0; i < ROUNDS; i++) {
        struct fastio_error err;
        enum fastio_status st = fastio_with_lock_ex(c, ws, node, &o, bump, &r, &err);
        if (st != FASTIO_OK) {
            fprintf(stderr, "worker %d round %d: %s: %s\n", id, i, fastio_status_name(st),
                    err.message);
            return 1;
        }
    }
    fastio_transfer_free(r.t);
    fastio_client_free(c);
    return 0;
}

static void test_counter_400(void **state)
{
    (void)state;
    char tok[128], ws[32], node[64];
    struct fastio_client *c = counter_ws(tok, ws, node, "0");
    int64_t t0 = mono_ms();
    pid_t pids[WORKERS];
    fflush(NULL);
    for (int i = 0; i < WORKERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0)
            _exit(worker(tok, ws, node, i));
    }
    int failed = 0;
    int64_t deadline = mono_ms() + 240000;
    for (int i = 0; i < WORKERS; i++) {
        int status = 0;
        pid_t w = 0;
        while ((w = waitpid(pids[i], &status, WNOHANG)) == 0 && mono_ms() < deadline)
            sleep_ms(20);
        if (w != pids[i]) {
            kill(pids[i], SIGKILL);
            waitpid(pids[i], &status, 0);
            failed++;
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    }
    fprintf(stderr, "counter: %d x %d rounds in %lld ms\n", WORKERS, ROUNDS,
            (long long)(mono_ms() - t0));
    assert_int_equal(failed, 0);
    assert_int_equal(stored_value(tok, ws, node), WORKERS * ROUNDS);
    assert_int_equal(versions_count(c, ws, node), 1 + WORKERS * ROUNDS);
    fastio_client_free(c);
}

/* ---- a holder killed with SIGKILL ------------------------------------------------------------- */

static void test_killed_holder(void **state)
{
    (void)state;
    char tok[128], ws[32], node[64];
    struct fastio_client *c = counter_ws(tok, ws, node, "41");
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the holder: lock for 60 s (one real second), kept alive by the keeper, then hang */
        close(fds[0]);
        struct fastio_config cfg;
        fastio_config_init(&cfg);
        cfg.base_url = fx.srv.base;
        cfg.token = tok;
        struct fastio_client *hc = fastio_client_new(&cfg, NULL);
        char *token = NULL;
        struct fastio_lock_opts o = {60, NULL, 0};
        if (!hc || fastio_lock_acquire(hc, ws, node, &o, &token, NULL, NULL) != FASTIO_OK)
            _exit(2);
        struct fastio_lock_keeper *k =
            fastio_lock_keeper_start(hc, ws, node, token, NULL, NULL, NULL);
        if (!k)
            _exit(3);
        size_t len = strlen(token) + 1;
        if (write(fds[1], token, len) != (ssize_t)len)
            _exit(4);
        close(fds[1]);
        for (int i = 0; i < 600; i++)
            sleep_ms(100);
        _exit(5);
    }
    close(fds[1]);
    char old[128] = "";
    size_t got = 0;
    for (int i = 0; i < 200 && got < sizeof(old) - 1; i++) {
        ssize_t n = read(fds[0], old + got, sizeof(old) - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (memchr(old, 0, got))
            break;
    }
    close(fds[0]);
    assert_true(strncmp(old, "fio_l_", 6) == 0);

    /* kept alive past its one-second duration */
    sleep_ms(2000);
    struct fastio_lock_opts now = {60, NULL, 0};
    char *tk = NULL;
    struct fastio_error err;
    assert_conflict(fastio_lock_acquire(c, ws, node, &now, &tk, NULL, &err), &err);

    kill(pid, SIGKILL);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    /* the others get it once it expires (about a second) */
    int64_t t0 = mono_ms();
    struct fastio_lock_opts waiting = {300, NULL, 10000};
    assert_int_equal(fastio_lock_acquire(c, ws, node, &waiting, &tk, NULL, &err), FASTIO_OK);
    int64_t waited = mono_ms() - t0;
    fprintf(stderr, "lock free %lld ms after the SIGKILL\n", (long long)waited);
    assert_true(waited < 5000);

    /* the killed holder's late write with its old token is refused (a new version by upload,
     * and a rename), while the new holder holds the lock and after it released it */
    char dir[300], path[400];
    tmp_dir(dir);
    snprintf(path, sizeof(path), "%s/counter.txt", dir);
    assert_int_equal(write_text(path, "999"), 0);
    assert_conflict(upload(tok, path, "counter.txt", ws, node, old, 0, NULL, &err), &err);
    assert_conflict(upload(tok, path, "counter.txt", ws, node, old, 1, NULL, &err), &err);
    assert_int_equal(fastio_lock_release(c, ws, node, tk, NULL), FASTIO_OK);
    assert_conflict(upload(tok, path, "counter.txt", ws, node, old, 0, NULL, &err), &err);
    assert_int_equal(stored_value(tok, ws, node), 41);
    assert_int_equal(versions_count(c, ws, node), 1);
    fastio_free(tk);
    unlink(path);
    rmdir(dir);
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_upload_locked),
    cmocka_unit_test(test_counter_400),
    cmocka_unit_test(test_killed_holder),
};

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
