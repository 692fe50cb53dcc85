/* SPDX-License-Identifier: MIT */
/* transfer_limits.c - GET /upload/limits/ (api §5.8), once per engine, before the first upload
 * plans its chunks: the chunk size bounds, the chunk-count cap, and whether this server takes a
 * chunk's CRC after its bytes (trailing_hash). */
#include "transfer_engine.h"

#include "envelope.h"
#include "timeutil.h"

void fio_xfer_limits_start(struct fastio_transfer *t, int64_t now)
{
    struct fastio_error e;
    struct xfer_op *op;
    if (t->limits_state != 0 || now < t->limits_not_before_ms)
        return;
    op = fio_xfer_op_new(t, NULL, OP_LIMITS);
    if (op != NULL) {
        op->done = fio_xfer_limits_done;
        op->op.attempt = t->limits_retries + 1;
    }
    if (op == NULL ||
        fio_xfer_op_build(op, FASTIO_EP_UPLOAD_LIMITS, NULL, 0, NULL, 0, true, &e) != FASTIO_OK ||
        fio_xfer_op_start(op, &e) != FASTIO_OK) {
        /* op_start frees on failure; op_build failures leave it to us */
        if (op != NULL && !op->added)
            fio_xfer_op_free(op);
        t->limits_state = 2; /* go on with defaults */
        return;
    }
    t->limits_state = 1;
}

static uint64_t json_u64(json_t *o, const char *key)
{
    long v = 0;
    if (o == NULL || !fio_json_to_long(json_object_get(o, key), &v) || v < 0)
        return 0;
    return (uint64_t)v;
}

void fio_xfer_limits_done(struct xfer_op *op, CURLcode rc)
{
    struct fastio_transfer *t = op->t;
    struct fastio_error e;
    json_t *body = NULL;
    enum fastio_status st = fio_xfer_op_decode(op, rc, &body, &e);
    fio_xfer_op_free(op);
    if (st == FASTIO_OK) {
        json_t *l = json_object_get(body, "limits");
        if (!json_is_object(l))
            l = body;
        t->limits.chunk_size_max = json_u64(l, "chunk_size");
        t->limits.chunks_max = json_u64(l, "chunks");
        t->limits.file_size_max = json_u64(l, "size");
        t->limits.chunk_size_min = json_u64(l, "chunk_size_min");
        t->limits.trailing_hash = json_is_true(json_object_get(l, "trailing_hash"));
        t->limits_state = 2;
    } else {
        long wait = 0;
        if (!t->cancelling && fio_xfer_should_retry(t, &e, false, &t->limits_retries, &wait)) {
            t->limits_state = 0;
            t->limits_not_before_ms = fio_mono_ms() + wait;
        } else {
            /* An older server without the route: the planner's defaults and the plan's
             * smallest chunk cap keep sessions valid. */
            t->limits.chunks_max = 35;
            t->limits_state = 2;
        }
    }
    json_decref(body);
}

