/* SPDX-License-Identifier: MIT */
/* sqlite_ops.c - the SQLite backend of struct store_ops (store.h): transactions and the table
 * of per-area operations. The area tables live in the store/sqlite_<area>.c files. */
#include "db.h"
#include "sqlite_util.h"
#include "store.h"
#include "store_lock.h"
#include "store_node.h"
#include "store_upload.h"
#include "store_webimport.h"
#include "store_aichat.h"
#include "store_intel.h"

static struct db_conn *dbc(struct store_conn *c)
{
    return (struct db_conn *)c; /* base is the first member of struct db_conn */
}

static enum store_rc map_rc(int rc)
{
    /* db.c turns on extended result codes: compare primary codes (the low byte), and among
     * constraint failures only a taken unique key is STORE_EXISTS (a foreign key, CHECK or NOT
     * NULL failure is a broken invariant, not a name someone else holds). */
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STORE_BUSY;
    case SQLITE_FULL:
        return STORE_FULL;
    case SQLITE_CONSTRAINT:
        return rc == SQLITE_CONSTRAINT || rc == SQLITE_CONSTRAINT_UNIQUE ||
                       rc == SQLITE_CONSTRAINT_PRIMARYKEY
                   ? STORE_EXISTS
                   : STORE_ERROR;
    default:
        return STORE_ERROR;
    }
}

enum store_rc store_sqlite_rc(int sqlite_rc)
{
    return map_rc(sqlite_rc);
}

static enum store_rc s_begin(struct store_conn *c)
{
    return map_rc(db_begin(dbc(c)));
}

static enum store_rc s_commit(struct store_conn *c)
{
    return map_rc(db_commit(dbc(c)));
}

static void s_rollback(struct store_conn *c)
{
    db_rollback(dbc(c));
}

static bool s_in_txn(const struct store_conn *c)
{
    return ((const struct db_conn *)c)->in_txn;
}

static const char *s_errmsg(struct store_conn *c)
{
    return db_errmsg(dbc(c));
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .begin = s_begin,
    .commit = s_commit,
    .rollback = s_rollback,
    .in_txn = s_in_txn,
    .errmsg = s_errmsg,
    .account = &sqlite_account_ops,
    .oauth = &sqlite_oauth_ops,
    .org = &sqlite_org_ops,
    .workspace = &sqlite_workspace_ops,
    .member = &sqlite_member_ops,
    .event = &sqlite_event_ops,
    .node = &sqlite_node_ops,
    .upload = &sqlite_upload_ops,
    .lock = &sqlite_lock_ops,
    .webimport = &sqlite_webimport_ops,
    .admin = &sqlite_admin_ops,
    .aichat = &sqlite_aichat_ops,
    .intel = &sqlite_intel_ops,
};
