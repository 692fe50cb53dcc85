/* SPDX-License-Identifier: MIT */
/* h_upload_store.c - the shared half of the upload flows (upload.h): session rows, the table of
 * chunks in flight, the workspace check of routes whose workspace comes from a session or a
 * parameter rather than the path, and placing a finished file in the tree with its version. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "activity.h"
#include "router.h"
#include "blob.h"
#include "crc32c.h"
#include "events.h"
#include "store_node.h"
#include "upload.h"

/* ---- chunks in flight --------------------------------------------------------------------- */

#define INFLIGHT_SLOTS 4096 /* > the connection limit (1000): a slot per request suffices */

struct inflight_slot {
    char id[FIO_OPAQUE_ID_SIZE]; /* "" = free */
    int order;
    _Atomic uint64_t gen; /* of the request that owns it; written under mu, read anywhere */
    pthread_mutex_t wmu; /* held by the owner around each write and its row commit */
};

struct upload_state {
    pthread_mutex_t mu;
    uint64_t next_gen;
    struct inflight_slot slots[INFLIGHT_SLOTS];
};

int upload_state_init(struct server *s)
{
    s->up = calloc(1, sizeof(*s->up));
    if (!s->up)
        return -1;
    pthread_mutex_init(&s->up->mu, NULL);
    for (size_t i = 0; i < INFLIGHT_SLOTS; i++)
        pthread_mutex_init(&s->up->slots[i].wmu, NULL);
    return 0;
}

void upload_state_free(struct server *s)
{
    if (!s->up)
        return;
    for (size_t i = 0; i < INFLIGHT_SLOTS; i++)
        pthread_mutex_destroy(&s->up->slots[i].wmu);
    pthread_mutex_destroy(&s->up->mu);
    free(s->up);
    s->up = NULL;
}

static int count_locked(struct upload_state *u, const char *id, int order)
{
    int n = 0;
    for (size_t i = 0; i < INFLIGHT_SLOTS; i++)
        if (u->slots[i].id[0] && strcmp(u->slots[i].id, id) == 0 &&
            (order == 0 || u->slots[i].order == order))
            n++;
    return n;
}

int upload_inflight_take(struct server *s, const char *id, int order, bool takeover, bool *dup,
                         bool *took_over, struct up_ticket *t)
{
    struct upload_state *u = s->up;
    int rc = -1, slot = -1;
    *dup = *took_over = false;
    t->slot = -1;
    pthread_mutex_lock(&u->mu);
    for (size_t i = 0; i < INFLIGHT_SLOTS && slot < 0; i++)
        if (u->slots[i].id[0] && u->slots[i].order == order && strcmp(u->slots[i].id, id) == 0)
            slot = (int)i;
    if (slot >= 0) {
        *dup = true;
        if (takeover) {
            u->slots[slot].gen = ++u->next_gen; /* the earlier owner's checks fail from now on */
            *took_over = true;
            rc = 0;
        }
    } else if (count_locked(u, id, 0) < UP_INFLIGHT_MAX) {
        for (size_t i = 0; i < INFLIGHT_SLOTS; i++) {
            if (!u->slots[i].id[0]) {
                fio_strlcpy(u->slots[i].id, id, sizeof(u->slots[i].id));
                u->slots[i].order = order;
                u->slots[i].gen = ++u->next_gen;
                slot = (int)i;
                rc = 0;
                break;
            }
        }
    }
    if (rc == 0) {
        t->slot = slot;
        t->gen = u->slots[slot].gen;
    }
    pthread_mutex_unlock(&u->mu);
    if (rc == 0 && *took_over) {
        /* Barrier: a write or commit the earlier owner began before the takeover ends first;
         * any later one sees the new generation. (Never held with the table lock above.) */
        pthread_mutex_lock(&u->slots[slot].wmu);
        pthread_mutex_unlock(&u->slots[slot].wmu);
    }
    return rc;
}

void upload_inflight_put(struct server *s, struct up_ticket *t)
{
    struct upload_state *u = s->up;
    if (t->slot < 0)
        return;
    pthread_mutex_lock(&u->mu);
    if (u->slots[t->slot].gen == t->gen)
        u->slots[t->slot].id[0] = 0;
    pthread_mutex_unlock(&u->mu);
    t->slot = -1;
}

bool upload_slot_lock(struct server *s, const struct up_ticket *t)
{
    struct upload_state *u = s->up;
    if (t->slot < 0)
        return true; /* no slot (single and batch uploads): nothing to guard */
    /* No table lock on this path (every piece of every chunk): a takeover stores the new
     * generation before its barrier on wmu, so once wmu is ours the stored value is visible. */
    pthread_mutex_lock(&u->slots[t->slot].wmu);
    bool own = atomic_load(&u->slots[t->slot].gen) == t->gen;
    if (!own)
        pthread_mutex_unlock(&u->slots[t->slot].wmu);
    return own;
}

void upload_slot_unlock(struct server *s, const struct up_ticket *t)
{
    if (t->slot >= 0)
        pthread_mutex_unlock(&s->up->slots[t->slot].wmu);
}

int upload_inflight_count(struct server *s, const char *id, int order)
{
    pthread_mutex_lock(&s->up->mu);
    int n = count_locked(s->up, id, order);
    pthread_mutex_unlock(&s->up->mu);
    return n;
}

/* ---- sessions ------------------------------------------------------------------------------ */

int up_session_load(struct store_conn *c, const char *id, const char *user_id,
                    struct store_upload_session *out)
{
    char nid[FIO_OPAQUE_ID_SIZE], type[3];
    if (!id || !fio_opaque_id_normalize(id, strlen(id), nid) ||
        !fio_opaque_id_type(nid, type, NULL) || strcmp(type, FIO_ID_UPLOAD) != 0)
        return 0;
    enum store_rc rc = STORE(c, upload)->get(c, nid, user_id, out);
    return rc == STORE_OK ? 1 : rc == STORE_NOT_FOUND ? 0 : -1;
}

void up_note(struct req *r, const char *upload_id)
{
    char key[ACTIVITY_KEY_MAX];
    int w = snprintf(key, sizeof(key), "upload:%s", upload_id);
    if (!r->caller.authed || w < 0 || (size_t)w >= sizeof(key))
        return;
    bool had_error = r->err.http != 0;
    if (activity_note(r, r->caller.user_id, key) != 0 && !had_error) {
        /* out of memory: the note is dropped, the committed change still answers */
        r->err.http = 0;
        r->err.code = 0;
        r->err.text[0] = 0;
    }
}

int up_ws_enter(struct req *r, const char *key, enum role need, bool write)
{
    if (!key || !*key)
        return req_fail_param(r, "instance_id", "missing",
                              "The parameter 'instance_id' is required");
    return router_ws_enter(r, key, need, false, write);
}

int up_check_folder(struct req *r, const char *param, char out[FIO_OPAQUE_ID_SIZE])
{
    bool is_root = false;
    out[0] = 0;
    if (!param || !*param)
        return 0;
    if (tree_parse_id(r, param, "folder_id", &is_root, out) != 0)
        return -1;
    if (is_root) {
        out[0] = 0;
        return 0;
    }
    struct store_node f;
    int rc = tree_node_get(r, out, NULL, &f);
    if (rc < 0)
        return -1;
    if (rc == 0 || f.hidden)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Folder not found");
    if (strcmp(f.type, "folder") != 0)
        return req_fail_param(r, "folder_id", "invalid", "The node '%s' is not a folder", f.id);
    if (f.depth + 1 >= TREE_MAX_DEPTH)
        return req_fail_param(r, "folder_id", "invalid", "Folders nest at most %d levels deep",
                              TREE_MAX_DEPTH);
    return 0;
}

int up_check_file(struct req *r, const char *param, char out[FIO_OPAQUE_ID_SIZE])
{
    bool is_root = false;
    if (tree_parse_id(r, param, "file_id", &is_root, out) != 0)
        return -1;
    if (is_root)
        return req_fail_param(r, "file_id", "invalid", "The root is not a file");
    struct store_node n;
    int rc = tree_node_get(r, out, NULL, &n);
    if (rc < 0)
        return -1;
    if (rc == 0 || n.hidden)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "File not found");
    if (strcmp(n.type, "file") != 0)
        return req_fail_param(r, "file_id", "invalid", "The node '%s' is not a file", n.id);
    return 0;
}

/* A MIME type from the name's extension (a small table; unknown = octet-stream). */
static const char *mime_of(const char *name)
{
    static const char *const map[][2] = {
        {"txt", "text/plain"},        {"md", "text/markdown"},    {"csv", "text/csv"},
        {"json", "application/json"}, {"pdf", "application/pdf"}, {"png", "image/png"},
        {"jpg", "image/jpeg"},        {"jpeg", "image/jpeg"},     {"gif", "image/gif"},
        {"webp", "image/webp"},       {"svg", "image/svg+xml"},   {"html", "text/html"},
        {"zip", "application/zip"},   {"gz", "application/gzip"}, {"mp4", "video/mp4"},
        {"mp3", "audio/mpeg"},        {"wav", "audio/wav"},       {"xml", "application/xml"},
    };
    const char *dot = strrchr(name, '.');
    if (dot && dot != name)
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
            if (strcasecmp(dot + 1, map[i][0]) == 0)
                return map[i][1];
    return "application/octet-stream";
}

int up_lock_param(struct req *r, const char *folder, const char *file_id, const char *name,
                  char hash[STORE_LOCK_HASH_SIZE])
{
    if (tree_lock_param_hash(r, hash) != 0)
        return -1;
    char sid[FIO_OPAQUE_ID_SIZE], stype[STORE_TYPE_SIZE];
    if (file_id && *file_id)
        return tree_check_lock_hash(r, file_id, hash);
    int rc = tree_find_sibling(r, folder && *folder ? folder : NULL, name, NULL, sid, stype);
    if (rc < 0)
        return -1;
    return rc == 1 && strcmp(stype, "file") == 0 ? tree_check_lock_hash(r, sid, hash) : 0;
}

int up_place_file(struct req *r, const char *folder, const char *file_id, const char *name,
                  const char *vid, int64_t size, uint32_t crc, char node_id[FIO_OPAQUE_ID_SIZE])
{
    char hash[STORE_LOCK_HASH_SIZE];
    if (tree_lock_param_hash(r, hash) != 0)
        return -1;
    return up_place_file_locked(r, folder, file_id, name, vid, size, crc, hash, node_id);
}

int up_place_file_locked(struct req *r, const char *folder, const char *file_id, const char *name,
                         const char *vid, int64_t size, uint32_t crc, const char *lock_hash,
                         char node_id[FIO_OPAQUE_ID_SIZE])
{
    int64_t now = srv_now_us();
    char hex[FIO_CRC32C_HEX_SIZE];
    fio_crc32c_hex(crc, hex);
    char target[FIO_OPAQUE_ID_SIZE] = "";
    char final[STORE_NAME_SIZE];
    fio_strlcpy(final, name, sizeof(final));
    if (file_id && *file_id) {
        /* action=update: the file must still be live (checked again inside this transaction) */
        if (up_check_file(r, file_id, target) != 0)
            return -1;
    } else {
        char sid[FIO_OPAQUE_ID_SIZE], stype[STORE_TYPE_SIZE];
        int rc = tree_find_sibling(r, folder, name, NULL, sid, stype);
        if (rc < 0)
            return -1;
        if (rc == 1 && strcmp(stype, "file") == 0)
            fio_strlcpy(target, sid, sizeof(target)); /* api §4.4: same name = new version */
        else if (rc == 1 && tree_free_name(r, folder, name, "file", final) != 0)
            return -1; /* a folder, note or link of that name: the upload is renamed */
    }
    /* a new version of a locked file needs the lock's token, checked here, inside the
     * transaction that writes the version (storage.h, docs/decisions.md "Locks") */
    if (target[0] && tree_check_lock_hash(r, target, lock_hash) != 0)
        return -1;
    bool replaced = target[0] != 0;
    const struct store_node_ops *nd = STORE(r->st, node);
    if (nd->version_insert(r->st, vid, size, hex, final, r->caller.user_id, now) != STORE_OK)
        return req_fail_internal(r, "insert version");
    if (target[0]) {
        if (nd->file_set_content(r->st, r->ws.id, target, vid, size, hex, now) != STORE_OK)
            return req_fail_internal(r, "update node version");
    } else {
        if (!fio_opaque_id_new(FIO_ID_NODE, target))
            return req_fail_internal(r, "node id");
        if (nd->file_insert(r->st, r->ws.id, target, folder, final, size, mime_of(final), hex, vid,
                            r->caller.user_id, now) != STORE_OK)
            return req_fail_internal(r, "insert file node");
    }
    if (nd->history_add(r->st, target, vid, now) != STORE_OK)
        return req_fail_internal(r, "insert version history");
    /* audit log + activity ("storage", "storage:{node}"), in this same transaction */
    if (events_record(r, "node", "upload",
                      replaced ? "workspace_storage_file_updated" : "workspace_storage_file_added",
                      target, json_pack("{s:s, s:s}", "name", final, "version_id", vid)) != 0)
        return -1;
    memcpy(node_id, target, FIO_OPAQUE_ID_SIZE);
    return 0;
}

/* store_chunk_fn of the details: chunks[order] = size. */
struct chunk_map {
    json_t *o;
    bool failed; /* out of memory: the walk stopped */
};

static int chunk_size_json(const struct store_upload_chunk *ch, void *arg)
{
    struct chunk_map *m = arg;
    char key[24];
    snprintf(key, sizeof(key), "%lld", (long long)ch->order);
    m->failed = json_object_set_new(m->o, key, json_integer(ch->size)) != 0;
    return m->failed;
}

/* A text column that may be NULL ("" in the row). */
static json_t *str_or_null(const char *s)
{
    return *s ? json_string(s) : json_null();
}

json_t *up_session_json(struct req *r, const char *id, bool with_chunks)
{
    struct store_upload_view v;
    enum store_rc rc = STORE(r->st, upload)->view(r->st, id, &v);
    if (rc != STORE_OK) {
        req_fail_internal(r, rc == STORE_NOT_FOUND ? "session json: missing" : "session json");
        return NULL;
    }
    const struct store_upload_session *s = &v.s;
    json_t *integ = v.integrity_failure ? json_loads(v.integrity_failure, 0, NULL) : NULL;
    free(v.integrity_failure);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:b}",
        "id", s->id, "name", s->name, "type", s->kind, "size", (json_int_t)s->size, "max_size",
        (json_int_t)s->max_size, "chunk_size", (json_int_t)s->chunk_size, "status", s->status,
        "status_message", v.status_message, "file_crc32c", str_or_null(s->file_crc32c),
        "new_file_id", str_or_null(s->new_file_id), "instance_id", s->ws_id, "folder_id",
        json_string(s->folder_id[0] ? s->folder_id : "root"), "file_id", str_or_null(s->file_id),
        "created", srv_time_json(v.created), "updated", srv_time_json(v.updated), "expires",
        srv_time_json(v.expires), "stream", strcmp(s->kind, "stream") == 0);
    if (o && integ)
        json_object_set_new(o, "integrity_failure", integ);
    else
        json_decref(integ);
    if (!o) {
        req_fail_internal(r, "session json: out of memory");
        return NULL;
    }
    if (with_chunks) {
        json_t *chunks = json_object();
        struct chunk_map m = {.o = chunks, .failed = false};
        bool ok = chunks &&
                  STORE(r->st, upload)->chunks_each(r->st, id, 0, 100000, chunk_size_json, &m) ==
                      STORE_OK &&
                  !m.failed;
        if (!ok || json_object_set_new(o, "chunks", chunks) != 0) {
            if (!ok)
                json_decref(chunks);
            json_decref(o);
            req_fail_internal(r, "session chunks");
            return NULL;
        }
    }
    return o;
}
