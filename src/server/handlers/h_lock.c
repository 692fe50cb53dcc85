/* SPDX-License-Identifier: MIT */
/* h_lock.c - exclusive file locks (api §7, docs/decisions.md "Locks"): acquire, status,
 * heartbeat and release, and the one check every write to a file goes through
 * (tree_check_lock, storage.h). A lock is a row of the locks table (schema.sql migration 5)
 * holding the SHA-256 of a 256-bit token; the token itself is shown once, to the acquirer.
 * Expired rows are free locks: every reader ignores them, and acquire deletes them. */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "b64.h"
#include "rand.h"
#include "storage.h"
#include "store_lock.h"

#define LOCK_DURATION_MIN 60 /* api §7: 60-3600 s */
#define LOCK_DURATION_MAX 3600
#define LOCK_DURATION_DEFAULT 300 /* not in the contract; its emulator suggestion */
#define LOCK_CLIENT_INFO_MAX STORE_LOCK_INFO_MAX /* bytes of compact JSON */
#define LOCK_TOKEN_PREFIX "fio_l_"
#define LOCK_TOKEN_RAW 32 /* 256 random bits */
#define LOCK_TOKEN_SIZE 64
#define LOCK_HASH_HEX STORE_LOCK_HASH_SIZE

static void token_hash(const char *tok, char out[LOCK_HASH_HEX])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(tok, strlen(tok), md, &n, EVP_sha256(), NULL);
    fio_hex_encode(md, sizeof(md), out);
}

/* Real microseconds a lock of `duration` seconds lasts (--lock-time-scale divides it). */
static int64_t lock_span_us(struct req *r, long duration)
{
    long scale = r->srv->cfg.lock_time_scale > 0 ? r->srv->cfg.lock_time_scale : 1;
    return (int64_t)duration * 1000000 / scale;
}

/* The live lock of node id in r->ws: 1 (filled), 0 (none or expired), -1 (500 set). */
static int lock_load(struct req *r, const char *id, struct store_lock *l)
{
    enum store_rc rc = STORE(r->st, lock)->get(r->st, r->ws.id, id, srv_now_us(), l);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return req_fail_internal(r, "lock lookup");
    return rc == STORE_OK;
}

/* ---- rendering ----------------------------------------------------------------------------- */

/* client_info as stored (compact JSON object text), or null. */
static json_t *client_info_json(bool has, const char *text)
{
    if (!has)
        return json_null();
    json_t *v = json_loads(text, 0, NULL);
    return v ? v : json_null();
}

/* {locked, locked_by{id, email}, acquired, expires, expires_in_ms, duration, client_info}.
 * expires_in_ms is real time left by the server's clock: what a heartbeat schedules by (it
 * stays right under --lock-time-scale, where "duration" does not). */
static json_t *info_build(const char *user, const char *email, int64_t acquired, int64_t expires,
                          long duration, bool has_info, const char *info)
{
    int64_t left = (expires - srv_now_us()) / 1000;
    json_t *by = json_pack("{s:s}", "id", user);
    if (by && *email && json_object_set_new(by, "email", json_string(email)) != 0) {
        json_decref(by);
        by = NULL;
    }
    return json_pack("{s:b, s:o, s:o, s:o, s:I, s:I, s:o}", "locked", 1, "locked_by", by,
                     "acquired", srv_time_json(acquired), "expires", srv_time_json(expires),
                     "expires_in_ms", (json_int_t)(left > 0 ? left : 0), "duration",
                     (json_int_t)duration, "client_info", client_info_json(has_info, info));
}

json_t *tree_lock_info_json(const struct store_lock *l)
{
    if (!l)
        return json_null();
    return info_build(l->user_id, l->email, l->acquired, l->expires, l->duration, l->has_info,
                      l->client_info);
}

/* The lock object of the replies: node_id + info_build(). */
static json_t *lock_json(const struct store_lock *l)
{
    json_t *o = info_build(l->user_id, l->email, l->acquired, l->expires, l->duration,
                           l->has_info, l->client_info);
    if (o && json_object_set_new(o, "node_id", json_string(l->node_id)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *unlocked_json(const char *node_id)
{
    return json_pack("{s:s, s:b}", "node_id", node_id, "locked", 0);
}

/* Refuse with 409 / 1660: the current holder (l, may be NULL = not locked) goes into the error
 * body as top-level keys (locked, locked_by, expires, client_info, ...), rendered by http.c. */
static int lock_refuse(struct req *r, const char *node_id, const struct store_lock *l,
                       const char *text)
{
    json_t *o = l ? lock_json(l) : unlocked_json(node_id);
    if (!o)
        return req_fail(r, 500, 0, "Out of memory");
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (req_set(r, k, json_incref(v)) != 0) {
            json_decref(o);
            return -1;
        }
    }
    json_decref(o);
    return req_fail(r, 409, API_ERR_CONFLICT, "%s", text);
}

/* ---- the write check (storage.h) ---------------------------------------------------------- */

int tree_lock_param_hash(struct req *r, char out[STORE_LOCK_HASH_SIZE])
{
    bool bad;
    const char *tok = tree_param(r, "lock_token", &bad);
    out[0] = 0;
    if (bad)
        return -1;
    if (tok && *tok)
        token_hash(tok, out);
    return 0;
}

/* each_live visitor: stop at the first lock that is not the writer's own token. */
struct other_lock {
    const char *hash; /* the writer's token hash, "" = none */
    struct store_lock found;
};

static bool stop_at_other(const struct store_lock *l, void *arg)
{
    struct other_lock *o = arg;
    const char *h = l->token_hash;
    if (o->hash[0] && strlen(h) == LOCK_HASH_HEX - 1 &&
        CRYPTO_memcmp(h, o->hash, LOCK_HASH_HEX - 1) == 0)
        return false; /* locked by the caller's own token */
    o->found = *l;
    return true;
}

/* hash: the SHA-256 hex of the writer's lock_token, "" = none. */
static int check_locks_hash(struct req *r, const char *id, bool tree, const char *hash)
{
    bool have = hash[0] != 0;
    int64_t now = srv_now_us();
    const struct store_lock_ops *lk = STORE(r->st, lock);
    enum store_rc rc;
    if (have) {
        /* A token must be live: a writer whose lock expired must not write (lost update). */
        rc = lk->token_live(r->st, r->ws.id, hash, now);
        if (rc != STORE_OK && rc != STORE_NOT_FOUND)
            return req_fail_internal(r, "lock token lookup");
        if (rc == STORE_NOT_FOUND) {
            struct store_lock l;
            int held = lock_load(r, id, &l);
            if (held < 0)
                return -1;
            return lock_refuse(r, id, held ? &l : NULL,
                               "The lock token has expired or is not valid; acquire the lock "
                               "again and re-read the file before writing");
        }
    } else {
        /* Fast path: no live lock in the workspace at all. */
        rc = lk->any_live(r->st, r->ws.id, now);
        if (rc == STORE_NOT_FOUND)
            return 0;
        if (rc != STORE_OK)
            return req_fail_internal(r, "lock scan");
    }
    struct other_lock o = {.hash = hash};
    bool refused = false;
    rc = lk->each_live(r->st, r->ws.id, id, tree, STORE_WALK_LIMIT, now, stop_at_other, &o,
                       &refused);
    if (rc != STORE_OK)
        return req_fail_internal(r, "lock check");
    if (!refused)
        return 0;
    return lock_refuse(r, o.found.node_id, &o.found,
                       have ? "The file is locked by another lock; this lock_token is not its "
                              "token"
                            : "The file is locked; only the lock holder can change it (pass "
                              "lock_token)");
}

static int check_locks(struct req *r, const char *id, bool tree)
{
    char hash[LOCK_HASH_HEX];
    if (tree_lock_param_hash(r, hash) != 0)
        return -1;
    return check_locks_hash(r, id, tree, hash);
}

int tree_check_lock(struct req *r, const char *id)
{
    return check_locks(r, id, false);
}

int tree_check_lock_hash(struct req *r, const char *id, const char *token_hash_hex)
{
    return check_locks_hash(r, id, false, token_hash_hex ? token_hash_hex : "");
}

int tree_check_lock_tree(struct req *r, const char *id)
{
    return check_locks(r, id, true);
}

/* ---- handlers ------------------------------------------------------------------------------ */

/* The {node} of a lock route: a live file of r->ws (folders, notes, links: 400; else 404). */
static int lock_node(struct req *r, struct store_node *n)
{
    bool is_root;
    char id[FIO_OPAQUE_ID_SIZE];
    if (tree_parse_id(r, req_arg(r, 1), "node", &is_root, id) != 0)
        return -1;
    if (is_root)
        return req_fail_param(r, "node", "invalid", "The root folder cannot be locked");
    int rc = tree_node_get(r, id, NULL, n);
    if (rc < 0)
        return -1;
    if (rc == 0 || n->hidden)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Node not found");
    if (strcmp(n->type, "file") != 0)
        return req_fail_param(r, "node", "invalid", "Only files can be locked (this is a %s)",
                              n->type);
    return 0;
}

/* client_info: absent / "" / "null" = none; otherwise a JSON object of at most 4 KiB (compact),
 * stored re-serialised. *out owned (free()) or NULL. */
static int client_info_param(struct req *r, char **out)
{
    bool bad;
    *out = NULL;
    const char *v = tree_param(r, "client_info", &bad);
    if (bad)
        return -1;
    if (!v || !*v || strcmp(v, "null") == 0)
        return 0;
    if (strlen(v) > 4 * LOCK_CLIENT_INFO_MAX)
        return req_fail_param(r, "client_info", "invalid",
                              "client_info is longer than %d bytes", LOCK_CLIENT_INFO_MAX);
    json_error_t je;
    json_t *j = json_loads(v, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(j)) {
        json_decref(j);
        return req_fail_param(r, "client_info", "invalid", "client_info must be a JSON object");
    }
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s)
        return req_fail(r, 500, 0, "Out of memory");
    if (strlen(s) > LOCK_CLIENT_INFO_MAX) {
        free(s);
        return req_fail_param(r, "client_info", "invalid",
                              "client_info is longer than %d bytes", LOCK_CLIENT_INFO_MAX);
    }
    *out = s;
    return 0;
}

/* POST …/storage/{node}/lock/ (api §7). */
int h_lock_acquire(struct req *r)
{
    struct store_node n;
    long long duration;
    char *info = NULL;
    if (lock_node(r, &n) != 0 ||
        !req_param_int(r, "duration", LOCK_DURATION_MIN, LOCK_DURATION_MAX,
                       LOCK_DURATION_DEFAULT, &duration) ||
        client_info_param(r, &info) != 0)
        return -1;
    int ret = -1;
    int64_t now = srv_now_us();
    struct store_lock l;
    /* Expired locks free themselves: sweep this workspace's before looking. */
    if (STORE(r->st, lock)->sweep(r->st, r->ws.id, now) != STORE_OK) {
        req_fail_internal(r, "lock sweep");
        goto done;
    }
    int held = lock_load(r, n.id, &l);
    if (held < 0)
        goto done;
    if (held) { /* not re-entrant: the token, not the user, is the holder */
        lock_refuse(r, n.id, &l, "The file is already locked");
        goto done;
    }
    unsigned char raw[LOCK_TOKEN_RAW];
    char enc[48], tok[LOCK_TOKEN_SIZE], hash[LOCK_HASH_HEX];
    if (!fio_random_bytes(raw, sizeof(raw))) {
        req_fail_internal(r, "lock token randomness");
        goto done;
    }
    fio_b64url_encode(raw, sizeof(raw), enc, sizeof(enc));
    explicit_bzero(raw, sizeof(raw));
    snprintf(tok, sizeof(tok), LOCK_TOKEN_PREFIX "%s", enc);
    token_hash(tok, hash);
    memset(&l, 0, sizeof(l));
    fio_strlcpy(l.node_id, n.id, sizeof(l.node_id));
    fio_strlcpy(l.token_hash, hash, sizeof(l.token_hash));
    fio_strlcpy(l.user_id, r->caller.user_id, sizeof(l.user_id));
    fio_strlcpy(l.email, r->caller.email, sizeof(l.email));
    l.has_info = info != NULL;
    if (info)
        fio_strlcpy(l.client_info, info, sizeof(l.client_info));
    l.duration = (long)duration;
    l.acquired = now;
    l.expires = now + lock_span_us(r, (long)duration);
    if (STORE(r->st, lock)->insert(r->st, r->ws.id, &l) != STORE_OK) {
        req_fail_internal(r, "lock insert");
        goto done;
    }
    json_t *o = lock_json(&l);
    if (o && json_object_set_new(o, "lock_token", json_string(tok)) != 0) {
        json_decref(o);
        o = NULL;
    }
    explicit_bzero(tok, sizeof(tok));
    ret = req_set(r, "lock", o);
done:
    free(info);
    return ret;
}

/* GET …/storage/{node}/lock/ */
int h_lock_status(struct req *r)
{
    struct store_node n;
    struct store_lock l;
    if (lock_node(r, &n) != 0)
        return -1;
    int held = lock_load(r, n.id, &l);
    if (held < 0)
        return -1;
    return req_set(r, "lock", held ? lock_json(&l) : unlocked_json(n.id));
}

/* The lock of the {node} of a heartbeat / release, which the request's lock_token must match.
 * 0 with *l filled, or -1 (400 no token, 409 not locked / other token, ...). */
static int held_by_token(struct req *r, struct store_node *n, struct store_lock *l)
{
    if (lock_node(r, n) != 0)
        return -1;
    bool bad;
    const char *tok = tree_param(r, "lock_token", &bad);
    if (bad)
        return -1;
    if (!tok || !*tok)
        return req_fail_param(r, "lock_token", "missing", "The parameter 'lock_token' is required");
    int held = lock_load(r, n->id, l);
    if (held < 0)
        return -1;
    if (!held)
        return lock_refuse(r, n->id, NULL,
                           "The file is not locked: the lock expired or was released");
    char hash[LOCK_HASH_HEX];
    token_hash(tok, hash);
    if (strlen(l->token_hash) != LOCK_HASH_HEX - 1 ||
        CRYPTO_memcmp(l->token_hash, hash, LOCK_HASH_HEX - 1) != 0)
        return lock_refuse(r, n->id, l, "The lock token does not match the lock on this file");
    return 0;
}

/* POST …/storage/{node}/lock/heartbeat/ with lock_token: the lock lasts its duration again. */
int h_lock_heartbeat(struct req *r)
{
    struct store_node n;
    struct store_lock l;
    if (held_by_token(r, &n, &l) != 0)
        return -1;
    int64_t now = srv_now_us();
    l.expires = now + lock_span_us(r, l.duration);
    if (STORE(r->st, lock)->renew(r->st, r->ws.id, n.id, now, l.expires) != STORE_OK)
        return req_fail_internal(r, "lock renew");
    return req_set(r, "lock", lock_json(&l));
}

/* DELETE …/storage/{node}/lock/ with lock_token in the form body. */
int h_lock_release(struct req *r)
{
    struct store_node n;
    struct store_lock l;
    if (held_by_token(r, &n, &l) != 0)
        return -1;
    if (STORE(r->st, lock)->remove(r->st, r->ws.id, n.id) != STORE_OK)
        return req_fail_internal(r, "lock release");
    if (req_set(r, "released", json_true()) != 0)
        return -1;
    return req_set(r, "lock", unlocked_json(n.id));
}
