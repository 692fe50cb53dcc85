/* SPDX-License-Identifier: MIT */
/* test_blob_local.c - the contract of struct blob_ops (blob.h) on its local-disk backend: what any
 * other backend (an object store) must do the same way. A session file takes bytes at any offset
 * and in any order; commit makes it a content readable by version id and leaves no session file;
 * uncommit puts it back unless a newer session file exists; ids that are not [a-z0-9]{1,40} are
 * refused; the recovery sweep keeps exactly what its predicate keeps. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "testmain.h"

struct fixture {
    char dir[64];
    struct server s;
};

static void rm_area(const char *dir, const char *sub)
{
    char p[160];
    snprintf(p, sizeof(p), "%s/%s", dir, sub);
    rmdir(p);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/fastio-test-blob-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char p[160];
    snprintf(p, sizeof(p), "%s/tmp", f->dir);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof(p), "%s/blobs", f->dir);
    assert_int_equal(mkdir(p, 0700), 0);
    f->s.cfg.data_dir = f->dir;
    f->s.cfg.sync_policy = BLOB_SYNC_COMPLETE; /* the real protocol, fsyncs included */
    f->s.blob = &blob_local_ops;
    *state = f;
    return 0;
}

/* Remove whatever a case left (the sweep with a predicate that keeps nothing), then the dirs. */
static bool keep_none(struct server *s, const char *id, void *arg)
{
    (void)s;
    (void)id;
    (void)arg;
    return false;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    f->s.blob->sweep(&f->s, BLOB_AREA_TMP, keep_none, NULL);
    f->s.blob->sweep(&f->s, BLOB_AREA_BLOBS, keep_none, NULL);
    rm_area(f->dir, "tmp");
    rm_area(f->dir, "blobs");
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Read all of version vid through the read handle into buf; its size. */
static int64_t read_content(const struct server *s, const char *vid, char *buf, size_t cap)
{
    int64_t size = -1;
    int fd = blob_open(s, vid, &size);
    assert_true(fd >= 0);
    assert_true(size >= 0 && (size_t)size <= cap);
    assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
    close(fd);
    return size;
}

static void blob_write_commit_read(void **state)
{
    struct fixture *f = *state;
    const struct server *s = &f->s;
    assert_int_equal(blob_tmp_create(s, "up1", 10), 0);
    assert_int_equal(blob_tmp_create(s, "up1", 10), -1); /* must not exist yet */
    int fd = blob_tmp_open(s, "up1");
    assert_true(fd >= 0);
    /* chunks land at their final offsets, in any order */
    assert_int_equal(blob_pwrite_all(s, fd, "world", 5, 5), 0);
    assert_int_equal(blob_pwrite_all(s, fd, "hello", 5, 0), 0);
    close(fd);
    assert_int_equal(blob_tmp_truncate(s, "up1", 10), 0);
    assert_int_equal(blob_commit(s, "up1", "v1"), 0);
    /* the session file is gone: committed bytes have one name only */
    assert_int_equal(blob_tmp_open(s, "up1"), -1);
    char buf[32];
    assert_int_equal(read_content(s, "v1", buf, sizeof(buf)), 10);
    assert_memory_equal(buf, "helloworld", 10);
    blob_remove(s, "v1");
    int64_t size;
    assert_int_equal(blob_open(s, "v1", &size), -1);
    blob_remove(s, "v1"); /* a missing content is not an error */
}

static void blob_truncate_to_final_length(void **state)
{
    struct fixture *f = *state;
    const struct server *s = &f->s;
    /* a stream's size is not known at create: the preallocation is cut to what arrived */
    assert_int_equal(blob_tmp_create(s, "up2", 1024), 0);
    int fd = blob_tmp_open(s, "up2");
    assert_true(fd >= 0);
    assert_int_equal(blob_pwrite_all(s, fd, "abc", 3, 0), 0);
    close(fd);
    assert_int_equal(blob_tmp_truncate(s, "up2", 3), 0);
    assert_int_equal(blob_commit_ex(s, "up2", "v2", false), 0);
    assert_int_equal(blob_sync_blobs_dir(s), 0);
    char buf[16];
    assert_int_equal(read_content(s, "v2", buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "abc", 3);
}

static void blob_uncommit_restores_session(void **state)
{
    struct fixture *f = *state;
    const struct server *s = &f->s;
    assert_int_equal(blob_tmp_create(s, "up3", 0), 0);
    int fd = blob_tmp_open(s, "up3");
    assert_true(fd >= 0);
    assert_int_equal(blob_pwrite_all(s, fd, "xyz", 3, 0), 0);
    close(fd);
    assert_int_equal(blob_commit(s, "up3", "v3"), 0);
    /* the row naming v3 was not written: the bytes go back to the session */
    assert_int_equal(blob_uncommit(s, "v3", "up3"), 0);
    int64_t size;
    assert_int_equal(blob_open(s, "v3", &size), -1);
    fd = blob_tmp_open_read(s, "up3");
    assert_true(fd >= 0);
    char buf[8];
    assert_int_equal(pread(fd, buf, sizeof(buf), 0), 3);
    assert_memory_equal(buf, "xyz", 3);
    close(fd);
    /* nothing to move back (content gone): not an error, the session file stays */
    assert_int_equal(blob_uncommit(s, "v3", "up3"), 0);
    /* a newer session file wins over a stale content of the same session */
    assert_int_equal(blob_tmp_create(s, "up4", 0), 0);
    assert_int_equal(blob_commit(s, "up4", "v4"), 0);
    assert_int_equal(blob_tmp_create(s, "up4", 0), 0);
    assert_int_equal(blob_uncommit(s, "v4", "up4"), 0);
    fd = blob_open(s, "v4", &size);
    assert_true(fd >= 0);
    close(fd);
}

static void blob_refuses_bad_ids(void **state)
{
    struct fixture *f = *state;
    const struct server *s = &f->s;
    static const char *const bad[] = {
        "", "../x", "A", "a/b", ".", "..", "a b", "0123456789012345678901234567890123456789x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t size;
        errno = 0;
        assert_int_equal(blob_tmp_create(s, bad[i], 0), -1);
        assert_int_equal(errno, EINVAL);
        assert_int_equal(blob_tmp_open(s, bad[i]), -1);
        assert_int_equal(blob_open(s, bad[i], &size), -1);
        assert_int_equal(blob_commit(s, "up5", bad[i]), -1);
        assert_int_equal(blob_uncommit(s, bad[i], "up5"), -1);
    }
}

/* keep_fn: keep the ids that start with "k". */
static bool keep_k(struct server *s, const char *id, void *arg)
{
    (void)s;
    int *calls = arg;
    (*calls)++;
    return id[0] == 'k';
}

static void blob_sweep_keeps_what_predicate_keeps(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->s;
    assert_int_equal(blob_tmp_create(s, "kept1", 0), 0);
    assert_int_equal(blob_tmp_create(s, "gone1", 0), 0);
    assert_int_equal(blob_tmp_create(s, "gone2", 0), 0);
    /* a name that is not an id was never the store's: removed without asking */
    char p[200];
    snprintf(p, sizeof(p), "%s/tmp/Not.An.Id", f->dir);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    int calls = 0;
    assert_int_equal(s->blob->sweep(s, BLOB_AREA_TMP, keep_k, &calls), 3);
    assert_int_equal(calls, 3);
    fd = blob_tmp_open(s, "kept1");
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(blob_tmp_open(s, "gone1"), -1);
    calls = 0;
    assert_int_equal(s->blob->sweep(s, BLOB_AREA_BLOBS, keep_k, &calls), 0);
    assert_int_equal(calls, 0);
}

/* What the backend runs beside the server follows --sync: under complete a write-out thread
 * (state kept in s->blob_state) takes written ranges without failing; under chunk each written
 * range is fdatasync'ed, so a bad handle is an error; under none nothing runs. stop is
 * harmless twice and after no start. */
static void blob_start_written_stop_per_policy(void **state)
{
    struct fixture *f = *state;
    struct server *s = &f->s;
    assert_int_equal(blob_tmp_create(s, "up2", 8192), 0);
    int fd = blob_tmp_open(s, "up2");
    assert_true(fd >= 0);
    static const char page[4096] = {1};
    assert_int_equal(blob_pwrite_all(s, fd, page, sizeof(page), 4096), 0);

    s->cfg.sync_policy = BLOB_SYNC_COMPLETE;
    assert_int_equal(blob_start(s), 0);
    assert_non_null(s->blob_state);
    assert_int_equal(blob_tmp_written(s, fd, 4096, 4096), 0);
    assert_int_equal(blob_tmp_written(s, -1, 0, 4096), 0); /* dropped, never an error */
    blob_stop(s);
    assert_null(s->blob_state);
    blob_stop(s);

    s->cfg.sync_policy = BLOB_SYNC_CHUNK;
    assert_int_equal(blob_start(s), 0);
    assert_null(s->blob_state);
    assert_int_equal(blob_tmp_written(s, fd, 4096, 4096), 0);
    assert_int_equal(blob_tmp_written(s, -1, 0, 4096), -1);
    assert_int_equal(errno, EBADF);
    blob_stop(s);

    s->cfg.sync_policy = BLOB_SYNC_NONE;
    assert_int_equal(blob_start(s), 0);
    assert_null(s->blob_state);
    assert_int_equal(blob_tmp_written(s, -1, 0, 4096), 0);
    blob_stop(s);
    close(fd);
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(blob_write_commit_read, setup, teardown),
    cmocka_unit_test_setup_teardown(blob_truncate_to_final_length, setup, teardown),
    cmocka_unit_test_setup_teardown(blob_uncommit_restores_session, setup, teardown),
    cmocka_unit_test_setup_teardown(blob_refuses_bad_ids, setup, teardown),
    cmocka_unit_test_setup_teardown(blob_sweep_keeps_what_predicate_keeps, setup, teardown),
    cmocka_unit_test_setup_teardown(blob_start_written_stop_per_policy, setup, teardown),
};
/* clang-format on */

TEST_MAIN(tests)
