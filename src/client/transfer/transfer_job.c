/* SPDX-License-Identifier: MIT */
/* transfer_job.c - what every job kind does the same way: failing a job with a labelled error,
 * placing a finished download, writing a whole buffer at an offset. A helper library for the
 * job files. */
#include "transfer_engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fio_xfer_job_fail(struct xfer_job *job, enum fastio_status st, const struct fastio_error *e,
                       const char *what)
{
    const char *label = job->name != NULL                           ? job->name
                        : !XFER_IS_UPLOAD(job) && job->dl.node != NULL ? job->dl.node
                                                                        : "?";
    if (job->step == STEP_FAILED || job->step == STEP_DONE)
        return;
    fastio_error_clear(&job->err);
    if (e != NULL)
        job->err = *e;
    job->err.status = st;
    {
        char msg[sizeof(job->err.message) + 600];
        (void)snprintf(msg, sizeof(msg), "%.200s: %.200s%s%s", label, what,
                       e != NULL && e->message[0] != '\0' ? ": " : "", e != NULL ? e->message : "");
        fio_strlcpy(job->err.message, msg, sizeof(job->err.message)); /* cut if need be */
    }
    job->result = st;
    job->step = STEP_FAILED;
}

void fio_xfer_fail_status(struct xfer_job *job, enum fastio_status st, const char *what)
{
    struct fastio_error e;
    fastio_error_clear(&e);
    e.status = st;
    fio_xfer_job_fail(job, st, &e, what);
}

void fio_xfer_fail_errno(struct xfer_job *job, const char *what)
{
    struct fastio_error e;
    fastio_error_clear(&e);
    (void)snprintf(e.message, sizeof(e.message), "%s", strerror(errno));
    fio_xfer_job_fail(job, FASTIO_IO, &e, what);
}

bool fio_xfer_pwrite_all(int fd, const char *buf, size_t len, uint64_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = pwrite(fd, buf + done, len - done, (off_t)(off + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        done += (size_t)w;
    }
    return true;
}

void fio_xfer_job_placed(struct xfer_job *job)
{
    struct fio_buf path;
    fio_buf_init(&path, 0);
    if (!fio_buf_append_str(&path, job->dl.dest_dir) || !fio_buf_append_str(&path, "/") ||
        !fio_buf_append_str(&path, job->dl.local_name)) {
        fio_buf_release(&path);
        fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
        return;
    }
    free(job->result_str);
    job->result_str = fio_buf_steal(&path);
    fio_buf_release(&path);
    job->bytes_done = job->size;
    job->result = FASTIO_OK;
    job->succeeded = true;
    job->step = STEP_DONE;
}

