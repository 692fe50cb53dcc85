/* SPDX-License-Identifier: MIT */
/* transfer_loop.c - the transfer engine's one event loop, and nothing else: it advances every
 * active job through its kind's table (transfer_engine.h struct xfer_job_kind), drives the one
 * curl multi handle (connections reused by every request), hands each ended request to its
 * done-handler and logs it through the client's log hook, honours cancellation and the
 * deadline, and reports progress. The requests themselves are transfer_op.c's; nothing here is
 * called back by the job files. */
#include "transfer_engine.h"

#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "retry.h"
#include "timeutil.h"

/* The loop never sleeps longer than this, so a cancel is seen within 100 ms. */
#define LOOP_SLICE_MS 50

/* ---- the loop -------------------------------------------------------------------------------- */

/* One request ended: its kind's handler judges it (fio_xfer_op_decode) and decides what the
 * job does next (fio_xfer_should_retry reads the op's row through t->judging); then the
 * request gets its log line through the client's log hook, with the wait chosen before its
 * retry, and its memory goes. */
static void dispatch(struct xfer_op *op, CURLcode rc)
{
    struct fastio_transfer *t = op->t;
    struct fastio_error e;
    enum fastio_status st;
    size_t bytes;

    op->dispatching = true;
    /* The outcome for the log: the transport, and the HTTP status class of the answer (the
     * body is the handler's: file bytes or JSON). */
    {
        const struct fio_op_io io = {op->src_changed, op->io_error, op->range_mismatch};
        st = fio_op_judge_transport(&op->op, op->easy, rc, &io, &e);
        if (st == FASTIO_OK && (op->op.http_status < 200 || op->op.http_status > 299))
            st = fio_envelope_map_status(op->op.http_status, 0);
        bytes = op->kind == OP_RANGE || op->kind == OP_ZIP ? (size_t)(op->moved + op->cbuf_len)
                                                           : op->resp.len;
    }
    t->judging = op;
    t->judged_wait_ms = -1;
    if (op->done != NULL)
        op->done(op, rc);
    else
        fio_xfer_op_free(op); /* never: every op is made with its done */
    t->judging = NULL;
    if (op->decoded) {
        st = op->decoded_st;
        e.api_code = op->decoded_api_code;
    }
    if (!t->cancelling || rc != CURLE_ABORTED_BY_CALLBACK)
        fio_op_log(&op->op, st, &e, bytes, t->judged_wait_ms);
    op->dispatching = false;
    if (op->freed) {
        fio_op_release(&op->op);
        free(op);
    }
}

/* A fingerprint of what the loop can act on: the jobs' steps, their requests in flight and
 * the download range probe. Equal before and after a pass = nothing to do until curl reports. */
static uint64_t loop_state(const struct fastio_transfer *t)
{
    uint64_t h = (uint64_t)t->ops_live;
    for (size_t i = 0; i < t->n_jobs; i++) {
        const struct xfer_job *j = t->jobs[i];
        h = h * 1000003u + (uint64_t)j->step;
        h = h * 1000003u + (uint64_t)(uint32_t)j->busy;
        h = h * 1000003u + (uint64_t)j->succeeded;
        if (!XFER_IS_UPLOAD(j)) /* the range probe lets a download's other ranges start */
            h = h * 1000003u + (uint64_t)(j->dl.ranges_probed | j->dl.no_ranges << 1);
    }
    return h;
}

static void report_progress(struct fastio_transfer *t, int64_t now, bool force)
{
    struct fastio_transfer_progress p;
    memset(&p, 0, sizeof(p));
    if (t->cfg.progress == NULL)
        return;
    if (!force && now - t->last_progress_ms < t->cfg.progress_interval_ms)
        return;
    t->last_progress_ms = now;
    p.jobs_total = t->n_jobs;
    for (size_t i = 0; i < t->n_jobs; i++) {
        const struct xfer_job *job = t->jobs[i];
        if (job->size_known)
            p.bytes_total += job->size;
        p.bytes_done += job->bytes_done;
        if (job->step == STEP_DONE || job->step == STEP_FAILED || job->succeeded)
            p.jobs_done++;
    }
    for (size_t i = 0; i < t->n_jobs; i++) {
        const struct xfer_job *job = t->jobs[i];
        if (job->bytes_done > job->bytes_prior)
            p.bytes_sent += job->bytes_done - job->bytes_prior;
    }
    for (const struct xfer_op *op = t->live; op != NULL; op = op->next) {
        p.bytes_done += op->moved;
        p.bytes_sent += op->moved;
    }
    /* The rate counts only bytes this run moved: the chunks a resumed upload found on the
     * server, a skipped file or a .partial are not bytes per second (issue 15 item 6c). */
    if (t->rate_mark_ms == 0 || p.bytes_sent < t->rate_bytes_mark) {
        t->rate_mark_ms = now;
        t->rate_bytes_mark = p.bytes_sent;
    } else if (now - t->rate_mark_ms >= 250) {
        double inst =
            (double)(p.bytes_sent - t->rate_bytes_mark) * 1000.0 / (double)(now - t->rate_mark_ms);
        /* exponential moving average over about a second */
        t->rate_bps = t->rate_bps == 0 ? inst : 0.75 * t->rate_bps + 0.25 * inst;
        t->rate_mark_ms = now;
        t->rate_bytes_mark = p.bytes_sent;
    }
    p.rate_bps = t->rate_bps;
    t->cfg.progress(t->cfg.progress_userdata, &p);
}

static bool job_active(const struct xfer_job *job)
{
    return job->step != STEP_QUEUED && job->step != STEP_DONE && job->step != STEP_FAILED;
}

/* Abort every op (handlers see t->cancelling and only save state), then release per-run
 * resources of the jobs that did not end. */
static void cancel_all(struct fastio_transfer *t)
{
    t->cancelling = true;
    while (t->live != NULL)
        dispatch(t->live, CURLE_ABORTED_BY_CALLBACK);
    for (size_t i = 0; i < t->n_jobs; i++) {
        struct xfer_job *job = t->jobs[i];
        if (job_active(job) || job->step == STEP_QUEUED) {
            job->result = FASTIO_CANCELLED;
            fastio_error_clear(&job->err);
            job->step = STEP_QUEUED;
        }
    }
    t->cancelling = false;
}

FASTIO_API enum fastio_status fastio_transfer_run(struct fastio_transfer *t,
                                                  struct fastio_error *err)
{
    enum fastio_status result = FASTIO_OK, stop = FASTIO_CANCELLED;
    bool cancelled = false;
    struct fio_deadline dl;

    if (t == NULL || t->running)
        return fio_error_set(err, FASTIO_INVALID, "no transfer engine, or already running");
    t->running = true;
    atomic_store(&t->cancel, false);
    t->token_at_ms = 0; /* ask the client for its token again */
    dl.at_ms = t->cfg.deadline_ms;
    dl.cancel = t->cfg.cancel;
    t->rate_mark_ms = 0;
    t->rate_bps = 0;
    for (size_t i = 0; i < t->n_jobs; i++) {
        struct xfer_job *job = t->jobs[i];
        job->bytes_prior = job->succeeded ? job->bytes_done : 0;
        if (XFER_IS_UPLOAD(job))
            job->up.skipped = false;
        if (!job->succeeded && XFER_IS_UPLOAD(job) && fio_xfer_up_run_start(t, job))
            continue; /* stored by an earlier run cut short: not sent again */
        if (!job->succeeded) {
            job->step = STEP_QUEUED;
            job->result = FASTIO_CANCELLED;
            fastio_error_clear(&job->err);
            if (XFER_IS_UPLOAD(job)) {
                job->up.batch_ok = 0;
                job->up.no_batch = false;
                job->up.batch_tries = 0;
                job->up.batch_no = 0;
            }
        }
    }
    for (;;) {
        int64_t now = fio_mono_ms();
        unsigned active = 0;
        bool all_ended = true, progressed = false;
        int running_handles = 0, msgs = 0;
        uint64_t state0 = loop_state(t);
        CURLMsg *m;

        if (atomic_load(&t->cancel)) {
            cancelled = true;
            break;
        }
        stop = fio_deadline_check(&dl); /* cfg.cancel, cfg.deadline_ms (issue 4) */
        if (stop != FASTIO_OK) {
            cancelled = true;
            break;
        }
        stop = FASTIO_CANCELLED;
        /* small files waiting in the queue go into batch requests first */
        fio_xfer_batch_advance(t, now);
        for (size_t i = 0; i < t->n_jobs; i++)
            if (job_active(t->jobs[i]) && t->jobs[i]->step != STEP_BATCH)
                active++;
        for (size_t i = 0; i < t->n_jobs; i++) {
            struct xfer_job *job = t->jobs[i];
            if (job->step == STEP_QUEUED && !job->succeeded && fio_xfer_batch_waiting(t, job)) {
                all_ended = false; /* a batch request will take it */
                continue;
            }
            if (job->step == STEP_QUEUED && !job->succeeded) {
                if (active >= t->cfg.max_files) {
                    all_ended = false;
                    continue;
                }
                active++;
            }
            if (job->step == STEP_DONE || job->step == STEP_FAILED || job->succeeded) {
                /* per-run resources go as soon as a job ends: fds are not held to the end */
                if (job->busy == 0 &&
                    (job->fd >= 0 || (!XFER_IS_UPLOAD(job) && job->dl.dir_fd >= 0)))
                    job->kind->reset(t, job);
                continue;
            }
            all_ended = false;
            job->kind->advance(t, job, now);
        }
        if (all_ended && t->ops_live == 0)
            break;
        (void)curl_multi_perform(t->multi, &running_handles);
        while ((m = curl_multi_info_read(t->multi, &msgs)) != NULL) {
            struct xfer_op *op = NULL;
            if (m->msg != CURLMSG_DONE)
                continue;
            (void)curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&op);
            if (op != NULL) {
                dispatch(op, m->data.result);
                progressed = true;
            }
        }
        report_progress(t, fio_mono_ms(), false);
        /* Sleep only when this pass changed nothing: a job that moved on (a step, a new
         * request, the first 206 that lets the other ranges start) is advanced again at once
         * instead of after a whole slice (the slice cost 50 ms at start and per download). */
        if (!progressed && loop_state(t) == state0) {
            int64_t left = fio_deadline_left_ms(&dl); /* wake at the deadline, not after */
            int slice = left < LOOP_SLICE_MS ? (left > 0 ? (int)left : 0) : LOOP_SLICE_MS;
            (void)curl_multi_poll(t->multi, NULL, 0, slice, NULL);
        }
    }
    if (cancelled)
        cancel_all(t);
    report_progress(t, fio_mono_ms(), true);
    for (size_t i = 0; i < t->n_jobs; i++) {
        struct xfer_job *job = t->jobs[i];
        job->kind->reset(t, job);
        if (job->succeeded || result != FASTIO_OK)
            continue;
        result = job->result;
        if (err != NULL) {
            *err = job->err;
            if (err->status == FASTIO_OK) {
                fastio_error_clear(err);
                err->status = job->result;
                (void)snprintf(err->message, sizeof(err->message), "%s",
                               fastio_status_str(job->result));
            }
        }
    }
    t->running = false;
    if (!cancelled && result == FASTIO_OK)
        for (size_t i = 0; i < t->n_jobs; i++)
            fio_xfer_up_forget(t->jobs[i]); /* every file stored: a new run sends them anew */
    if (cancelled) {
        fastio_error_clear(err);
        return fio_error_set(
            err, stop, stop == FASTIO_TIMEOUT ? "transfer deadline passed" : "transfer cancelled");
    }
    if (result == FASTIO_OK)
        fastio_error_clear(err);
    return result;
}
