/* SPDX-License-Identifier: MIT */
/* h_upload_chunk.c - the streamed bodies of uploads: the body context (bytes written at their
 * offset with CRC-32C and hash on the way, multipart parsing) and the req_stream ops of
 * POST /upload/{id}/chunk/ and /upload/{id}/stream/. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "blob.h"
#include "crc32c.h"
#include "handlers.h"
#include "multipart.h"
#include "store_backend.h"
#include "upload.h"

/* A hash_algo + hash pair (api §5.4): both or neither; crc32c (8 hex), sha256 (64), md5 (32);
 * after_bytes (the pair came after the chunk's bytes): crc32c only, since a digest would have
 * had to start before them. Sets c->hash_algo / c->hash (lower case) and starts the digest. */
static int hash_pair(struct req *r, struct up_ctx *c, const char *algo, const char *h,
                     bool after_bytes)
{
    if ((!algo || !*algo) && (!h || !*h))
        return 0;
    if (!algo || !*algo || !h || !*h)
        return req_fail_param(r, algo && *algo ? "hash" : "hash_algo", "missing",
                              "hash and hash_algo go together");
    size_t want = strcmp(algo, "crc32c") == 0   ? 8
                  : strcmp(algo, "sha256") == 0 ? 64
                  : strcmp(algo, "md5") == 0    ? 32
                                                : 0;
    if (!want)
        return req_fail_param(r, "hash_algo", "invalid", "hash_algo must be crc32c, sha256 or md5");
    if (after_bytes && want != 8)
        return req_fail_param(r, "hash_algo", "invalid",
                              "A hash after the chunk's bytes must be crc32c (send others in the "
                              "query)");
    if (strlen(h) != want || strspn(h, "0123456789abcdefABCDEF") != want)
        return req_fail_param(r, "hash", "invalid", "hash must be %zu hex digits", want);
    fio_strlcpy(c->hash_algo, algo, sizeof(c->hash_algo));
    for (size_t i = 0; i <= want; i++)
        c->hash[i] = (char)((h[i] >= 'A' && h[i] <= 'F') ? h[i] - 'A' + 'a' : h[i]);
    if (want != 8) {
        c->md = EVP_MD_CTX_new();
        if (!c->md || EVP_DigestInit_ex(c->md, want == 64 ? EVP_sha256() : EVP_md5(), NULL) != 1)
            return req_fail(r, 500, 0, "Out of memory");
    }
    return 0;
}

int up_hash_params(struct req *r, struct up_ctx *c)
{
    return hash_pair(r, c, req_param(r, "hash_algo"), req_param(r, "hash"), false);
}

/* Extension (advertised as trailing_hash in /upload/limits/): a multipart chunk may carry
 * hash_algo=crc32c, hash and file_crc32c as form fields after its bytes, so that a client can
 * take the CRC on the way out instead of reading the chunk twice. They are checked exactly as
 * the query's, before the chunk is acknowledged; never both in the query and in the body.
 * 0, or -1 (error set). */
static int trailing_hash(struct req *r, struct up_ctx *c)
{
    const char *algo = fio_form_get(&c->mp.fields, "hash_algo");
    const char *h = fio_form_get(&c->mp.fields, "hash");
    if (c->hash_algo[0] && ((algo && *algo) || (h && *h)))
        return req_fail_param(r, "hash", "invalid",
                              "hash is given both in the query and in the body");
    return hash_pair(r, c, algo, h, true);
}

/* file_crc32c of a chunk: the query's, or a form field after the bytes (not both). NULL when
 * absent, or when invalid (*bad set, error set). */
static const char *chunk_file_crc(struct req *r, struct up_ctx *c, bool *bad)
{
    const char *q = up_file_crc_param(r, bad);
    const char *f = c->mp_on ? fio_form_get(&c->mp.fields, "file_crc32c") : NULL;
    if (*bad || !f || !*f)
        return q;
    if (q) {
        *bad = true;
        req_fail_param(r, "file_crc32c", "invalid",
                       "file_crc32c is given both in the query and in the body");
        return NULL;
    }
    return up_file_crc_check(r, f, bad);
}

/* The received bytes against the announced hash: 0, or 406 / 10778. */
int up_hash_verify(struct req *r, struct up_ctx *c)
{
    if (!c->hash_algo[0])
        return 0;
    char got[129];
    if (!c->md) {
        fio_crc32c_hex(c->crc, got);
    } else {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (EVP_DigestFinal_ex(c->md, d, &n) != 1)
            return req_fail(r, 500, 0, "Digest failed");
        for (unsigned i = 0; i < n; i++)
            snprintf(got + 2 * i, 3, "%02x", d[i]);
    }
    if (strcmp(got, c->hash) != 0)
        return req_fail(r, 406, API_ERR_CRC_MISMATCH,
                        "The %s of the received bytes (%s) does not match the hash sent (%s)",
                        c->hash_algo, got, c->hash);
    return 0;
}

/* ---- the file part of a body: written at its offset, CRC-32C on the way ---------------------- */

static int superseded(struct req *r)
{
    return req_fail(r, 409, API_ERR_CONFLICT,
                    "This chunk was sent again on another request, which replaced this one");
}

static int take_bytes(struct req *r, struct up_ctx *c, const char *d, size_t n)
{
    if ((int64_t)n > c->limit - c->got) {
        if (c->kind == UP_CTX_CHUNK)
            return req_fail_param(r, "size", "invalid",
                                  "The chunk carries more bytes than its size %lld",
                                  (long long)c->limit);
        return req_fail(r, 413, API_ERR_INVALID, "The file is larger than allowed (%lld bytes)",
                        (long long)c->limit);
    }
    if (c->inflight && !upload_slot_lock(r->srv, &c->ticket))
        return superseded(r);
    int wrc = blob_pwrite_all(r->srv, c->fd, d, n, c->off + c->got), werr = errno;
    if (c->inflight)
        upload_slot_unlock(r->srv, &c->ticket);
    if (wrc != 0)
        return up_fail_io(r, "write", werr);
    c->crc = fio_crc32c(c->crc, d, n);
    if (c->md && EVP_DigestUpdate(c->md, d, n) != 1)
        return req_fail(r, 500, 0, "Digest failed");
    c->got += (int64_t)n;
    return 0;
}

static enum mp_part_action mp_on_part(void *ud, const char *name, const char *filename)
{
    struct up_ctx *c = ud;
    (void)filename;
    if (strcmp(name, "chunk") != 0)
        return MP_PART_COLLECT;
    if (c->part_seen) {
        req_fail(c->r, 400, API_ERR_INVALID, "Only one part named 'chunk' is allowed");
        return MP_PART_ABORT;
    }
    c->part_seen = true;
    if (c->kind == UP_CTX_CHUNK) /* its size is announced: no delimiter search in the bytes */
        mp_expect_length(&c->mp, (size_t)c->limit);
    if (c->kind == UP_CTX_SINGLE && !c->tmp_created) {
        if (blob_tmp_create(c->r->srv, c->upload_id, 0) != 0) {
            up_fail_io(c->r, "create temporary file", errno);
            return MP_PART_ABORT;
        }
        c->tmp_created = true;
        c->fd = blob_tmp_open(c->r->srv, c->upload_id);
        if (c->fd < 0) {
            up_fail_io(c->r, "open temporary file", errno);
            return MP_PART_ABORT;
        }
    }
    return MP_PART_STREAM;
}

static int mp_on_data(void *ud, const char *d, size_t n)
{
    struct up_ctx *c = ud;
    return take_bytes(c->r, c, d, n);
}

static int mp_on_end(void *ud)
{
    ((struct up_ctx *)ud)->part_done = true;
    return 0;
}

static const struct mp_callbacks mp_cbs = {mp_on_part, mp_on_data, mp_on_end};

int up_mp_error(struct req *r, struct up_ctx *c, enum mp_status st)
{
    if (r->err.http)
        return -1; /* a callback already said why */
    if (st == MP_ERR_LIMIT)
        return req_fail(r, 413, API_ERR_INVALID, "Multipart body: %s", c->mp.err);
    if (st == MP_ERR_NOMEM)
        return req_fail(r, 500, 0, "Out of memory");
    return req_fail(r, 400, API_ERR_INVALID, "Malformed multipart body: %s", c->mp.err);
}

int up_start_multipart(struct req *r, struct up_ctx *c)
{
    char boundary[MP_BOUNDARY_MAX + 1];
    if (!mp_content_type_boundary(r->content_type, boundary, sizeof(boundary)) ||
        !mp_init(&c->mp, boundary, &mp_cbs, c)) {
        mp_release(&c->mp);
        return req_fail(r, 400, API_ERR_INVALID, "multipart/form-data needs a valid boundary");
    }
    c->mp_on = true;
    return 0;
}

bool up_is_multipart(const struct req *r)
{
    return strncasecmp(r->content_type, "multipart/form-data", 19) == 0;
}

/* Content-Length against a bound, before reading the body. */
int up_length_check(struct req *r, int64_t max)
{
    if (r->content_length > max)
        return req_fail(r, 413, API_ERR_INVALID, "Request body too large (limit %lld bytes)",
                        (long long)max);
    return 0;
}

void up_ctx_free(struct req *r)
{
    struct up_ctx *c = r->stream_ctx;
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    if (c->inflight)
        upload_inflight_put(r->srv, &c->ticket);
    if (c->kind == UP_CTX_SINGLE && c->tmp_created && !c->committed)
        blob_tmp_remove(r->srv, c->upload_id);
    if (c->kind == UP_CTX_STREAM && c->stream_started && !c->committed) {
        /* a stream is single-shot: a broken one ends the session */
        struct store_conn *st = store_acquire(r->srv->store);
        if (STORE(st, upload)->stream_broken(st, c->ses.id, srv_now_us()) == STORE_OK)
            up_note(r, c->ses.id); /* published by activity_req_end, right after this */
        store_release(r->srv->store, st);
        blob_tmp_remove(r->srv, c->ses.id);
    }
    if (c->mp_on)
        mp_release(&c->mp);
    fio_buf_release(&c->form);
    EVP_MD_CTX_free(c->md);
    free(c);
    r->stream_ctx = NULL;
}

struct up_ctx *up_ctx_new(struct req *r, enum up_ctx_kind kind, const struct req_stream *ops)
{
    struct up_ctx *c = calloc(1, sizeof(*c));
    if (!c) {
        req_fail(r, 500, 0, "Out of memory");
        return NULL;
    }
    c->kind = kind;
    c->fd = -1;
    c->r = r;
    fio_buf_init(&c->form, SRV_MAX_BODY);
    r->stream_ctx = c;
    r->stream = ops; /* from here on up_ctx_free runs when the request ends */
    return c;
}

/* ---- POST /upload/{id}/chunk/ ---------------------------------------------------------------- */

/* Where chunk `order` of `size` bytes goes (api §5.1: 1-based, every chunk but the last exactly
 * the session's chunk size, ≥ the minimum). The chunk size is fixed at create (chunk_size), or
 * by the first chunk that shows it: chunk 1, or a chunk that can only be the last. A chunk that
 * could be either a full middle chunk or a short last one, before the size is known, is refused
 * with 409 (retry after chunk 1 has started, or pass chunk_size at create). */
static int chunk_geometry(struct req *r, struct store_upload_session *ses, int64_t order,
                          int64_t size, int64_t *off)
{
    int64_t total = ses->size, min = r->srv->cfg.min_chunk_size, cs = ses->chunk_size;
    int64_t cmax = r->srv->cfg.max_chunk_size; /* --max-chunk-size (D-118) */
    if (total == 0) {
        if (order != 1 || size != 0)
            return req_fail_param(r, "size", "invalid", "An empty file has one empty chunk");
        *off = 0;
        return 0;
    }
    if (cs == 0) {
        if (order == 1) {
            if (size > total)
                return req_fail_param(r, "size", "invalid", "The chunk is larger than the file");
            if (size < total && size < min)
                return req_fail_param(r, "size", "invalid",
                                      "Only the last chunk may be smaller than %lld bytes",
                                      (long long)min);
            cs = size;
        } else {
            int64_t csx = size > 0 ? (total - size) / (order - 1) : 0;
            bool last_ok = size > 0 && total > size && (total - size) % (order - 1) == 0 &&
                           csx >= size && csx >= min && csx <= cmax;
            bool mid_ok = size >= min && size <= cmax && order * size < total;
            if (last_ok && mid_ok)
                return req_fail(r, 409, API_ERR_CONFLICT,
                                "The session's chunk size is not known yet: send chunk 1 first "
                                "or give chunk_size when creating the session");
            if (!last_ok && !mid_ok)
                return req_fail_param(r, "size", "invalid",
                                      "The chunk size does not fit the file size");
            cs = last_ok ? csx : size;
        }
        if (cs < 1 || cs > cmax || (total + cs - 1) / cs > UP_CHUNKS_MAX)
            return req_fail_param(r, "size", "invalid",
                                  "Chunks must be at most %lld bytes and at most %d per file",
                                  (long long)cmax, UP_CHUNKS_MAX);
        if (STORE(r->st, upload)->set_chunk_size(r->st, ses->id, cs) != STORE_OK)
            return req_fail_internal(r, "set chunk size");
        struct store_upload_session again;
        if (up_session_load(r->st, ses->id, r->caller.user_id, &again) != 1)
            return req_fail_internal(r, "reload session");
        ses->chunk_size = cs = again.chunk_size; /* another request may have won the race */
    }
    int64_t last = (total + cs - 1) / cs;
    if (order > last)
        return req_fail_param(r, "order", "invalid", "order %lld is past the last chunk (%lld)",
                              (long long)order, (long long)last);
    int64_t want = order < last ? cs : total - (last - 1) * cs;
    if (size != want)
        return req_fail_param(r, "size", "invalid",
                              "Chunk %lld must have %lld bytes (chunk size %lld; only the last "
                              "chunk may be shorter)",
                              (long long)order, (long long)want, (long long)cs);
    *off = (order - 1) * cs;
    return 0;
}

/* The session of a chunk or stream request, which must be of kind `kind`: 0, or -1 (error set:
 * 404, or 406 with wrong_kind). */
static int body_session(struct req *r, struct store_upload_session *ses, const char *kind,
                        const char *wrong_kind)
{
    if (up_session_or_404(r, ses) != 0)
        return -1;
    if (strcmp(ses->kind, kind) != 0)
        return req_fail(r, 406, API_ERR_INVALID, "%s", wrong_kind);
    return 0;
}

/* The body context of a chunk or stream of session ses: chunk `order`, at most limit bytes, the
 * announced hash (if any) set up. NULL on error (set; the context is freed with the request). */
static struct up_ctx *body_ctx(struct req *r, enum up_ctx_kind kind, const struct req_stream *ops,
                               const struct store_upload_session *ses, int order, int64_t limit)
{
    struct up_ctx *c = up_ctx_new(r, kind, ops);
    if (!c)
        return NULL;
    c->ses = *ses;
    c->order = order;
    c->limit = limit;
    if (up_hash_params(r, c) != 0)
        return NULL;
    return c;
}

static int chunk_data(struct req *r, const char *d, size_t n)
{
    struct up_ctx *c = r->stream_ctx;
    if (c->raw) {
        c->part_seen = true;
        return take_bytes(r, c, d, n);
    }
    enum mp_status st = mp_feed(&c->mp, d, n);
    return st == MP_OK ? 0 : up_mp_error(r, c, st);
}

static int chunk_finish_inner(struct req *r);

/* The chunk's in-flight slot is given back BEFORE the answer is queued: a client that gets the
 * answer may send its next chunk (or complete) at once, and must not find this one still "in
 * flight" (that race made complete answer 409 under load). */
static int chunk_finish(struct req *r)
{
    struct up_ctx *c = r->stream_ctx;
    int rc = chunk_finish_inner(r);
    if (c->inflight) {
        upload_inflight_put(r->srv, &c->ticket);
        c->inflight = false;
    }
    return rc;
}

static int chunk_finish_inner(struct req *r)
{
    struct up_ctx *c = r->stream_ctx;
    if (!c->raw) {
        enum mp_status st = mp_finish(&c->mp);
        if (st != MP_OK)
            return up_mp_error(r, c, st);
        if (!c->part_seen)
            return req_fail_param(r, "chunk", "missing", "The multipart part 'chunk' is missing");
        if (trailing_hash(r, c) != 0)
            return -1;
    }
    if (c->got != c->limit)
        return req_fail_param(r, "size", "invalid", "size is %lld but %lld bytes arrived",
                              (long long)c->limit, (long long)c->got);
    if (up_hash_verify(r, c) != 0)
        return -1;
    if (blob_tmp_written(r->srv, c->fd, c->off, c->got) != 0)
        return up_fail_io(r, "fdatasync chunk", errno);
    bool bad;
    const char *fcrc = chunk_file_crc(r, c, &bad);
    if (bad)
        return -1;
    if (!up_db_enter(r))
        return req_fail_internal(r, "db");
    int rc = -1;
    bool slot_locked = false;
    char hex[FIO_CRC32C_HEX_SIZE];
    fio_crc32c_hex(c->crc, hex);
    int64_t now = srv_now_us();
    /* The chunk's bytes are not on disk yet (unless --sync chunk), so neither need its row be:
     * the completion's fdatasync and FULL commit make both durable (decisions.md). */
    if (r->srv->cfg.sync_policy != BLOB_SYNC_CHUNK &&
        STORE(r->st, upload)->lazy_commit(r->st, true) != STORE_OK) {
        req_fail_internal(r, "db sync mode");
        goto out;
    }
    /* The row is committed under the slot's lock, by its owner only: a request taken over
     * (above) never writes a row over the newer request's bytes. */
    if (c->inflight && !upload_slot_lock(r->srv, &c->ticket)) {
        superseded(r);
        goto out;
    }
    slot_locked = c->inflight;
    if (store_begin(r->st) != STORE_OK) {
        req_fail(r, 503, 0, "The database is busy; try again");
        goto out;
    }
    struct store_upload_session ses;
    if (up_session_or_404(r, &ses) != 0)
        goto out;
    if (!up_open_status(&ses)) {
        req_fail(r, 409, API_ERR_CONFLICT, "The session is %s; it takes no more chunks",
                 ses.status);
        goto out;
    }
    if (fcrc && ses.file_crc32c[0] && strcasecmp(fcrc, ses.file_crc32c) != 0) {
        req_fail(r, 409, API_ERR_CRC_CONFLICT, "A different file_crc32c (%s) is already set",
                 ses.file_crc32c);
        goto out;
    }
    char lower[9] = "";
    for (int i = 0; fcrc && i < 9; i++)
        lower[i] = (char)((fcrc[i] >= 'A' && fcrc[i] <= 'F') ? fcrc[i] - 'A' + 'a' : fcrc[i]);
    if (STORE(r->st, upload)
            ->chunk_put(r->st, ses.id, c->order, c->got, hex, fcrc ? lower : NULL, now) !=
        STORE_OK) {
        req_fail_internal(r, "chunk row");
        goto out;
    }
    if (store_commit(r->st) != STORE_OK) {
        req_fail_internal(r, "chunk commit");
        goto out;
    }
    up_note(r, ses.id);
    rc = req_set(
        r, "chunk",
        json_pack("{s:i, s:I, s:s}", "order", c->order, "size", (json_int_t)c->got, "crc32c", hex));
out:
    up_db_leave(r); /* rolls back an unfinished transaction, before the slot is unlocked */
    if (slot_locked)
        upload_slot_unlock(r->srv, &c->ticket);
    return rc;
}

static const struct req_stream chunk_ops = {chunk_data, chunk_finish, up_ctx_free};

int h_up_chunk(struct req *r)
{
    struct store_upload_session ses;
    if (body_session(r, &ses, "chunked", "A stream session takes no chunks") != 0)
        return -1;
    if (!up_open_status(&ses))
        return req_fail(r, 409, API_ERR_CONFLICT, "The session is %s; it takes no more chunks",
                        ses.status);
    long long order, size;
    if (!req_param(r, "order") || !req_param(r, "size"))
        return req_fail_param(r, req_param(r, "order") ? "size" : "order", "missing",
                              "order and size are required");
    if (!req_param_int(r, "order", 1, UP_CHUNKS_MAX, 1, &order) ||
        !req_param_int(r, "size", 0, INT64_MAX, 0, &size))
        return -1;
    if (size > r->srv->cfg.max_chunk_size) /* --max-chunk-size (D-118): before any byte */
        return req_fail(r, 413, API_ERR_INVALID,
                        "The chunk is %lld bytes; this server takes chunks of at most %lld bytes "
                        "(chunk_size in GET /upload/limits/)",
                        size, (long long)r->srv->cfg.max_chunk_size);
    bool bad;
    const char *fcrc = up_file_crc_param(r, &bad);
    if (bad)
        return -1;
    if (fcrc && ses.file_crc32c[0] && strcasecmp(fcrc, ses.file_crc32c) != 0)
        return req_fail(r, 409, API_ERR_CRC_CONFLICT, "A different file_crc32c (%s) is already set",
                        ses.file_crc32c);
    int64_t off = 0;
    if (chunk_geometry(r, &ses, order, size, &off) != 0)
        return -1;
    bool raw = strncasecmp(r->content_type, "application/octet-stream", 24) == 0;
    if (!raw && !up_is_multipart(r))
        return req_fail(r, 415, API_ERR_INVALID,
                        "Send the chunk as multipart/form-data (part 'chunk') or "
                        "application/octet-stream");
    if (up_length_check(r, size + (raw ? 0 : 64 * 1024)) != 0)
        return -1;
    struct up_ctx *c = body_ctx(r, UP_CTX_CHUNK, &chunk_ops, &ses, (int)order, size);
    if (!c)
        return -1;
    c->off = off;
    c->raw = raw;
    bool dup, took_over;
    /* The same order again while an earlier request still holds it (a client that vanished
     * without closing its connection, or a retry racing a stalled one): the newer request
     * takes over and the earlier one can write nothing more (docs/decisions.md). */
    if (upload_inflight_take(r->srv, ses.id, c->order, true, &dup, &took_over, &c->ticket) != 0)
        return req_fail(r, 409, API_ERR_CONFLICT,
                        "At most 3 chunks of one session may be in flight");
    c->inflight = true;
    /* A chunk sent again: its old row goes before a byte of this body is written over the old
     * bytes, so a body cut off half-way never leaves a row (size, CRC) describing bytes that
     * are now half old, half new. The row comes back when this body is complete. The delete
     * happens under the slot's lock, by its owner only, like every write and row commit: a
     * request taken over between its take and this point must not delete the row that a newer
     * owner of the order has committed (and acknowledged) meanwhile (issue 15). */
    if (!upload_slot_lock(r->srv, &c->ticket))
        return superseded(r);
    enum store_rc had = STORE(r->st, upload)->chunk_forget(r->st, ses.id, (int)order);
    upload_slot_unlock(r->srv, &c->ticket);
    if (had != STORE_OK && had != STORE_NOT_FOUND)
        return req_fail_internal(r, "forget the chunk's old row");
    if (had == STORE_OK)
        up_note(r, ses.id);
    c->fd = blob_tmp_open(r->srv, ses.id);
    if (c->fd < 0)
        return up_fail_io(r, "open upload file", errno);
    return raw ? 0 : up_start_multipart(r, c);
}

/* ---- POST /upload/{id}/stream/ (api §5.5): raw body, single-shot, auto-finalised ------------- */

static int stream_data(struct req *r, const char *d, size_t n)
{
    return take_bytes(r, r->stream_ctx, d, n);
}

static int stream_finish(struct req *r)
{
    struct up_ctx *c = r->stream_ctx;
    if (up_hash_verify(r, c) != 0)
        return -1;
    if (!up_db_enter(r))
        return req_fail_internal(r, "db");
    int rc = -1;
    struct store_upload_session ses;
    if (up_session_or_404(r, &ses) == 0 && up_ws_enter(r, ses.ws_id, ROLE_MEMBER, true) == 0) {
        if (c->fd >= 0) {
            close(c->fd);
            c->fd = -1;
        }
        rc = up_finalize(r, &ses, c->got, c->crc);
        if (rc == 0)
            c->committed = true;
    }
    up_db_leave(r);
    return rc;
}

static const struct req_stream stream_ops = {stream_data, stream_finish, up_ctx_free};

int h_up_stream(struct req *r)
{
    struct store_upload_session ses;
    if (body_session(r, &ses, "stream", "A chunked session takes no stream") != 0)
        return -1;
    if (strcmp(ses.status, "ready") != 0)
        return req_fail(r, 406, API_ERR_INVALID, "A stream session is single-shot; this one is %s",
                        ses.status);
    if (up_length_check(r, ses.max_size) != 0)
        return -1;
    /* a stream's file grows as it arrives (nothing was preallocated): its length, when sent,
     * must fit above the disk reserve (D-080) */
    if (up_disk_check(r, r->content_length > 0 ? r->content_length : 0) != 0)
        return -1;
    struct up_ctx *c = body_ctx(r, UP_CTX_STREAM, &stream_ops, &ses, 1, ses.max_size);
    if (!c)
        return -1;
    bool dup, took_over;
    if (upload_inflight_take(r->srv, ses.id, 1, false, &dup, &took_over, &c->ticket) != 0)
        return req_fail(r, 409, API_ERR_CONFLICT, "The stream is being received already");
    c->inflight = true;
    if (STORE(r->st, upload)->stream_start(r->st, ses.id, srv_now_us()) != STORE_OK)
        return req_fail(r, 406, API_ERR_INVALID, "A stream session is single-shot");
    up_note(r, ses.id);
    c->stream_started = true;
    c->fd = blob_tmp_open(r->srv, ses.id);
    if (c->fd < 0)
        return up_fail_io(r, "open upload file", errno);
    return 0;
}
