/* SPDX-License-Identifier: MIT */
/* test_transfer.c - the libfastio transfer engine (fastio/transfer.h) against a real
 * fastio-server: uploads of sizes around chunk boundaries downloaded back byte for byte (api §5,
 * §6), single-request and stream flows, a bad chunk CRC is refused, injected faults are retried,
 * ranged downloads and their resume, batch uploads of small files, a given version, a folder's
 * zip. Resume, deadlines and cancel tokens are in test_transfer_resume.c; the shared fixtures in
 * it_transfer.h. */
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

#include "harness.h"
#include <fastio/transfer.h>
#include "it_transfer.h"

/* ---- round trips --------------------------------------------------------------------------- */

static void sizes_round_trip(void);

static void test_transfer_sizes_round_trip(void **state)
{
    (void)state;
    it_hash_before_send = false;
    sizes_round_trip();
}

/* The same with every chunk's CRC taken before it is sent and put in the query (as against
 * api.fast.io), on a server that would also take it after the bytes. */
static void test_transfer_sizes_round_trip_hash_before(void **state)
{
    (void)state;
    it_hash_before_send = true;
    sizes_round_trip();
    it_hash_before_send = false;
}

/* Bytes this process has read with read(2)/pread(2) so far (/proc/self/io rchar). */
static unsigned long long rchar(void)
{
    unsigned long long v = 0;
    char line[128];
    FILE *f = fopen("/proc/self/io", "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "rchar:", 6) == 0)
            v = strtoull(line + 6, NULL, 10);
    fclose(f);
    return v;
}

/* Against this server (trailing_hash) each chunk's CRC is taken as its bytes are read for
 * sending: the source is read once; with hash_before_send it is read twice. */
static void test_transfer_source_read_once(void **state)
{
    struct ctx x;
    char path[512], *node;
    unsigned char *data;
    const size_t n = 40 * CHUNK + 9;
    unsigned long long a, b;
    (void)state;
    new_ctx(&x);
    snprintf(path, sizeof(path), "%s/once", x.dir);
    data = make_file(path, n);
    a = rchar();
    node = upload_one(&x, path, "once.bin");
    b = rchar();
    print_message("CRCs on the way: %llu bytes read for %zu\n", b - a, n);
    assert_true(b - a >= n && b - a < n + n / 4);
    download_check(&x, node, "once-back.bin", data, n);
    fastio_free(node);
    it_hash_before_send = true;
    a = rchar();
    node = upload_one(&x, path, "twice.bin");
    b = rchar();
    it_hash_before_send = false;
    print_message("CRC pre-pass: %llu bytes read for %zu\n", b - a, n);
    assert_true(b - a >= 2 * n);
    download_check(&x, node, "twice-back.bin", data, n);
    fastio_free(node);
    free(data);
}

static void sizes_round_trip(void)
{
    static const size_t sizes[] = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5};
    enum { N = sizeof(sizes) / sizeof(sizes[0]) };
    struct ctx x;
    struct fastio_transfer *t;
    struct fastio_error err;
    unsigned char *data[N];
    size_t up_job[N], down_job[N];
    char path[N][512], name[N][64];
    char *node[N];
    new_ctx(&x);
    t = engine(&x, NULL, NULL, 0);
    /* all files in one run: several sessions in parallel over shared connections */
    for (size_t i = 0; i < N; i++) {
        struct fastio_upload_spec up = {path[i], -1, name[i], x.ws, "root", 0, NULL, NULL};
        snprintf(name[i], sizeof(name[i]), "f%zu-\xc3\xa9t\xc3\xa9-%zu.bin", i, sizes[i]);
        snprintf(path[i], sizeof(path[i]), "%s/src%zu", x.dir, i);
        data[i] = make_file(path[i], sizes[i]);
        assert_int_equal(fastio_transfer_add_upload(t, &up, &up_job[i], &err), FASTIO_OK);
    }
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("upload run: %s", err.message);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(fastio_transfer_job_result(t, up_job[i], &node[i], &err), FASTIO_OK);
        assert_non_null(node[i]);
    }
    fastio_transfer_free(t);

    t = engine(&x, NULL, NULL, 0);
    for (size_t i = 0; i < N; i++) {
        struct fastio_download_spec d = {.workspace = x.ws, .node = node[i], .dest_dir = x.dir}; /* the node's name */
        assert_int_equal(fastio_transfer_add_download(t, &d, &down_job[i], &err), FASTIO_OK);
    }
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("download run: %s", err.message);
    for (size_t i = 0; i < N; i++) {
        char *p = NULL, want[512];
        assert_int_equal(fastio_transfer_job_result(t, down_job[i], &p, &err), FASTIO_OK);
        snprintf(want, sizeof(want), "%s/%s", x.dir, name[i]);
        assert_string_equal(p, want); /* unicode name kept */
        it_assert_file_equals(p, data[i], sizes[i]);
        fastio_free(p);
        fastio_free(node[i]);
        free(data[i]);
    }
    fastio_transfer_free(t);
}

static void test_transfer_single_request_flow(void **state)
{
    struct ctx x;
    struct fastio_transfer_config cfg;
    struct fastio_transfer *t;
    struct fastio_error err;
    char path[512], *node = NULL;
    unsigned char *data;
    size_t job;
    (void)state;
    new_ctx(&x);
    snprintf(path, sizeof(path), "%s/small", x.dir);
    data = make_file(path, 100 * KIB + 3);
    fastio_transfer_config_init(&cfg); /* defaults: files up to 4 MiB in one request */
    t = fastio_transfer_new(itx_client(&fx.srv, x.token), &cfg, &err);
    assert_non_null(t);
    {
        struct fastio_upload_spec up = {path, -1, "small.txt", x.ws, NULL, 0, NULL, NULL};
        assert_int_equal(fastio_transfer_add_upload(t, &up, &job, &err), FASTIO_OK);
    }
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("single: %s", err.message);
    assert_int_equal(fastio_transfer_job_result(t, job, &node, &err), FASTIO_OK);
    fastio_transfer_free(t);
    download_check(&x, node, "small-back.txt", data, 100 * KIB + 3);
    fastio_free(node);
    free(data);
}

static void test_transfer_stream_from_pipe(void **state)
{
    struct ctx x;
    struct fastio_transfer *t;
    struct fastio_error err;
    int fds[2];
    unsigned char buf[40000];
    char *node = NULL;
    size_t job;
    (void)state;
    new_ctx(&x);
    it_fill(buf, sizeof(buf), &seed_state);
    assert_int_equal(pipe(fds), 0);
    /* fits in the pipe buffer: written and closed before the run */
    assert_int_equal(write(fds[1], buf, sizeof(buf)), (ssize_t)sizeof(buf));
    close(fds[1]);
    t = engine(&x, NULL, NULL, 0);
    {
        struct fastio_upload_spec up = {NULL, fds[0], "piped.bin", x.ws, NULL, 0, NULL, NULL};
        assert_int_equal(fastio_transfer_add_upload(t, &up, &job, &err), FASTIO_OK);
    }
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("stream: %s", err.message);
    assert_int_equal(fastio_transfer_job_result(t, job, &node, &err), FASTIO_OK);
    close(fds[0]);
    fastio_transfer_free(t);
    download_check(&x, node, NULL, buf, sizeof(buf));
    fastio_free(node);
}

/* ---- integrity and faults ---------------------------------------------------------------------- */

static void test_transfer_bad_chunk_crc_refused(void **state)
{
    struct ctx x;
    struct fastio_client *c;
    struct fastio_error err;
    json_t *resp = NULL;
    char path[512], authz[300];
    char *body = NULL;
    const char *id;
    long code = 0;
    (void)state;
    new_ctx(&x);
    c = it_client(&fx.srv, x.token);
    {
        struct fastio_param p[7] = {{"name", "crc.bin"},  {"size", "5"},
                                    {"action", "create"}, {"instance_id", x.ws},
                                    {"folder_id", "root"}, {"profile_type", "workspace"},
                                    {"chunk_size", "65536"}};
        assert_int_equal(fastio_call(c, FASTIO_EP_UPLOAD_CREATE, NULL, 0, p, 7, &resp, &err),
                         FASTIO_OK);
    }
    id = json_string_value(json_object_get(resp, "id"));
    assert_non_null(id);
    /* crc32c("hello") is 9a71bb4c: send another value */
    snprintf(path, sizeof(path), "/current/upload/%s/chunk/?order=1&size=5&hash_algo=crc32c&hash=00000001", id);
    snprintf(authz, sizeof(authz), "Bearer %s", x.token);
    {
        static const char mp[] = "--b0undary\r\nContent-Disposition: form-data; name=\"chunk\"; "
                                 "filename=\"chunk.bin\"\r\nContent-Type: application/octet-stream"
                                 "\r\n\r\nhello\r\n--b0undary--\r\n";
        long http = it_raw(&fx.srv, "POST", path, "multipart/form-data; boundary=b0undary", mp,
                           sizeof(mp) - 1, authz, &body);
        assert_int_equal(http, 406);
        json_decref(it_error_body(body, &code));
        assert_int_equal(code, 10778);
        free(body);
        body = NULL;
        /* the right CRC is accepted */
        snprintf(path, sizeof(path), "/current/upload/%s/chunk/?order=1&size=5&hash_algo=crc32c&hash=9a71bb4c", id);
        /* The server may still count the refused request as in flight for a moment after its
         * answer (409): the engine would retry; so does the test, briefly. */
        for (int i = 0; i < 50; i++) {
            http = it_raw(&fx.srv, "POST", path, "multipart/form-data; boundary=b0undary", mp,
                          sizeof(mp) - 1, authz, &body);
            if (http != 409)
                break;
            if (i == 0)
                print_message("409 after a refused chunk: %s\n", body);
            free(body);
            body = NULL;
            usleep(10000);
        }
        assert_int_equal(http, 200);
        free(body);
    }
    json_decref(resp);
    fastio_client_free(c);
}

static void test_transfer_retries_injected_faults(void **state)
{
    struct ctx x;
    char path[512], *node;
    unsigned char *data;
    const size_t n = 20 * CHUNK + 11;
    long long injected;
    (void)state;
    new_ctx(&x);
    snprintf(path, sizeof(path), "%s/faulty", x.dir);
    data = make_file(path, n);
    /* a quarter of all requests fail (500, or the connection is dropped), at most 12 of them */
    set_faults("rate_500=15&reset=10&max_faults=12&seed=7");
    node = upload_one(&x, path, "faulty.bin");
    download_check(&x, node, "faulty-back.bin", data, n);
    /* the engine went through real faults (so the switch was on), and no more than allowed */
    injected = it_faults_injected(&fx.srv);
    set_faults("rate_500=0");
    print_message("faults injected: %lld\n", injected);
    assert_true(injected > 0);
    assert_true(injected <= 12);
    fastio_free(node);
    free(data);
}

/* ---- downloads ------------------------------------------------------------------------------ */

static void test_transfer_ranged_download_and_resume(void **state)
{
    struct ctx x;
    struct fastio_transfer *t;
    struct fastio_error err;
    struct cancel_at c = {NULL, 0, 0};
    char path[512], partial[600], *node, *out = NULL;
    unsigned char *data;
    const size_t n = 20 * 1024 * 1024 + 3; /* >= 16 MiB: two parallel ranges */
    struct stat sb;
    size_t job;
    (void)state;
    new_ctx(&x);
    snprintf(path, sizeof(path), "%s/large", x.dir);
    data = make_file(path, n);
    node = upload_one(&x, path, "large.bin");

    /* cancelled part way: the .partial stays, the final name does not exist yet */
    c.at = n / 4;
    t = engine(&x, cancel_when, &c, 0);
    c.t = t;
    {
        struct fastio_download_spec d = {.workspace = x.ws, .node = node, .dest_dir = x.dir, .name = "large-back.bin"};
        assert_int_equal(fastio_transfer_add_download(t, &d, &job, &err), FASTIO_OK);
    }
    assert_int_equal(fastio_transfer_run(t, &err), FASTIO_CANCELLED);
    snprintf(partial, sizeof(partial), "%s/large-back.bin.partial", x.dir);
    assert_int_equal(stat(partial, &sb), 0);
    snprintf(path, sizeof(path), "%s/large-back.bin", x.dir);
    assert_int_not_equal(stat(path, &sb), 0);
    /* run again: continues and completes */
    c.at = UINT64_MAX;
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("resume: %s", err.message);
    assert_int_equal(fastio_transfer_job_result(t, job, &out, &err), FASTIO_OK);
    it_assert_file_equals(out, data, n);
    assert_int_not_equal(stat(partial, &sb), 0);
    fastio_free(out);
    fastio_transfer_free(t);
    fastio_free(node);
    free(data);
}

static void test_transfer_download_name_stays_inside(void **state)
{
    struct ctx x;
    char path[512], *node;
    unsigned char *data;
    (void)state;
    new_ctx(&x);
    snprintf(path, sizeof(path), "%s/esc", x.dir);
    data = make_file(path, 1000);
    node = upload_one(&x, path, "esc.bin");
    /* a hostile local name is reduced to one component inside dest_dir */
    download_check(&x, node, "../../escape", data, 1000);
    snprintf(path, sizeof(path), "%s/_.._escape", x.dir);
    it_assert_file_equals(path, data, 1000);
    fastio_free(node);
    free(data);
}

/* A downloaded file gets 0666 less the umask, like any file a program creates (D-087). */
static void test_transfer_download_mode_follows_umask(void **state)
{
    static const mode_t masks[] = {022, 027, 077, 002};
    struct ctx x;
    char path[512], name[32], *node;
    unsigned char *data;
    struct stat sb;
    (void)state;
    new_ctx(&x);
    snprintf(path, sizeof(path), "%s/modesrc", x.dir);
    data = make_file(path, 3000);
    node = upload_one(&x, path, "mode.bin");
    mode_t old = umask(022);
    for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
        umask(masks[i]);
        snprintf(name, sizeof(name), "mode-%zu.bin", i);
        download_check(&x, node, name, data, 3000);
        snprintf(path, sizeof(path), "%s/%s", x.dir, name);
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0666 & ~masks[i]);
    }
    umask(old);
    fastio_free(node);
    free(data);
}

/* ---- batch uploads, versions, folder zips ---------------------------------------------------- */

/* An engine with the default single-request size (4 MiB), so small files may batch. */
static struct fastio_transfer *engine_defaults(struct ctx *x, bool no_batch)
{
    struct fastio_transfer_config cfg;
    struct fastio_error err;
    struct fastio_transfer *t;
    fastio_transfer_config_init(&cfg);
    cfg.backoff_base_ms = 5;
    cfg.backoff_cap_ms = 50;
    cfg.no_batch = no_batch;
    t = fastio_transfer_new(itx_client(&fx.srv, x->token), &cfg, &err);
    if (t == NULL)
        fail_msg("fastio_transfer_new: %s", err.message);
    return t;
}

static void test_transfer_batch_small_files(void **state)
{
    enum { N = 50 };
    struct ctx x;
    struct fastio_transfer *t;
    struct fastio_error err;
    unsigned char *data[N];
    size_t sizes[N], up_job[N], down_job[N], lock_job;
    char path[N][512], name[N][64], lpath[512], *node[N];
    unsigned batches[N];
    size_t n_batches = 0;
    (void)state;
    new_ctx(&x);
    t = engine_defaults(&x, false);
    for (size_t i = 0; i < N; i++) {
        struct fastio_upload_spec up = {.path = path[i], .fd = -1, .name = name[i],
                                        .workspace = x.ws};
        sizes[i] = i == 0 ? 0 : (i * 977) % (64 * KIB) + 1;
        snprintf(name[i], sizeof(name[i]), "small-%02zu-\xc3\xa9.txt", i);
        snprintf(path[i], sizeof(path[i]), "%s/small%zu", x.dir, i);
        data[i] = make_file(path[i], sizes[i]);
        assert_int_equal(fastio_transfer_add_upload(t, &up, &up_job[i], &err), FASTIO_OK);
    }
    /* a file with a lock token never goes in a batch: it takes the single flow (an unlocked
     * new file accepts it) beside the batch */
    {
        struct fastio_upload_spec up = {.path = path[1], .fd = -1, .name = "locked.txt",
                                        .workspace = x.ws, .lock_token = "not-a-lock"};
        assert_int_equal(fastio_transfer_add_upload(t, &up, &lock_job, &err), FASTIO_OK);
    }
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("batch run: %s", err.message);
    for (size_t i = 0; i < N; i++) {
        struct fastio_transfer_job_info ji;
        bool seen = false;
        if (fastio_transfer_job_result(t, up_job[i], &node[i], &err) != FASTIO_OK)
            fail_msg("batch entry %zu: %s", i, err.message);
        assert_non_null(node[i]);
        assert_int_equal(fastio_transfer_job_progress(t, up_job[i], &ji), FASTIO_OK);
        assert_true(ji.succeeded);
        assert_int_not_equal(ji.batch, 0); /* went in a batch request */
        for (size_t k = 0; k < n_batches; k++)
            seen = seen || batches[k] == ji.batch;
        if (!seen)
            batches[n_batches++] = ji.batch;
    }
    assert_int_equal(n_batches, 1); /* 50 small files (< 100 MiB): one request */
    {
        struct fastio_transfer_job_info ji;
        assert_int_equal(fastio_transfer_job_progress(t, lock_job, &ji), FASTIO_OK);
        assert_int_equal(ji.batch, 0);
    }
    fastio_transfer_free(t);
    snprintf(lpath, sizeof(lpath), "%s/back", x.dir);
    assert_int_equal(mkdir(lpath, 0700), 0);
    t = engine_defaults(&x, false);
    for (size_t i = 0; i < N; i++) {
        struct fastio_download_spec d = {.workspace = x.ws, .node = node[i], .dest_dir = lpath};
        assert_int_equal(fastio_transfer_add_download(t, &d, &down_job[i], &err), FASTIO_OK);
    }
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("download run: %s", err.message);
    for (size_t i = 0; i < N; i++) {
        char *p = NULL, want[700];
        assert_int_equal(fastio_transfer_job_result(t, down_job[i], &p, &err), FASTIO_OK);
        snprintf(want, sizeof(want), "%s/%s", lpath, name[i]);
        assert_string_equal(p, want);
        it_assert_file_equals(p, data[i], sizes[i]);
        fastio_free(p);
        fastio_free(node[i]);
        free(data[i]);
    }
    fastio_transfer_free(t);
}

static void test_transfer_batch_disabled(void **state)
{
    struct ctx x;
    struct fastio_transfer *t;
    struct fastio_error err;
    char path[2][512];
    size_t job[2];
    (void)state;
    new_ctx(&x);
    t = engine_defaults(&x, true);
    for (size_t i = 0; i < 2; i++) {
        char name[32];
        struct fastio_upload_spec up = {.path = path[i], .fd = -1, .name = name,
                                        .workspace = x.ws};
        snprintf(name, sizeof(name), "nb%zu.txt", i);
        snprintf(path[i], sizeof(path[i]), "%s/nb%zu", x.dir, i);
        free(make_file(path[i], 100 + i));
        assert_int_equal(fastio_transfer_add_upload(t, &up, &job[i], &err), FASTIO_OK);
    }
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("run: %s", err.message);
    for (size_t i = 0; i < 2; i++) {
        struct fastio_transfer_job_info ji;
        assert_int_equal(fastio_transfer_job_progress(t, job[i], &ji), FASTIO_OK);
        assert_true(ji.succeeded);
        assert_int_equal(ji.batch, 0);
    }
    fastio_transfer_free(t);
}

static void test_transfer_version_download(void **state)
{
    struct ctx x;
    struct fastio_client *c;
    struct fastio_transfer *t;
    struct fastio_error err;
    json_t *resp = NULL, *vs;
    char path[512], *n1, *n2, old[128] = "", *out = NULL;
    unsigned char *v1, *v2;
    const size_t len1 = 3 * CHUNK + 7, len2 = 1000;
    size_t job;
    (void)state;
    new_ctx(&x);
    snprintf(path, sizeof(path), "%s/doc", x.dir);
    v1 = make_file(path, len1);
    n1 = upload_one(&x, path, "doc.bin");
    v2 = make_file(path, len2);
    n2 = upload_one(&x, path, "doc.bin");
    assert_string_equal(n1, n2); /* same name, same folder: a new version */
    c = it_client(&fx.srv, x.token);
    {
        const char *args[2] = {x.ws, n1};
        assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_VERSIONS, args, 2, NULL, 0, &resp, &err),
                         FASTIO_OK);
    }
    vs = json_object_get(resp, "versions");
    for (size_t i = 0; i < json_array_size(vs); i++)
        if (json_integer_value(json_object_get(json_array_get(vs, i), "size")) == (json_int_t)len1)
            snprintf(old, sizeof(old), "%s",
                     json_string_value(json_object_get(json_array_get(vs, i), "version_id")));
    json_decref(resp);
    fastio_client_free(c);
    assert_true(old[0] != '\0');
    /* the old version through the engine: its own size and CRC, ranged like any file */
    t = engine(&x, NULL, NULL, 0);
    {
        struct fastio_download_spec d = {.workspace = x.ws, .node = n1, .dest_dir = x.dir,
                                         .name = "doc-v1.bin", .version_id = old};
        assert_int_equal(fastio_transfer_add_download(t, &d, &job, &err), FASTIO_OK);
    }
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("version download: %s", err.message);
    assert_int_equal(fastio_transfer_job_result(t, job, &out, &err), FASTIO_OK);
    it_assert_file_equals(out, v1, len1);
    fastio_free(out);
    fastio_transfer_free(t);
    /* the current one is still the default */
    download_check(&x, n1, "doc-cur.bin", v2, len2);
    /* an unknown version fails cleanly */
    t = engine(&x, NULL, NULL, 0);
    {
        struct fastio_download_spec d = {.workspace = x.ws, .node = n1, .dest_dir = x.dir,
                                         .name = "doc-none.bin", .version_id = "nope"};
        assert_int_equal(fastio_transfer_add_download(t, &d, &job, &err), FASTIO_OK);
    }
    assert_int_not_equal(fastio_transfer_run(t, &err), FASTIO_OK);
    fastio_transfer_free(t);
    snprintf(path, sizeof(path), "%s/doc-none.bin", x.dir);
    assert_int_not_equal(access(path, F_OK), 0);
    fastio_free(n1);
    fastio_free(n2);
    free(v1);
    free(v2);
}

static uint32_t rd16(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
    return rd16(p) | (rd16(p + 2) << 16);
}

static void test_transfer_folder_zip_download(void **state)
{
    struct ctx x;
    struct fastio_client *c;
    struct fastio_transfer *t;
    struct fastio_error err;
    json_t *resp = NULL;
    char path[512], folder[128], *out = NULL;
    const char *names[3] = {"a.txt", "b.bin", "c-\xc3\xa9.txt"};
    bool found[3] = {false, false, false};
    unsigned char *data[3], *z;
    size_t job, zlen;
    FILE *f;
    struct stat sb;
    (void)state;
    new_ctx(&x);
    c = it_client(&fx.srv, x.token);
    {
        const char *args[2] = {x.ws, "root"};
        const struct fastio_param p = {"name", "Zipped"};
        assert_int_equal(fastio_call(c, FASTIO_EP_STORAGE_CREATE_FOLDER, args, 2, &p, 1, &resp,
                                     &err),
                         FASTIO_OK);
    }
    {
        json_t *fo = json_object_get(resp, "node");
        const char *id;
        if (!json_is_object(fo))
            fo = resp;
        id = json_string_value(json_object_get(fo, "id"));
        assert_non_null(id);
        snprintf(folder, sizeof(folder), "%s", id);
    }
    json_decref(resp);
    fastio_client_free(c);
    t = engine(&x, NULL, NULL, 0);
    for (size_t i = 0; i < 3; i++) {
        size_t jb;
        struct fastio_upload_spec up = {.path = path, .fd = -1, .name = names[i],
                                        .workspace = x.ws, .folder = folder};
        snprintf(path, sizeof(path), "%s/z%zu", x.dir, i);
        data[i] = make_file(path, 1000 * (i + 1));
        assert_int_equal(fastio_transfer_add_upload(t, &up, &jb, &err), FASTIO_OK);
    }
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("upload: %s", err.message);
    fastio_transfer_free(t);

    t = engine(&x, NULL, NULL, 0);
    {
        struct fastio_download_spec d = {.workspace = x.ws, .node = folder, .dest_dir = x.dir,
                                         .zip = true};
        assert_int_equal(fastio_transfer_add_download(t, &d, &job, &err), FASTIO_OK);
    }
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("zip: %s", err.message);
    assert_int_equal(fastio_transfer_job_result(t, job, &out, &err), FASTIO_OK);
    fastio_transfer_free(t);
    snprintf(path, sizeof(path), "%s/Zipped.zip", x.dir); /* the folder's name + .zip */
    assert_string_equal(out, path);
    fastio_free(out);
    snprintf(path, sizeof(path), "%s/Zipped.zip.partial", x.dir);
    assert_int_not_equal(stat(path, &sb), 0);
    snprintf(path, sizeof(path), "%s/Zipped.zip", x.dir);
    assert_int_equal(stat(path, &sb), 0);
    zlen = (size_t)sb.st_size;
    z = malloc(zlen);
    assert_non_null(z);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(z, 1, zlen, f), zlen);
    fclose(f);
    /* the central directory, from the end record, lists the three files with their sizes */
    {
        const unsigned char *eocd = z + zlen - 22, *p;
        size_t count, cd_off;
        assert_true(zlen >= 22);
        assert_int_equal(rd32(eocd), 0x06054b50);
        count = rd16(eocd + 10);
        cd_off = rd32(eocd + 16);
        assert_true(cd_off < zlen);
        p = z + cd_off;
        for (size_t i = 0; i < count; i++) {
            size_t nlen, usize;
            assert_true(p + 46 <= z + zlen);
            assert_int_equal(rd32(p), 0x02014b50);
            usize = rd32(p + 24);
            nlen = rd16(p + 28);
            for (size_t k = 0; k < 3; k++)
                if (nlen == strlen(names[k]) && memcmp(p + 46, names[k], nlen) == 0) {
                    found[k] = true;
                    assert_int_equal(usize, 1000 * (k + 1));
                }
            p += 46 + nlen + rd16(p + 30) + rd16(p + 32);
        }
    }
    for (size_t k = 0; k < 3; k++) {
        assert_true(found[k]);
        free(data[k]);
    }
    free(z);
    /* -o NAME: the caller's name, kept inside dest_dir */
    t = engine(&x, NULL, NULL, 0);
    {
        struct fastio_download_spec d = {.workspace = x.ws, .node = folder, .dest_dir = x.dir,
                                         .name = "../out.zip", .zip = true};
        assert_int_equal(fastio_transfer_add_download(t, &d, &job, &err), FASTIO_OK);
    }
    if (fastio_transfer_run(t, &err) != FASTIO_OK)
        fail_msg("zip 2: %s", err.message);
    assert_int_equal(fastio_transfer_job_result(t, job, &out, &err), FASTIO_OK);
    fastio_transfer_free(t);
    assert_int_equal(strncmp(out, x.dir, strlen(x.dir)), 0);
    assert_int_equal(out[strlen(x.dir)], '/');
    assert_null(strchr(out + strlen(x.dir) + 1, '/')); /* one component inside dest_dir */
    assert_non_null(strstr(out, "out.zip"));
    assert_int_equal(stat(out, &sb), 0);
    assert_int_equal((size_t)sb.st_size, zlen);
    fastio_free(out);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_transfer_sizes_round_trip),
    cmocka_unit_test(test_transfer_sizes_round_trip_hash_before),
    cmocka_unit_test(test_transfer_source_read_once),
    cmocka_unit_test(test_transfer_single_request_flow),
    cmocka_unit_test(test_transfer_stream_from_pipe),
    cmocka_unit_test(test_transfer_bad_chunk_crc_refused),
    cmocka_unit_test(test_transfer_retries_injected_faults),
    cmocka_unit_test(test_transfer_ranged_download_and_resume),
    cmocka_unit_test(test_transfer_download_name_stays_inside),
    cmocka_unit_test(test_transfer_download_mode_follows_umask),
    cmocka_unit_test(test_transfer_batch_small_files),
    cmocka_unit_test(test_transfer_batch_disabled),
    cmocka_unit_test(test_transfer_version_download),
    cmocka_unit_test(test_transfer_folder_zip_download),
};

IT_FIXTURE_MAIN(tests, fx, &it_transfer_opts)
