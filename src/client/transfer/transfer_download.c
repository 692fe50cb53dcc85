/* SPDX-License-Identifier: MIT */
/* transfer_download.c - the download state machine of the transfer engine (api §6): node
 * details, then 1-4 ranged GETs of .../read/ written with pwrite into a preallocated
 * "<name>.partial" (curl's small write callbacks gathered into 1 MiB writes), resumable from a
 * small state file beside it, verified (size, and CRC-32C or SHA-256 when the node has one) and
 * renamed into place. Every file is opened relative to the destination directory with a
 * sanitized single-component name, so nothing is written outside it. */
#include "transfer_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "crc32c.h"
#include "envelope.h"
#include "timeutil.h"

#define RANGE_MIN (8 * FIO_XFER_MIB) /* below 2 x this, one stream */

/* ---- the state file: node, size, hash and per-range progress -------------------------------- */

static void save_state(struct xfer_job *job)
{
    json_t *ranges = json_array(), *doc = NULL;
    char *text = NULL, tmp[320];
    int fd = -1;
    size_t len, off = 0;
    bool ok = ranges != NULL;

    for (unsigned i = 0; ok && i < job->dl.n_ranges; i++) {
        const struct xfer_range *r = &job->dl.ranges[i];
        ok = json_array_append_new(ranges,
                                   json_pack("[I,I,I,I]", (json_int_t)r->start, (json_int_t)r->end,
                                             (json_int_t)r->done, (json_int_t)r->crc)) == 0;
    }
    if (ok)
        doc =
            json_pack("{s:i, s:s, s:s, s:I, s:s, s:O}", "v", 1, "node", job->dl.node, "ver",
                      job->dl.version_id != NULL ? job->dl.version_id : "", "size", (json_int_t)job->size,
                      "hash", job->dl.hash != NULL ? job->dl.hash : "", "ranges", ranges);
    if (doc != NULL)
        text = json_dumps(doc, JSON_COMPACT);
    json_decref(ranges);
    json_decref(doc);
    if (text == NULL)
        return; /* best effort: a lost state only costs a full download */
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp", job->dl.state_name);
    (void)unlinkat(job->dl.dir_fd, tmp, 0);
    fd = openat(job->dl.dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    len = strlen(text);
    while (fd >= 0 && off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    if (fd >= 0 && close(fd) == 0 && off == len)
        (void)renameat(job->dl.dir_fd, tmp, job->dl.dir_fd, job->dl.state_name);
    else
        (void)unlinkat(job->dl.dir_fd, tmp, 0);
    free(text);
}

/* Resume only what provably belongs to the same node version, size and range layout. */
static bool load_state(struct xfer_job *job)
{
    json_error_t jerr;
    json_t *doc, *ranges = NULL, *r;
    const char *node = NULL, *hash = NULL, *ver = NULL;
    json_int_t size = -1, v = 0;
    struct stat sb;
    size_t i;
    int fd = openat(job->dl.dir_fd, job->dl.state_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return false;
    doc = json_loadfd(fd, 0, &jerr);
    (void)close(fd);
    if (doc == NULL ||
        json_unpack(doc, "{s:I, s:s, s:s, s:I, s:s, s:o}", "v", &v, "node", &node, "ver", &ver,
                    "size", &size, "hash", &hash, "ranges", &ranges) != 0 ||
        v != 1 || strcmp(node, job->dl.node) != 0 ||
        strcmp(ver, job->dl.version_id != NULL ? job->dl.version_id : "") != 0 || size < 0 ||
        (uint64_t)size != job->size || strcmp(hash, job->dl.hash != NULL ? job->dl.hash : "") != 0 ||
        !json_is_array(ranges) || json_array_size(ranges) == 0 || json_array_size(ranges) > 4)
        goto bad;
    job->dl.n_ranges = (unsigned)json_array_size(ranges);
    json_array_foreach(ranges, i, r)
    {
        json_int_t a, b, d, c;
        if (json_unpack(r, "[I,I,I,I]", &a, &b, &d, &c) != 0 || a < 0 || b < a || d < 0 ||
            d > b - a || c < 0 || c > (json_int_t)UINT32_MAX ||
            (i == 0 ? a != 0 : (uint64_t)a != job->dl.ranges[i - 1].end))
            goto bad;
        job->dl.ranges[i].start = (uint64_t)a;
        job->dl.ranges[i].end = (uint64_t)b;
        job->dl.ranges[i].done = (uint64_t)d;
        job->dl.ranges[i].crc = (uint32_t)c;
    }
    if (job->dl.ranges[job->dl.n_ranges - 1].end != job->size)
        goto bad;
    job->fd = openat(job->dl.dir_fd, job->dl.partial_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (job->fd < 0 || fstat(job->fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size != job->size) {
        if (job->fd >= 0)
            (void)close(job->fd);
        job->fd = -1;
        goto bad;
    }
    json_decref(doc);
    return true;
bad:
    json_decref(doc);
    job->dl.n_ranges = 0;
    return false;
}

/* ---- starting ------------------------------------------------------------------------------ */

static void plan_ranges(struct fastio_transfer *t, struct xfer_job *job, unsigned n)
{
    uint64_t per;
    if (n == 0) {
        n = job->size >= 2 * RANGE_MIN ? t->cfg.download_ranges : 1;
        if (n > job->size / RANGE_MIN && job->size / RANGE_MIN >= 1)
            n = (unsigned)(job->size / RANGE_MIN);
    }
    if (n == 0)
        n = 1;
    per = job->size / n;
    per -= per % FIO_XFER_MIB; /* MiB-aligned boundaries */
    job->dl.n_ranges = n;
    for (unsigned i = 0; i < n; i++) {
        memset(&job->dl.ranges[i], 0, sizeof(job->dl.ranges[i]));
        job->dl.ranges[i].start = i == 0 ? 0 : job->dl.ranges[i - 1].end;
        job->dl.ranges[i].end = i + 1 == n ? job->size : job->dl.ranges[i].start + per;
    }
}

/* Details are known: name the files, then resume or create the .partial. */
static void open_files(struct fastio_transfer *t, struct xfer_job *job, const char *remote_name)
{
    const char *src = job->name != NULL ? job->name : remote_name;
    char base[240];
    size_t n;

    fio_xfer_sanitize_name(src, src != NULL ? strlen(src) : 0, job->dl.local_name,
                           sizeof(job->dl.local_name));
    /* "<name>.partial" and its state must fit NAME_MAX too: cut the base on a UTF-8 boundary. */
    n = strlen(job->dl.local_name);
    if (n > 200) {
        n = 200;
        while (n > 0 && ((unsigned char)job->dl.local_name[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(base, job->dl.local_name, n);
    base[n] = '\0';
    (void)snprintf(job->dl.partial_name, sizeof(job->dl.partial_name), "%s.partial", base);
    (void)snprintf(job->dl.state_name, sizeof(job->dl.state_name), "%s.partial.state", base);

    job->dl.dir_fd = open(job->dl.dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (job->dl.dir_fd < 0) {
        fio_xfer_fail_errno(job, "cannot open the destination directory");
        return;
    }
    if (!load_state(job)) {
        /* 0666: the umask (and a default ACL) decide, as for any file a program creates;
         * the file is renamed into place with this mode (D-087). */
        job->fd = openat(job->dl.dir_fd, job->dl.partial_name,
                         O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (job->fd < 0) {
            fio_xfer_fail_errno(job, "cannot create the .partial file");
            return;
        }
        /* Preallocate: ranges then write at their final offsets (docs/decisions.md D-028). */
        if (ftruncate(job->fd, (off_t)job->size) != 0) {
            fio_xfer_fail_errno(job, "cannot size the .partial file");
            return;
        }
        if (job->size > 0)
            (void)posix_fallocate(job->fd, 0, (off_t)job->size); /* best effort */
        plan_ranges(t, job, 0);
        save_state(job);
    }
    job->bytes_done = 0;
    for (unsigned i = 0; i < job->dl.n_ranges; i++)
        job->bytes_done += job->dl.ranges[i].done;
    job->bytes_prior = job->bytes_done; /* a .partial's bytes were not fetched by this run */
    job->step = STEP_RANGES;
}

/* ---- finishing ----------------------------------------------------------------------------- */

static bool sha256_file(int fd, uint64_t size, char out[65], unsigned char *buf, size_t buf_size)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    uint64_t off = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    while (ok && off < size) {
        ssize_t r = pread(fd, buf, buf_size, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        ok = r > 0 && EVP_DigestUpdate(ctx, buf, (size_t)r) == 1;
        off += r > 0 ? (uint64_t)r : 0;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 32;
    EVP_MD_CTX_free(ctx);
    for (unsigned i = 0; ok && i < 32; i++)
        (void)snprintf(out + 2 * i, 3, "%02x", md[i]);
    return ok;
}

static void finish(struct fastio_transfer *t, struct xfer_job *job)
{
    struct stat sb;
    const char *algo = job->dl.hash_algo != NULL ? job->dl.hash_algo : "";
    bool verified = true;

    if (fstat(job->fd, &sb) != 0 || (uint64_t)sb.st_size != job->size) {
        fio_xfer_fail_status(job, FASTIO_INTEGRITY, "downloaded size differs from the node's size");
        return;
    }
    if (job->dl.hash != NULL && job->dl.hash[0] != '\0') {
        if (strcasecmp(algo, "crc32c") == 0) {
            uint32_t want, acc = 0;
            for (unsigned i = 0; i < job->dl.n_ranges; i++)
                acc = fio_crc32c_combine(acc, job->dl.ranges[i].crc,
                                         job->dl.ranges[i].end - job->dl.ranges[i].start);
            verified = fio_crc32c_parse_hex(job->dl.hash, strlen(job->dl.hash), &want) && want == acc;
        } else if (strcasecmp(algo, "sha256") == 0) {
            char hex[65];
            verified = sha256_file(job->fd, job->size, hex, t->crc_buf, 1024 * 1024) &&
                       strcasecmp(hex, job->dl.hash) == 0;
        }
    }
    if (!verified) {
        (void)unlinkat(job->dl.dir_fd, job->dl.partial_name, 0);
        (void)unlinkat(job->dl.dir_fd, job->dl.state_name, 0);
        fio_xfer_fail_status(job, FASTIO_INTEGRITY,
                             "downloaded bytes do not match the node's hash");
        return;
    }
    /* Atomic against a killed process: the name appears with all its bytes or not at all. */
    if (renameat(job->dl.dir_fd, job->dl.partial_name, job->dl.dir_fd, job->dl.local_name) != 0) {
        fio_xfer_fail_errno(job, "cannot rename the .partial file");
        return;
    }
    (void)unlinkat(job->dl.dir_fd, job->dl.state_name, 0);
    fio_xfer_job_placed(job);
}

/* ---- ranges -------------------------------------------------------------------------------- */

/* The op's full (or last) buffer: to the writer thread, or written here when there is none. */
static bool flush(struct xfer_op *op)
{
    struct fastio_transfer *t = op->t;
    struct xfer_job *job = op->job;
    struct xfer_range *r = &job->dl.ranges[op->index];
    char *next;
    if (op->cbuf_len == 0)
        return true;
    if (fio_xfer_write_failed(t, job)) {
        op->io_error = true;
        return false;
    }
    next = fio_xfer_write_buf(t);
    if (next != NULL && fio_xfer_write_submit(t, job, op->index, op->cbuf, op->cbuf_len)) {
        r->queued += op->cbuf_len;
        job->bytes_done += op->cbuf_len;
        op->cbuf = next;
        op->cbuf_len = 0;
        op->moved = 0;
        return true;
    }
    fio_xfer_buf_put(t, next);
    /* no writer thread: write here, once the writer (if any) has let go of the ranges */
    if (!fio_xfer_write_drain(t, job)) {
        op->io_error = true;
        return false;
    }
    if (!fio_xfer_pwrite_all(job->fd, op->cbuf, op->cbuf_len, r->start + r->done)) {
        op->io_error = true;
        return false;
    }
    r->crc = fio_crc32c(r->crc, op->cbuf, op->cbuf_len);
    r->done += op->cbuf_len;
    r->queued = r->done;
    job->bytes_done += op->cbuf_len;
    op->cbuf_len = 0;
    op->moved = 0;
    if (fio_mono_ms() - job->dl.ws.saved_ms >= STATE_EVERY_MS) {
        save_state(job);
        job->dl.ws.saved_ms = fio_mono_ms();
    }
    return true;
}

void fio_xfer_download_state_hook(struct xfer_job *job)
{
    save_state(job);
}

/* "bytes a-b/total": a must be where we asked to start and total the node's size. */
static bool content_range_ok(const char *h, uint64_t start, uint64_t size)
{
    long long a, b, total;
    char *end;
    if (strncasecmp(h, "bytes ", 6) != 0)
        return false;
    h += 6;
    errno = 0;
    a = strtoll(h, &end, 10);
    if (end == h || *end != '-' || errno != 0)
        return false;
    h = end + 1;
    b = strtoll(h, &end, 10);
    if (end == h || *end != '/' || errno != 0)
        return false;
    h = end + 1;
    total = strtoll(h, &end, 10);
    if (end == h || *end != '\0' || errno != 0)
        return false;
    return a >= 0 && (uint64_t)a == start && b >= a && total >= 0 && (uint64_t)total == size &&
           (uint64_t)b < size;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct xfer_op *op = userdata;
    struct xfer_job *job = op->job;
    struct xfer_range *r = &job->dl.ranges[op->index];
    size_t n = size * nmemb, used = 0;

    if (!op->sink_decided) {
        (void)curl_easy_getinfo(op->easy, CURLINFO_RESPONSE_CODE, &op->http_status);
        op->sink_decided = true;
        if (op->http_status == 206) {
            if (!content_range_ok(op->h_content_range, r->start + r->done, job->size)) {
                op->range_mismatch = true;
                return 0;
            }
            job->dl.ranges_probed = true;
            op->sink_file = true;
        } else if (op->http_status == 200) {
            /* Range ignored: the body is the whole file. Usable only from offset 0. */
            job->dl.no_ranges = true;
            if (r->start + r->done != 0) {
                op->range_mismatch = true;
                return 0;
            }
            r->end = job->size;
            for (unsigned i = 1; i < job->dl.n_ranges; i++)
                job->dl.ranges[i].start = job->dl.ranges[i].end = job->size;
            job->dl.n_ranges = 1;
            op->sink_file = true;
        }
    }
    if (!op->sink_file) /* an error body: keep (capped) for the envelope decoder */
        return fio_buf_append(&op->resp, data, n) ? n : 0;
    if (r->queued + op->cbuf_len + n > r->end - r->start) {
        op->range_mismatch = true; /* more bytes than asked for: never trust them */
        return 0;
    }
    while (used < n) {
        size_t k = XFER_COALESCE - op->cbuf_len;
        if (k > n - used)
            k = n - used;
        memcpy(op->cbuf + op->cbuf_len, data + used, k);
        op->cbuf_len += k;
        op->moved += k;
        used += k;
        if (op->cbuf_len == XFER_COALESCE && !flush(op))
            return 0;
    }
    return n;
}

static void start_range(struct fastio_transfer *t, struct xfer_job *job, unsigned i)
{
    struct xfer_range *r = &job->dl.ranges[i];
    const char *args[2] = {job->workspace, job->dl.node};
    const struct fastio_param ver[1] = {{"version_id", job->dl.version_id}};
    struct fastio_error e;
    struct xfer_op *op = fio_xfer_op_new(t, job, OP_RANGE);
    char range[80];
    bool ok;

    if (op == NULL) {
        fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
        return;
    }
    op->index = i;
    op->op.attempt = r->retries + 1;
    op->cbuf = fio_xfer_buf_get(t);
    if (op->cbuf == NULL ||
        fio_xfer_op_build(op, FASTIO_EP_STORAGE_READ, args, 2, ver, 1, false, &e) != FASTIO_OK) {
        fio_xfer_op_free(op);
        fio_xfer_fail_status(job, FASTIO_NOMEM, "cannot build the request");
        return;
    }
    r->queued = r->done; /* not in flight: nothing of it is with the writer */
    (void)snprintf(range, sizeof(range), "Range: bytes=%llu-%llu",
                   (unsigned long long)(r->start + r->done), (unsigned long long)(r->end - 1));
    ok = fio_xfer_op_add_header(op, range) &&
         curl_easy_setopt(op->easy, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
         curl_easy_setopt(op->easy, CURLOPT_WRITEDATA, (void *)op) == CURLE_OK;
    if (!ok) {
        fio_xfer_op_free(op);
        fio_xfer_fail_status(job, FASTIO_NOMEM, "cannot build the request");
        return;
    }
    r->flight = true;
    if (fio_xfer_op_start(op, &e) != FASTIO_OK) {
        r->flight = false;
        fio_xfer_job_fail(job, e.status, &e, "cannot start the request");
    }
}

/* ---- a given version ------------------------------------------------------------------------- */

/* The entry of version_id in a versions list answer ({"versions": [...]}), or NULL. */
static json_t *find_version(json_t *body, const char *version_id)
{
    json_t *list = json_object_get(body, "versions"), *v;
    size_t i;
    if (!json_is_array(list))
        return NULL;
    json_array_foreach(list, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "version_id"));
        if (id == NULL)
            id = json_string_value(json_object_get(v, "id"));
        if (id != NULL && strcmp(id, version_id) == 0)
            return v;
    }
    return NULL;
}

static void download_advance(struct fastio_transfer *t, struct xfer_job *job, int64_t now)
{
    bool all_done = true, any_flight = false;
    if (job->step == STEP_QUEUED && job->dl.zip &&
        (job->name != NULL || strcmp(job->dl.node, "root") == 0)) {
        /* named by the caller, or the root (it has no details: named after the workspace) */
        fio_xfer_zip_open(t, job, strcmp(job->dl.node, "root") == 0 ? job->workspace : NULL);
        return;
    }
    if (job->step == STEP_ZIP) {
        if (job->busy == 0 && now >= job->step_not_before_ms)
            fio_xfer_zip_start(t, job);
        return;
    }
    if (job->step == STEP_QUEUED) {
        const char *args[2] = {job->workspace, job->dl.node};
        struct fastio_error e;
        struct xfer_op *op = fio_xfer_op_new(t, job, OP_NODE_DETAILS);
        job->step = STEP_DETAILS;
        if (op == NULL) {
            fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
            return;
        }
        /* a given version: its own size and hash come from the versions list */
        if (fio_xfer_op_build(op,
                              job->dl.version_id != NULL ? FASTIO_EP_STORAGE_VERSIONS
                                                      : FASTIO_EP_STORAGE_DETAILS,
                              args, 2, NULL, 0, true, &e) != FASTIO_OK) {
            fio_xfer_op_free(op);
            fio_xfer_job_fail(job, e.status, &e, "cannot build the request");
            return;
        }
        if (fio_xfer_op_start(op, &e) != FASTIO_OK)
            fio_xfer_job_fail(job, e.status, &e, "cannot start the request");
        return;
    }
    if (job->step == STEP_DETAILS && job->busy == 0 && now >= job->step_not_before_ms) {
        job->step = STEP_QUEUED; /* a retry of the details request */
        return;
    }
    if (job->step != STEP_RANGES)
        return;
    for (unsigned i = 0; i < job->dl.n_ranges; i++) {
        struct xfer_range *r = &job->dl.ranges[i];
        /* a range in flight may have bytes with the writer: its `done` is not ours to read */
        if (r->flight)
            any_flight = true;
        if (r->flight || r->done < r->end - r->start)
            all_done = false;
    }
    if (all_done && job->busy == 0) {
        finish(t, job);
        return;
    }
    for (unsigned i = 0; i < job->dl.n_ranges; i++) {
        struct xfer_range *r = &job->dl.ranges[i];
        if (r->flight || r->done >= r->end - r->start || now < r->not_before_ms)
            continue;
        /* Until the server has shown it honours Range (206), only one request is out. */
        if (!job->dl.ranges_probed && any_flight)
            break;
        start_range(t, job, i);
        if (job->step != STEP_RANGES)
            return;
        any_flight = true;
    }
}

static void download_done(struct xfer_op *op, CURLcode rc)
{
    struct fastio_transfer *t = op->t;
    struct xfer_job *job = op->job;
    struct fastio_error e;
    json_t *body = NULL;
    enum fastio_status st;

    if (op->kind == OP_ZIP) { /* a folder's zip stream: transfer_zip.c */
        fio_xfer_zip_done(op, rc);
        return;
    }
    if (op->kind == OP_NODE_DETAILS) {
        if (t->cancelling) {
            fio_xfer_op_free(op);
            return;
        }
        st = fio_xfer_op_decode(op, rc, &body, &e);
        fio_xfer_op_free(op);
        if (st == FASTIO_OK) {
            json_t *node = json_object_get(body, "node");
            long size = -1;
            const char *type, *name, *hash, *algo;
            if (!json_is_object(node))
                node = body;
            if (job->dl.version_id != NULL)
                node = find_version(body, job->dl.version_id);
            type = json_string_value(json_object_get(node, "type"));
            name = json_string_value(json_object_get(node, "name"));
            hash = json_string_value(json_object_get(node, "hash"));
            algo = json_string_value(json_object_get(node, "hash_algo"));
            if (job->dl.zip) {
                if (type != NULL && strcmp(type, "folder") != 0)
                    fio_xfer_fail_status(job, FASTIO_INVALID, "not a folder");
                else
                    fio_xfer_zip_open(t, job, name);
            } else if (node == NULL) {
                fio_xfer_fail_status(job, FASTIO_NOT_FOUND, "no such version of the file");
            } else if (type != NULL && strcmp(type, "file") != 0) {
                fio_xfer_fail_status(job, FASTIO_INVALID, "not a file");
            } else if (!fio_json_to_long(json_object_get(node, "size"), &size) || size < 0) {
                fio_xfer_fail_status(job, FASTIO_PROTOCOL, "the node has no valid size");
            } else {
                job->size = (uint64_t)size;
                job->size_known = true;
                free(job->dl.hash);
                free(job->dl.hash_algo);
                job->dl.hash = fio_strdup(hash);
                job->dl.hash_algo = fio_strdup(algo);
                if ((hash != NULL && job->dl.hash == NULL) || (algo != NULL && job->dl.hash_algo == NULL))
                    fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
                else
                    open_files(t, job, name);
            }
        } else {
            long wait = 0;
            if (fio_xfer_should_retry(t, &e, false, &job->step_retries, &wait))
                job->step_not_before_ms = fio_mono_ms() + wait;
            else
                fio_xfer_job_fail(job, st, &e, "cannot read the node");
        }
        json_decref(body);
        return;
    }

    /* OP_RANGE: bytes received are valid whatever happened next; keep them. */
    {
        struct xfer_range *r = &job->dl.ranges[op->index];
        bool complete;
        if (op->sink_file && !op->io_error && !op->range_mismatch && op->cbuf_len > 0)
            (void)flush(op);
        if (!fio_xfer_write_drain(t, job)) /* from here on done and crc are the loop's */
            op->io_error = true;
        r->flight = false;
        complete = r->done >= r->end - r->start;
        if (t->cancelling || job->step != STEP_RANGES) {
            fio_xfer_op_free(op);
            if (job->dl.dir_fd >= 0 && job->step == STEP_RANGES)
                save_state(job);
            return;
        }
        if (op->io_error) {
            fio_xfer_op_free(op);
            fio_xfer_fail_status(job, FASTIO_IO, "cannot write the .partial file");
            return;
        }
        if (rc == CURLE_OK && op->sink_file && complete) {
            fio_xfer_op_free(op);
            save_state(job);
            return;
        }
        if (op->range_mismatch && job->dl.no_ranges) {
            /* The server ignores Range: start over with one stream from offset 0. */
            fio_xfer_op_free(op);
            plan_ranges(t, job, 1);
            job->bytes_done = 0;
            save_state(job);
            return;
        }
        if (rc == CURLE_OK && op->sink_file) {
            /* 2xx but short: the connection ended early; resume the range */
            fastio_error_clear(&e);
            e.status = FASTIO_NETWORK;
            e.retryable = true;
            (void)snprintf(e.message, sizeof(e.message), "response ended early");
            st = FASTIO_NETWORK;
        } else if (op->range_mismatch) {
            fastio_error_clear(&e);
            e.status = st = FASTIO_PROTOCOL;
            (void)snprintf(e.message, sizeof(e.message),
                           "the server sent bytes outside the requested range");
        } else {
            st = fio_xfer_op_decode(op, rc, NULL, &e);
            if (st == FASTIO_OK) { /* 2xx JSON instead of bytes */
                e.status = st = FASTIO_PROTOCOL;
                (void)snprintf(e.message, sizeof(e.message), "no file bytes in the answer");
            }
        }
        fio_xfer_op_free(op);
        save_state(job);
        {
            long wait = 0;
            if (fio_xfer_should_retry(t, &e, false, &r->retries, &wait))
                r->not_before_ms = fio_mono_ms() + wait;
            else
                fio_xfer_job_fail(job, st, &e, "download failed");
        }
    }
}

static void download_reset(struct fastio_transfer *t, struct xfer_job *job)
{
    fio_xfer_write_reset(t, job); /* the writer lets go of the file first */
    if (job->fd >= 0)
        (void)close(job->fd);
    job->fd = -1;
    if (job->dl.dir_fd >= 0)
        (void)close(job->dl.dir_fd);
    job->dl.dir_fd = -1;
    free(job->dl.hash);
    free(job->dl.hash_algo);
    job->dl.hash = job->dl.hash_algo = NULL;
    job->dl.n_ranges = 0;
    job->dl.ranges_probed = job->dl.no_ranges = false;
    job->step_retries = 0;
    job->step_not_before_ms = 0;
    if (!job->succeeded)
        job->bytes_done = 0;
}

const struct xfer_job_kind fio_xfer_download_kind = {"download", download_advance, download_done,
                                                     download_reset};
