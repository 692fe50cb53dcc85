/* SPDX-License-Identifier: MIT */
/* api_webimport.c - URL import (fastio/webimport.h, api §5.7): create and show are row calls;
 * waiting polls the job's details with a growing, bounded pause. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fastio/members.h"
#include "fastio/webimport.h"

#include "api.h"
#include "buf.h"
#include "envelope.h"
#include "timeutil.h"

#define WAIT_FIRST_MS 250
#define WAIT_MAX_MS 5000

FASTIO_API enum fastio_status fastio_web_import(struct fastio_client *c,
                                                const struct fastio_web_import_spec *spec,
                                                json_t **job, struct fastio_error *err)
{
    if (job != NULL)
        *job = NULL;
    if (spec == NULL || spec->url == NULL || spec->workspace == NULL)
        return fio_error_set(err, FASTIO_INVALID, "a URL and a workspace are required");
    /* row order: source_url, profile_id, profile_type, folder_id, file_name */
    const char *values[] = {spec->url, spec->workspace, "workspace",
                            spec->folder != NULL ? spec->folder : "root", spec->name};
    return fio_row_call(c, FASTIO_EP_WEB_UPLOAD_CREATE, values, 5, NULL, FIO_ROW_VALUE, job, err);
}

FASTIO_API enum fastio_status fastio_web_import_status(struct fastio_client *c, const char *id,
                                                       json_t **job, struct fastio_error *err)
{
    if (job != NULL)
        *job = NULL;
    if (id == NULL || id[0] == '\0')
        return fio_error_set(err, FASTIO_INVALID, "a job id is required");
    const char *values[] = {id};
    return fio_row_call(c, FASTIO_EP_WEB_UPLOAD_DETAILS, values, 1, NULL, FIO_ROW_VALUE, job, err);
}

static void pause_ms(long ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Wait up to ms for news of job id: a long-poll of the caller's activity (D-078) when *cursor is
 * set (updated; dropped on failure), else a plain sleep. */
static void wait_news(struct fastio_client *c, const char *user_id, char **cursor, long ms)
{
    if (*cursor != NULL && user_id != NULL && ms >= 1000) {
        char *next = NULL;
        struct fastio_error e;
        if (fastio_wait_activity(c, user_id, *cursor, (int)(ms / 1000), NULL, &next, &e) ==
                FASTIO_OK &&
            next != NULL) {
            fastio_free(*cursor);
            *cursor = next;
            return;
        }
        fastio_free(next);
        fastio_free(*cursor); /* the server does not serve it: sleep from now on */
        *cursor = NULL;
    }
    pause_ms(ms > 0 ? ms : 1);
}

FASTIO_API enum fastio_status fastio_web_import_wait(struct fastio_client *c, const char *id,
                                                     long timeout_ms,
                                                     fastio_web_import_progress_fn on_progress,
                                                     void *arg, json_t **job,
                                                     struct fastio_error *err)
{
    if (job != NULL)
        *job = NULL;
    int64_t start = fio_mono_us();
    long pause = WAIT_FIRST_MS;
    /* the job's state changes wake a long-poll of the caller's own activity
     * ("web_upload:{id}"); without it (another server) the looks are paced by sleeping */
    char *user_id = NULL, *cursor = NULL;
    struct fastio_error e;
    if (fastio_auth_check(c, &user_id, &e) == FASTIO_OK &&
        fastio_wait_activity(c, user_id, NULL, 0, NULL, &cursor, &e) != FASTIO_OK) {
        fastio_free(cursor);
        cursor = NULL;
    }
    enum fastio_status out = FASTIO_OK;
    for (;;) {
        json_t *j = NULL;
        enum fastio_status st = fastio_web_import_status(c, id, &j, err);
        if (st != FASTIO_OK) {
            out = st;
            break;
        }
        const char *s = json_string_value(json_object_get(j, "status"));
        if (!json_is_object(j) || s == NULL) {
            json_decref(j);
            out = fio_api_protocol(err, "web_upload details without a status");
            break;
        }
        bool done = strcmp(s, "complete") == 0,
             bad = strcmp(s, "failed") == 0 || strcmp(s, "canceled") == 0, stop = false;
        if (on_progress != NULL && on_progress(j, arg) != 0) {
            out = fio_error_set(err, FASTIO_CANCELLED, "stopped waiting");
            stop = true;
        } else if (bad) {
            const char *m = json_string_value(json_object_get(j, "status_message"));
            char msg[600];
            snprintf(msg, sizeof(msg), "URL import %s: %s", s, m != NULL && *m ? m : "(no reason)");
            out = fio_error_set(err, FASTIO_API_ERROR, msg);
            stop = true;
        } else if (done) {
            out = FASTIO_OK;
            stop = true;
        }
        int64_t waited_ms = (fio_mono_us() - start) / 1000;
        if (!stop && timeout_ms > 0 && waited_ms >= timeout_ms) {
            out = fio_error_set(err, FASTIO_TIMEOUT, "the URL import did not end in time");
            stop = true;
        }
        if (stop) {
            if (job != NULL)
                *job = j;
            else
                json_decref(j);
            break;
        }
        json_decref(j);
        long p = pause;
        if (timeout_ms > 0 && waited_ms + p > timeout_ms)
            p = (long)(timeout_ms - waited_ms);
        wait_news(c, user_id, &cursor, p);
        pause = pause + pause / 2 > WAIT_MAX_MS ? WAIT_MAX_MS : pause + pause / 2;
    }
    fastio_free(user_id);
    fastio_free(cursor);
    return out;
}
