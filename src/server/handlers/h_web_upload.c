/* SPDX-License-Identifier: MIT */
/* h_web_upload.c - URL import (api §5.7; docs/server.md "URL import"): create a job, list the
 * caller's jobs, show one, cancel one. The work itself runs in import/import.c. */
#include <string.h>

#include "handlers.h"
#include "import.h"
#include "import_url.h"
#include "router.h"
#include "store_webimport.h"
#include "upload.h"

#define WEB_OPEN_MAX 1000 /* unfinished jobs per user (D-079) */
#define WEB_STATUSES "pending|queued|downloading|uploading|complete|failed|canceled"

/* A row of store_webimport view/list as the wire object (D-078). Steals row. */
static json_t *job_json(json_t *row)
{
    if (!row)
        return NULL;
    json_t *o = json_object();
    if (!o) {
        json_decref(row);
        return NULL;
    }
    const char *folder = json_string_value(json_object_get(row, "folder_id"));
    bool ok =
        json_object_set(o, "id", json_object_get(row, "id")) == 0 &&
        json_object_set(o, "source_url", json_object_get(row, "source_url")) == 0 &&
        json_object_set_new(o, "profile_type", json_string("workspace")) == 0 &&
        json_object_set(o, "profile_id", json_object_get(row, "workspace_id")) == 0 &&
        json_object_set_new(o, "folder_id", json_string(folder ? folder : "root")) == 0 &&
        json_object_set(o, "file_name", json_object_get(row, "name")) == 0 &&
        json_object_set(o, "requested_file_name", json_object_get(row, "file_name")) == 0 &&
        json_object_set(o, "status", json_object_get(row, "status")) == 0 &&
        json_object_set(o, "status_message", json_object_get(row, "status_message")) == 0 &&
        json_object_set(o, "bytes_done", json_object_get(row, "bytes_done")) == 0 &&
        json_object_set(o, "size", json_object_get(row, "size")) == 0 &&
        json_object_set(o, "new_file_id", json_object_get(row, "node_id")) == 0 &&
        json_object_set(o, "upload_id", json_object_get(row, "upload_id")) == 0 &&
        json_object_set(o, "attempts", json_object_get(row, "attempts")) == 0 &&
        json_object_set_new(o, "created",
                            srv_time_json(json_integer_value(json_object_get(row, "created")))) ==
            0 &&
        json_object_set_new(
            o, "updated", srv_time_json(json_integer_value(json_object_get(row, "updated")))) == 0;
    json_decref(row);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The job's wire object under key "web_upload". */
static int reply_job(struct req *r, const char *id, const char *user_id)
{
    json_t *row = NULL;
    enum store_rc rc = STORE(r->st, webimport)->view(r->st, id, user_id, &row);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "No URL import job '%s'", id);
    if (rc != STORE_OK)
        return req_fail_internal(r, "web upload view");
    json_t *o = job_json(row);
    if (!o)
        return req_fail_internal(r, "web upload json");
    return req_set(r, "web_upload", o);
}

/* A job id parameter normalised into out: 0, or -1 (400 / 404 set). */
static int job_id(struct req *r, const char *param, const char *v, char out[FIO_OPAQUE_ID_SIZE])
{
    char type[3];
    if (!v || !*v)
        return req_fail_param(r, param, "missing", "The parameter '%s' is required", param);
    if (!fio_opaque_id_normalize(v, strlen(v), out) || !fio_opaque_id_type(out, type, NULL) ||
        strcmp(type, FIO_ID_GENERAL) != 0)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "No URL import job '%.40s'", v);
    return 0;
}

int h_web_upload_create(struct req *r)
{
    const char *url = req_param_required(r, "source_url");
    if (!url)
        return -1;
    struct imp_url_parts parts;
    if (strlen(url) > IMP_URL_MAX || !imp_url_split(url, strlen(url), &parts))
        return req_fail_param(r, "source_url", "invalid",
                              "source_url must be an absolute http:// or https:// URL of at most "
                              "%d bytes, without a user name or spaces",
                              IMP_URL_MAX);
    const char *pt = req_param(r, "profile_type");
    if (pt && *pt && strcmp(pt, "workspace") != 0)
        return req_fail_param(r, "profile_type", "invalid",
                              "Only profile_type=workspace is supported by this server");
    const char *pid = req_param(r, "profile_id");
    if (!pid || !*pid)
        return req_fail_param(r, "profile_id", "missing",
                              "The parameter 'profile_id' (the workspace) is required");
    const char *fname = req_param(r, "file_name");
    if (fname && *fname) {
        enum fio_name_check c = fio_name_check(fname, strlen(fname));
        if (c != FIO_NAME_OK)
            return req_fail_param(r, "file_name", "invalid", "The file name %s",
                                  fio_name_check_str(c));
    }
    if (store_begin(r->st) != STORE_OK)
        return req_fail(r, 503, 0, "The database is busy; try again");
    if (router_ws_enter(r, pid, ROLE_MEMBER, false, true) != 0)
        return -1;
    char folder[FIO_OPAQUE_ID_SIZE];
    if (up_check_folder(r, req_param(r, "folder_id"), folder) != 0)
        return -1;
    long long open = 0;
    if (STORE(r->st, webimport)->open_count(r->st, r->caller.user_id, &open) != STORE_OK)
        return req_fail_internal(r, "count web uploads");
    if (open >= WEB_OPEN_MAX)
        return req_fail(r, 429, API_ERR_RATE_LIMITED,
                        "Too many unfinished URL imports (limit %d); wait for some to end or "
                        "cancel them (DELETE /web_upload/?id=)",
                        WEB_OPEN_MAX);
    struct store_webimport j;
    memset(&j, 0, sizeof(j));
    if (!fio_opaque_id_new(FIO_ID_GENERAL, j.id))
        return req_fail_internal(r, "job id");
    fio_strlcpy(j.user_id, r->caller.user_id, sizeof(j.user_id));
    fio_strlcpy(j.ws_id, r->ws.id, sizeof(j.ws_id));
    fio_strlcpy(j.folder_id, folder, sizeof(j.folder_id));
    fio_strlcpy(j.source_url, url, sizeof(j.source_url));
    fio_strlcpy(j.file_name, fname ? fname : "", sizeof(j.file_name));
    if (STORE(r->st, webimport)->insert(r->st, &j, srv_now_us()) != STORE_OK)
        return req_fail_internal(r, "insert web upload");
    if (store_commit(r->st) != STORE_OK)
        return req_fail(r, 503, 0, "The database is busy; try again");
    import_kick(r->srv);
    import_note(r, j.user_id, j.id);
    if (req_set(r, "id", json_string(j.id)) != 0)
        return -1;
    return reply_job(r, j.id, j.user_id);
}

int h_web_upload_list(struct req *r)
{
    long long limit, offset;
    if (!req_param_int(r, "limit", 1, 500, 100, &limit) ||
        !req_param_int(r, "offset", 0, 1000000000, 0, &offset))
        return -1;
    const char *status = req_param(r, "status");
    if (!status)
        status = "";
    if (*status) {
        bool known = false;
        const char *p = WEB_STATUSES;
        size_t sl = strlen(status);
        for (int guard = 0; *p && guard < 16; guard++) {
            const char *bar = strchr(p, '|');
            size_t l = bar ? (size_t)(bar - p) : strlen(p);
            if (l == sl && strncmp(p, status, l) == 0)
                known = true;
            p += l + (bar ? 1 : 0);
        }
        if (!known)
            return req_fail_param(r, "status", "invalid", "status must be one of %s", WEB_STATUSES);
    }
    json_t *rows = NULL;
    long long total = 0;
    if (STORE(r->st, webimport)
            ->list(r->st, r->caller.user_id, status, (long)limit, (long)offset, &rows, &total) !=
        STORE_OK)
        return req_fail_internal(r, "list web uploads");
    json_t *items = json_array();
    size_t i;
    json_t *row;
    bool ok = items != NULL;
    json_array_foreach(rows, i, row)
    {
        if (ok)
            ok = json_array_append_new(items, job_json(json_incref(row))) == 0;
    }
    json_decref(rows);
    if (!ok) {
        json_decref(items);
        return req_fail_internal(r, "web upload list json");
    }
    bool more = offset + (long long)json_array_size(items) < total;
    json_t *pg = json_pack("{s:I, s:I, s:I, s:b}", "total", (json_int_t)total, "limit",
                           (json_int_t)limit, "offset", (json_int_t)offset, "has_more", more);
    if (req_set(r, "web_uploads", items) != 0) {
        json_decref(pg);
        return -1;
    }
    return req_set(r, "pagination", pg);
}

int h_web_upload_details(struct req *r)
{
    char id[FIO_OPAQUE_ID_SIZE];
    if (job_id(r, "id", req_arg(r, 0), id) != 0)
        return -1;
    return reply_job(r, id, r->caller.user_id);
}

int h_web_upload_cancel(struct req *r)
{
    char id[FIO_OPAQUE_ID_SIZE];
    if (job_id(r, "id", req_param(r, "id"), id) != 0)
        return -1;
    if (store_begin(r->st) != STORE_OK)
        return req_fail(r, 503, 0, "The database is busy; try again");
    struct store_webimport j;
    enum store_rc rc = STORE(r->st, webimport)->get(r->st, id, &j);
    if (rc == STORE_NOT_FOUND || (rc == STORE_OK && strcmp(j.user_id, r->caller.user_id) != 0))
        return req_fail(r, 404, API_ERR_NOT_FOUND, "No URL import job '%s'", id);
    if (rc != STORE_OK)
        return req_fail_internal(r, "web upload get");
    rc = STORE(r->st, webimport)
             ->set_status(r->st, id, "pending|queued|downloading", "canceled",
                          "Canceled by the user", srv_now_us());
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 409, API_ERR_CONFLICT,
                        "The import is %s and can no longer be canceled%s", j.status,
                        strcmp(j.status, "uploading") == 0
                            ? " (its file is being stored); delete the file instead once it is"
                            : "");
    if (rc != STORE_OK)
        return req_fail_internal(r, "cancel web upload");
    if (store_commit(r->st) != STORE_OK)
        return req_fail(r, 503, 0, "The database is busy; try again");
    import_cancel(r->srv, id);
    import_note(r, r->caller.user_id, id);
    return reply_job(r, id, r->caller.user_id);
}
