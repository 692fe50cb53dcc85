/* SPDX-License-Identifier: MIT */
/* test_quota.c - quotas, upload-session limits, the expiry sweep and the disk reserve (issue 15
 * item 2, D-080; docs/server.md "Quotas"). Each case starts its own fastio-server with the
 * options it tests. The full-disk cases put the server's data directory on a small tmpfs in a
 * private mount namespace of this test process (unshare(CLONE_NEWNS) as root, else inside a new
 * user namespace); they are skipped, saying why, only when neither can be made. */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cmocka.h>

#include "api_codes.h"
#include "harness.h"

#define MIB (1024LL * 1024)

/* POST /current/upload/ creating a chunked session of size bytes in u's workspace: the status,
 * *code the error code (-1 when none) and id (size >= 64) the session id on success. */
static long create_session(const struct it_server *s, const struct it_user *u, long long size,
                           long *code, char *id, char *msg, size_t msg_size)
{
    char form[256];
    snprintf(form, sizeof(form), "name=q%lld.bin&size=%lld&instance_id=%s", size, size, u->ws);
    char *body = NULL;
    long st = it_raw(s, "POST", "/current/upload/", "application/x-www-form-urlencoded", form,
                     strlen(form), u->authz, &body);
    long c = -1;
    json_t *j = it_error_body(body, &c);
    if (code)
        *code = c;
    if (id) {
        const char *v = json_string_value(json_object_get(j, "id"));
        snprintf(id, 64, "%s", st == 200 && v ? v : "");
    }
    if (msg) {
        const char *t = json_string_value(json_object_get(json_object_get(j, "error"), "text"));
        snprintf(msg, msg_size, "%s", t ? t : (body ? body : ""));
    }
    json_decref(j);
    free(body);
    return st;
}

static long cancel_session(const struct it_server *s, const struct it_user *u, const char *id)
{
    char path[160];
    snprintf(path, sizeof(path), "/current/upload/%s/", id);
    char *body = NULL;
    long st = it_raw(s, "DELETE", path, NULL, NULL, 0, u->authz, &body);
    free(body);
    return st;
}

static long session_details(const struct it_server *s, const struct it_user *u, const char *id)
{
    char path[160];
    snprintf(path, sizeof(path), "/current/upload/%s/details/", id);
    char *body = NULL;
    long st = it_raw(s, "GET", path, NULL, NULL, 0, u->authz, &body);
    free(body);
    return st;
}

/* A single-request upload (multipart part "chunk") of n bytes into u's workspace. */
static long single_upload(const struct it_server *s, const struct it_user *u, size_t n)
{
    static const char b[] = "qzqzBOUNDARYqzqz";
    size_t cap = n + 1024;
    char *body = malloc(cap);
    assert_non_null(body);
    int h = snprintf(body, cap,
                     "--%s\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nsingle-%zu.bin"
                     "\r\n--%s\r\nContent-Disposition: form-data; name=\"instance_id\"\r\n\r\n%s"
                     "\r\n--%s\r\nContent-Disposition: form-data; name=\"chunk\"; "
                     "filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                     b, n, b, u->ws, b);
    assert_true(h > 0 && (size_t)h + n + 64 < cap);
    memset(body + h, 'q', n);
    size_t len = (size_t)h + n;
    len += (size_t)snprintf(body + len, cap - len, "\r\n--%s--\r\n", b);
    char ct[80];
    snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b);
    char *reply = NULL;
    long st = it_raw(s, "POST", "/current/upload/", ct, body, len, u->authz, &reply);
    free(reply);
    free(body);
    return st;
}

static bool tmp_file_exists(const struct it_server *s, const char *id)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/tmp/%s", s->dir, id);
    struct stat sb;
    return stat(p, &sb) == 0;
}

static json_t *limits(const struct it_server *s, const struct it_user *u)
{
    char *body = NULL;
    assert_int_equal(it_raw(s, "GET", "/current/upload/limits/", NULL, NULL, 0, u->authz, &body),
                     200);
    json_t *j = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(j);
    return j;
}

/* Quotas and session limits on a normal data directory. */
static void test_quota_and_session_limits(void **state)
{
    (void)state;
    struct it_server srv;
    memset(&srv, 0, sizeof(srv));
    static const char *const args[] = {"--user-quota", "10M", "--max-sessions", "3",
                                       "--sessions-size-max", "64M", NULL};
    assert_int_equal(it_server_start(&srv, NULL, args), 0);
    struct it_user a, b;
    it_user_new(&a, &srv, IT_USER_WORKSPACE);
    it_user_new(&b, &srv, IT_USER_WORKSPACE);

    /* the contract's fields say what this server enforces */
    json_t *l = limits(&srv, &a);
    assert_int_equal(json_integer_value(json_object_get(l, "size")), 10 * MIB);
    assert_int_equal(json_integer_value(json_object_get(l, "sessions")), 3);
    assert_int_equal(json_integer_value(json_object_get(l, "sessions_size_max")), 64 * MIB);
    json_decref(l);

    /* a session announcing more than the quota: the contract's limit error, not 507 */
    long code;
    char id[64], msg[512];
    assert_int_equal(create_session(&srv, &a, 11 * MIB, &code, id, msg, sizeof(msg)), 413);
    assert_int_equal(code, API_ERR_LIMIT);
    assert_non_null(strstr(msg, "quota"));

    /* three sessions of 1 MiB are the limit; the fourth is refused; others are not affected */
    char ids[3][64];
    for (int i = 0; i < 3; i++)
        assert_int_equal(create_session(&srv, &a, MIB, &code, ids[i], NULL, 0), 200);
    assert_int_equal(create_session(&srv, &a, MIB, &code, id, msg, sizeof(msg)), 403);
    assert_int_equal(code, API_ERR_LIMIT);
    assert_non_null(strstr(msg, "Too many open upload sessions"));
    char bid[64];
    assert_int_equal(create_session(&srv, &b, 8 * MIB, &code, bid, NULL, 0), 200);

    /* cancel frees a session slot and its bytes */
    assert_int_equal(cancel_session(&srv, &a, ids[2]), 200);
    assert_false(tmp_file_exists(&srv, ids[2]));
    assert_int_equal(create_session(&srv, &a, MIB, &code, ids[2], NULL, 0), 200);

    /* stored versions count: 2 MiB of sessions + 4 MiB stored = 6; 5 more would be 11 > 10,
     * 4 more are exactly the quota */
    assert_int_equal(single_upload(&srv, &a, (size_t)(4 * MIB)), 200);
    assert_int_equal(cancel_session(&srv, &a, ids[0]), 200);
    assert_int_equal(create_session(&srv, &a, 5 * MIB, &code, id, msg, sizeof(msg)), 413);
    assert_int_equal(code, API_ERR_LIMIT);
    assert_int_equal(create_session(&srv, &a, 4 * MIB, &code, id, NULL, 0), 200);
    /* the quota also holds for single uploads: 10 MiB in use, 64 KiB more refused */
    assert_int_equal(single_upload(&srv, &a, (size_t)(64 * 1024)), 413);
    /* cancel gives the bytes back */
    assert_int_equal(cancel_session(&srv, &a, id), 200);
    assert_int_equal(single_upload(&srv, &a, (size_t)(64 * 1024)), 200);

    it_user_release(&a);
    it_user_release(&b);
    assert_int_equal(it_server_stop(&srv), 0);
    it_server_cleanup(&srv);
}

/* The org quota counts every session and version in the org's workspaces. */
static void test_org_quota(void **state)
{
    (void)state;
    struct it_server srv;
    memset(&srv, 0, sizeof(srv));
    static const char *const args[] = {"--org-quota", "6M", NULL};
    assert_int_equal(it_server_start(&srv, NULL, args), 0);
    struct it_user a, b;
    it_user_new(&a, &srv, IT_USER_WORKSPACE);
    it_user_new(&b, &srv, IT_USER_WORKSPACE);
    long code;
    char id[64], msg[512];
    assert_int_equal(create_session(&srv, &a, 5 * MIB, &code, id, NULL, 0), 200);
    assert_int_equal(create_session(&srv, &a, 2 * MIB, &code, id, msg, sizeof(msg)), 413);
    assert_int_equal(code, API_ERR_LIMIT);
    assert_non_null(strstr(msg, "organization"));
    assert_int_equal(create_session(&srv, &b, 5 * MIB, &code, id, NULL, 0), 200); /* other org */
    /* a stream without max_size gets what the quota still allows as its ceiling: 1 MiB here;
     * then nothing is left and the next one is refused */
    char form[256], *body = NULL;
    snprintf(form, sizeof(form), "name=s.bin&stream=true&instance_id=%s", a.ws);
    assert_int_equal(it_raw(&srv, "POST", "/current/upload/", "application/x-www-form-urlencoded",
                            form, strlen(form), a.authz, &body),
                     200);
    json_t *j = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(j);
    assert_int_equal(it_db(&srv, "SELECT max_size FROM upload_sessions WHERE id = ?1",
                           json_string_value(json_object_get(j, "id")), NULL),
                     MIB);
    json_decref(j);
    body = NULL;
    assert_int_equal(it_raw(&srv, "POST", "/current/upload/", "application/x-www-form-urlencoded",
                            form, strlen(form), a.authz, &body),
                     413);
    free(body);
    it_user_release(&a);
    it_user_release(&b);
    assert_int_equal(it_server_stop(&srv), 0);
    it_server_cleanup(&srv);
}

/* An abandoned session expires while the server runs (the sweep), its file goes and its bytes
 * count no more; a session that expired while the server was down is gone at start-up. */
static void test_expiry_sweep_and_restart(void **state)
{
    (void)state;
    struct it_server srv;
    memset(&srv, 0, sizeof(srv));
    static const char *const args[] = {"--user-quota", "4M", "--upload-ttl", "2",
                                       "--sweep-interval", "1", NULL};
    assert_int_equal(it_server_start(&srv, NULL, args), 0);
    struct it_user a;
    it_user_new(&a, &srv, IT_USER_WORKSPACE);
    long code;
    char id[64], id2[64];
    assert_int_equal(create_session(&srv, &a, 3 * MIB, &code, id, NULL, 0), 200);
    assert_true(tmp_file_exists(&srv, id));
    assert_int_equal(create_session(&srv, &a, 3 * MIB, &code, id2, NULL, 0), 413); /* quota */
    bool gone = false;
    for (int i = 0; i < 100 && !gone; i++) { /* ttl 2 s + sweep every 1 s: at most ~3 s */
        usleep(100 * 1000);
        gone = session_details(&srv, &a, id) == 404 && !tmp_file_exists(&srv, id);
    }
    assert_true(gone);
    assert_int_equal(create_session(&srv, &a, 3 * MIB, &code, id2, NULL, 0), 200);

    /* down while it expires: start-up removes it */
    assert_int_equal(it_server_stop(&srv), 0);
    assert_true(tmp_file_exists(&srv, id2));
    sleep(3);
    static const char *const args2[] = {"--user-quota", "4M", "--upload-ttl", "2",
                                        "--sweep-interval", "3600", NULL};
    assert_int_equal(it_server_start(&srv, srv.dir, args2), 0);
    assert_false(tmp_file_exists(&srv, id2));
    assert_int_equal(session_details(&srv, &a, id2), 404);
    assert_int_equal(create_session(&srv, &a, 3 * MIB, &code, id, NULL, 0), 200);
    it_user_release(&a);
    assert_int_equal(it_server_stop(&srv), 0);
    it_server_cleanup(&srv);
}

/* ---- a small full disk ---------------------------------------------------------------------- */

static bool write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n;
    return close(fd) == 0 && ok;
}

/* A private mount namespace for this process (the server inherits it): as root directly, else
 * inside a new user namespace mapping this uid to root. false with why set when neither works. */
static bool private_mounts(char *why, size_t why_size)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWNS) != 0) {
        int e1 = errno;
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            snprintf(why, why_size, "unshare(CLONE_NEWNS): %s; with CLONE_NEWUSER: %s",
                     strerror(e1), strerror(errno));
            return false;
        }
        char map[64];
        snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
        char gmap[64];
        snprintf(gmap, sizeof(gmap), "0 %u 1\n", (unsigned)gid);
        if (!write_file("/proc/self/setgroups", "deny") ||
            !write_file("/proc/self/uid_map", map) || !write_file("/proc/self/gid_map", gmap)) {
            snprintf(why, why_size, "user namespace id maps: %s", strerror(errno));
            return false;
        }
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        snprintf(why, why_size, "making / private: %s", strerror(errno));
        return false;
    }
    return true;
}

/* A tmpfs of size_mib MiB mounted on a new directory (dir, size >= 64). */
static bool small_disk(char *dir, long size_mib, char *why, size_t why_size)
{
    if (!private_mounts(why, why_size))
        return false;
    snprintf(dir, 64, "/tmp/fastio-qdisk-XXXXXX");
    if (!mkdtemp(dir)) {
        snprintf(why, why_size, "mkdtemp: %s", strerror(errno));
        return false;
    }
    char opts[64];
    snprintf(opts, sizeof(opts), "size=%ldm,mode=0700", size_mib);
    if (mount("tmpfs", dir, "tmpfs", 0, opts) != 0) {
        snprintf(why, why_size, "mount tmpfs: %s", strerror(errno));
        rmdir(dir);
        return false;
    }
    return true;
}

static void drop_disk(struct it_server *srv, const char *dir)
{
    it_server_cleanup(srv); /* empties the directory (the tmpfs) */
    umount2(dir, MNT_DETACH);
    rmdir(dir);
}

static long long free_bytes(const char *dir)
{
    struct statvfs v;
    assert_int_equal(statvfs(dir, &v), 0);
    return (long long)v.f_bavail * (long long)v.f_frsize;
}

/* User A takes all the space uploads may take; B still signs up, makes an org, a workspace and
 * folders, and gets a clear 507 (1685) for a big upload, never a 500; A's cancel frees it. */
static void test_full_disk_never_breaks_others(void **state)
{
    (void)state;
    char dir[64], why[256];
    if (!small_disk(dir, 48, why, sizeof(why))) {
        printf("SKIPPED: cannot mount a small tmpfs for the data directory (%s)\n", why);
        skip();
    }
    struct it_server srv;
    memset(&srv, 0, sizeof(srv));
    static const char *const args[] = {"--disk-reserve", "8M", NULL};
    assert_int_equal(it_server_start(&srv, dir, args), 0);
    struct it_user a, b;
    it_user_new(&a, &srv, IT_USER_WORKSPACE);
    long code;
    char big[64], id[64], msg[512];
    long long avail = free_bytes(dir);
    /* all that lies above the reserve, less 1 MiB */
    long long take = avail - 9 * MIB;
    assert_true(take > 8 * MIB);
    assert_int_equal(create_session(&srv, &a, take, &code, big, msg, sizeof(msg)), 200);
    assert_int_equal(create_session(&srv, &a, 4 * MIB, &code, id, msg, sizeof(msg)), 507);
    assert_int_equal(code, API_ERR_LIMIT);
    assert_non_null(strstr(msg, "Insufficient storage"));

    /* B: sign-up, org, workspace, folders all work */
    it_user_new(&b, &srv, IT_USER_WORKSPACE);
    struct fastio_error err;
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof(name), "full-disk-%02d", i);
        json_t *o = NULL;
        assert_int_equal(fastio_storage_create_folder(b.c, b.ws, "root", name, false, &o, &err),
                         FASTIO_OK);
        json_decref(o);
    }
    assert_int_equal(create_session(&srv, &b, 16 * MIB, &code, id, msg, sizeof(msg)), 507);
    assert_int_equal(code, API_ERR_LIMIT);
    assert_int_equal(single_upload(&srv, &b, (size_t)(2 * MIB)), 507);

    /* A's cancel frees the space: B's upload goes now */
    assert_int_equal(cancel_session(&srv, &a, big), 200);
    assert_int_equal(create_session(&srv, &b, 16 * MIB, &code, id, msg, sizeof(msg)), 200);

    it_user_release(&a);
    it_user_release(&b);
    assert_int_equal(it_server_stop(&srv), 0);
    drop_disk(&srv, dir);
}

/* With no reserve (--disk-reserve 0) the disk can fill to the last byte: A's cancel still
 * answers 200 and frees it (it used to fail with 500), and B can sign up afterwards. */
static void test_cancel_frees_a_full_disk(void **state)
{
    (void)state;
    char dir[64], why[256];
    if (!small_disk(dir, 32, why, sizeof(why))) {
        printf("SKIPPED: cannot mount a small tmpfs for the data directory (%s)\n", why);
        skip();
    }
    struct it_server srv;
    memset(&srv, 0, sizeof(srv));
    static const char *const args[] = {"--disk-reserve", "0", NULL};
    assert_int_equal(it_server_start(&srv, dir, args), 0);
    struct it_user a, b;
    it_user_new(&a, &srv, IT_USER_WORKSPACE);
    long code;
    char ids[8][64];
    int n = 0;
    /* fill: each session takes what is free, less a little; then smaller ones */
    for (int i = 0; i < 8; i++) {
        long long avail = free_bytes(dir);
        long long take = i == 0 ? avail - 256 * 1024 : avail;
        if (take <= 0)
            break;
        long st = create_session(&srv, &a, take, &code, ids[n], NULL, 0);
        if (st == 200)
            n++;
        else
            assert_int_equal(st, 507); /* a full disk is 507, never 500 */
    }
    assert_true(n >= 1);
    assert_true(free_bytes(dir) < 512 * 1024);
    /* and the last bytes (as another writer on the same disk would take them) */
    char filler[128];
    snprintf(filler, sizeof(filler), "%s/filler", dir);
    int fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    static char zeros[4096];
    for (int i = 0; i < 100000 && write(fd, zeros, sizeof(zeros)) > 0; i++) {
    }
    close(fd);
    assert_true(free_bytes(dir) < 4096);
    for (int i = n - 1; i >= 0; i--)
        assert_int_equal(cancel_session(&srv, &a, ids[i]), 200);
    assert_true(free_bytes(dir) > 16 * MIB);
    unlink(filler);
    it_user_new(&b, &srv, IT_USER_WORKSPACE);
    it_user_release(&a);
    it_user_release(&b);
    assert_int_equal(it_server_stop(&srv), 0);
    drop_disk(&srv, dir);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_quota_and_session_limits),
    cmocka_unit_test(test_org_quota),
    cmocka_unit_test(test_expiry_sweep_and_restart),
    cmocka_unit_test(test_full_disk_never_breaks_others),
    cmocka_unit_test(test_cancel_frees_a_full_disk),
};

IT_MAIN(tests, NULL, NULL)
