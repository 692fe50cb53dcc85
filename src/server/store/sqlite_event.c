/* SPDX-License-Identifier: MIT */
/* sqlite_event.c - the SQLite statements of the event area (store_event.h): the events table. */
#include <stdio.h>

#include "buf.h"
#include "sqlite_util.h"
#include "store_event.h"

static enum store_rc insert(struct store_conn *c, const struct store_event_new *e)
{
    return sq_exec_rc(
        db_exec(sq(c),
                "INSERT INTO events(id, seq, created, category, subcategory, event, org_id, "
                "workspace_id, user_id, calling_user_id, object_id, details) VALUES (?1, "
                "(SELECT COALESCE(MAX(seq), 0) + 1 FROM events), ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                "?9, ?10, ?11)",
                "tittttttttt", e->id, e->created, e->category, e->subcategory, e->event, e->org_id,
                e->workspace_id, e->user_id, e->calling_user_id, e->object_id, e->details));
}

#define EVENT_COLS                                                                                 \
    "id, created, category, subcategory, event, org_id, workspace_id, user_id, calling_user_id, "  \
    "object_id, details, acknowledged"

/* Optional filters are bound as text or NULL so one statement serves every combination. */
#define EVENT_WHERE                                                                                \
    " FROM events WHERE (?1 IS NULL OR workspace_id = ?1) AND (?2 IS NULL OR org_id = ?2) AND "    \
    "(?3 IS NULL OR user_id = ?3 OR calling_user_id = ?3) AND (?4 IS NULL OR event = ?4) AND "     \
    "(?5 IS NULL OR category = ?5) AND (?6 IS NULL OR subcategory = ?6) AND (?7 IS NULL OR "       \
    "calling_user_id = ?7) AND (?8 IS NULL OR object_id = ?8) AND (?9 IS NULL OR acknowledged = "  \
    "CAST(?9 AS INTEGER)) AND (?10 IS NULL OR created >= CAST(?10 AS INTEGER)) AND (?11 IS NULL "  \
    "OR created <= CAST(?11 AS INTEGER))"

struct bounds {
    char min[24], max[24];
    const char *ack, *pmin, *pmax;
};

static void bounds_of(const struct store_event_filter *f, struct bounds *b)
{
    b->ack = f->has_ack ? (f->ack ? "1" : "0") : NULL;
    (void)snprintf(b->min, sizeof(b->min), "%lld", (long long)f->min);
    (void)snprintf(b->max, sizeof(b->max), "%lld", (long long)f->max);
    b->pmin = f->has_min ? b->min : NULL;
    b->pmax = f->has_max ? b->max : NULL;
}

static enum store_rc count(struct store_conn *c, const struct store_event_filter *f, long long *n)
{
    struct bounds b;
    bounds_of(f, &b);
    return sq_count(db_query(sq(c), "SELECT COUNT(*)" EVENT_WHERE, "ttttttttttt", f->workspace_id,
                             f->org_id, f->user_id, f->event, f->category, f->subcategory,
                             f->calling_user_id, f->object_id, b.ack, b.pmin, b.pmax),
                    n);
}

static enum store_rc list(struct store_conn *c, const struct store_event_filter *f, long long limit,
                          long long offset, json_t **rows)
{
    struct bounds b;
    bounds_of(f, &b);
    return sq_collect(
        db_query(sq(c), "SELECT " EVENT_COLS EVENT_WHERE " ORDER BY seq DESC LIMIT ?12 OFFSET ?13",
                 "tttttttttttii", f->workspace_id, f->org_id, f->user_id, f->event, f->category,
                 f->subcategory, f->calling_user_id, f->object_id, b.ack, b.pmin, b.pmax,
                 (int64_t)limit, (int64_t)offset),
        sq_row_object, rows);
}

static enum store_rc get(struct store_conn *c, const char *id, json_t **row)
{
    return sq_one_object(
        db_query(sq(c), "SELECT " EVENT_COLS " FROM events WHERE id = ?1", "t", id), row);
}

static enum store_rc ack(struct store_conn *c, const char *id)
{
    return sq_exec_rc(db_exec(sq(c), "UPDATE events SET acknowledged = 1 WHERE id = ?1", "t", id));
}

const struct store_event_ops sqlite_event_ops = {
    .insert = insert,
    .count = count,
    .list = list,
    .get = get,
    .ack = ack,
};
