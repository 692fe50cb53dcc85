/* SPDX-License-Identifier: MIT */
/* store_webimport.h - the web_imports table (schema.sql migrations 9 and 14; api §5.7;
 * docs/server.md "URL import"): one row per URL import job. Status 'pending' (accepted, waiting for
 * a worker)
 * -> 'queued' (taken by a worker) -> 'downloading' (bytes arriving into its upload session) ->
 * 'uploading' (the upload session is being stored as a file) -> 'complete' | 'failed' |
 * 'canceled'. Times are wall microseconds passed in by the caller. */
#ifndef SRV_STORE_WEBIMPORT_H
#define SRV_STORE_WEBIMPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "id.h"
#include "name.h"
#include "store.h"

#define STORE_WI_URL_MAX 8192
#define STORE_WI_MSG_MAX 512
#define STORE_WI_VALIDATOR_MAX 255

/* A job as the import worker reasons about it. "" stands for SQL NULL in the text fields. */
struct store_webimport {
    char id[FIO_OPAQUE_ID_SIZE];
    char user_id[FIO_PROFILE_ID_SIZE];
    char ws_id[FIO_PROFILE_ID_SIZE];
    char folder_id[FIO_OPAQUE_ID_SIZE]; /* "" = root */
    char source_url[STORE_WI_URL_MAX + 1];
    char file_name[FIO_NAME_MAX_BYTES + 1]; /* the caller's file_name, "" = from the download */
    char status[16];
    char upload_id[FIO_OPAQUE_ID_SIZE]; /* its upload session once downloading, else "" */
    int64_t attempts;                   /* runs started (a restart may start another) */
    /* D-126 (migration 14): the If-Range validator of the first answer ("" = not resumable)
     * and the whole file's size it announced (-1 = unknown) */
    char resume_validator[STORE_WI_VALIDATOR_MAX + 1];
    int64_t resume_size;
};

struct store_webimport_ops {
    /* Insert a new job (status 'pending'). */
    enum store_rc (*insert)(struct store_conn *c, const struct store_webimport *j, int64_t now);
    /* Job id: STORE_OK (filled) or STORE_NOT_FOUND. */
    enum store_rc (*get)(struct store_conn *c, const char *id, struct store_webimport *out);
    /* Job id of user_id as a row object (columns as named in schema.sql), or STORE_NOT_FOUND. */
    enum store_rc (*view)(struct store_conn *c, const char *id, const char *user_id, json_t **out);
    /* The jobs of user_id newest first (status "" = any), limit/offset; *out an array of row
     * objects, *total the count matching. */
    enum store_rc (*list)(struct store_conn *c, const char *user_id, const char *status, long limit,
                          long offset, json_t **out, long long *total);
    /* The oldest 'pending' job moved to 'queued' with attempts + 1: STORE_OK (filled) or
     * STORE_NOT_FOUND when none waits. Call inside a transaction. */
    enum store_rc (*claim)(struct store_conn *c, int64_t now, struct store_webimport *out);
    /* Status change from one of the states in `from` ("a|b|c") to `to`: STORE_NOT_FOUND when
     * the job is not in one of them (canceled meanwhile). msg NULL keeps the message. */
    enum store_rc (*set_status)(struct store_conn *c, const char *id, const char *from,
                                const char *to, const char *msg, int64_t now);
    /* Progress: bytes done and the announced size (-1 = unknown), the final name. */
    enum store_rc (*progress)(struct store_conn *c, const char *id, int64_t bytes, int64_t size,
                              const char *name, int64_t now);
    /* The upload session of the running job (set before its first byte). */
    enum store_rc (*set_upload)(struct store_conn *c, const char *id, const char *upload_id,
                                int64_t now);
    /* Record what a resumed run sends (D-126): validator ("" = not resumable) and the size of
     * the whole file (-1 = unknown). */
    enum store_rc (*set_resume)(struct store_conn *c, const char *id, const char *validator,
                                int64_t size, int64_t now);
    /* 'complete' with the node and the final byte count (-1 = keep bytes_done). */
    enum store_rc (*complete)(struct store_conn *c, const char *id, const char *node_id,
                              int64_t bytes, int64_t now);
    /* How many jobs of user_id are not in a final state. */
    enum store_rc (*open_count)(struct store_conn *c, const char *user_id, long long *n);
    /* Call fn for each job not in a final state (at most max); recovery at start-up. */
    enum store_rc (*each_open)(struct store_conn *c, long max,
                               void (*fn)(const struct store_webimport *j, void *arg), void *arg);
};

#endif
