/* SPDX-License-Identifier: MIT */
/* test_store_ops.c - the store interface (store.h) as a contract, on the SQLite backend: the
 * upload session and chunk operations, the lock operations and the node tree operations the
 * handlers rely on (not-found vs error, "exactly one row changed" answers, visitors that stop,
 * ownership of returned text). A PostgreSQL backend must pass the same cases. Foreign keys are
 * off on the test connection, so rows of other areas (users, workspaces) are not needed. */
#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "store_lock.h"
#include "store_node.h"
#include "store_upload.h"
#include "testmain.h"

#include "store_fixture.h"

static int setup(void **state)
{
    struct fixture *f = store_fixture_new();
    assert_ptr_equal(f->c->ops, &store_sqlite_ops);
    assert_int_equal(db_exec(f->db, "PRAGMA foreign_keys=OFF", ""), SQLITE_DONE);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    return store_fixture_free(state);
}

/* ---- uploads ----------------------------------------------------------------------------------
 */

static void insert_session(struct store_conn *c, const char *id, const char *kind,
                           const char *status, int64_t size)
{
    struct store_upload_new n = {
        .id = id,
        .user_id = "u1",
        .ws_id = "w1",
        .folder_id = "", /* "" = NULL = the root */
        .name = "a.txt",
        .kind = kind,
        .status = status,
        .size = size,
        .max_size = size,
        .lock_hash = "",
        .created = 100,
        .expires = 1000,
    };
    assert_int_equal(STORE(c, upload)->insert(c, &n), STORE_OK);
}

static int collect_orders(const struct store_upload_chunk *ch, void *arg)
{
    int64_t *sum = arg;
    *sum = *sum * 10 + ch->order;
    return ch->order == 3; /* stop after chunk 3 */
}

static void store_upload_session_lifecycle(void **state)
{
    struct fixture *f = *state;
    struct store_conn *c = f->c;
    const struct store_upload_ops *up = STORE(c, upload);
    insert_session(c, "s1", "chunked", "ready", 30);
    assert_int_equal(up->insert(c, &(struct store_upload_new){.id = "s1",
                                                              .user_id = "u1",
                                                              .ws_id = "w1",
                                                              .name = "b",
                                                              .kind = "chunked",
                                                              .status = "ready"}),
                     STORE_EXISTS);
    struct store_upload_session s;
    assert_int_equal(up->get(c, "s1", "u2", &s), STORE_NOT_FOUND); /* another user's */
    assert_int_equal(up->get(c, "s1", "u1", &s), STORE_OK);
    assert_string_equal(s.folder_id, "");
    assert_string_equal(s.lock_hash, "");
    assert_string_equal(s.status, "ready");
    assert_int_equal(s.chunk_size, 0);
    assert_int_equal(up->set_chunk_size(c, "s1", 10), STORE_OK);
    assert_int_equal(up->set_chunk_size(c, "s1", 20), STORE_OK); /* the first one stays */
    assert_int_equal(up->get(c, "s1", "u1", &s), STORE_OK);
    assert_int_equal(s.chunk_size, 10);
    int64_t count = 0, bytes = 0;
    assert_int_equal(up->usage(c, "u1", &count, &bytes), STORE_OK);
    assert_int_equal(count, 1);
    assert_int_equal(bytes, 30);

    /* chunks: put (replacing), forget, visit in order, stop early */
    for (int o = 3; o >= 1; o--)
        assert_int_equal(up->chunk_put(c, "s1", o, 10, "0000000a", o == 1 ? "abcdef01" : NULL, 5),
                         STORE_OK);
    assert_int_equal(up->chunk_put(c, "s1", 2, 10, "0000000b", "ffffffff", 6), STORE_OK);
    assert_int_equal(up->get(c, "s1", "u1", &s), STORE_OK);
    assert_string_equal(s.status, "uploading");
    assert_string_equal(s.file_crc32c, "abcdef01"); /* the first announced one stays */
    int64_t seen = 0;
    assert_int_equal(up->chunks_each(c, "s1", 0, 100, collect_orders, &seen), STORE_OK);
    assert_int_equal(seen, 123);
    assert_int_equal(up->chunk_put(c, "s1", 4, 10, "0000000c", NULL, 7), STORE_OK);
    seen = 0;
    assert_int_equal(up->chunks_each(c, "s1", 0, 100, collect_orders, &seen), STORE_OK);
    assert_int_equal(seen, 123); /* stopped at 3 */
    seen = 0;
    assert_int_equal(up->chunks_each(c, "s1", 2, 100, collect_orders, &seen), STORE_OK);
    assert_int_equal(seen, 2);
    assert_int_equal(up->chunk_forget(c, "s1", 4), STORE_OK);
    assert_int_equal(up->chunk_forget(c, "s1", 4), STORE_NOT_FOUND);

    /* completion: claim once, reopen, claim again, stored */
    assert_int_equal(up->claim(c, "s1", "v1", 8), STORE_OK);
    assert_int_equal(up->claim(c, "s1", "v1", 8), STORE_NOT_FOUND); /* being completed */
    assert_int_equal(up->live(c, "s1"), STORE_OK);                  /* assembling is live */
    assert_int_equal(up->reopen(c, "s1"), STORE_OK);
    assert_int_equal(up->claim(c, "s1", "v2", 9), STORE_OK);
    assert_int_equal(up->stored(c, "s1", "n1", 10), STORE_OK);
    assert_int_equal(up->live(c, "s1"), STORE_NOT_FOUND);
    struct store_upload_view v;
    assert_int_equal(up->view(c, "s1", &v), STORE_OK);
    assert_string_equal(v.s.status, "stored");
    assert_string_equal(v.s.new_file_id, "n1");
    assert_null(v.integrity_failure);
    assert_int_equal(v.created, 100);
    assert_int_equal(v.updated, 10);

    /* failure details: the integrity object comes back as owned text */
    insert_session(c, "s2", "chunked", "uploading", 5);
    assert_int_equal(up->failed(c, "s2", "crc mismatch", "{\"reason\":\"x\"}", 11), STORE_OK);
    assert_int_equal(up->view(c, "s2", &v), STORE_OK);
    assert_string_equal(v.s.status, "assembly_failed");
    assert_string_equal(v.status_message, "crc mismatch");
    assert_non_null(v.integrity_failure);
    assert_string_equal(v.integrity_failure, "{\"reason\":\"x\"}");
    free(v.integrity_failure);
    assert_int_equal(up->view(c, "nope", &v), STORE_NOT_FOUND);

    /* listing, removal */
    char ids[4][FIO_OPAQUE_ID_SIZE];
    size_t n = 0;
    assert_int_equal(up->list_ids(c, "u1", true, 4, ids, &n), STORE_OK);
    assert_int_equal(n, 1); /* s1 is stored */
    assert_string_equal(ids[0], "s2");
    assert_int_equal(up->list_ids(c, "u1", false, 4, ids, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(up->remove(c, "s2", "u2"), STORE_NOT_FOUND);
    assert_int_equal(up->remove(c, "s2", "u1"), STORE_OK);
    assert_int_equal(up->remove(c, "s2", "u1"), STORE_NOT_FOUND);
}

static void store_upload_stream_states(void **state)
{
    struct fixture *f = *state;
    struct store_conn *c = f->c;
    const struct store_upload_ops *up = STORE(c, upload);
    insert_session(c, "st1", "stream", "ready", -1);
    assert_int_equal(up->stream_broken(c, "st1", 1), STORE_NOT_FOUND); /* not started */
    assert_int_equal(up->stream_start(c, "st1", 1), STORE_OK);
    assert_int_equal(up->stream_start(c, "st1", 2), STORE_NOT_FOUND); /* single-shot */
    assert_int_equal(up->stream_broken(c, "st1", 3), STORE_OK);
    struct store_upload_view v;
    assert_int_equal(up->view(c, "st1", &v), STORE_OK);
    assert_string_equal(v.status_message, "stream interrupted");
    free(v.integrity_failure);
    /* unknown sizes count 0 bytes */
    insert_session(c, "st2", "stream", "ready", -1);
    int64_t count = 0, bytes = 0;
    assert_int_equal(up->usage(c, "u1", &count, &bytes), STORE_OK);
    assert_int_equal(count, 1);
    assert_int_equal(bytes, 0);
}

static void store_upload_batch_entry_undo(void **state)
{
    struct fixture *f = *state;
    struct store_conn *c = f->c;
    const struct store_upload_ops *up = STORE(c, upload);
    assert_int_equal(store_begin(c), STORE_OK);
    assert_int_equal(up->entry_begin(c), STORE_OK);
    insert_session(c, "b1", "batch", "stored", 1);
    assert_int_equal(up->entry_end(c, false), STORE_OK); /* undone */
    assert_int_equal(up->entry_begin(c), STORE_OK);
    insert_session(c, "b2", "batch", "stored", 1);
    assert_int_equal(up->entry_end(c, true), STORE_OK); /* kept */
    assert_int_equal(store_commit(c), STORE_OK);
    struct store_upload_session s;
    assert_int_equal(up->get(c, "b1", "u1", &s), STORE_NOT_FOUND);
    assert_int_equal(up->get(c, "b2", "u1", &s), STORE_OK);
    /* lazy commits only outside a transaction */
    assert_int_equal(up->lazy_commit(c, true), STORE_OK);
    assert_int_equal(store_begin(c), STORE_OK);
    assert_int_not_equal(up->lazy_commit(c, false), STORE_OK);
    store_rollback(c);
    assert_int_equal(up->lazy_commit(c, false), STORE_OK);
}

/* ---- locks ------------------------------------------------------------------------------------
 */

static void put_lock(struct store_conn *c, const char *node, const char *hash, int64_t expires)
{
    struct store_lock l;
    memset(&l, 0, sizeof(l));
    snprintf(l.node_id, sizeof(l.node_id), "%s", node);
    snprintf(l.token_hash, sizeof(l.token_hash), "%s", hash);
    snprintf(l.user_id, sizeof(l.user_id), "u1");
    l.duration = 60;
    l.acquired = 1;
    l.expires = expires;
    assert_int_equal(STORE(c, lock)->insert(c, "w1", &l), STORE_OK);
}

static bool count_locks(const struct store_lock *l, void *arg)
{
    int *n = arg;
    (*n)++;
    return l->token_hash[0] == 's'; /* stop at a hash starting with 's' */
}

static void store_lock_rows(void **state)
{
    struct fixture *f = *state;
    struct store_conn *c = f->c;
    const struct store_lock_ops *lk = STORE(c, lock);
    assert_int_equal(lk->any_live(c, "w1", 50), STORE_NOT_FOUND);
    /* a folder with two files below it, each locked; a third lock has expired */
    const struct store_node_ops *nd = STORE(c, node);
    assert_int_equal(nd->folder_insert(c, "w1", "d1", NULL, "d", "u1", 1), STORE_OK);
    assert_int_equal(nd->folder_insert(c, "w1", "f1", "d1", "x", "u1", 1), STORE_OK);
    assert_int_equal(nd->folder_insert(c, "w1", "f2", "d1", "y", "u1", 1), STORE_OK);
    put_lock(c, "f1", "hash1", 100);
    put_lock(c, "f2", "stop2", 100);
    put_lock(c, "d1", "old", 10);
    {
        struct store_lock dup;
        memset(&dup, 0, sizeof(dup));
        snprintf(dup.node_id, sizeof(dup.node_id), "f1");
        snprintf(dup.token_hash, sizeof(dup.token_hash), "other");
        snprintf(dup.user_id, sizeof(dup.user_id), "u2");
        dup.duration = 60; /* a valid row but for its key: only the key may refuse it */
        assert_int_equal(lk->insert(c, "w1", &dup), STORE_EXISTS); /* one lock per node */
    }
    assert_int_equal(lk->any_live(c, "w1", 50), STORE_OK);
    assert_int_equal(lk->any_live(c, "w2", 50), STORE_NOT_FOUND);
    assert_int_equal(lk->token_live(c, "w1", "hash1", 50), STORE_OK);
    assert_int_equal(lk->token_live(c, "w1", "hash1", 100), STORE_NOT_FOUND); /* expired */
    assert_int_equal(lk->token_live(c, "w1", "old", 50), STORE_NOT_FOUND);
    struct store_lock l;
    assert_int_equal(lk->get(c, "w1", "f1", 50, &l), STORE_OK);
    assert_string_equal(l.token_hash, "hash1");
    assert_false(l.has_info);
    assert_int_equal(lk->get(c, "w1", "d1", 50, &l), STORE_NOT_FOUND); /* expired = free */
    int n = 0;
    bool stopped = false;
    assert_int_equal(
        lk->each_live(c, "w1", "d1", true, STORE_WALK_LIMIT, 50, count_locks, &n, &stopped),
        STORE_OK);
    assert_true(stopped);
    assert_true(n >= 1 && n <= 2);
    n = 0;
    assert_int_equal(
        lk->each_live(c, "w1", "f1", false, STORE_WALK_LIMIT, 50, count_locks, &n, &stopped),
        STORE_OK);
    assert_false(stopped);
    assert_int_equal(n, 1);
    assert_int_equal(lk->renew(c, "w1", "f1", 60, 500), STORE_OK);
    assert_int_equal(lk->get(c, "w1", "f1", 200, &l), STORE_OK);
    assert_int_equal(l.expires, 500);
    assert_int_equal(lk->sweep(c, "w1", 200), STORE_OK); /* f2 (100) and d1 (10) go */
    assert_int_equal(lk->get(c, "w1", "f2", 50, &l), STORE_NOT_FOUND);
    assert_int_equal(lk->remove(c, "w1", "f1"), STORE_OK);
    assert_int_equal(lk->any_live(c, "w1", 0), STORE_NOT_FOUND);
}

/* ---- nodes ------------------------------------------------------------------------------------
 */

static int name_of(const struct store_node_row *row, void *arg)
{
    snprintf(arg, STORE_NAME_SIZE, "%s", row->name);
    return 0;
}

static void store_node_tree(void **state)
{
    struct fixture *f = *state;
    struct store_conn *c = f->c;
    const struct store_node_ops *nd = STORE(c, node);
    assert_int_equal(nd->folder_insert(c, "w1", "a", NULL, "A", "u1", 1), STORE_OK);
    assert_int_equal(nd->folder_insert(c, "w1", "b", "a", "B", "u1", 1), STORE_OK);
    assert_int_equal(nd->version_insert(c, "v1", 3, "0000000a", "f.txt", "u1", 2), STORE_OK);
    assert_int_equal(
        nd->file_insert(c, "w1", "f", "b", "f.txt", 3, "text/plain", "0000000a", "v1", "u1", 2),
        STORE_OK);
    assert_int_equal(nd->history_add(c, "f", "v1", 2), STORE_OK);

    struct store_node n;
    assert_int_equal(nd->node_get(c, "w1", "f", "a", &n), STORE_OK);
    assert_int_equal(n.depth, 2);
    assert_true(n.has_watch);
    assert_false(n.hidden);
    assert_string_equal(n.parent_id, "b");
    assert_int_equal(nd->node_get(c, "w2", "f", NULL, &n), STORE_NOT_FOUND); /* other ws */

    char id[FIO_OPAQUE_ID_SIZE], type[STORE_TYPE_SIZE];
    assert_int_equal(nd->find_sibling(c, "w1", "b", "f.txt", NULL, id, type), STORE_OK);
    assert_string_equal(type, "file");
    assert_int_equal(nd->find_sibling(c, "w1", "b", "f.txt", "f", id, type), STORE_NOT_FOUND);
    assert_int_equal(nd->find_sibling(c, "w1", NULL, "A", NULL, id, type), STORE_OK);

    int height = -1;
    long count = 0;
    assert_int_equal(nd->subtree_size(c, "w1", "a", &height, &count), STORE_OK);
    assert_int_equal(height, 2);
    assert_int_equal(count, 3);

    char cur[FIO_OPAQUE_ID_SIZE];
    assert_int_equal(nd->version_current(c, "w1", "f", cur), STORE_OK);
    assert_string_equal(cur, "v1");
    assert_int_equal(nd->version_in_history(c, "f", "v1"), STORE_OK);
    assert_int_equal(nd->version_in_history(c, "f", "v9"), STORE_NOT_FOUND);
    assert_int_equal(nd->file_set_content(c, "w2", "f", "v1", 3, "0000000a", 3), STORE_NOT_FOUND);

    /* trash the folder: the file below is hidden, the trash lists the top node only */
    assert_int_equal(nd->node_trash(c, "w1", "a", NULL, 5), STORE_OK);
    assert_int_equal(nd->node_trash(c, "w1", "a", NULL, 5), STORE_NOT_FOUND); /* already */
    assert_int_equal(nd->node_get(c, "w1", "f", NULL, &n), STORE_OK);
    assert_true(n.hidden);
    char name[STORE_NAME_SIZE] = "";
    assert_int_equal(
        nd->list_page(c, "w1", NULL, true, CURSOR_SORT_NAME, false, NULL, 10, name_of, name),
        STORE_OK);
    assert_string_equal(name, "A");

    /* versions named by nodes survive a prune; the purge's become unreferenced */
    char *ids = NULL;
    assert_int_equal(nd->versions_collect(c, "w1", STORE_VERSIONS_TRASH, NULL, &ids), STORE_OK);
    assert_non_null(ids);
    assert_string_equal(ids, "[\"v1\"]");
    char *gone = NULL;
    assert_int_equal(nd->versions_prune(c, ids, 10, &gone), STORE_OK);
    assert_string_equal(gone, "[]"); /* f still names v1 */
    free(gone);
    long purged = 0;
    /* the purge cascades to the descendants through the foreign keys */
    assert_int_equal(db_exec(f->db, "PRAGMA foreign_keys=ON", ""), SQLITE_DONE);
    assert_int_equal(nd->trash_empty(c, "w1", &purged), STORE_OK);
    assert_int_equal(purged, 1);
    assert_int_equal(nd->versions_prune(c, ids, 10, &gone), STORE_OK);
    assert_string_equal(gone, "[\"v1\"]");
    free(gone);
    free(ids);
    assert_int_equal(nd->version_exists(c, "v1"), STORE_NOT_FOUND);
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(store_upload_session_lifecycle, setup, teardown),
    cmocka_unit_test_setup_teardown(store_upload_stream_states, setup, teardown),
    cmocka_unit_test_setup_teardown(store_upload_batch_entry_undo, setup, teardown),
    cmocka_unit_test_setup_teardown(store_lock_rows, setup, teardown),
    cmocka_unit_test_setup_teardown(store_node_tree, setup, teardown),
};
/* clang-format on */

TEST_MAIN(tests)
