/* SPDX-License-Identifier: MIT */
/* test_transfer_engine.c - the transfer engine on the library's one request engine (issue 12),
 * against a real fastio-server (--oauth-access-ttl 2, the fault switch, 64 KiB chunks):
 *  - an upload that outlives its OAuth access token completes: the server's fault switch slows
 *    every request, the token expires mid-upload, the 401 goes to the client's token provider
 *    (a token store doing the real refresh grant) and the chunk goes again with the new token;
 *  - the retry rule comes from the endpoint row: after a 500 or a dropped connection the UNSAFE
 *    session create is not sent again (the server may have acted on it) while the SAFE node
 *    details of a download are; a failed batch is not sent again either, alone or batched;
 *  - every transfer request goes through the client's log hook (one line per chunk request);
 *  - an unknown host says "Could not resolve host" for uploads and downloads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <fastio/credentials.h>
#include <fastio/transfer.h>

#include "buf.h"
#include "form.h"
#include "harness.h"
#include "it_oauth.h"
#include "it_xfer_client.h"

#define KIB 1024u
#define CHUNK (64u * KIB)

static const char *const server_args[] = {"--oauth-access-ttl", "2",     "--enable-test-faults",
                                          "--min-chunk-size",   "65536", NULL};
static const struct it_fixture_opts fx_opts = {server_args, false, itx_clients_free};
static struct it_fixture fx;

/* ---- helpers ------------------------------------------------------------------------------ */

static void set_faults(const char *form)
{
    assert_int_equal(it_faults_set(&fx.srv, form), 200);
}

static long faults_injected(void)
{
    return (long)it_faults_injected(&fx.srv);
}

/* The log hook: every line, kept for the assertions. */
struct lines {
    json_t *all; /* array of parsed lines */
    struct fio_buf text;
};

static void on_log(void *ud, const char *line)
{
    struct lines *l = ud;
    json_t *j = json_loads(line, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_array_append_new(l->all, j), 0);
    assert_true(fio_buf_append_str(&l->text, line) && fio_buf_append_str(&l->text, "\n"));
}

static void lines_init(struct lines *l)
{
    l->all = json_array();
    assert_non_null(l->all);
    fio_buf_init(&l->text, 0);
}

static void lines_release(struct lines *l)
{
    json_decref(l->all);
    fio_buf_release(&l->text);
}

/* How many lines of endpoint ep (NULL = any) have HTTP status `status` (-1 = any). */
static size_t count_lines(const struct lines *l, const char *ep, long status)
{
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(l->all, i, v)
    {
        const char *e = json_string_value(json_object_get(v, "endpoint"));
        long s = (long)json_integer_value(json_object_get(v, "status"));
        if ((ep == NULL || (e != NULL && strcmp(e, ep) == 0)) && (status < 0 || s == status))
            n++;
    }
    return n;
}

/* A client logging into l, with token (may be NULL) or a token provider. */
static struct fastio_client *logging_client(const char *token, struct lines *l,
                                            fastio_token_fn provider, void *provider_ud)
{
    struct fastio_config cfg;
    struct fastio_error err;
    fastio_config_init(&cfg);
    cfg.base_url = fx.srv.base;
    cfg.token = token;
    cfg.log = on_log;
    cfg.log_userdata = l;
    cfg.token_provider = provider;
    cfg.token_provider_userdata = provider_ud;
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    if (c == NULL)
        fail_msg("client: %s", err.message);
    return c;
}

static struct fastio_transfer *engine(struct fastio_client *c, unsigned in_flight, bool batch)
{
    struct fastio_transfer_config cfg;
    struct fastio_error err;
    fastio_transfer_config_init(&cfg);
    if (!batch) {
        cfg.chunk_size = CHUNK;
        cfg.single_max = 1; /* every file a chunked session */
    }
    cfg.chunks_in_flight = in_flight;
    cfg.backoff_base_ms = 5;
    cfg.backoff_cap_ms = 50;
    cfg.poll_timeout_ms = 20000;
    struct fastio_transfer *t = fastio_transfer_new(c, &cfg, &err);
    if (t == NULL)
        fail_msg("fastio_transfer_new: %s", err.message);
    return t;
}

static uint64_t seed = 0x9e3779b97f4a7c15ull;
static unsigned char *make_file(const char *path, size_t n)
{
    return it_make_file(path, n, &seed);
}

static void scratch_dir(char *dir, size_t size)
{
    snprintf(dir, size, "%s/eng-XXXXXX", fx.srv.dir);
    assert_non_null(mkdtemp(dir));
}

/* Upload path as name into ws with engine t; the job's status (error in *err). */
static enum fastio_status upload(struct fastio_transfer *t, const char *ws, const char *path,
                                 const char *name, char **node, struct fastio_error *err)
{
    struct fastio_upload_spec up = {path, -1, name, ws, NULL, 0, NULL, NULL};
    size_t job;
    assert_int_equal(fastio_transfer_add_upload(t, &up, &job, err), FASTIO_OK);
    if (fastio_transfer_run(t, err) != FASTIO_OK) { /* the job result below says why */ }
    return fastio_transfer_job_result(t, job, node, err);
}

/* Download node of ws into dir with a fixed-token engine and compare with want. */
static void download_check(const char *token, const char *ws, const char *node, const char *dir,
                           const char *name, const unsigned char *want, size_t n)
{
    struct fastio_transfer *t = engine(itx_client(&fx.srv, token), 3, false);
    struct fastio_download_spec d = {ws, node, dir, name, NULL, false};
    struct fastio_error err;
    char *local = NULL;
    size_t job;
    assert_int_equal(fastio_transfer_add_download(t, &d, &job, &err), FASTIO_OK);
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("download: %s", err.message);
    assert_int_equal(fastio_transfer_job_result(t, job, &local, &err), FASTIO_OK);
    fastio_transfer_free(t);
    it_assert_file_equals(local, want, n);
    fastio_free(local);
}

static int persisted;
static enum fastio_status persist(void *ud, const struct fastio_oauth_tokens *t, int64_t expires_at,
                                  struct fastio_error *err)
{
    (void)ud;
    (void)t;
    (void)expires_at;
    (void)err;
    persisted++;
    return FASTIO_OK;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_upload_outlives_oauth_token(void **state)
{
    (void)state;
    char utok[128], email[128], ws[32], dir[300], path[400], *node = NULL;
    struct fastio_error err;
    const size_t n = 14 * CHUNK + 5;

    it_new_user(&fx.srv, utok, sizeof(utok), email);
    struct fastio_client *uc = itx_client(&fx.srv, utok);
    it_org_ws(uc, NULL, ws);
    struct fastio_oauth_tokens tok;
    memset(&tok, 0, sizeof(tok));
    ito_pkce_login(&fx.srv, email, "it-engine", 2, &tok);

    /* A store whose expiry is unknown: nothing refreshes early, only a 401 does. */
    struct fastio_token_store_config sc;
    fastio_token_store_config_init(&sc);
    sc.base_url = fx.srv.base;
    sc.client_id = CLIENT;
    sc.access_token = tok.access_token;
    sc.refresh_token = tok.refresh_token;
    sc.expires_at = 0;
    sc.persist = persist;
    struct fastio_token_store *store = fastio_token_store_new(&sc, &err);
    assert_non_null(store);
    struct lines l;
    lines_init(&l);
    struct fastio_client *c = logging_client(NULL, &l, fastio_token_store_provider, store);

    scratch_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/slow.bin", dir);
    unsigned char *data = make_file(path, n);
    /* Every request waits 300 ms in the server: 15 chunks one at a time take 4.5 s, more than
     * twice the access token's 2 s. */
    set_faults("stall_ms=300&stall=100");
    persisted = 0;
    struct fastio_transfer *t = engine(c, 1, false);
    enum fastio_status st = upload(t, ws, path, "slow.bin", &node, &err);
    long injected = faults_injected();
    set_faults("stall_ms=0");
    if (st != FASTIO_OK)
        fail_msg("upload through a refresh: %s", err.message);
    assert_non_null(node);
    fastio_transfer_free(t);
    assert_true(injected > 15);

    /* the server said 401 mid-upload, the provider refreshed, the same request went again */
    assert_true(count_lines(&l, NULL, 401) >= 1);
    assert_true(persisted >= 1);
    assert_int_equal(count_lines(&l, "UPLOAD_CHUNK", 200), 15);
    /* no log line holds a token */
    assert_null(strstr(l.text.data, tok.access_token));
    assert_null(strstr(l.text.data, tok.refresh_token));
    assert_null(strstr(l.text.data, "Bearer"));

    download_check(utok, ws, node, dir, "slow-back.bin", data, n);
    fastio_free(node);
    free(data);
    fastio_client_free(c);
    fastio_token_store_free(store);
    fastio_oauth_tokens_release(&tok);
    lines_release(&l);
}

/* A new user with a workspace, its logged client and an engine (batch or not) that already
 * knows the server's limits: a small file (size bytes, named name) was uploaded first, so the
 * next upload starts with its own first request. warm_release frees what it made. */
struct warm {
    struct it_user u; /* token, ws */
    struct lines l;
    struct fastio_client *c;
    struct fastio_transfer *t;
    char dir[300]; /* scratch */
};

static void warm_engine(struct warm *w, bool batch, const char *name, size_t size)
{
    char path[400], *node = NULL;
    struct fastio_error err;
    it_user_new(&w->u, &fx.srv, IT_USER_WORKSPACE);
    it_user_release(&w->u); /* the logged client below does the work */
    lines_init(&w->l);
    w->c = logging_client(w->u.token, &w->l, NULL, NULL);
    w->t = engine(w->c, 3, batch);
    scratch_dir(w->dir, sizeof(w->dir));
    snprintf(path, sizeof(path), "%s/%s", w->dir, name);
    free(make_file(path, size));
    assert_int_equal(upload(w->t, w->u.ws, path, name, &node, &err), FASTIO_OK);
    fastio_free(node);
}

static void warm_release(struct warm *w)
{
    fastio_transfer_free(w->t);
    fastio_client_free(w->c);
    lines_release(&w->l);
}

/* After one fault on the next request, a chunked upload of a fresh file whose engine already
 * knows the limits: the first request is the UNSAFE session create. */
static void unsafe_create_once(const char *fault, enum fastio_status want)
{
    char path[400], *node = NULL;
    struct fastio_error err;
    struct warm w;
    warm_engine(&w, false, "warm.bin", 1000);
    struct lines *l = &w.l;
    struct fastio_transfer *t = w.t;
    const char *ws = w.u.ws, *dir = w.dir;
    assert_int_equal(count_lines(l, "UPLOAD_CREATE", -1), 1);
    size_t chunks_before = count_lines(l, "UPLOAD_CHUNK", -1);

    snprintf(path, sizeof(path), "%s/once.bin", dir);
    free(make_file(path, 3 * CHUNK));
    set_faults(fault);
    enum fastio_status st = upload(t, ws, path, "once.bin", &node, &err);
    long injected = faults_injected();
    set_faults("rate_500=0");
    assert_int_equal(injected, 1);
    assert_int_equal(st, want);
    assert_null(node);
    /* exactly one more create, logged with its failure and no wait before another try */
    assert_int_equal(count_lines(l, "UPLOAD_CREATE", -1), 2);
    json_t *last = NULL, *v;
    size_t i;
    json_array_foreach(l->all, i, v)
    {
        const char *e = json_string_value(json_object_get(v, "endpoint"));
        if (e != NULL && strcmp(e, "UPLOAD_CREATE") == 0)
            last = v;
    }
    assert_non_null(last);
    assert_int_equal(json_integer_value(json_object_get(last, "retry_wait_ms")), -1);
    assert_int_equal(count_lines(l, "UPLOAD_CHUNK", -1), chunks_before);
    warm_release(&w);
}

static void test_unsafe_create_not_retried_after_500(void **state)
{
    (void)state;
    unsafe_create_once("rate_500=100&max_faults=1", FASTIO_SERVER);
}

static void test_unsafe_create_not_retried_after_reset(void **state)
{
    (void)state;
    unsafe_create_once("reset=100&max_faults=1", FASTIO_NETWORK);
}

/* The SAFE rows of the same engine are retried after the same faults: a download's node
 * details after a 500 and after a dropped connection. */
static void test_safe_details_retried(void **state)
{
    (void)state;
    static const char *const faults[] = {"rate_500=100&max_faults=1", "reset=100&max_faults=1"};
    char tokn[128], ws[32], dir[300], path[400], *node = NULL;
    struct fastio_error err;
    it_new_user(&fx.srv, tokn, sizeof(tokn), NULL);
    it_org_ws(itx_client(&fx.srv, tokn), NULL, ws);
    scratch_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/safe.bin", dir);
    const size_t n = 2 * CHUNK + 9;
    unsigned char *data = make_file(path, n);
    struct fastio_transfer *t = engine(itx_client(&fx.srv, tokn), 3, false);
    assert_int_equal(upload(t, ws, path, "safe.bin", &node, &err), FASTIO_OK);
    fastio_transfer_free(t);
    for (size_t k = 0; k < 2; k++) {
        struct lines l;
        char name[32];
        lines_init(&l);
        struct fastio_client *c = logging_client(tokn, &l, NULL, NULL);
        t = engine(c, 3, false);
        struct fastio_download_spec d = {ws, node, dir, name, NULL, false};
        size_t job;
        snprintf(name, sizeof(name), "back-%zu.bin", k);
        assert_int_equal(fastio_transfer_add_download(t, &d, &job, &err), FASTIO_OK);
        set_faults(faults[k]);
        enum fastio_status st = fastio_transfer_run(t, &err);
        long injected = faults_injected();
        set_faults("rate_500=0");
        if (st != FASTIO_OK)
            fail_msg("download after %s: %s", faults[k], err.message);
        assert_int_equal(injected, 1);
        /* the failed details request, with the wait before its retry, then the good one */
        assert_int_equal(count_lines(&l, "STORAGE_DETAILS", -1), 2);
        json_t *first = json_array_get(l.all, 0);
        assert_string_equal(json_string_value(json_object_get(first, "endpoint")),
                            "STORAGE_DETAILS");
        assert_true(json_integer_value(json_object_get(first, "retry_wait_ms")) >= 0);
        assert_int_equal(json_integer_value(json_object_get(first, "status")), k == 0 ? 500 : 0);
        assert_int_equal(count_lines(&l, "STORAGE_DETAILS", 200), 1);
        json_t *second = json_array_get(l.all, 1); /* the retry, numbered as such */
        assert_string_equal(json_string_value(json_object_get(second, "endpoint")),
                            "STORAGE_DETAILS");
        assert_int_equal(json_integer_value(json_object_get(first, "attempt")), 1);
        assert_int_equal(json_integer_value(json_object_get(second, "attempt")), 2);
        assert_int_equal(strlen(json_string_value(json_object_get(second, "request_id"))), 32);
        fastio_transfer_free(t);
        fastio_client_free(c);
        lines_release(&l);
        char back[400];
        snprintf(back, sizeof(back), "%s/%s", dir, name);
        it_assert_file_equals(back, data, n);
    }
    fastio_free(node);
    free(data);
}

/* A batch request (UNSAFE) that failed with a 500 is neither repeated nor replaced by
 * single-file uploads of its members: the files fail. */
static void test_failed_batch_not_sent_again(void **state)
{
    (void)state;
    char path[400];
    struct fastio_error err;
    struct warm w;
    warm_engine(&w, true, "warm.txt", 10);
    struct lines *l = &w.l;
    struct fastio_transfer *t = w.t;
    const char *ws = w.u.ws, *dir = w.dir;
    size_t jobs[3];
    for (size_t i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "b%zu.txt", i);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        free(make_file(path, 100 + i));
        struct fastio_upload_spec up = {path, -1, name, ws, NULL, 0, NULL, NULL};
        assert_int_equal(fastio_transfer_add_upload(t, &up, &jobs[i], &err), FASTIO_OK);
    }
    size_t batches_before = count_lines(l, "UPLOAD_BATCH", -1);
    size_t creates_before = count_lines(l, "UPLOAD_CREATE", -1);
    set_faults("rate_500=100&max_faults=1");
    assert_int_equal(fastio_transfer_run(t, &err), FASTIO_SERVER);
    long injected = faults_injected();
    set_faults("rate_500=0");
    assert_int_equal(injected, 1);
    assert_int_equal(count_lines(l, "UPLOAD_BATCH", -1), batches_before + 1);
    assert_int_equal(count_lines(l, "UPLOAD_CREATE", -1), creates_before);
    for (size_t i = 0; i < 3; i++) {
        struct fastio_transfer_job_info info;
        assert_int_equal(fastio_transfer_job_result(t, jobs[i], NULL, &err), FASTIO_SERVER);
        assert_non_null(strstr(err.message, "not sent again"));
        assert_int_equal(fastio_transfer_job_progress(t, jobs[i], &info), FASTIO_OK);
        assert_true(info.ended && !info.succeeded);
    }
    warm_release(&w);
}

/* An unknown host: the resolver's message, for an upload and a download of the engine. */
static void test_unknown_host_message(void **state)
{
    (void)state;
    struct fastio_config cfg;
    struct fastio_error err;
    char dir[300], path[400];
    fastio_config_init(&cfg);
    cfg.base_url = "http://nonexistent.invalid/current";
    cfg.token = "not-a-real-token-0123456789";
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    struct fastio_transfer_config tc;
    fastio_transfer_config_init(&tc);
    tc.max_retries = 1;
    tc.backoff_base_ms = 5;
    tc.backoff_cap_ms = 10;
    scratch_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/x.bin", dir);
    free(make_file(path, 3));
    for (int k = 0; k < 2; k++) {
        struct fastio_transfer *t = fastio_transfer_new(c, &tc, &err);
        size_t job;
        assert_non_null(t);
        if (k == 0) {
            struct fastio_upload_spec up = {path, -1, "x.bin", "ws", NULL, 0, NULL, NULL};
            assert_int_equal(fastio_transfer_add_upload(t, &up, &job, &err), FASTIO_OK);
        } else {
            struct fastio_download_spec d = {"ws", "1234567890123456789", dir, NULL, NULL, false};
            assert_int_equal(fastio_transfer_add_download(t, &d, &job, &err), FASTIO_OK);
        }
        assert_int_equal(fastio_transfer_run(t, &err), FASTIO_NETWORK);
        if (strstr(err.message, "Could not resolve host") == NULL)
            fail_msg("%s: %s", k == 0 ? "upload" : "download", err.message);
        assert_null(strstr(err.message, "bad argument"));
        fastio_transfer_free(t);
    }
    assert_null(fastio_transfer_new(NULL, &tc, &err));
    assert_int_equal(err.status, FASTIO_INVALID);
    fastio_client_free(c);
}

/* A download refused at add time (a zip of a version) leaves the process's descriptors alone:
 * the job freed before it was queued once closed fd 0 (its fd fields were 0, not -1). */
static void test_refused_spec_keeps_fd0(void **state)
{
    (void)state;
    struct fastio_error err;
    int saved = dup(0);
    bool had0 = saved >= 0;
    if (!had0) { /* no stdin: make one so that a close would show */
        int fd = open("/dev/null", O_RDONLY);
        assert_int_equal(fd, 0);
    }
    struct fastio_transfer *t =
        fastio_transfer_new(itx_client(&fx.srv, fx.srv.owner_key), NULL, &err);
    assert_non_null(t);
    struct fastio_download_spec d = {"ws", "1234567890123456789", fx.srv.dir, NULL, "v1", true};
    assert_int_equal(fastio_transfer_add_download(t, &d, NULL, &err), FASTIO_INVALID);
    assert_true(fcntl(0, F_GETFD) != -1); /* still open */
    fastio_transfer_free(t);
    assert_true(fcntl(0, F_GETFD) != -1);
    if (had0)
        close(saved);
}

int main(int argc, char **argv);
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_upload_outlives_oauth_token),
    cmocka_unit_test(test_unsafe_create_not_retried_after_500),
    cmocka_unit_test(test_unsafe_create_not_retried_after_reset),
    cmocka_unit_test(test_safe_details_retried),
    cmocka_unit_test(test_failed_batch_not_sent_again),
    cmocka_unit_test(test_unknown_host_message),
    cmocka_unit_test(test_refused_spec_keeps_fd0),
};
IT_FIXTURE_MAIN(tests, fx, &fx_opts)
