/* SPDX-License-Identifier: MIT */
/* transfer_upload_send.c - the requests of the upload state machine (transfer_upload.c): the
 * JSON calls (session create, details, complete), the single multipart request of a small file
 * (api §5.3), a chunk with its CRC-32C and, on the chunk that completes the file, the file's
 * (api §5.4), and the raw body of a stream session (api §5.5). Chunk bytes are pread straight
 * from the file in curl's read callback; a pipe is read as curl asks for more. */
#include "transfer_engine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"

static size_t read_part(char *buffer, size_t size, size_t nitems, void *arg)
{
    struct xfer_op *op = arg;
    size_t want = size * nitems;
    ssize_t r;
    if (op->rd_end - op->rd_pos < want)
        want = (size_t)(op->rd_end - op->rd_pos);
    if (want == 0)
        return 0;
    do {
        r = pread(op->job->fd, buffer, want, (off_t)op->rd_pos);
    } while (r < 0 && errno == EINTR);
    if (r <= 0) {
        op->src_changed = r == 0; /* shorter than when the chunk's CRC was taken */
        return CURL_READFUNC_ABORT;
    }
    if (op->crc_on_way)
        op->crc_run = fio_crc32c(op->crc_run, buffer, (size_t)r); /* still in cache */
    op->rd_pos += (uint64_t)r;
    op->moved += (uint64_t)r;
    return (size_t)r;
}

static int seek_part(void *arg, curl_off_t offset, int origin)
{
    struct xfer_op *op = arg;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > op->rd_end - op->rd_start)
        return CURL_SEEKFUNC_CANTSEEK;
    if (op->crc_on_way && offset != 0)
        return CURL_SEEKFUNC_CANTSEEK; /* the running CRC starts at the chunk's first byte */
    op->rd_pos = op->rd_start + (uint64_t)offset;
    op->moved = (uint64_t)offset;
    op->crc_run = 0;
    return CURL_SEEKFUNC_OK;
}

/* The 8 hex digits of a field after the chunk's bytes: its hash (the running CRC) or, on the
 * chunk that completes the file, the file's CRC combined from every chunk's. Taken when curl
 * first asks, which is after it has read all the chunk's bytes (parts are read in order). */
static size_t read_trailer(char *buffer, size_t size, size_t nitems, void *arg)
{
    struct xfer_trailer *tr = arg;
    struct xfer_op *op = tr->op;
    size_t want = size * nitems, n;
    if (tr->pos == 0) {
        uint32_t crc = op->crc_run;
        if (op->rd_pos != op->rd_end)
            return CURL_READFUNC_ABORT; /* never: the bytes come first */
        if (tr->file) {
            struct xfer_job *job = op->job;
            crc = 0;
            for (uint32_t k = 0; k < job->up.n_chunks; k++) {
                const struct xfer_chunk *c = &job->up.chunks[k];
                if (k != op->index && !c->crc_known)
                    return CURL_READFUNC_ABORT; /* never: the last chunk goes after the others */
                crc = fio_crc32c_combine(crc, k == op->index ? op->crc_run : c->crc, c->len);
            }
        }
        fio_crc32c_hex(crc, tr->hex);
    }
    n = 8 - tr->pos;
    if (n > want)
        n = want;
    memcpy(buffer, tr->hex + tr->pos, n);
    tr->pos += (unsigned)n;
    return n;
}

static int seek_trailer(void *arg, curl_off_t offset, int origin)
{
    struct xfer_trailer *tr = arg;
    if (origin != SEEK_SET || offset != 0)
        return CURL_SEEKFUNC_CANTSEEK;
    tr->pos = 0;
    return CURL_SEEKFUNC_OK;
}

static bool add_trailer(struct xfer_op *op, unsigned k, bool file)
{
    struct xfer_trailer *tr = &op->trail[k];
    curl_mimepart *part = curl_mime_addpart(op->mime);
    *tr = (struct xfer_trailer){.op = op, .file = file};
    return part != NULL && curl_mime_name(part, file ? "file_crc32c" : "hash") == CURLE_OK &&
           curl_mime_data_cb(part, 8, read_trailer, seek_trailer, NULL, tr) == CURLE_OK;
}

/* One multipart part named "chunk" whose bytes curl pulls from the file (api §1.2). */
static bool add_file_part(struct xfer_op *op, uint64_t off, uint64_t len, const char *filename)
{
    curl_mimepart *part;
    op->mime = curl_mime_init(op->easy);
    if (op->mime == NULL || (part = curl_mime_addpart(op->mime)) == NULL)
        return false;
    op->rd_start = op->rd_pos = off;
    op->rd_end = off + len;
    return curl_mime_name(part, "chunk") == CURLE_OK &&
           curl_mime_filename(part, filename) == CURLE_OK &&
           curl_mime_type(part, "application/octet-stream") == CURLE_OK &&
           curl_mime_data_cb(part, (curl_off_t)len, read_part, seek_part, NULL, op) == CURLE_OK;
}

static bool add_text_part(struct xfer_op *op, const char *name, const char *value)
{
    curl_mimepart *part = curl_mime_addpart(op->mime);
    return part != NULL && curl_mime_name(part, name) == CURLE_OK &&
           curl_mime_data(part, value, CURL_ZERO_TERMINATED) == CURLE_OK;
}

static void start_or_fail(struct xfer_op *op, struct xfer_job *job, bool ok, const char *what)
{
    struct fastio_error e;
    fastio_error_clear(&e);
    if (!ok) {
        fio_xfer_op_free(op);
        fio_xfer_job_fail(job, FASTIO_NOMEM, &e, what);
        return;
    }
    if (fio_xfer_op_start(op, &e) != FASTIO_OK)
        fio_xfer_job_fail(job, e.status, &e, what);
}

void fio_xfer_issue_json(struct fastio_transfer *t, struct xfer_job *job, enum op_kind kind,
                         enum fastio_endpoint ep, const char *id, const struct fastio_param *params,
                         size_t n_params)
{
    struct fastio_error e;
    const char *args[1] = {id};
    struct xfer_op *op = fio_xfer_op_new(t, job, kind);
    if (op == NULL) {
        fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
        return;
    }
    if (fio_xfer_op_build(op, ep, id != NULL ? args : NULL, id != NULL ? 1 : 0, params, n_params,
                          true, &e) != FASTIO_OK) {
        fio_xfer_op_free(op);
        fio_xfer_job_fail(job, e.status, &e, "cannot build the request");
        return;
    }
    start_or_fail(op, job, true, "cannot start the request");
}

void fio_xfer_issue_create(struct fastio_transfer *t, struct xfer_job *job, bool stream)
{
    char size[32], cs[32], ms[32];
    /* chunk_size fixes the session's chunk size up front, so chunks may arrive in any order
     * (this server's extension; others ignore it). */
    struct fastio_param p[11] = {
        {"name", job->name},
        {"size", size},
        {"action", job->up.file_id != NULL ? "update" : "create"},
        {"instance_id", job->workspace},
        {"folder_id", job->up.file_id != NULL ? NULL : job->up.folder},
        {"profile_type", "workspace"},
        {"stream", stream ? "true" : NULL},
        {"chunk_size", stream ? NULL : cs},
        {"max_size", stream && job->up.max_size > 0 ? ms : NULL},
        {"file_id", job->up.file_id},
        {"lock_token", job->up.lock_token},
    };
    (void)snprintf(size, sizeof(size), "%llu", (unsigned long long)job->size);
    (void)snprintf(cs, sizeof(cs), "%llu", (unsigned long long)job->up.chunk_size);
    (void)snprintf(ms, sizeof(ms), "%llu", (unsigned long long)job->up.max_size);
    if (stream)
        p[1].value = NULL;
    fio_xfer_issue_json(t, job, stream ? OP_STREAM_CREATE : OP_CREATE, FASTIO_EP_UPLOAD_CREATE,
                        NULL, p, 11);
}

/* api §5.3: text parts and the whole file as part "chunk", in one request. */
void fio_xfer_issue_single(struct fastio_transfer *t, struct xfer_job *job)
{
    struct fastio_error e;
    char size[32], hex[FIO_CRC32C_HEX_SIZE];
    uint32_t crc = 0;
    struct xfer_op *op;
    bool ok;

    if (fio_xfer_crc_range(t, job->fd, 0, job->size, &crc) != FASTIO_OK) {
        fio_xfer_fail_status(job, FASTIO_CONFLICT, "source file changed during the upload");
        return;
    }
    fio_crc32c_hex(crc, hex);
    op = fio_xfer_op_new(t, job, OP_SINGLE);
    if (op == NULL) {
        fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
        return;
    }
    if (fio_xfer_op_build(op, FASTIO_EP_UPLOAD_CREATE, NULL, 0, NULL, 0, false, &e) != FASTIO_OK) {
        fio_xfer_op_free(op);
        fio_xfer_job_fail(job, e.status, &e, "cannot build the request");
        return;
    }
    (void)snprintf(size, sizeof(size), "%llu", (unsigned long long)job->size);
    op->mime = curl_mime_init(op->easy);
    ok = op->mime != NULL && add_text_part(op, "name", job->name) &&
         add_text_part(op, "size", size) &&
         add_text_part(op, "action", job->up.file_id != NULL ? "update" : "create") &&
         add_text_part(op, "instance_id", job->workspace) &&
         (job->up.file_id != NULL ? add_text_part(op, "file_id", job->up.file_id)
                               : add_text_part(op, "folder_id", job->up.folder)) &&
         (job->up.lock_token == NULL || add_text_part(op, "lock_token", job->up.lock_token)) &&
         add_text_part(op, "profile_type", "workspace") &&
         add_text_part(op, "hash_algo", "crc32c") && add_text_part(op, "hash", hex);
    if (ok) {
        curl_mimepart *part = curl_mime_addpart(op->mime);
        op->rd_start = op->rd_pos = 0;
        op->rd_end = job->size;
        ok = part != NULL && curl_mime_name(part, "chunk") == CURLE_OK &&
             curl_mime_filename(part, job->name) == CURLE_OK &&
             curl_mime_type(part, "application/octet-stream") == CURLE_OK &&
             curl_mime_data_cb(part, (curl_off_t)job->size, read_part, seek_part, NULL, op) ==
                 CURLE_OK;
    }
    ok = ok && curl_easy_setopt(op->easy, CURLOPT_MIMEPOST, op->mime) == CURLE_OK;
    start_or_fail(op, job, ok, "cannot build the request");
}

/* Every chunk's CRC but chunk skip's known: chunks whose CRC is not known yet (the server had
 * them, the journal did not) are read once. false when the source can no longer be read so. */
static bool known_crcs(struct fastio_transfer *t, struct xfer_job *job, uint32_t skip)
{
    for (uint32_t i = 0; i < job->up.n_chunks; i++) {
        struct xfer_chunk *c = &job->up.chunks[i];
        if (i == skip || c->crc_known)
            continue;
        if (fio_xfer_crc_range(t, job->fd, c->off, c->len, &c->crc) != FASTIO_OK)
            return false;
        c->crc_known = true;
    }
    return true;
}

/* The CRC of the whole file, combined from the chunks' (api §5.4). */
static bool file_crc(struct fastio_transfer *t, struct xfer_job *job)
{
    uint32_t acc = 0;
    if (!known_crcs(t, job, job->up.n_chunks))
        return false;
    for (uint32_t i = 0; i < job->up.n_chunks; i++)
        acc = fio_crc32c_combine(acc, job->up.chunks[i].crc, job->up.chunks[i].len);
    job->up.file_crc = acc;
    job->up.file_crc_ready = true;
    return true;
}

/* Whether chunk CRCs follow the bytes (transfer.h hash_before_send). */
bool fio_xfer_trailing_crc(const struct fastio_transfer *t)
{
    return t->limits.trailing_hash && !t->cfg.hash_before_send;
}

/* api §5.4: POST /upload/{id}/chunk/?order=N&size=S&hash_algo=crc32c&hash=H[&file_crc32c=F];
 * with the server's trailing_hash, ?order=N&size=S and the three as form fields after the
 * chunk's bytes, their values taken as the bytes go (the engine starts the chunk that completes
 * the file only once every other one is acknowledged, so all their CRCs are known). */
void fio_xfer_send_chunk(struct fastio_transfer *t, struct xfer_job *job, uint32_t i)
{
    struct xfer_chunk *c = &job->up.chunks[i];
    char order[16], size[32], hex[FIO_CRC32C_HEX_SIZE], fhex[FIO_CRC32C_HEX_SIZE];
    struct fastio_param p[5];
    const char *args[1] = {job->up.upload_id};
    struct fastio_error e;
    struct xfer_op *op;
    bool last = true, ok, trail = fio_xfer_trailing_crc(t);

    if (!c->crc_known && !trail) {
        enum fastio_status st = fio_xfer_crc_range(t, job->fd, c->off, c->len, &c->crc);
        if (st != FASTIO_OK) {
            fio_xfer_fail_status(job, st,
                                 st == FASTIO_CONFLICT ? "source file changed during the upload"
                                                       : "cannot read the source");
            return;
        }
        c->crc_known = true;
    }
    /* The chunk that completes the file carries the file's CRC (and so do later retries). */
    for (uint32_t k = 0; k < job->up.n_chunks && last; k++)
        if (k != i && job->up.chunks[k].state == CHUNK_TODO)
            last = false;
    /* with CRCs on the way, the others' are combined with this one's when curl asks */
    if (last && !(trail ? known_crcs(t, job, i) : job->up.file_crc_ready || file_crc(t, job))) {
        fio_xfer_fail_status(job, FASTIO_CONFLICT, "source file changed during the upload");
        return;
    }
    (void)snprintf(order, sizeof(order), "%u", i + 1);
    (void)snprintf(size, sizeof(size), "%llu", (unsigned long long)c->len);
    fio_crc32c_hex(c->crc, hex);
    fio_crc32c_hex(job->up.file_crc, fhex);
    p[0] = (struct fastio_param){"order", order};
    p[1] = (struct fastio_param){"size", size};
    p[2] = (struct fastio_param){"hash_algo", trail ? NULL : "crc32c"};
    p[3] = (struct fastio_param){"hash", trail ? NULL : hex};
    p[4] = (struct fastio_param){"file_crc32c", !trail && job->up.file_crc_ready ? fhex : NULL};
    op = fio_xfer_op_new(t, job, OP_CHUNK);
    if (op == NULL) {
        fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
        return;
    }
    op->index = i;
    op->op.attempt = c->retries + 1;
    op->crc_on_way = trail;
    if (fio_xfer_op_build(op, FASTIO_EP_UPLOAD_CHUNK, args, 1, p, 5, false, &e) != FASTIO_OK) {
        fio_xfer_op_free(op);
        fio_xfer_job_fail(job, e.status, &e, "cannot build the request");
        return;
    }
    ok = add_file_part(op, c->off, c->len, "chunk.bin") &&
         (!trail || (add_text_part(op, "hash_algo", "crc32c") && add_trailer(op, 0, false) &&
                     (!last || add_trailer(op, 1, true)))) &&
         curl_easy_setopt(op->easy, CURLOPT_MIMEPOST, op->mime) == CURLE_OK;
    c->state = CHUNK_FLIGHT;
    start_or_fail(op, job, ok, "cannot build the request");
}

static size_t read_pipe(char *buffer, size_t size, size_t nitems, void *arg)
{
    struct xfer_op *op = arg;
    ssize_t r;
    do {
        r = read(op->job->up.src_fd, buffer, size * nitems);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return CURL_READFUNC_ABORT;
    op->moved += (uint64_t)r;
    return (size_t)r;
}

/* api §5.5: the raw body, chunked transfer encoding, size unknown. */
void fio_xfer_issue_stream(struct fastio_transfer *t, struct xfer_job *job)
{
    struct fastio_error e;
    const char *args[1] = {job->up.upload_id};
    struct xfer_op *op = fio_xfer_op_new(t, job, OP_STREAM);
    bool ok;
    if (op == NULL) {
        fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
        return;
    }
    if (fio_xfer_op_build(op, FASTIO_EP_UPLOAD_STREAM, args, 1, NULL, 0, false, &e) != FASTIO_OK) {
        fio_xfer_op_free(op);
        fio_xfer_job_fail(job, e.status, &e, "cannot build the request");
        return;
    }
    ok = fio_xfer_op_add_header(op, "Content-Type: application/octet-stream") &&
         curl_easy_setopt(op->easy, CURLOPT_POST, 1L) == CURLE_OK &&
         curl_easy_setopt(op->easy, CURLOPT_READFUNCTION, read_pipe) == CURLE_OK &&
         curl_easy_setopt(op->easy, CURLOPT_READDATA, (void *)op) == CURLE_OK;
    start_or_fail(op, job, ok, "cannot build the request");
}
