/* SPDX-License-Identifier: MIT */
/* h_ai.c - AI chat (api §8.2, §8.3; docs/server.md "AI chat"; D-105..D-109): chats and their
 * messages under /workspace/{ws}/ai/agent/ (and the legacy /ai/chat/ paths), token
 * transactions. The answers are composed in the background by intel/chat.c. */
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "handlers.h"
#include "name.h"
#include "router.h"
#include "store_aichat.h"
#include "store_node.h"
#include "store_workspace.h"

#define AI_ID_CHAT "9" /* AiJob (api §1.7) */
#define AI_ID_MSG "a"  /* General */

/* ---- wire objects ------------------------------------------------------------------------- */

/* A normalised scope array ([{type, id, version_id}]) in the contract's item shape (api §8.2). */
static json_t *refs_wire(const char *text)
{
    json_error_t je;
    json_t *in = json_loads(text ? text : "[]", 0, &je);
    json_t *out = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(in, i, it)
    {
        const char *type = json_string_value(json_object_get(it, "type"));
        const char *id = json_string_value(json_object_get(it, "id"));
        const char *ver = json_string_value(json_object_get(it, "version_id"));
        if (!type || !id)
            continue;
        json_t *o = strcmp(type, "folder") == 0
                        ? json_pack("{s:s, s:s, s:{s:s}}", "type", "folder", "id", id,
                                    "folder_details", "node_id", id)
                        : json_pack("{s:s, s:s, s:{s:s, s:s}}", "type", "file", "id", id,
                                    "file_details", "node_id", id, "version_id", ver ? ver : "");
        json_array_append_new(out, o);
    }
    json_decref(in);
    return out;
}

static json_t *get(json_t *row, const char *k)
{
    return json_object_get(row, k);
}

static json_t *time_of(json_t *row, const char *k)
{
    return srv_time_json(json_integer_value(get(row, k)));
}

/* A chat row (store chat_view) as the wire object. Steals row. */
static json_t *chat_json(json_t *row)
{
    if (!row)
        return NULL;
    json_t *o = json_pack(
        "{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:{s:O}, s:O, s:b, s:o, s:o, s:O, s:O, s:O, s:o, "
        "s:o}",
        "id", get(row, "id"), "chat_id", get(row, "id"), "thread_id", get(row, "id"), "name",
        get(row, "name"), "privacy", get(row, "privacy"), "kind", get(row, "kind"), "workspace_id",
        get(row, "workspace_id"), "creator", "id", get(row, "user_id"), "user_id",
        get(row, "user_id"), "deleted", json_integer_value(get(row, "deleted")) != 0, "created",
        time_of(row, "created"), "updated", time_of(row, "updated"), "message_count",
        get(row, "message_count"), "last_message_id", get(row, "last_message_id"), "last_state",
        get(row, "last_state"), "references", refs_wire(json_string_value(get(row, "refs"))),
        "subjects", refs_wire(json_string_value(get(row, "subjects"))));
    json_decref(row);
    return o;
}

/* A message row (store msg_view) as the wire object (api §8.2 "Message details"). Steals row. */
static json_t *msg_json(json_t *row)
{
    if (!row)
        return NULL;
    json_error_t je;
    const char *state = json_string_value(get(row, "state"));
    json_t *cits = json_loads(json_string_value(get(row, "citations")), 0, &je);
    if (!cits)
        cits = json_array();
    json_t *o = json_pack(
        "{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:{s:O, s:O}, s:O, s:[], s:O, "
        "s:O, s:b, s:O, s:O, s:{s:O}, s:o, s:o, s:o, s:o}",
        "id", get(row, "id"), "message_id", get(row, "id"), "turn_id", get(row, "id"), "chat_id",
        get(row, "chat_id"), "thread_id", get(row, "chat_id"), "seq", get(row, "seq"), "state",
        get(row, "state"), "status", get(row, "state"), "user_message", get(row, "question"),
        "text", get(row, "answer"), "answer", get(row, "answer"), "response", "text",
        get(row, "answer"), "citations", cits, "citations", cits, "actions", "engine",
        get(row, "engine"), "engine_note", get(row, "engine_note"), "canceled",
        json_integer_value(get(row, "canceled")) != 0, "tokens", get(row, "tokens"), "attempts",
        get(row, "attempts"), "creator", "id", get(row, "user_id"), "references",
        refs_wire(json_string_value(get(row, "refs"))), "subjects",
        refs_wire(json_string_value(get(row, "subjects"))), "created", time_of(row, "created"),
        "updated", time_of(row, "updated"));
    if (o && state && strcmp(state, "needs_input") == 0) {
        json_t *q = get(row, "clarification");
        json_object_set_new(o, "clarification",
                            json_pack("{s:s, s:O}", "type", "question", "question", q));
    }
    if (o && state && strcmp(state, "errored") == 0)
        json_object_set(o, "error_message", get(row, "error"));
    json_decref(cits);
    json_decref(row);
    return o;
}

/* ---- ids, chats, access ------------------------------------------------------------------- */

static bool opaque(const char *v, const char *type, char out[FIO_OPAQUE_ID_SIZE])
{
    char t[3];
    return v && fio_opaque_id_normalize(v, strlen(v), out) && fio_opaque_id_type(out, t, NULL) &&
           strcmp(t, type) == 0;
}

enum chat_access { CHAT_READ, CHAT_WRITE };

/* Chat {chat} (path argument 1) of r->ws into ch (cleared by the caller in every case). A chat
 * of another workspace, a private chat of another user and (writes) a deleted chat are 404; a
 * public chat of another user is read-only (403 / 1670). 0, or -1 with the error set. */
static int load_chat(struct req *r, enum chat_access acc, struct store_aichat *ch)
{
    memset(ch, 0, sizeof(*ch));
    const char *arg = req_arg(r, 1);
    char id[FIO_OPAQUE_ID_SIZE];
    if (!opaque(arg, AI_ID_CHAT, id))
        return req_fail(r, 404, API_ERR_NOT_FOUND, "No AI chat '%.40s' in this workspace",
                        arg ? arg : "");
    enum store_rc rc = STORE(r->st, aichat)->chat_get(r->st, r->ws.id, id, ch);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "No AI chat '%s' in this workspace", id);
    if (rc != STORE_OK)
        return req_fail_internal(r, "ai chat get");
    bool own = strcmp(ch->user_id, r->caller.user_id) == 0;
    if ((!own && (strcmp(ch->privacy, "public") != 0 || ch->deleted)) ||
        (acc == CHAT_WRITE && own && ch->deleted))
        return req_fail(r, 404, API_ERR_NOT_FOUND, "No AI chat '%s' in this workspace", id);
    if (acc == CHAT_WRITE && !own)
        return req_fail(r, 403, API_ERR_RESTRICTED,
                        "This chat is another member's public chat: it can be read, not changed");
    return 0;
}

/* load_chat for a handler that needs only the chat's id (ch->id; nothing of ch to clear after). */
static int load_chat_id(struct req *r, enum chat_access acc, struct store_aichat *ch)
{
    int rc = load_chat(r, acc, ch);
    store_aichat_clear(ch);
    return rc;
}

/* ---- lists ---------------------------------------------------------------------------------- */

/* The limit and offset query parameters of a list (api §8.2). */
static bool page_params(struct req *r, long long *limit, long long *offset)
{
    return req_param_int(r, "limit", 1, 500, 100, limit) &&
           req_param_int(r, "offset", 0, 1000000000, 0, offset);
}

/* Every row of rows (released) through fn (which steals its row), as a new array. */
static json_t *map_rows(json_t *rows, json_t *(*fn)(json_t *row))
{
    json_t *items = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_array_append_new(items, fn(json_incref(row)));
    }
    json_decref(rows);
    return items;
}

/* items under key, then the pagination object of a page of total rows. */
static int set_page(struct req *r, const char *key, json_t *items, long long total, long long limit,
                    long long offset)
{
    bool more = offset + (long long)json_array_size(items) < total;
    if (req_set(r, key, items) != 0)
        return -1;
    return req_set(r, "pagination",
                   json_pack("{s:I, s:I, s:I, s:b}", "total", (json_int_t)total, "limit",
                             (json_int_t)limit, "offset", (json_int_t)offset, "has_more", more));
}

/* ---- the question and the scope ----------------------------------------------------------- */

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static const char *question_param(struct req *r)
{
    const char *q = req_param_required(r, "question");
    if (!q)
        return NULL;
    size_t len = strlen(q), n = utf8_chars(q);
    if (!fio_utf8_valid(q, len) || n < AI_QUESTION_MIN || n > AI_QUESTION_MAX) {
        req_fail_param(r, "question", "invalid",
                       "question must be %d to %d characters of UTF-8 text (got %zu)",
                       AI_QUESTION_MIN, AI_QUESTION_MAX, n);
        return NULL;
    }
    return q;
}

/* Legacy CSV scopes (api §8.1: "nodeId:versionId,..." / "nodeId:depth,...") as item arrays. */
static json_t *csv_items(const char *csv, const char *type)
{
    json_t *a = json_array();
    if (!csv || !a)
        return a;
    const char *p = csv;
    for (int guard = 0; *p && guard < 1000; guard++) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char item[200];
        if (l > 0 && l < sizeof(item)) {
            memcpy(item, p, l);
            item[l] = 0;
            char *colon = strchr(item, ':');
            const char *ver = "";
            if (colon) {
                *colon = 0;
                ver = strcmp(type, "file") == 0 ? colon + 1 : "";
            }
            json_array_append_new(
                a, json_pack("{s:s, s:s, s:s}", "type", type, "id", item, "version_id", ver));
        } else if (l > 0) {
            json_array_append_new(a, json_pack("{s:s, s:s}", "type", type, "id", "?"));
        }
        p += l + (e ? 1 : 0);
    }
    return a;
}

struct node_size {
    int64_t size;
    bool got;
};

static int size_of_row(const struct store_node_row *row, void *arg)
{
    struct node_size *ns = arg;
    ns->size = row->size;
    ns->got = true;
    return 1;
}

/* A references / subjects parameter (a JSON array string, items as api §8.2 or {type, id,
 * version_id}) checked against r->ws and normalised into *out ([{type, id, version_id}]).
 * attach: files only (a folder is 406), at most AI_SUBJECTS_MAX and AI_SUBJECTS_BYTES. 0, or -1
 * with the error set. */
static int scope_param(struct req *r, const char *param, json_t *in, bool attach, json_t **out)
{
    *out = json_array();
    if (!*out)
        return req_fail_internal(r, "scope json");
    if (!json_is_array(in))
        return req_fail_param(r, param, "invalid", "%s must be a JSON array of items", param);
    size_t max = attach ? AI_SUBJECTS_MAX : AI_REFERENCES_MAX;
    if (json_array_size(in) > max)
        return req_fail_param(r, param, "invalid", "%s holds at most %zu items", param, max);
    int64_t bytes = 0;
    size_t i;
    json_t *it;
    json_array_foreach(in, i, it)
    {
        const char *type = json_string_value(json_object_get(it, "type"));
        const char *id = json_is_string(it) ? json_string_value(it)
                                            : json_string_value(json_object_get(it, "id"));
        json_t *fd = json_object_get(it, "file_details");
        json_t *dd = json_object_get(it, "folder_details");
        if (!id && fd)
            id = json_string_value(json_object_get(fd, "node_id"));
        if (!id && dd)
            id = json_string_value(json_object_get(dd, "node_id"));
        const char *ver = json_string_value(json_object_get(fd, "version_id"));
        if (!ver)
            ver = json_string_value(json_object_get(it, "version_id"));
        char nid[FIO_OPAQUE_ID_SIZE], vid[FIO_OPAQUE_ID_SIZE] = "";
        if (!id || !opaque(id, FIO_ID_NODE, nid))
            return req_fail_param(r, param, "invalid", "%s[%zu]: not a node id", param, i);
        if (type && strcmp(type, "file") != 0 && strcmp(type, "folder") != 0)
            return req_fail_param(r, param, "invalid", "%s[%zu]: type must be file or folder",
                                  param, i);
        struct store_node node;
        enum store_rc rc = STORE(r->st, node)->node_get(r->st, r->ws.id, nid, NULL, &node);
        if (rc == STORE_NOT_FOUND || (rc == STORE_OK && node.hidden))
            return req_fail_param(r, param, "invalid",
                                  "%s[%zu]: node %s is not in this workspace (or is in its trash)",
                                  param, i, nid);
        if (rc != STORE_OK)
            return req_fail_internal(r, "ai scope node");
        bool folder = strcmp(node.type, "folder") == 0;
        if (attach && folder)
            return req_fail(r, 406, API_ERR_INVALID,
                            "%s[%zu]: %s is a folder; only files can be attached", param, i, nid);
        if (!folder && strcmp(node.type, "file") != 0 && strcmp(node.type, "note") != 0)
            return req_fail_param(r, param, "invalid", "%s[%zu]: %s is a %s, not a file or folder",
                                  param, i, nid, node.type);
        if (type && (strcmp(type, "folder") == 0) != folder)
            return req_fail_param(r, param, "invalid", "%s[%zu]: %s is a %s, not a %s", param, i,
                                  nid, node.type, type);
        if (ver && *ver && !folder) {
            char cur[FIO_OPAQUE_ID_SIZE] = "";
            if (!opaque(ver, FIO_ID_VERSION, vid) ||
                (STORE(r->st, node)->version_current(r->st, r->ws.id, nid, cur) == STORE_OK &&
                 strcmp(cur, vid) != 0 &&
                 STORE(r->st, node)->version_in_history(r->st, nid, vid) != STORE_OK))
                return req_fail_param(r, param, "invalid", "%s[%zu]: %.40s is not a version of %s",
                                      param, i, ver, nid);
        }
        if (attach) {
            struct node_size ns = {0};
            if (STORE(r->st, node)->node_row(r->st, r->ws.id, nid, size_of_row, &ns) != STORE_OK)
                return req_fail_internal(r, "ai subject size");
            bytes += ns.size;
            if (bytes > AI_SUBJECTS_BYTES)
                return req_fail(r, 406, API_ERR_INVALID,
                                "The attached files are larger than %lld bytes together",
                                (long long)AI_SUBJECTS_BYTES);
        }
        if (json_array_append_new(*out,
                                  json_pack("{s:s, s:s, s:s}", "type", folder ? "folder" : "file",
                                            "id", nid, "version_id", vid)) != 0)
            return req_fail_internal(r, "scope json");
    }
    return 0;
}

/* The scope of a new message: references and subjects (or, on the legacy paths, files_scope,
 * folders_scope, files_attach), as normalised JSON texts (malloc'd). Both present is refused
 * (api §8.1: two modes, not combined). *given false when the request named neither. */
static int message_scope(struct req *r, char **refs, char **subjects, bool *given)
{
    *refs = *subjects = NULL;
    *given = false;
    bool legacy = r->path && strstr(r->path, "/ai/chat/") != NULL;
    json_t *rin = NULL, *sin = NULL;
    json_error_t je;
    const char *rt = req_param(r, "references"), *st = req_param(r, "subjects");
    if (rt && *rt) {
        rin = json_loads(rt, 0, &je);
        if (!rin)
            return req_fail_param(r, "references", "invalid", "references is not JSON: %s",
                                  je.text);
    }
    if (st && *st) {
        sin = json_loads(st, 0, &je);
        if (!sin) {
            json_decref(rin);
            return req_fail_param(r, "subjects", "invalid", "subjects is not JSON: %s", je.text);
        }
    }
    if (legacy && !rin && !sin) {
        const char *fs = req_param(r, "files_scope"), *ds = req_param(r, "folders_scope"),
                   *fa = req_param(r, "files_attach");
        if ((fs && *fs) || (ds && *ds)) {
            rin = csv_items(fs, "file");
            json_t *d = csv_items(ds, "folder");
            json_array_extend(rin, d);
            json_decref(d);
        }
        if (fa && *fa)
            sin = csv_items(fa, "file");
    }
    int rc = 0;
    json_t *rn = NULL, *sn = NULL;
    if (json_array_size(rin) > 0 && json_array_size(sin) > 0)
        rc = req_fail_param(r, "subjects", "invalid",
                            "Give either references (a scope searched through the index) or "
                            "subjects (attached files read directly), not both");
    if (rc == 0 && rin)
        rc = scope_param(r, "references", rin, false, &rn);
    if (rc == 0 && sin)
        rc = scope_param(r, "subjects", sin, true, &sn);
    if (rc == 0) {
        *given = json_array_size(rn) > 0 || json_array_size(sn) > 0;
        *refs = rn ? json_dumps(rn, JSON_COMPACT) : fio_strdup("[]");
        *subjects = sn ? json_dumps(sn, JSON_COMPACT) : fio_strdup("[]");
        if (!*refs || !*subjects) {
            free(*refs);
            free(*subjects);
            *refs = *subjects = NULL;
            rc = req_fail_internal(r, "scope json");
        }
    }
    json_decref(rin);
    json_decref(sin);
    json_decref(rn);
    json_decref(sn);
    return rc;
}

/* Scope mode (no attachments) searches the index: intelligence must be on (api §8.1). */
static int need_intelligence(struct req *r, const char *subjects)
{
    if (subjects && strcmp(subjects, "[]") != 0)
        return 0;
    json_t *row = NULL;
    if (STORE(r->st, workspace)->row(r->st, r->ws.id, r->caller.user_id, &row) != STORE_OK)
        return req_fail_internal(r, "ai workspace row");
    bool on = json_is_true(json_object_get(row, "intelligence")) ||
              json_integer_value(json_object_get(row, "intelligence")) != 0;
    json_decref(row);
    if (!on)
        return req_fail(r, 400, API_ERR_INVALID,
                        "Intelligence is off in this workspace, so its files are not indexed: "
                        "turn it on (POST /workspace/{id}/update/ intelligence=true) or attach "
                        "the files to ask about (subjects)");
    return 0;
}

/* Insert a message of chat ch (scope texts owned by the caller) and reply. */
static int add_message(struct req *r, const struct store_aichat *ch, const char *question,
                       const char *refs, const char *subjects, struct store_aimsg *m)
{
    memset(m, 0, sizeof(*m));
    if (!fio_opaque_id_new(AI_ID_MSG, m->id))
        return req_fail_internal(r, "message id");
    fio_strlcpy(m->chat_id, ch->id, sizeof(m->chat_id));
    fio_strlcpy(m->ws_id, r->ws.id, sizeof(m->ws_id));
    fio_strlcpy(m->user_id, r->caller.user_id, sizeof(m->user_id));
    m->question = (char *)question;
    m->refs = (char *)refs;
    m->subjects = (char *)subjects;
    enum store_rc rc = STORE(r->st, aichat)->msg_insert(r->st, m, srv_now_us());
    m->question = m->refs = m->subjects = NULL; /* borrowed */
    if (rc != STORE_OK)
        return req_fail_internal(r, "insert ai message");
    return 0;
}

static int open_limit(struct req *r)
{
    long long open = 0;
    if (STORE(r->st, aichat)->msg_open_count(r->st, r->caller.user_id, &open) != STORE_OK)
        return req_fail_internal(r, "ai open count");
    if (open >= AI_OPEN_MAX)
        return req_fail(r, 429, API_ERR_RATE_LIMITED,
                        "%d questions of yours are still being answered; wait for one to end "
                        "or cancel it",
                        AI_OPEN_MAX);
    return 0;
}

static json_t *view_msg(struct req *r, const char *chat_id, const char *id)
{
    json_t *row = NULL;
    if (STORE(r->st, aichat)->msg_view(r->st, chat_id, id, &row) != STORE_OK)
        return NULL;
    return msg_json(row);
}

static json_t *view_chat(struct req *r, const char *id)
{
    json_t *row = NULL;
    if (STORE(r->st, aichat)->chat_view(r->st, id, &row) != STORE_OK)
        return NULL;
    return chat_json(row);
}

/* ---- handlers ------------------------------------------------------------------------------ */

/* Commit the transaction that added a message to chat_id, wake a worker for it and note
 * ai_chat:{chat}. 0, or -1 with the error set. */
static int commit_queued(struct req *r, const char *chat_id)
{
    if (store_commit(r->st) != STORE_OK)
        return req_fail(r, 503, 0, "The database is busy; try again");
    ai_kick(r->srv);
    ai_note(r, r->ws.id, chat_id);
    return 0;
}

int h_ai_chat_create(struct req *r)
{
    const char *q = question_param(r);
    if (!q)
        return -1;
    const char *name = req_param(r, "name"), *privacy = req_param(r, "privacy"),
               *kind = req_param(r, "kind");
    if (name && (!fio_utf8_valid(name, strlen(name)) || utf8_chars(name) > AI_NAME_MAX ||
                 strlen(name) > STORE_AI_NAME_MAX))
        return req_fail_param(r, "name", "invalid", "name must be at most %d characters",
                              AI_NAME_MAX);
    if (!privacy || !*privacy)
        privacy = "public";
    if (strcmp(privacy, "public") != 0 && strcmp(privacy, "private") != 0)
        return req_fail_param(r, "privacy", "invalid", "privacy must be private or public");
    if (!kind || !*kind)
        kind = "user";
    if (strcmp(kind, "user") != 0 && strcmp(kind, "agent") != 0)
        return req_fail_param(r, "kind", "invalid", "kind must be user or agent");
    if (store_begin(r->st) != STORE_OK)
        return req_fail(r, 503, 0, "The database is busy; try again");
    char *refs = NULL, *subjects = NULL;
    bool given;
    if (message_scope(r, &refs, &subjects, &given) != 0)
        return -1;
    struct store_aichat ch;
    memset(&ch, 0, sizeof(ch));
    struct store_aimsg m;
    int rc = need_intelligence(r, subjects);
    if (rc == 0)
        rc = open_limit(r);
    if (rc == 0 && !fio_opaque_id_new(AI_ID_CHAT, ch.id))
        rc = req_fail_internal(r, "chat id");
    if (rc == 0) {
        fio_strlcpy(ch.ws_id, r->ws.id, sizeof(ch.ws_id));
        fio_strlcpy(ch.user_id, r->caller.user_id, sizeof(ch.user_id));
        if (name && *name) {
            fio_strlcpy(ch.name, name, sizeof(ch.name));
        } else {
            /* the question's first 60 characters */
            size_t b = 0, chars = 0;
            while (q[b] && (chars < 60 || ((unsigned char)q[b] & 0xC0) == 0x80)) {
                if (((unsigned char)q[b] & 0xC0) != 0x80)
                    chars++;
                b++;
            }
            if (b >= sizeof(ch.name))
                b = sizeof(ch.name) - 1;
            memcpy(ch.name, q, b);
            ch.name[b] = 0;
        }
        fio_strlcpy(ch.privacy, privacy, sizeof(ch.privacy));
        fio_strlcpy(ch.kind, kind, sizeof(ch.kind));
        ch.refs = refs;
        ch.subjects = subjects;
        if (STORE(r->st, aichat)->chat_insert(r->st, &ch, srv_now_us()) != STORE_OK)
            rc = req_fail_internal(r, "insert ai chat");
        ch.refs = ch.subjects = NULL;
    }
    if (rc == 0)
        rc = add_message(r, &ch, q, refs, subjects, &m);
    free(refs);
    free(subjects);
    if (rc != 0)
        return -1;
    if (commit_queued(r, ch.id) != 0)
        return -1;
    json_t *chat = view_chat(r, ch.id), *msg = view_msg(r, ch.id, m.id);
    if (!chat || !msg) {
        json_decref(chat);
        json_decref(msg);
        return req_fail_internal(r, "ai chat view");
    }
    /* api §8.2: {thread:{thread_id,...}, turn:{turn_id,...}} */
    if (req_set(r, "chat_id", json_string(ch.id)) != 0 ||
        req_set(r, "message_id", json_string(m.id)) != 0 ||
        req_set(r, "thread", json_incref(chat)) != 0 || req_set(r, "chat", chat) != 0 ||
        req_set(r, "turn", json_incref(msg)) != 0)
        return -1;
    return req_set(r, "message", msg);
}

int h_ai_message_send(struct req *r)
{
    const char *q = question_param(r);
    if (!q)
        return -1;
    if (store_begin(r->st) != STORE_OK)
        return req_fail(r, 503, 0, "The database is busy; try again");
    struct store_aichat ch;
    if (load_chat(r, CHAT_WRITE, &ch) != 0) {
        store_aichat_clear(&ch);
        return -1;
    }
    char *refs = NULL, *subjects = NULL;
    bool given = false;
    int rc = message_scope(r, &refs, &subjects, &given);
    if (rc == 0 && !given) {
        /* a follow-up without its own scope keeps the chat's */
        free(refs);
        free(subjects);
        refs = fio_strdup(ch.refs);
        subjects = fio_strdup(ch.subjects);
        if (!refs || !subjects)
            rc = req_fail_internal(r, "scope copy");
    }
    long long count = 0;
    if (rc == 0 && STORE(r->st, aichat)->msg_count(r->st, ch.id, &count) != STORE_OK)
        rc = req_fail_internal(r, "ai message count");
    if (rc == 0 && count >= AI_CHAT_MESSAGES_MAX)
        rc = req_fail(r, 409, 168116,
                      "This conversation holds %d messages, the most one chat may: start a new "
                      "chat",
                      AI_CHAT_MESSAGES_MAX);
    if (rc == 0)
        rc = need_intelligence(r, subjects);
    if (rc == 0)
        rc = open_limit(r);
    struct store_aimsg m;
    if (rc == 0)
        rc = add_message(r, &ch, q, refs, subjects, &m);
    free(refs);
    free(subjects);
    store_aichat_clear(&ch);
    if (rc != 0)
        return -1;
    if (commit_queued(r, m.chat_id) != 0)
        return -1;
    json_t *msg = view_msg(r, m.chat_id, m.id);
    if (!msg)
        return req_fail_internal(r, "ai message view");
    /* api §8.2: flat {turn_id, thread_id, seq, status, ...} */
    if (req_set(r, "turn_id", json_string(m.id)) != 0 ||
        req_set(r, "message_id", json_string(m.id)) != 0 ||
        req_set(r, "thread_id", json_string(m.chat_id)) != 0 ||
        req_set(r, "chat_id", json_string(m.chat_id)) != 0 ||
        req_set(r, "seq", json_integer(m.seq)) != 0 ||
        req_set(r, "status", json_string("ready")) != 0 ||
        req_set(r, "state", json_string("ready")) != 0 || req_set(r, "turn", json_incref(msg)) != 0)
        return -1;
    return req_set(r, "message", msg);
}

int h_ai_message_details(struct req *r)
{
    struct store_aichat ch;
    if (load_chat_id(r, CHAT_READ, &ch) != 0)
        return -1;
    char id[FIO_OPAQUE_ID_SIZE];
    const char *arg = req_arg(r, 2);
    json_t *msg = opaque(arg, AI_ID_MSG, id) ? view_msg(r, ch.id, id) : NULL;
    if (!msg)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "No message '%.40s' in this chat",
                        arg ? arg : "");
    return req_set(r, "message", msg);
}

int h_ai_messages_list(struct req *r)
{
    long long limit, offset;
    if (!page_params(r, &limit, &offset))
        return -1;
    struct store_aichat ch;
    if (load_chat_id(r, CHAT_READ, &ch) != 0)
        return -1;
    json_t *rows = NULL;
    long long total = 0;
    if (STORE(r->st, aichat)->msg_list(r->st, ch.id, (long)limit, (long)offset, &rows, &total) !=
        STORE_OK)
        return req_fail_internal(r, "ai messages list");
    return set_page(r, "messages", map_rows(rows, msg_json), total, limit, offset);
}

static int list_chats(struct req *r, bool deleted)
{
    long long limit, offset;
    if (!page_params(r, &limit, &offset))
        return -1;
    const char *kind = req_param(r, "kind");
    if (!kind || !*kind)
        kind = "user";
    if (strcmp(kind, "user") != 0 && strcmp(kind, "agent") != 0 && strcmp(kind, "all") != 0)
        return req_fail_param(r, "kind", "invalid", "kind must be user, agent or all");
    json_t *rows = NULL;
    long long total = 0;
    if (STORE(r->st, aichat)
            ->chat_list(r->st, r->ws.id, r->caller.user_id, strcmp(kind, "all") == 0 ? "" : kind,
                        deleted, (long)limit, (long)offset, &rows, &total) != STORE_OK)
        return req_fail_internal(r, "ai chat list");
    return set_page(r, "chats", map_rows(rows, chat_json), total, limit, offset);
}

int h_ai_chat_list(struct req *r)
{
    return list_chats(r, false);
}

int h_ai_chat_list_deleted(struct req *r)
{
    return list_chats(r, true);
}

int h_ai_chat_details(struct req *r)
{
    struct store_aichat ch;
    if (load_chat_id(r, CHAT_READ, &ch) != 0)
        return -1;
    json_t *chat = view_chat(r, ch.id);
    json_t *rows = NULL;
    long long total = 0;
    if (!chat ||
        STORE(r->st, aichat)->msg_list(r->st, ch.id, AI_CHAT_MESSAGES_MAX, 0, &rows, &total) !=
            STORE_OK) {
        json_decref(chat);
        return req_fail_internal(r, "ai chat details");
    }
    json_object_set_new(chat, "messages", map_rows(rows, msg_json));
    return req_set(r, "chat", chat);
}

/* Rename, publish, delete: the owner only (router transaction). */
static int change_chat(struct req *r, const char *name, bool publish, bool del)
{
    struct store_aichat ch;
    if (load_chat_id(r, CHAT_WRITE, &ch) != 0)
        return -1;
    if (STORE(r->st, aichat)->chat_update(r->st, ch.id, name, publish, del, srv_now_us()) !=
        STORE_OK)
        return req_fail_internal(r, "ai chat update");
    ai_note(r, r->ws.id, ch.id);
    if (del) {
        /* an answer still being composed ends with the chat; the worker's result is dropped by
         * its state guard once this commits (no early ai_cancel: were the commit to fail, a
         * worker told to stop would leave the message unanswered) */
        char mid[FIO_OPAQUE_ID_SIZE];
        enum store_rc crc = STORE(r->st, aichat)->msg_cancel(r->st, ch.id, srv_now_us(), mid);
        if (crc != STORE_OK && crc != STORE_NOT_FOUND)
            return req_fail_internal(r, "ai chat delete cancel");
    }
    json_t *chat = view_chat(r, ch.id);
    if (!chat)
        return req_fail_internal(r, "ai chat view");
    return req_set(r, "chat", chat);
}

int h_ai_chat_update(struct req *r)
{
    const char *name = req_param_required(r, "name");
    if (!name)
        return -1;
    if (!*name || !fio_utf8_valid(name, strlen(name)) || utf8_chars(name) > AI_NAME_MAX ||
        strlen(name) > STORE_AI_NAME_MAX)
        return req_fail_param(r, "name", "invalid", "name must be 1 to %d characters", AI_NAME_MAX);
    return change_chat(r, name, false, false);
}

int h_ai_chat_publish(struct req *r)
{
    return change_chat(r, NULL, true, false);
}

int h_ai_chat_delete(struct req *r)
{
    return change_chat(r, NULL, false, true);
}

/* The cancel reply is not the envelope (api §8.2): 200 {success:true, ...}, its own refusals
 * 406 {result:false, error_message, error_id}; the router's and load_chat's refusals (no such
 * chat, not a member, read-only) keep the ordinary envelope, as on every route (D-105). */
static int raw_json(struct req *r, int http, json_t *body)
{
    char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!txt)
        return req_fail_internal(r, "cancel json");
    free(r->raw_body);
    r->raw_body = txt;
    r->raw_type = "application/json";
    r->status_ok = http;
    return 0;
}

static int cancel_refused(struct req *r, long code, const char *msg)
{
    return raw_json(
        r, 406,
        json_pack("{s:b, s:s, s:i}", "result", 0, "error_message", msg, "error_id", (int)code));
}

int h_ai_chat_cancel(struct req *r)
{
    if (store_begin(r->st) != STORE_OK)
        return req_fail(r, 503, 0, "The database is busy; try again");
    struct store_aichat ch;
    if (load_chat_id(r, CHAT_WRITE, &ch) != 0)
        return -1; /* unknown, private or read-only chat: the ordinary error envelope (D-105) */
    char mid[FIO_OPAQUE_ID_SIZE];
    enum store_rc src = STORE(r->st, aichat)->msg_cancel(r->st, ch.id, srv_now_us(), mid);
    if (src == STORE_NOT_FOUND) {
        store_rollback(r->st);
        return raw_json(r, 200, json_pack("{s:b, s:b}", "success", 1, "no_pending_message", 1));
    }
    if (src != STORE_OK || store_commit(r->st) != STORE_OK) {
        store_rollback(r->st);
        return cancel_refused(r, API_ERR_TRANSIENT, "The database is busy; try again");
    }
    ai_cancel(r->srv, mid);
    ai_note(r, r->ws.id, ch.id);
    json_t *msg = view_msg(r, ch.id, mid);
    if (!msg)
        return req_fail_internal(r, "ai message view");
    return raw_json(r, 200, json_pack("{s:b, s:o}", "success", 1, "message", msg));
}

int h_ai_transactions(struct req *r)
{
    json_t *rows = NULL;
    /* admins see the workspace's, others their own */
    const char *who = r->ws.role >= ROLE_ADMIN ? "" : r->caller.user_id;
    if (STORE(r->st, aichat)->txn_list(r->st, r->ws.id, who, 40, &rows) != STORE_OK)
        return req_fail_internal(r, "ai transactions");
    json_t *items = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_t *o = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:I, s:o}", "id",
                              get(row, "id"), "workspace_id", get(row, "workspace_id"), "user_id",
                              get(row, "user_id"), "chat_id", get(row, "chat_id"), "message_id",
                              get(row, "message_id"), "engine", get(row, "engine"), "tokens_in",
                              get(row, "tokens_in"), "tokens_out", get(row, "tokens_out"), "tokens",
                              (json_int_t)(json_integer_value(get(row, "tokens_in")) +
                                           json_integer_value(get(row, "tokens_out"))),
                              "created", time_of(row, "created"));
        json_array_append_new(items, o);
    }
    json_decref(rows);
    return req_set(r, "transactions", items);
}
