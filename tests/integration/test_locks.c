/* SPDX-License-Identifier: MIT */
/* test_locks.c - file locks through libfastio against a real fastio-server (api §7,
 * docs/decisions.md "Locks"): acquire / status / heartbeat / release, a held lock answering 409
 * with its holder, wrong and expired tokens, expiry under --lock-time-scale, writes refused
 * while locked (and the holder's accepted), a late write with a lost token refused, the keeper
 * holding a 60 s lock through 5 scaled minutes and reporting a lock released behind its back,
 * fastio_with_lock releasing after a failing update, and acquire waiting for a free lock.
 * The server runs with --lock-time-scale 60: a 60 s lock lasts one real second. Files are made
 * with a database row (uploads are another issue's work). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <fastio/lock.h>

#include "harness.h"
#include "id.h"
#include "timeutil.h"

static const char *const server_args[] = {"--lock-time-scale", "60", NULL};
static const struct it_fixture_opts fx_opts = {server_args, false, NULL};
static struct it_fixture fx;

/* ---- helpers ---------------------------------------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A new user with an org and a workspace; ws (size >= 32) gets the workspace id. */
static struct fastio_client *new_ws(char *ws, char *user_id)
{
    struct it_user u;
    it_user_new(&u, &fx.srv, IT_USER_WORKSPACE);
    snprintf(ws, 32, "%s", u.ws);
    if (user_id)
        snprintf(user_id, 32, "%s", u.id);
    return it_user_take_client(&u);
}

/* A second member of ws: its own client (user id to uid, size >= 32). */
static struct fastio_client *new_member(const char *ws, char *uid)
{
    struct it_user u;
    it_user_new(&u, &fx.srv, 0);
    snprintf(uid, 32, "%s", u.id);
    assert_int_equal(it_db(&fx.srv,
                           "INSERT INTO workspace_members (workspace_id, user_id, role, created) "
                           "VALUES (?1, ?2, 'member', 0)",
                           ws, uid, (const char *)NULL),
                     0);
    return it_user_take_client(&u);
}

/* A file node named name in parent (NULL = root), made in the database. */
static void new_file(const char *ws, const char *parent, const char *name, char id[FIO_OPAQUE_ID_SIZE])
{
    it_insert_file(&fx.srv, ws, parent, name, 1, id);
}

static void new_folder(struct fastio_client *c, const char *ws, const char *name, char id[40])
{
    json_t *n = NULL;
    assert_int_equal(fastio_storage_create_folder(c, ws, "root", name, false, &n, NULL), FASTIO_OK);
    snprintf(id, 40, "%s", jstr(n, "id"));
    json_decref(n);
}

/* A storage write row with optional lock_token (NULL = none) and one more parameter. */
static enum fastio_status write_call(struct fastio_client *c, enum fastio_endpoint ep,
                                     const char *ws, const char *node, const char *pname,
                                     const char *pvalue, const char *token,
                                     struct fastio_error *err)
{
    const char *args[2] = {ws, node};
    struct fastio_param p[2];
    size_t n = 0;
    if (pname)
        p[n++] = (struct fastio_param){pname, pvalue};
    if (token)
        p[n++] = (struct fastio_param){"lock_token", token};
    json_t *resp = NULL;
    enum fastio_status st = fastio_call(c, ep, args, 2, p, n, &resp, err);
    json_decref(resp);
    return st;
}

static bool is_locked(struct fastio_client *c, const char *ws, const char *node)
{
    json_t *l = NULL;
    assert_int_equal(fastio_lock_status(c, ws, node, &l, NULL), FASTIO_OK);
    bool locked = json_is_true(json_object_get(l, "locked"));
    json_decref(l);
    return locked;
}

static void assert_conflict(enum fastio_status st, const struct fastio_error *err)
{
    assert_int_equal(st, FASTIO_CONFLICT);
    assert_int_equal(err->http_status, 409);
    assert_int_equal(err->api_code, 1660);
}

/* ---- acquire, status, heartbeat, release -------------------------------------------------------- */

static void test_lock_cycle(void **state)
{
    (void)state;
    char ws[32], uid[32], file[FIO_OPAQUE_ID_SIZE], folder[40];
    struct fastio_client *c = new_ws(ws, uid);
    new_file(ws, NULL, "a.txt", file);
    new_folder(c, ws, "dir", folder);
    struct fastio_error err;
    assert_false(is_locked(c, ws, file));

    struct fastio_lock_opts o = {120, "{\"device_name\":\"test-box\"}", 0};
    char *tok = NULL;
    json_t *lock = NULL;
    assert_int_equal(fastio_lock_acquire(c, ws, file, &o, &tok, &lock, &err), FASTIO_OK);
    assert_non_null(tok);
    assert_true(strlen(tok) >= 32); /* 256 random bits, base64url */
    assert_null(json_object_get(lock, "lock_token"));
    assert_true(json_is_true(json_object_get(lock, "locked")));
    assert_string_equal(jstr(json_object_get(lock, "locked_by"), "id"), uid);
    assert_int_equal(json_integer_value(json_object_get(lock, "duration")), 120);
    assert_string_equal(jstr(json_object_get(lock, "client_info"), "device_name"), "test-box");
    json_decref(lock);

    /* status and the node itself show the lock, never the token */
    assert_int_equal(fastio_lock_status(c, ws, file, &lock, &err), FASTIO_OK);
    assert_true(json_is_true(json_object_get(lock, "locked")));
    assert_string_equal(jstr(json_object_get(lock, "locked_by"), "id"), uid);
    assert_null(json_object_get(lock, "lock_token"));
    json_decref(lock);
    json_t *node = NULL;
    assert_int_equal(fastio_storage_details(c, ws, file, &node, &err), FASTIO_OK);
    assert_true(json_is_true(json_object_get(node, "locked")));
    json_t *info = json_object_get(node, "lock_info");
    assert_true(json_is_object(info));
    assert_string_equal(jstr(json_object_get(info, "locked_by"), "id"), uid);
    char *dump = json_dumps(node, JSON_COMPACT);
    assert_non_null(dump);
    assert_null(strstr(dump, "fio_l_"));
    free(dump);
    json_decref(node);

    assert_int_equal(fastio_lock_heartbeat(c, ws, file, tok, &lock, &err), FASTIO_OK);
    assert_true(json_integer_value(json_object_get(lock, "expires_in_ms")) > 1000);
    json_decref(lock);
    assert_int_equal(fastio_lock_release(c, ws, file, tok, &err), FASTIO_OK);
    assert_false(is_locked(c, ws, file));
    /* a released token is dead: heartbeat and release again are refused */
    assert_conflict(fastio_lock_heartbeat(c, ws, file, tok, NULL, &err), &err);
    assert_conflict(fastio_lock_release(c, ws, file, tok, &err), &err);
    fastio_free(tok);

    /* only files; durations 60-3600 */
    assert_int_equal(fastio_lock_acquire(c, ws, folder, NULL, &tok, NULL, &err), FASTIO_INVALID);
    assert_int_equal(err.http_status, 400);
    const char *args[2] = {ws, file};
    struct fastio_param p = {"duration", "59"};
    assert_int_equal(fastio_call(c, FASTIO_EP_LOCK_ACQUIRE, args, 2, &p, 1, NULL, &err),
                     FASTIO_INVALID);
    struct fastio_param bad_info = {"client_info", "[1,2]"};
    assert_int_equal(fastio_call(c, FASTIO_EP_LOCK_ACQUIRE, args, 2, &bad_info, 1, NULL, &err),
                     FASTIO_INVALID);
    assert_false(is_locked(c, ws, file));
    fastio_client_free(c);
}

/* A held lock: 409 with the holder; the wrong token cannot renew or release it. */
static void test_lock_held(void **state)
{
    (void)state;
    char ws[32], uid[32], uid2[32], file[FIO_OPAQUE_ID_SIZE];
    struct fastio_client *a = new_ws(ws, uid);
    struct fastio_client *b = new_member(ws, uid2);
    new_file(ws, NULL, "held.txt", file);
    struct fastio_error err;
    struct fastio_lock_opts o = {600, "{\"agent\":\"A\"}", 0};
    char *tok = NULL, *tok2 = NULL;
    assert_int_equal(fastio_lock_acquire(a, ws, file, &o, &tok, NULL, &err), FASTIO_OK);

    json_t *holder = NULL;
    assert_conflict(fastio_lock_acquire(b, ws, file, NULL, &tok2, &holder, &err), &err);
    assert_null(tok2);
    assert_non_null(holder);
    assert_string_equal(jstr(json_object_get(holder, "locked_by"), "id"), uid);
    assert_non_null(jstr(holder, "expires"));
    assert_string_equal(jstr(json_object_get(holder, "client_info"), "agent"), "A");
    assert_null(json_object_get(holder, "lock_token"));
    json_decref(holder);
    /* not re-entrant: the holder's own user without the token is refused too */
    assert_conflict(fastio_lock_acquire(a, ws, file, NULL, &tok2, NULL, &err), &err);

    const char *fake = "fio_l_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_conflict(fastio_lock_heartbeat(b, ws, file, fake, NULL, &err), &err);
    assert_conflict(fastio_lock_release(b, ws, file, fake, &err), &err);
    assert_true(is_locked(b, ws, file));
    /* the token is the capability: the other member may release with it */
    assert_int_equal(fastio_lock_release(b, ws, file, tok, &err), FASTIO_OK);
    assert_false(is_locked(a, ws, file));
    fastio_free(tok);
    fastio_client_free(a);
    fastio_client_free(b);
}

/* A 60 s lock at scale 60 frees itself after about a second; the old holder's late write with
 * its token is refused once someone else holds the lock, and even when nobody does. */
static void test_lock_expiry(void **state)
{
    (void)state;
    char ws[32], uid[32], uid2[32], file[FIO_OPAQUE_ID_SIZE];
    struct fastio_client *a = new_ws(ws, uid);
    struct fastio_client *b = new_member(ws, uid2);
    new_file(ws, NULL, "exp.txt", file);
    struct fastio_error err;
    struct fastio_lock_opts o = {60, NULL, 0};
    char *ta = NULL, *tb = NULL;
    assert_int_equal(fastio_lock_acquire(a, ws, file, &o, &ta, NULL, &err), FASTIO_OK);
    assert_true(is_locked(b, ws, file));
    sleep_ms(1300);
    assert_false(is_locked(b, ws, file));
    json_t *node = NULL;
    assert_int_equal(fastio_storage_details(b, ws, file, &node, &err), FASTIO_OK);
    assert_false(json_is_true(json_object_get(node, "locked")));
    json_decref(node);
    /* expired: the old token renews nothing and writes nothing */
    assert_conflict(fastio_lock_heartbeat(a, ws, file, ta, NULL, &err), &err);
    assert_conflict(write_call(a, FASTIO_EP_STORAGE_UPDATE, ws, file, "name", "late.txt", ta, &err),
                    &err);
    /* someone else takes it; the late write is refused and the holder shown */
    struct fastio_lock_opts ob = {600, NULL, 0};
    assert_int_equal(fastio_lock_acquire(b, ws, file, &ob, &tb, NULL, &err), FASTIO_OK);
    assert_conflict(write_call(a, FASTIO_EP_STORAGE_UPDATE, ws, file, "name", "late.txt", ta, &err),
                    &err);
    assert_conflict(write_call(a, FASTIO_EP_STORAGE_DELETE, ws, file, NULL, NULL, ta, &err), &err);
    json_t *l = NULL;
    assert_int_equal(fastio_lock_status(a, ws, file, &l, &err), FASTIO_OK);
    assert_string_equal(jstr(json_object_get(l, "locked_by"), "id"), uid2);
    json_decref(l);
    assert_int_equal(write_call(b, FASTIO_EP_STORAGE_UPDATE, ws, file, "name", "b.txt", tb, &err),
                     FASTIO_OK);
    assert_int_equal(fastio_lock_release(b, ws, file, tb, &err), FASTIO_OK);
    fastio_free(ta);
    fastio_free(tb);
    fastio_client_free(a);
    fastio_client_free(b);
}

/* While locked: rename, move, delete, purge, replacing by copy and deleting an ancestor folder
 * are refused without the token; the holder's writes with it go through. */
static void test_lock_writes(void **state)
{
    (void)state;
    char ws[32], uid[32], uid2[32], file[FIO_OPAQUE_ID_SIZE], other[FIO_OPAQUE_ID_SIZE];
    char dir[40], dir2[40];
    struct fastio_client *a = new_ws(ws, uid);
    struct fastio_client *b = new_member(ws, uid2);
    new_folder(a, ws, "docs", dir);
    new_folder(a, ws, "elsewhere", dir2);
    new_file(ws, dir, "report.txt", file);
    new_file(ws, NULL, "report.txt", other); /* same name in the root, for the copy */
    struct fastio_error err;
    char *tok = NULL;
    struct fastio_lock_opts o = {3600, NULL, 0};
    assert_int_equal(fastio_lock_acquire(a, ws, file, &o, &tok, NULL, &err), FASTIO_OK);

    json_t *out = NULL;
    assert_conflict(fastio_storage_rename(b, ws, file, "x.txt", &out, &err), &err);
    assert_true(strstr(err.message, "locked") != NULL);
    assert_conflict(fastio_storage_rename(a, ws, file, "x.txt", &out, &err), &err); /* no token */
    assert_conflict(fastio_storage_move(b, ws, file, dir2, &out, &err), &err);
    assert_conflict(fastio_storage_delete(b, ws, file, &err), &err);
    assert_conflict(fastio_storage_delete(b, ws, dir, &err), &err); /* takes the file along */
    assert_conflict(fastio_storage_copy(b, ws, other, dir, &out, &err), &err); /* would trash it */
    /* a token of another lock does not open this one */
    char other_tok_file[FIO_OPAQUE_ID_SIZE];
    char *tok2 = NULL;
    new_file(ws, NULL, "mine.txt", other_tok_file);
    assert_int_equal(fastio_lock_acquire(b, ws, other_tok_file, &o, &tok2, NULL, &err), FASTIO_OK);
    assert_conflict(write_call(b, FASTIO_EP_STORAGE_UPDATE, ws, file, "name", "y.txt", tok2, &err),
                    &err);
    /* nothing changed */
    json_t *node = NULL;
    assert_int_equal(fastio_storage_details(a, ws, file, &node, &err), FASTIO_OK);
    assert_string_equal(jstr(node, "name"), "report.txt");
    assert_string_equal(jstr(node, "parent"), dir);
    json_decref(node);

    /* the holder, with the token */
    assert_int_equal(write_call(a, FASTIO_EP_STORAGE_UPDATE, ws, file, "name", "final.txt", tok,
                                &err),
                     FASTIO_OK);
    assert_int_equal(write_call(a, FASTIO_EP_STORAGE_MOVE, ws, file, "parent", dir2, tok, &err),
                     FASTIO_OK);
    assert_int_equal(write_call(a, FASTIO_EP_STORAGE_DELETE, ws, file, NULL, NULL, tok, &err),
                     FASTIO_OK);
    /* still locked in the trash: purge needs the token too */
    assert_conflict(fastio_storage_purge(b, ws, file, &err), &err);
    assert_int_equal(write_call(a, FASTIO_EP_STORAGE_PURGE, ws, file, NULL, NULL, tok, &err),
                     FASTIO_OK);
    assert_int_equal(
        it_db(&fx.srv, "SELECT COUNT(*) FROM locks WHERE node_id = ?1", file, (const char *)NULL),
        0);
    /* unlocked nodes are unaffected, also with a live token of another lock */
    assert_int_equal(fastio_storage_delete(b, ws, dir, &err), FASTIO_OK);
    assert_int_equal(write_call(b, FASTIO_EP_STORAGE_UPDATE, ws, other, "name", "z.txt", tok2, &err),
                     FASTIO_OK);
    /* the token hash, never the token, is stored */
    assert_int_equal(it_db(&fx.srv, "SELECT COUNT(*) FROM locks WHERE token_hash = ?1", tok2,
                           (const char *)NULL),
                     0);
    assert_int_equal(fastio_lock_release(b, ws, other_tok_file, tok2, &err), FASTIO_OK);
    fastio_free(tok);
    fastio_free(tok2);
    fastio_client_free(a);
    fastio_client_free(b);
}

/* ---- the keeper --------------------------------------------------------------------------------- */

struct lost_flag {
    atomic_int calls;
    enum fastio_status status;
};

static void on_lost(void *userdata, const struct fastio_error *why)
{
    struct lost_flag *f = userdata;
    f->status = why->status;
    atomic_fetch_add(&f->calls, 1);
}

/* A 60 s lock (1 s real) kept alive for 5 scaled minutes (5 s real), then released behind the
 * keeper's back: it stops and reports the loss. */
static void test_lock_keeper(void **state)
{
    (void)state;
    char ws[32], uid[32], uid2[32], file[FIO_OPAQUE_ID_SIZE];
    struct fastio_client *a = new_ws(ws, uid);
    struct fastio_client *b = new_member(ws, uid2);
    new_file(ws, NULL, "kept.txt", file);
    struct fastio_error err;
    char *tok = NULL, *tb = NULL;
    struct fastio_lock_opts o = {60, NULL, 0};
    assert_int_equal(fastio_lock_acquire(a, ws, file, &o, &tok, NULL, &err), FASTIO_OK);
    struct lost_flag flag = {0, FASTIO_OK};
    struct fastio_lock_keeper *k = fastio_lock_keeper_start(a, ws, file, tok, on_lost, &flag, &err);
    assert_non_null(k);
    for (int i = 0; i < 10; i++) { /* 10 x 0.5 s = 5 minutes of scaled time */
        sleep_ms(500);
        assert_true(is_locked(b, ws, file));
        assert_int_equal(fastio_lock_acquire(b, ws, file, &o, &tb, NULL, &err), FASTIO_CONFLICT);
    }
    assert_int_equal(fastio_lock_keeper_status(k, &err), FASTIO_OK);
    assert_int_equal(atomic_load(&flag.calls), 0);
    /* the holder still writes with its token after 5 minutes */
    assert_int_equal(write_call(b, FASTIO_EP_STORAGE_UPDATE, ws, file, "name", "k2.txt", tok, &err),
                     FASTIO_OK);

    /* released behind its back: the next beat fails, the keeper stops and says so */
    assert_int_equal(fastio_lock_release(b, ws, file, tok, &err), FASTIO_OK);
    for (int i = 0; i < 200 && atomic_load(&flag.calls) == 0; i++)
        sleep_ms(10);
    assert_int_equal(atomic_load(&flag.calls), 1);
    assert_int_equal(flag.status, FASTIO_CONFLICT);
    assert_int_equal(fastio_lock_keeper_status(k, &err), FASTIO_CONFLICT);
    assert_int_equal(err.api_code, 1660);
    fastio_lock_keeper_stop(k);
    assert_false(is_locked(a, ws, file));

    /* a keeper for a lock that is already gone fails at once */
    assert_null(fastio_lock_keeper_start(a, ws, file, tok, NULL, NULL, &err));
    assert_int_equal(err.status, FASTIO_CONFLICT);
    fastio_lock_keeper_stop(NULL);
    fastio_free(tok);
    fastio_client_free(a);
    fastio_client_free(b);
}

/* ---- fastio_with_lock --------------------------------------------------------------------------- */

struct update_ctx {
    const char *ws, *node;
    bool fail;
    bool saw_lock;
    int runs;
};

static enum fastio_status update_fn(void *userdata, struct fastio_client *c, const char *token,
                                    struct fastio_error *err)
{
    struct update_ctx *u = userdata;
    u->runs++;
    u->saw_lock = is_locked(c, u->ws, u->node);
    if (u->fail) {
        err->status = FASTIO_IO;
        snprintf(err->message, sizeof(err->message), "update failed on purpose");
        return FASTIO_IO;
    }
    return write_call(c, FASTIO_EP_STORAGE_UPDATE, u->ws, u->node, "name", "updated.txt", token,
                      err);
}

static void test_with_lock(void **state)
{
    (void)state;
    char ws[32], uid[32], uid2[32], file[FIO_OPAQUE_ID_SIZE];
    struct fastio_client *a = new_ws(ws, uid);
    struct fastio_client *b = new_member(ws, uid2);
    new_file(ws, NULL, "w.txt", file);
    struct fastio_error err;

    struct update_ctx u = {ws, file, true, false, 0};
    assert_int_equal(fastio_with_lock(a, ws, file, 60, update_fn, &u, &err), FASTIO_IO);
    assert_string_equal(err.message, "update failed on purpose");
    assert_int_equal(u.runs, 1);
    assert_true(u.saw_lock);
    assert_false(is_locked(a, ws, file)); /* released although fn failed */

    u.fail = false;
    assert_int_equal(fastio_with_lock(a, ws, file, 60, update_fn, &u, &err), FASTIO_OK);
    assert_int_equal(u.runs, 2);
    assert_false(is_locked(a, ws, file));
    json_t *node = NULL;
    assert_int_equal(fastio_storage_details(a, ws, file, &node, &err), FASTIO_OK);
    assert_string_equal(jstr(node, "name"), "updated.txt");
    json_decref(node);

    /* held by someone else: fn never runs; with wait_ms it runs once the lock frees */
    char *tb = NULL;
    struct fastio_lock_opts o60 = {60, NULL, 0};
    assert_int_equal(fastio_lock_acquire(b, ws, file, &o60, &tb, NULL, &err), FASTIO_OK);
    assert_int_equal(fastio_with_lock(a, ws, file, 60, update_fn, &u, &err), FASTIO_CONFLICT);
    assert_int_equal(u.runs, 2);
    struct fastio_lock_opts wait = {60, NULL, 5000};
    assert_int_equal(fastio_with_lock_ex(a, ws, file, &wait, update_fn, &u, &err), FASTIO_OK);
    assert_int_equal(u.runs, 3);
    fastio_free(tb);
    fastio_client_free(a);
    fastio_client_free(b);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_lock_cycle),  cmocka_unit_test(test_lock_held),
    cmocka_unit_test(test_lock_expiry), cmocka_unit_test(test_lock_writes),
    cmocka_unit_test(test_lock_keeper), cmocka_unit_test(test_with_lock),
};

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
