/* SPDX-License-Identifier: MIT */
/* fastio/webimport.h - URL import (api §5.7; docs/server.md "URL import"): the server fetches a
 * public http(s) URL (Google Drive, Dropbox, OneDrive and Box share links included) and stores
 * it as a file of a workspace, so the bytes never pass through the client. A call returns at
 * once with a job; the job goes pending -> queued -> downloading -> uploading -> complete |
 * failed | canceled, and failures are reported only in the job (status_message), so a caller
 * that cares waits for it (fastio_web_import_wait).
 *
 * The job object (OWNED by the caller where returned): {id, source_url, profile_type,
 * profile_id, folder_id, file_name (the stored name, once known), status, status_message,
 * bytes_done, size (-1 = not announced), new_file_id (once complete), created, updated, ...}.
 * Listing and cancelling are plain rows (FASTIO_EP_WEB_UPLOAD_LIST, _CANCEL) for fastio_call().
 *
 * Same conventions as fastio/fastio.h (ownership, errors, one client per thread). */
#ifndef FASTIO_WEBIMPORT_H
#define FASTIO_WEBIMPORT_H

#include "fastio/fastio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-call struct without a size field: zero-fill it (zero = the default); ABI rule in
 * fastio/fastio.h. */
struct fastio_web_import_spec {
    const char *url;       /* required: http:// or https:// */
    const char *workspace; /* required: workspace id or folder_name */
    const char *folder;    /* folder node id; NULL = the root */
    const char *name;      /* stored file name; NULL = Content-Disposition, else the URL's */
};

/* POST /web_upload/. *job (OWNED) is the new job; its "id" names it. Not resent after a lost
 * answer (UNSAFE row): a resend would start a second import. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_web_import(struct fastio_client *c, const struct fastio_web_import_spec *spec, json_t **job,
                  struct fastio_error *err);

/* GET /web_upload/{id}/details/: *job (OWNED). */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_web_import_status(struct fastio_client *c,
                                                                        const char *id,
                                                                        json_t **job,
                                                                        struct fastio_error *err);

/* Wait until the job is complete, failed or canceled, at most timeout_ms (0 = no limit; a
 * monotonic clock). Between looks at the job it long-polls the caller's activity, which the
 * job's state changes wake at once (key "web_upload:{id}"), or, where that is not served,
 * sleeps; either way a look comes 250 ms after the first, then at gaps growing by half up to
 * 5 s. *job (OWNED,
 * may be NULL) is the last job seen. Returns OK when the job is complete, FASTIO_API_ERROR when
 * it failed or was canceled (err->message is its status_message), TIMEOUT when time ran out,
 * or the status of a failed look. on_progress (may be NULL) is called after each look with the
 * job (borrowed for the call); returning non-zero stops waiting with CANCELLED. */
typedef int (*fastio_web_import_progress_fn)(const json_t *job, void *arg);
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_web_import_wait(struct fastio_client *c, const char *id, long timeout_ms,
                       fastio_web_import_progress_fn on_progress, void *arg, json_t **job,
                       struct fastio_error *err);

#ifdef __cplusplus
}
#endif

#endif
