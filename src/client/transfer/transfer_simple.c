/* SPDX-License-Identifier: MIT */
/* transfer_simple.c - one call for the common upload and download (fastio/transfer.h,
 * fastio_upload_file / fastio_download_file): an engine with the defaults, one job, run, its
 * result, freed. A folder or node given as a path ("/a/b") is resolved first
 * (fastio_storage_resolve, api §4.2). Nothing here that the engine does not already do. */
#include <stdlib.h>
#include <string.h>

#include "fastio/fastio.h"
#include "fastio/transfer.h"

#include "envelope.h"

/* An id as it is, or the id of the path it names (OWNED in *owned). NULL on failure. */
static const char *node_ref(struct fastio_client *c, const char *ws, const char *ref, char **owned,
                            enum fastio_status *st, struct fastio_error *err)
{
    *owned = NULL;
    if (ref[0] != '/')
        return ref;
    *st = fastio_storage_resolve(c, ws, ref, owned, NULL, err);
    return *st == FASTIO_OK ? *owned : NULL;
}

/* Run one queued job on t and take its result; frees t. */
static enum fastio_status run_one(struct fastio_transfer *t, size_t job, char **result,
                                  struct fastio_error *err)
{
    enum fastio_status st = fastio_transfer_run(t, err);
    if (st == FASTIO_OK)
        st = fastio_transfer_job_result(t, job, result, err);
    fastio_transfer_free(t);
    return st;
}

FASTIO_API enum fastio_status fastio_upload_file(struct fastio_client *c, const char *ws,
                                                 const char *folder, const char *path,
                                                 char **node_id, struct fastio_error *err)
{
    enum fastio_status st = FASTIO_OK;
    char *owned = NULL;
    char *id = NULL;
    size_t job = 0;

    if (node_id != NULL)
        *node_id = NULL;
    if (c == NULL || ws == NULL || path == NULL)
        return fio_error_set(err, FASTIO_INVALID, "client, workspace and path are required");
    if (folder == NULL)
        folder = "root";
    const char *fid = node_ref(c, ws, folder, &owned, &st, err);
    if (fid == NULL)
        return st;
    struct fastio_upload_spec up;
    memset(&up, 0, sizeof(up));
    up.path = path;
    up.workspace = ws;
    up.folder = fid;
    struct fastio_transfer *t = fastio_transfer_new(c, NULL, err);
    if (t == NULL) {
        fastio_free(owned);
        return err != NULL ? err->status : FASTIO_NOMEM;
    }
    st = fastio_transfer_add_upload(t, &up, &job, err);
    fastio_free(owned);
    if (st != FASTIO_OK) {
        fastio_transfer_free(t);
        return st;
    }
    st = run_one(t, job, &id, err);
    if (st == FASTIO_OK && node_id != NULL)
        *node_id = id;
    else
        fastio_free(id);
    return st;
}

FASTIO_API enum fastio_status fastio_download_file(struct fastio_client *c, const char *ws,
                                                   const char *node, const char *dest_dir,
                                                   char **local_path, struct fastio_error *err)
{
    enum fastio_status st = FASTIO_OK;
    char *owned = NULL;
    char *written = NULL;
    size_t job = 0;

    if (local_path != NULL)
        *local_path = NULL;
    if (c == NULL || ws == NULL || node == NULL || dest_dir == NULL)
        return fio_error_set(err, FASTIO_INVALID,
                             "client, workspace, node and destination directory are required");
    const char *nid = node_ref(c, ws, node, &owned, &st, err);
    if (nid == NULL)
        return st;
    struct fastio_download_spec down;
    memset(&down, 0, sizeof(down));
    down.workspace = ws;
    down.node = nid;
    down.dest_dir = dest_dir;
    struct fastio_transfer *t = fastio_transfer_new(c, NULL, err);
    if (t == NULL) {
        fastio_free(owned);
        return err != NULL ? err->status : FASTIO_NOMEM;
    }
    st = fastio_transfer_add_download(t, &down, &job, err);
    fastio_free(owned);
    if (st != FASTIO_OK) {
        fastio_transfer_free(t);
        return st;
    }
    st = run_one(t, job, &written, err);
    if (st == FASTIO_OK && local_path != NULL)
        *local_path = written;
    else
        fastio_free(written);
    return st;
}
