/* SPDX-License-Identifier: MIT */
/* transfer_plan.c - decisions of the transfer engine that need no network: how a file is cut
 * into chunks (api §5.1, §5.8), how a remote name becomes a safe local name (docs/decisions.md
 * D-028 "Names"), and the upload journal that lets a killed upload resume its session. */
#include "transfer_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "buf.h"
#include "crc32c.h"
#include "envelope.h"

/* ---- chunk planner ------------------------------------------------------------------------- */

enum fastio_status fio_xfer_plan(uint64_t size, const struct fio_xfer_limits *lim,
                                 uint64_t wanted, uint64_t *chunk_size, uint32_t *n_chunks,
                                 struct fastio_error *err)
{
    uint64_t cs_max = lim != NULL && lim->chunk_size_max > 0 ? lim->chunk_size_max : UINT64_MAX;
    uint64_t cap = lim != NULL && lim->chunks_max > 0 ? lim->chunks_max : UINT32_MAX;
    uint64_t min = lim != NULL && lim->chunk_size_min > 0 ? lim->chunk_size_min : FIO_XFER_MIN_CHUNK;
    uint64_t cs, need, n;

    if (size == 0)
        return fio_error_set(err, FASTIO_INVALID, "an empty file has no chunks");
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    if (lim != NULL && lim->file_size_max > 0 && size > lim->file_size_max)
        return fio_error_set(err, FASTIO_TOO_LARGE, "file larger than the plan's maximum size");
    cs = wanted > 0 ? wanted : FIO_XFER_TARGET_CHUNK;
    if (cs < min)
        cs = min;
    if (cs > cs_max)
        cs = cs_max;
    /* Fewest bytes per chunk that keep the session within the chunk cap, in whole MiB so the
     * boundaries stay page- and block-aligned. */
    need = size / cap + (size % cap != 0);
    if (need > cs) {
        uint64_t r = need % FIO_XFER_MIB == 0 ? need : need + (FIO_XFER_MIB - need % FIO_XFER_MIB);
        cs = r <= cs_max ? r : need;
        if (cs > cs_max)
            return fio_error_set(err, FASTIO_TOO_LARGE,
                                 "file needs more chunks than one upload session allows");
    }
    n = size / cs + (size % cs != 0);
    if (n > cap)
        return fio_error_set(err, FASTIO_TOO_LARGE,
                             "file needs more chunks than one upload session allows");
    *chunk_size = cs;
    *n_chunks = (uint32_t)n;
    fastio_error_clear(err);
    return FASTIO_OK;
}

/* ---- name sanitizer ------------------------------------------------------------------------ */

/* Decode one UTF-8 sequence at s (n > 0 bytes left); returns its length, or 0 when invalid
 * (overlong, surrogate, > U+10FFFF, truncated). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c, min;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xe0) == 0xc0) {
        len = 2, c = s[0] & 0x1f, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3, c = s[0] & 0x0f, min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

static bool unsafe_codepoint(uint32_t c)
{
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '/' || c == '\\' ||
           c == ':' || c == 0xff0f || c == 0xff3c || c == 0x2215 || c == 0x2044 ||
           (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e ||
           c == 0x200f || c == 0x061c;
}

void fio_xfer_sanitize_name(const char *name, size_t len, char *out, size_t out_size)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t limit = out_size - 1 < 255 ? out_size - 1 : 255;
    size_t o = 0, i = 0, start, end;

    if (name == NULL)
        len = 0;
    while (i < len) {
        uint32_t cp = 0;
        size_t k = utf8_decode(s + i, len - i, &cp);
        const char *rep = NULL;
        size_t rep_len;
        if (k == 0) {
            rep = "_", k = 1;
        } else if (cp == 0xff0e) {
            rep = "."; /* fullwidth full stop: "．．" must not survive as a look-alike of ".." */
        } else if (unsafe_codepoint(cp)) {
            rep = "_";
        }
        rep_len = rep != NULL ? 1 : k;
        if (o + rep_len > limit)
            break; /* cut on a character boundary */
        memcpy(out + o, rep != NULL ? (const unsigned char *)rep : s + i, rep_len);
        o += rep_len;
        i += k;
    }
    /* No leading dots (".", "..", hidden files) or spaces; no trailing dots or spaces. */
    start = 0;
    while (start < o && (out[start] == '.' || out[start] == ' '))
        start++;
    end = o;
    while (end > start && (out[end - 1] == '.' || out[end - 1] == ' '))
        end--;
    if (end == start) {
        fio_strlcpy(out, "download", out_size);
        return;
    }
    memmove(out, out + start, end - start);
    out[end - start] = '\0';
}

/* ---- journal ------------------------------------------------------------------------------- */

void fio_xfer_journal_init(struct fio_xfer_journal *j)
{
    memset(j, 0, sizeof(*j));
}

void fio_xfer_journal_release(struct fio_xfer_journal *j)
{
    free(j->crc);
    free(j->done);
    fio_xfer_journal_init(j);
}

bool fio_xfer_journal_alloc(struct fio_xfer_journal *j, uint32_t n)
{
    free(j->crc);
    free(j->done);
    j->crc = calloc(n > 0 ? n : 1, sizeof(*j->crc));
    j->done = calloc(n > 0 ? n : 1, sizeof(*j->done));
    j->n_chunks = n;
    if (j->crc == NULL || j->done == NULL) {
        free(j->crc);
        free(j->done);
        j->crc = NULL;
        j->done = NULL;
        j->n_chunks = 0;
        return false;
    }
    return true;
}

char *fio_xfer_journal_path(const char *journal_dir, const char *abs_path, const char *base_url,
                            const char *workspace, const char *folder, const char *name)
{
    const char *parts[5] = {abs_path, base_url, workspace, folder, name};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    struct fio_buf b;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

    /* Each part is followed by its NUL so that ("ab","c") and ("a","bc") differ. */
    for (size_t i = 0; ok && i < 5; i++) {
        const char *p = parts[i] != NULL ? parts[i] : "";
        ok = EVP_DigestUpdate(ctx, p, strlen(p) + 1) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return NULL;
    fio_buf_init(&b, 0);
    ok = fio_buf_append_str(&b, journal_dir) && fio_buf_append_str(&b, "/up-");
    for (unsigned i = 0; ok && i < 16; i++) /* 128 bits name the file */
        ok = fio_buf_printf(&b, "%02x", md[i]);
    ok = ok && fio_buf_append_str(&b, ".json");
    if (!ok) {
        fio_buf_release(&b);
        return NULL;
    }
    return fio_buf_steal(&b);
}

/* Replace path with text: written to a temporary file beside it, then renamed over it, so a
 * reader sees the old or the new contents, never a mix. durable: the file and then its folder
 * are synced, so the new contents survive a power loss once this returns. FASTIO_OK, NOMEM or
 * IO (nothing left behind). */
static enum fastio_status replace_file(const char *path, const char *text, bool durable)
{
    struct fio_buf tmp;
    enum fastio_status st = FASTIO_NOMEM;
    size_t len = strlen(text), off = 0;
    int fd = -1;

    fio_buf_init(&tmp, 0);
    if (!fio_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid()))
        goto out;
    st = FASTIO_IO;
    (void)unlink(tmp.data);
    fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        goto out;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto out;
        off += (size_t)w;
    }
    if ((durable && fsync(fd) != 0) || close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    if (rename(tmp.data, path) != 0)
        goto out;
    st = FASTIO_OK;
    if (durable) {
        /* the rename itself: sync the folder that holds the name */
        const char *slash = strrchr(path, '/');
        struct fio_buf dir;
        fio_buf_init(&dir, 0);
        bool named = slash == NULL
                         ? fio_buf_append_str(&dir, ".")
                         : fio_buf_append(&dir, path, (size_t)(slash - path + (slash == path)));
        int dfd = named ? open(dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (dfd < 0 || fsync(dfd) != 0)
            st = named ? FASTIO_IO : FASTIO_NOMEM;
        if (dfd >= 0)
            (void)close(dfd);
        fio_buf_release(&dir);
    }
out:
    if (fd >= 0)
        (void)close(fd);
    if (st != FASTIO_OK && tmp.data != NULL && st == FASTIO_IO)
        (void)unlink(tmp.data);
    fio_buf_release(&tmp);
    return st;
}

enum fastio_status fio_xfer_journal_save(const char *path, const struct fio_xfer_journal *j,
                                         struct fastio_error *err)
{
    json_t *chunks = json_object();
    json_t *doc = NULL;
    char *text = NULL;
    enum fastio_status st = FASTIO_NOMEM;

    if (chunks == NULL)
        goto out;
    for (uint32_t i = 0; i < j->n_chunks; i++) {
        char key[16], hex[FIO_CRC32C_HEX_SIZE];
        if (!j->done[i])
            continue;
        (void)snprintf(key, sizeof(key), "%u", i + 1);
        fio_crc32c_hex(j->crc[i], hex);
        if (json_object_set_new(chunks, key, json_string(hex)) != 0)
            goto out;
    }
    doc = json_pack("{s:i, s:s, s:I, s:I, s:I, s:i, s:O}", "v", 1, "upload_id", j->upload_id,
                    "size", (json_int_t)j->size, "mtime_ns", (json_int_t)j->mtime_ns, "chunk_size",
                    (json_int_t)j->chunk_size, "n_chunks", (int)j->n_chunks, "chunks", chunks);
    if (doc == NULL)
        goto out;
    text = json_dumps(doc, JSON_COMPACT);
    if (text == NULL)
        goto out;
    /* Process-kill safety only: the rename is atomic, so a reader sees the old or the new
     * journal. No fsync: after a power loss an old or empty journal only costs a restart
     * (an empty or torn file is refused as corrupt). */
    st = replace_file(path, text, false);
out:
    json_decref(chunks);
    json_decref(doc);
    free(text);
    if (st == FASTIO_OK)
        fastio_error_clear(err);
    else
        fio_error_set(err, st,
                      st == FASTIO_IO ? "cannot write the upload journal" : "out of memory");
    return st;
}

enum fastio_status fio_xfer_journal_load(const char *path, struct fio_xfer_journal *j,
                                         struct fastio_error *err)
{
    json_error_t jerr;
    json_t *doc, *chunks = NULL;
    const char *id = NULL, *key;
    json_int_t size = -1, mtime = 0, cs = 0, v = 0;
    int n = -1;
    json_t *val;
    int fd;

    fio_xfer_journal_release(j);
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return fio_error_set(err, FASTIO_NOT_FOUND, "no upload journal");
        return fio_error_set(err, FASTIO_IO, "cannot open the upload journal");
    }
    doc = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
    (void)close(fd);
    if (doc == NULL || json_unpack(doc, "{s:I, s:s, s:I, s:I, s:I, s:i, s:o}", "v", &v,
                                   "upload_id", &id, "size", &size, "mtime_ns", &mtime,
                                   "chunk_size", &cs, "n_chunks", &n, "chunks", &chunks) != 0)
        goto corrupt;
    if (v != 1 || strlen(id) == 0 || strlen(id) >= FIO_XFER_ID_MAX || size <= 0 || cs <= 0 ||
        n <= 0 || !json_is_object(chunks) ||
        (uint64_t)n != (uint64_t)size / (uint64_t)cs + ((uint64_t)size % (uint64_t)cs != 0))
        goto corrupt;
    for (const char *p = id; *p != '\0'; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '/')
            goto corrupt;
    }
    if (!fio_xfer_journal_alloc(j, (uint32_t)n)) {
        json_decref(doc);
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    fio_strlcpy(j->upload_id, id, sizeof(j->upload_id));
    j->size = (uint64_t)size;
    j->mtime_ns = mtime;
    j->chunk_size = (uint64_t)cs;
    json_object_foreach(chunks, key, val)
    {
        long long order;
        uint32_t crc;
        if (!fio_parse_ll(key, 1, n, &order) || !json_is_string(val) ||
            !fio_crc32c_parse_hex(json_string_value(val), json_string_length(val), &crc))
            goto corrupt;
        j->done[order - 1] = true;
        j->crc[order - 1] = crc;
    }
    json_decref(doc);
    fastio_error_clear(err);
    return FASTIO_OK;
corrupt:
    json_decref(doc);
    fio_xfer_journal_release(j);
    return fio_error_set(err, FASTIO_PROTOCOL, "upload journal is corrupt");
}

/* ---- stored markers (issue 15 item 6a) -------------------------------------------------------- */

enum fastio_status fio_xfer_marker_save(const char *path, uint64_t size, int64_t mtime_ns,
                                        const char *node_id)
{
    json_t *doc = json_pack("{s:i, s:I, s:I, s:s}", "v", 1, "size", (json_int_t)size, "mtime_ns",
                            (json_int_t)mtime_ns, "node_id", node_id != NULL ? node_id : "");
    char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    /* Durable before the run moves on: a marker lost after the file was stored means the file
     * is sent again (a second version) by the rerun. */
    enum fastio_status st = text != NULL ? replace_file(path, text, true) : FASTIO_NOMEM;
    json_decref(doc);
    free(text);
    return st;
}

bool fio_xfer_marker_load(const char *path, uint64_t size, int64_t mtime_ns, char *node_id,
                          size_t node_size)
{
    json_error_t jerr;
    json_t *doc;
    json_int_t v = 0, sz = -1, mt = 0;
    const char *id = NULL;
    bool ok = false;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return false;
    doc = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
    (void)close(fd);
    if (doc != NULL &&
        json_unpack(doc, "{s:I, s:I, s:I, s:s}", "v", &v, "size", &sz, "mtime_ns", &mt,
                    "node_id", &id) == 0 &&
        v == 1 && sz >= 0 && (uint64_t)sz == size && mt == mtime_ns && id != NULL &&
        id[0] != '\0' && strlen(id) < node_size) {
        fio_strlcpy(node_id, id, node_size);
        ok = true;
    }
    json_decref(doc);
    return ok;
}
