/* SPDX-License-Identifier: MIT */
/* ingest_remote.c - the server side of "fastio ingest" (cmd_ingest.c): the workspace a file
 * goes to (found by name in --org or created, Intelligence turned on, the --invite addresses
 * invited once), its folder (created component by component, cached), the reconciliation of an
 * upload a crash may have finished (a node of the same name, size and CRC-32C) and the wait
 * for the indexer. Everything goes through fastio_call on the command's client. */
#include "ingest.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crc32c.h"
#include "name.h"
#include "timeutil.h"

static enum fastio_status call(struct ingest *in, enum fastio_endpoint ep, const char *const *path,
                               size_t n_path, const struct fastio_param *p, size_t n_p,
                               json_t **resp, struct fastio_error *err)
{
    return fastio_call(in->ctx->client, ep, path, n_path, p, n_p, resp, err);
}

static bool str_eq(json_t *o, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v != NULL && strcmp(v, want) == 0;
}

/* Copy the string id of o into out; false when absent or too long. */
static bool get_id(json_t *o, const char *key, char *out, size_t size)
{
    json_t *v = json_object_get(o, key);
    char num[32];
    const char *s = json_string_value(v);
    if (s == NULL && json_is_integer(v)) {
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        s = num;
    }
    if (s == NULL || strlen(s) >= size)
        return false;
    memcpy(out, s, strlen(s) + 1);
    return true;
}

/* A folder_name for a workspace display name: lowercase a-z, 0-9 and '-', at most 40. */
static void slugify(const char *name, const char *suffix, char *out, size_t size)
{
    size_t n = 0;
    bool dash = false;
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 1 < size && n < 40; p++) {
        unsigned char ch = *p;
        if (ch >= 'A' && ch <= 'Z')
            ch = (unsigned char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            out[n++] = (char)ch;
            dash = false;
        } else if (!dash && n > 0) {
            out[n++] = '-';
            dash = true;
        }
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    if (n == 0)
        n = (size_t)snprintf(out, size, "ingest");
    out[n] = '\0';
    if (suffix != NULL && n + strlen(suffix) + 1 < size)
        snprintf(out + n, size - n, "%s", suffix);
}

/* Invite each --invite address to the workspace once (state database), tolerating "already". */
static void invite_all(struct ingest *in, const char *ws)
{
    for (size_t i = 0; i < in->n_invites; i++) {
        if (ingest_db_invited(in->db, ws, in->invites[i]))
            continue;
        const char *path[2] = {ws, in->invites[i]};
        struct fastio_param p[1] = {{"permissions", in->role}};
        struct fastio_error err;
        json_t *resp = NULL;
        enum fastio_status st =
            call(in, FASTIO_EP_WORKSPACE_MEMBERS_ADD, path, 2, p, 1, &resp, &err);
        json_decref(resp);
        /* A conflict is an invitation or membership that exists already (a restart after the
         * call and before the row): as good as sent. */
        if (st == FASTIO_OK || st == FASTIO_CONFLICT) {
            (void)ingest_db_invite_put(in->db, ws, in->invites[i]);
            cli_note(in->ctx, "ingest: invited %s to workspace %s", in->invites[i], ws);
        } else {
            cli_note(in->ctx,
                     "ingest: cannot invite %s to workspace %s: %s (HTTP %ld); will try "
                     "again with the next file",
                     in->invites[i], ws, err.message, err.http_status);
        }
    }
}

/* The id of the workspace named name in --org: from the state database, else found by name or
 * folder_name among the org's workspaces, else created. Intelligence is turned on when asked. */
bool ingest_workspace_for(struct ingest *in, const char *name, char *id, size_t idlen, char *why,
                          size_t whylen)
{
    if (ingest_db_ws_get(in->db, name, id, idlen)) {
        invite_all(in, id);
        return true;
    }
    struct fastio_error err;
    bool found = false, intel_on = false;
    for (int page = 0; page < WS_PAGES_MAX && !found; page++) {
        char lim[16], off[24];
        snprintf(lim, sizeof(lim), "%d", WS_PAGE);
        snprintf(off, sizeof(off), "%d", page * WS_PAGE);
        const char *path[1] = {in->org};
        struct fastio_param p[2] = {{"limit", lim}, {"offset", off}};
        json_t *resp = NULL;
        if (call(in, FASTIO_EP_ORG_WORKSPACES, path, 1, p, 2, &resp, &err) != FASTIO_OK) {
            snprintf(why, whylen, "cannot list the workspaces of org %.100s: %.300s (HTTP %ld)",
                     in->org, err.message, err.http_status);
            return false;
        }
        json_t *arr = fastio_result(resp, FASTIO_EP_ORG_WORKSPACES);
        size_t i;
        json_t *ws;
        json_array_foreach(arr, i, ws)
        {
            if ((str_eq(ws, "name", name) || str_eq(ws, "folder_name", name)) &&
                get_id(ws, "id", id, idlen)) {
                found = true;
                intel_on = json_is_true(json_object_get(ws, "intelligence"));
                break;
            }
        }
        size_t n = json_array_size(arr);
        json_decref(resp);
        if (n < WS_PAGE)
            break;
    }
    if (!found) {
        for (int attempt = 0; attempt < 10 && !found; attempt++) {
            char folder[64], suffix[16];
            snprintf(suffix, sizeof(suffix), "-%d", attempt + 1);
            slugify(name, attempt ? suffix : NULL, folder, sizeof(folder));
            const char *path[1] = {in->org};
            struct fastio_param p[5] = {{"name", name},
                                        {"folder_name", folder},
                                        {"intelligence", in->intelligence ? "true" : "false"},
                                        {"perm_join", "Member or above"},
                                        {"perm_member_manage", "Admin or above"}};
            json_t *resp = NULL;
            enum fastio_status st =
                call(in, FASTIO_EP_WORKSPACE_CREATE, path, 1, p, 5, &resp, &err);
            if (st == FASTIO_OK) {
                json_t *ws = fastio_result(resp, FASTIO_EP_WORKSPACE_CREATE);
                found = get_id(ws, "id", id, idlen);
                intel_on = in->intelligence;
                if (found)
                    cli_note(in->ctx, "ingest: created workspace '%s' (%s)", name, id);
            }
            json_decref(resp);
            if (st != FASTIO_OK && st != FASTIO_CONFLICT && st != FASTIO_INVALID) {
                snprintf(why, whylen,
                         "cannot create workspace '%.100s' in org %.100s: %.250s (HTTP %ld)", name,
                         in->org, err.message, err.http_status);
                return false;
            }
            if (st != FASTIO_OK && attempt == 9) {
                snprintf(why, whylen, "cannot create workspace '%.100s': %.300s", name,
                         err.message);
                return false;
            }
        }
        if (!found) {
            snprintf(why, whylen, "workspace '%.200s': no id in the answer", name);
            return false;
        }
    }
    if (in->intelligence && !intel_on) {
        const char *path[1] = {id};
        struct fastio_param p[1] = {{"intelligence", "true"}};
        json_t *resp = NULL;
        if (call(in, FASTIO_EP_WORKSPACE_UPDATE, path, 1, p, 1, &resp, &err) != FASTIO_OK)
            cli_note(in->ctx, "ingest: cannot turn Intelligence on in %s: %s", id, err.message);
        json_decref(resp);
    }
    (void)ingest_db_ws_put(in->db, name, id);
    invite_all(in, id);
    return true;
}

/* The folder node id of path ("" = root) in workspace ws: each component made with
 * createfolder without force, which hands back the existing folder of that name. */
bool ingest_folder_for(struct ingest *in, const char *ws, const char *path, char *id, size_t idlen,
                       char *why, size_t whylen)
{
    if (path[0] == '\0') {
        snprintf(id, idlen, "root");
        return true;
    }
    char key[PATH_MAX + 80];
    if ((size_t)snprintf(key, sizeof(key), "%s\n%s", ws, path) >= sizeof(key)) {
        snprintf(why, whylen, "folder path too long");
        return false;
    }
    for (size_t i = 0; i < in->n_folders; i++)
        if (strcmp(in->folders[i].key, key) == 0) {
            snprintf(id, idlen, "%s", in->folders[i].id);
            return true;
        }
    /* parent first */
    char parent_path[PATH_MAX], parent[64];
    snprintf(parent_path, sizeof(parent_path), "%s", path);
    char *slash = strrchr(parent_path, '/');
    const char *leaf = path;
    if (slash != NULL) {
        *slash = '\0';
        leaf = path + (slash - parent_path) + 1;
    } else {
        parent_path[0] = '\0';
    }
    if (!ingest_folder_for(in, ws, parent_path, parent, sizeof(parent), why, whylen))
        return false;
    enum fio_name_check nc = fio_name_check(leaf, strlen(leaf));
    if (nc != FIO_NAME_OK) {
        snprintf(why, whylen, "folder name '%.200s' is not allowed: %s", leaf,
                 fio_name_check_str(nc));
        return false;
    }
    const char *args[2] = {ws, parent};
    struct fastio_param p[1] = {{"name", leaf}};
    struct fastio_error err;
    json_t *resp = NULL;
    if (call(in, FASTIO_EP_STORAGE_CREATE_FOLDER, args, 2, p, 1, &resp, &err) != FASTIO_OK) {
        snprintf(why, whylen, "cannot create folder '%.150s': %.250s (HTTP %ld)", path, err.message,
                 err.http_status);
        return false;
    }
    bool ok = get_id(fastio_result(resp, FASTIO_EP_STORAGE_CREATE_FOLDER), "id", id, idlen);
    json_decref(resp);
    if (!ok) {
        snprintf(why, whylen, "folder '%.200s': no id in the answer", path);
        return false;
    }
    if (in->n_folders < FOLDER_CACHE_MAX) {
        in->folders[in->n_folders].key = strdup(key);
        if (in->folders[in->n_folders].key != NULL) {
            snprintf(in->folders[in->n_folders].id, sizeof(in->folders[0].id), "%s", id);
            in->n_folders++;
        }
    }
    return true;
}

/* A node named leaf in folder whose size and CRC-32C are the file's: its id into node. Pages
 * through the folder (bounded). */
bool ingest_find_same(struct ingest *in, const struct ingest_row *row, const char *leaf, char *node,
                      size_t nodelen)
{
    char hex[FIO_CRC32C_HEX_SIZE];
    const char *safe = leaf;
    fio_crc32c_hex(row->crc, hex);
    const char *cursor = NULL;
    char cur[256] = "";
    for (int page = 0; page < 1000; page++) {
        const char *path[2] = {row->workspace, row->folder};
        struct fastio_param p[2] = {{"page_size", "500"}, {"cursor", cursor}};
        struct fastio_error err;
        json_t *resp = NULL;
        if (call(in, FASTIO_EP_STORAGE_LIST, path, 2, p, 2, &resp, &err) != FASTIO_OK)
            return false;
        json_t *arr = fastio_result(resp, FASTIO_EP_STORAGE_LIST);
        size_t i;
        json_t *n;
        bool found = false;
        json_array_foreach(arr, i, n)
        {
            const char *h = json_string_value(json_object_get(n, "hash"));
            const char *algo = json_string_value(json_object_get(n, "hash_algo"));
            if (str_eq(n, "name", safe) &&
                json_integer_value(json_object_get(n, "size")) == (json_int_t)row->size &&
                h != NULL && (algo == NULL || strcmp(algo, "crc32c") == 0) &&
                strcasecmp(h, hex) == 0 && get_id(n, "id", node, nodelen)) {
                found = true;
                break;
            }
        }
        const char *next = json_string_value(json_object_get(resp, "next_cursor"));
        bool more = !found && next != NULL && next[0] && strlen(next) < sizeof(cur);
        if (more)
            snprintf(cur, sizeof(cur), "%s", next);
        json_decref(resp);
        if (found)
            return true;
        if (!more)
            return false;
        cursor = cur;
    }
    return false;
}

/* Wait (bounded) until the node's ai.state says the indexer is done with it. */
const char *ingest_wait_indexed(struct ingest *in, const char *ws, const char *node,
                                const volatile sig_atomic_t *stop, char *state, size_t size)
{
    int64_t end = fio_mono_ms() + in->index_timeout_ms;
    snprintf(state, size, "unknown");
    while (*stop == 0) {
        const char *path[2] = {ws, node};
        struct fastio_error err;
        json_t *resp = NULL;
        if (call(in, FASTIO_EP_STORAGE_DETAILS, path, 2, NULL, 0, &resp, &err) == FASTIO_OK) {
            json_t *ai = json_object_get(fastio_result(resp, FASTIO_EP_STORAGE_DETAILS), "ai");
            const char *s = json_string_value(json_object_get(ai, "state"));
            bool busy = s != NULL && (strcmp(s, "pending") == 0 || strcmp(s, "in_progress") == 0 ||
                                      strcmp(s, "inprogress") == 0);
            snprintf(state, size, "%s", s ? s : "none");
            json_decref(resp); /* s pointed into it: only state and busy are read below */
            if (!busy)
                return state;
        }
        if (fio_mono_ms() >= end) {
            snprintf(state, size, "timeout");
            return state;
        }
        struct timespec ts = {0, 250 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return state;
}
