/* SPDX-License-Identifier: MIT */
/* locked_edit.c - change a file under its lock, so that no one else writes it in between:
 * take the lock, download the file, append a line, upload it as a new version with the lock's
 * token, release the lock (also when a step fails).
 *
 *   usage: locked_edit WORKSPACE FILE LINE
 *
 * FILE is a file node id or its path (/notes/todo.txt). FASTIO_API_BASE and FASTIO_API_KEY as
 * in upload_file.c. While the lock is held, a write to the file without the token is refused
 * by the server (409 Conflict).
 *
 * Build: cc locked_edit.c $(pkg-config --cflags --libs fastio) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fastio/fastio.h>
#include <fastio/lock.h>
#include <fastio/transfer.h>

struct edit {
    const char *workspace;
    const char *node; /* the file's id */
    const char *line; /* what to append */
};

/* Upload local_path as a new version of the file, with the lock's token. The one-call helper
 * has no token parameter, so this uses the transfer engine it is made of. */
static enum fastio_status upload_version(struct fastio_client *c, const struct edit *e,
                                         const char *local_path, const char *lock_token,
                                         struct fastio_error *err)
{
    struct fastio_transfer *t = fastio_transfer_new(c, NULL, err); /* NULL = default settings */
    if (t == NULL)
        return err->status;
    /* per-call specs are zero-filled; zero means "the default" */
    struct fastio_upload_spec up = {.path = local_path,
                                    .workspace = e->workspace,
                                    .file_id = e->node,       /* a new version of this file */
                                    .lock_token = lock_token}; /* checked at every step */
    size_t job;
    enum fastio_status st = fastio_transfer_add_upload(t, &up, &job, err);
    if (st == FASTIO_OK)
        st = fastio_transfer_run(t, err);
    fastio_transfer_free(t);
    return st;
}

/* Runs while the lock is held (and kept alive in the background by fastio_with_lock). */
static enum fastio_status edit_locked(void *userdata, struct fastio_client *c,
                                      const char *lock_token, struct fastio_error *err)
{
    const struct edit *e = userdata;
    char dir[] = "/tmp/locked_edit-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        snprintf(err->message, sizeof(err->message), "cannot make a temporary directory");
        return err->status = FASTIO_IO;
    }
    /* 1. the current bytes, into the temporary directory under the file's own name */
    char *local = NULL;
    enum fastio_status st = fastio_download_file(c, e->workspace, e->node, dir, &local, err);
    /* 2. the edit: append a line */
    if (st == FASTIO_OK) {
        FILE *f = fopen(local, "a");
        if (f == NULL || fprintf(f, "%s\n", e->line) < 0 || fclose(f) != 0) {
            snprintf(err->message, sizeof(err->message), "cannot append to %s", local);
            st = err->status = FASTIO_IO;
        }
    }
    /* 3. back to the server as a new version, carrying the lock token */
    if (st == FASTIO_OK)
        st = upload_version(c, e, local, lock_token, err);
    if (local != NULL)
        unlink(local);
    fastio_free(local);
    rmdir(dir);
    return st;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s WORKSPACE FILE LINE\n", argv[0]);
        return 2;
    }
    if (fastio_global_init() != FASTIO_OK)
        return 1;
    struct fastio_config cfg;
    fastio_config_init(&cfg);
    const char *base = getenv("FASTIO_API_BASE");
    cfg.base_url = base != NULL ? base : "http://127.0.0.1:8787/current";
    cfg.token = getenv("FASTIO_API_KEY");
    struct fastio_error err;
    struct fastio_client *client = fastio_client_new(&cfg, &err);
    if (client == NULL) {
        fprintf(stderr, "client: %s\n", err.message);
        fastio_global_cleanup();
        return 1;
    }

    int rc = 0;
    /* Locks are taken on a node id: a path (it starts with '/') is looked up first. */
    const char *node = argv[2];
    char *resolved = NULL;
    if (node[0] == '/') {
        if (fastio_storage_resolve(client, argv[1], node, &resolved, NULL, &err) != FASTIO_OK) {
            fprintf(stderr, "%s: %s\n", node, err.message);
            rc = 1;
        }
        node = resolved;
    }
    if (rc == 0) {
        struct edit e = {argv[1], node, argv[3]};
        /* Waits up to 30 s while someone else holds the lock; the lock lasts 60 s and is
         * renewed while edit_locked runs; released afterwards, whatever edit_locked returned. */
        struct fastio_lock_opts lo = {.duration_s = 60, .wait_ms = 30000};
        if (fastio_with_lock_ex(client, argv[1], node, &lo, edit_locked, &e, &err) != FASTIO_OK) {
            fprintf(stderr, "edit: %s (%s)\n", err.message, fastio_status_name(err.status));
            rc = 1;
        }
    }
    fastio_free(resolved);
    fastio_client_free(client);
    fastio_global_cleanup();
    return rc;
}
