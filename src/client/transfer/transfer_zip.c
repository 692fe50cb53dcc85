/* SPDX-License-Identifier: MIT */
/* transfer_zip.c - a folder's zip download (api §6): one streamed GET of the folder's zip/
 * into "<name>.partial" in the destination directory (curl's small write callbacks gathered
 * into 1 MiB writes), renamed into place when the stream ended well. The archive has no length
 * and no Range, so there is no resume: a failed stream starts again from the beginning. */
#include "transfer_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timeutil.h"

/* ---- a folder's zip: one stream into "<name>.partial", then rename -------------------------- */

void fio_xfer_zip_open(struct fastio_transfer *t, struct xfer_job *job, const char *remote_name)
{
    char want[300];
    (void)t;
    if (job->name != NULL)
        (void)snprintf(want, sizeof(want), "%s", job->name);
    else
        (void)snprintf(want, sizeof(want), "%.240s.zip",
                       remote_name != NULL && remote_name[0] != '\0' ? remote_name : job->dl.node);
    fio_xfer_sanitize_name(want, strlen(want), job->dl.local_name, sizeof(job->dl.local_name));
    {
        size_t n = strlen(job->dl.local_name);
        if (n > 200) { /* "<name>.partial" must fit NAME_MAX too */
            n = 200;
            while (n > 0 && ((unsigned char)job->dl.local_name[n] & 0xc0) == 0x80)
                n--;
        }
        (void)snprintf(job->dl.partial_name, sizeof(job->dl.partial_name), "%.*s.partial", (int)n,
                       job->dl.local_name);
    }
    job->dl.dir_fd = open(job->dl.dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (job->dl.dir_fd < 0) {
        fio_xfer_fail_errno(job, "cannot open the destination directory");
        return;
    }
    /* 0666: the umask (and a default ACL) decide, as for any file a program creates;
     * the file is renamed into place with this mode (D-087). */
    job->fd = openat(job->dl.dir_fd, job->dl.partial_name,
                     O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (job->fd < 0) {
        fio_xfer_fail_errno(job, "cannot create the .partial file");
        return;
    }
    job->bytes_done = 0;
    job->step_not_before_ms = 0;
    job->step = STEP_ZIP;
}

static size_t on_zip_data(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct xfer_op *op = userdata;
    struct xfer_job *job = op->job;
    size_t n = size * nmemb, used = 0;
    if (!op->sink_decided) {
        (void)curl_easy_getinfo(op->easy, CURLINFO_RESPONSE_CODE, &op->http_status);
        op->sink_decided = true;
        op->sink_file = op->http_status == 200;
    }
    if (!op->sink_file)
        return fio_buf_append(&op->resp, data, n) ? n : 0;
    while (used < n) {
        size_t k = XFER_COALESCE - op->cbuf_len;
        if (k > n - used)
            k = n - used;
        memcpy(op->cbuf + op->cbuf_len, data + used, k);
        op->cbuf_len += k;
        op->moved += k;
        used += k;
        if (op->cbuf_len < XFER_COALESCE)
            continue;
        if (!fio_xfer_pwrite_all(job->fd, op->cbuf, op->cbuf_len, job->bytes_done)) {
            op->io_error = true;
            return 0;
        }
        job->bytes_done += op->cbuf_len;
        op->cbuf_len = 0;
        op->moved = 0;
    }
    return n;
}

void fio_xfer_zip_start(struct fastio_transfer *t, struct xfer_job *job)
{
    const char *args[2] = {job->workspace, job->dl.node};
    struct fastio_error e;
    struct xfer_op *op;
    bool ok;
    /* no Range for a zip: every attempt starts the file over */
    if (ftruncate(job->fd, 0) != 0) {
        fio_xfer_fail_errno(job, "cannot truncate the .partial file");
        return;
    }
    job->bytes_done = 0;
    op = fio_xfer_op_new(t, job, OP_ZIP);
    if (op == NULL) {
        fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
        return;
    }
    op->cbuf = fio_xfer_buf_get(t);
    ok = op->cbuf != NULL &&
         fio_xfer_op_build(op, FASTIO_EP_STORAGE_ZIP, args, 2, NULL, 0, false, &e) == FASTIO_OK &&
         curl_easy_setopt(op->easy, CURLOPT_WRITEFUNCTION, on_zip_data) == CURLE_OK &&
         curl_easy_setopt(op->easy, CURLOPT_WRITEDATA, (void *)op) == CURLE_OK;
    if (!ok) {
        fio_xfer_op_free(op);
        fio_xfer_fail_status(job, FASTIO_NOMEM, "cannot build the request");
        return;
    }
    if (fio_xfer_op_start(op, &e) != FASTIO_OK)
        fio_xfer_job_fail(job, e.status, &e, "cannot start the request");
}

void fio_xfer_zip_done(struct xfer_op *op, CURLcode rc)
{
    struct fastio_transfer *t = op->t;
    struct xfer_job *job = op->job;
    struct fastio_error e;
    enum fastio_status st;

    if (t->cancelling || job->step != STEP_ZIP) {
        fio_xfer_op_free(op);
        return;
    }
    if (rc == CURLE_OK && op->sink_file && op->cbuf_len > 0 &&
        !fio_xfer_pwrite_all(job->fd, op->cbuf, op->cbuf_len, job->bytes_done))
        op->io_error = true;
    if (op->io_error) {
        fio_xfer_op_free(op);
        (void)unlinkat(job->dl.dir_fd, job->dl.partial_name, 0);
        fio_xfer_fail_status(job, FASTIO_IO, "cannot write the .partial file");
        return;
    }
    if (rc != CURLE_OK || !op->sink_file) {
        st = fio_xfer_op_decode(op, rc, NULL, &e);
        if (st == FASTIO_OK) {
            e.status = st = FASTIO_PROTOCOL;
            (void)snprintf(e.message, sizeof(e.message), "no zip bytes in the answer");
        }
        fio_xfer_op_free(op);
        {
            long wait = 0;
            if (fio_xfer_should_retry(t, &e, false, &job->step_retries, &wait)) {
                job->step_not_before_ms = fio_mono_ms() + wait;
            } else {
                /* a zip is never resumed: nothing of it stays behind */
                (void)unlinkat(job->dl.dir_fd, job->dl.partial_name, 0);
                fio_xfer_job_fail(job, st, &e, "folder download failed");
            }
        }
        return;
    }
    job->bytes_done += op->cbuf_len;
    op->cbuf_len = 0;
    fio_xfer_op_free(op);
    job->size = job->bytes_done;
    job->size_known = true;
    if (renameat(job->dl.dir_fd, job->dl.partial_name, job->dl.dir_fd, job->dl.local_name) != 0) {
        fio_xfer_fail_errno(job, "cannot rename the .partial file");
        return;
    }
    fio_xfer_job_placed(job); /* size = bytes_done: what the stream had */
}
