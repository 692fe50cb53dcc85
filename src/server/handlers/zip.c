/* SPDX-License-Identifier: MIT */
/* zip.c - folder downloads as a streamed zip (api §6): GET …/storage/{folder|root}/zip/.
 * No temporary file and no compression (method STORE): the handler lists the live subtree once
 * (files and folders, paths relative to the folder, UTF-8 with general-purpose bit 11), lays out
 * every record so the exact Content-Length is known, and a libmicrohttpd content-reader callback
 * then produces the archive piece by piece: local header, the blob's bytes read from its file
 * descriptor with the CRC-32 computed on the way, a data descriptor (bit 3: the CRC is only known
 * after the bytes), and at the end the central directory and its end records. Zip64 records are
 * used for a file of 4 GiB or more, an offset past 4 GiB or more than 65,534 entries. Each call
 * does bounded work: header bytes plus at most one pread of the buffer MHD offers. Blobs are
 * immutable, so a file's bytes cannot change under the stream; a file purged (and its blob
 * reclaimed) after the listing ends the stream with an error (a short body).
 * docs/decisions.md "Uploads and downloads". */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "blob.h"
#include "download.h"
#include "handlers.h"
#include "storage.h"
#include "store_node.h"
#include "zipcrc.h"

#define ZIP_MAX_ENTRIES 100000
#define ZIP_NAME_MAX 65535
#define ZIP_HDR_MAX (46 + ZIP_NAME_MAX + 32) /* the largest record built at once */
#define ZIP_BLOCK 65536
#define Z32 0xFFFFFFFFu

struct zent {
    char *name;
    char vid[FIO_OPAQUE_ID_SIZE]; /* "" for a folder */
    uint64_t size, off;
    uint32_t crc;
    uint16_t dtime, ddate;
    bool dir;
};

enum zphase { ZP_LOCAL, ZP_DATA, ZP_DESC, ZP_CENTRAL, ZP_END, ZP_DONE };

struct zstream {
    struct server *srv;
    struct zent *e;
    size_t n, cap;
    uint64_t pos, total, cd_start, cd_size;
    size_t cur;
    enum zphase phase;
    int fd;
    uint64_t done; /* data bytes of the current entry */
    unsigned char *hb;
    size_t hlen, hoff;
};

static void zfree(void *cls)
{
    struct zstream *z = cls;
    if (!z)
        return;
    if (z->fd >= 0)
        close(z->fd);
    for (size_t i = 0; i < z->n; i++)
        free(z->e[i].name);
    free(z->e);
    free(z->hb);
    free(z);
}

static bool big(const struct zent *e)
{
    return !e->dir && e->size >= Z32;
}

static size_t local_len(const struct zent *e)
{
    return 30 + strlen(e->name) + (big(e) ? 20 : 0);
}

static size_t desc_len(const struct zent *e)
{
    return e->dir ? 0 : big(e) ? 24 : 16;
}

static size_t central_extra(const struct zent *e)
{
    size_t x = (big(e) ? 16 : 0) + (e->off >= Z32 ? 8 : 0);
    return x ? x + 4 : 0;
}

static bool need_z64_end(const struct zstream *z)
{
    return z->n >= 0xFFFF || z->cd_start >= Z32 || z->cd_size >= Z32 ||
           z->cd_start + z->cd_size >= Z32;
}

/* ---- little-endian writers into z->hb --------------------------------------------------- */

static void put16(struct zstream *z, uint32_t v)
{
    z->hb[z->hlen++] = (unsigned char)(v & 0xff);
    z->hb[z->hlen++] = (unsigned char)((v >> 8) & 0xff);
}

static void put32(struct zstream *z, uint32_t v)
{
    put16(z, v & 0xffff);
    put16(z, v >> 16);
}

static void put64(struct zstream *z, uint64_t v)
{
    put32(z, (uint32_t)(v & Z32));
    put32(z, (uint32_t)(v >> 32));
}

static void putname(struct zstream *z, const char *name)
{
    size_t n = strlen(name);
    memcpy(z->hb + z->hlen, name, n);
    z->hlen += n;
}

static void build_local(struct zstream *z, const struct zent *e)
{
    z->hlen = z->hoff = 0;
    put32(z, 0x04034b50);
    put16(z, big(e) ? 45 : 20);
    put16(z, e->dir ? 0x0800 : 0x0808); /* UTF-8 names; files: sizes in a data descriptor */
    put16(z, 0);                        /* STORE */
    put16(z, e->dtime);
    put16(z, e->ddate);
    put32(z, 0); /* crc: in the descriptor */
    put32(z, big(e) ? Z32 : 0);
    put32(z, big(e) ? Z32 : 0);
    put16(z, (uint32_t)strlen(e->name));
    put16(z, big(e) ? 20 : 0);
    putname(z, e->name);
    if (big(e)) {
        put16(z, 0x0001);
        put16(z, 16);
        put64(z, 0);
        put64(z, 0);
    }
}

static void build_desc(struct zstream *z, const struct zent *e)
{
    z->hlen = z->hoff = 0;
    put32(z, 0x08074b50);
    put32(z, e->crc);
    if (big(e)) {
        put64(z, e->size);
        put64(z, e->size);
    } else {
        put32(z, (uint32_t)e->size);
        put32(z, (uint32_t)e->size);
    }
}

static void build_central(struct zstream *z, const struct zent *e)
{
    z->hlen = z->hoff = 0;
    bool b = big(e), bo = e->off >= Z32;
    put32(z, 0x02014b50);
    put16(z, (3u << 8) | 45); /* made by: Unix, 4.5 */
    put16(z, (b || bo) ? 45 : 20);
    put16(z, e->dir ? 0x0800 : 0x0808);
    put16(z, 0);
    put16(z, e->dtime);
    put16(z, e->ddate);
    put32(z, e->crc);
    put32(z, b ? Z32 : (uint32_t)e->size);
    put32(z, b ? Z32 : (uint32_t)e->size);
    put16(z, (uint32_t)strlen(e->name));
    put16(z, (uint32_t)central_extra(e));
    put16(z, 0); /* comment */
    put16(z, 0); /* disk */
    put16(z, 0); /* internal attributes */
    put32(z, e->dir ? (040755u << 16) | 0x10 : (0100644u << 16));
    put32(z, bo ? Z32 : (uint32_t)e->off);
    putname(z, e->name);
    if (central_extra(e)) {
        put16(z, 0x0001);
        put16(z, (uint32_t)central_extra(e) - 4);
        if (b) {
            put64(z, e->size);
            put64(z, e->size);
        }
        if (bo)
            put64(z, e->off);
    }
}

static void build_end(struct zstream *z)
{
    z->hlen = z->hoff = 0;
    uint64_t end = z->cd_start + z->cd_size;
    if (need_z64_end(z)) {
        put32(z, 0x06064b50);
        put64(z, 44);
        put16(z, (3u << 8) | 45);
        put16(z, 45);
        put32(z, 0);
        put32(z, 0);
        put64(z, z->n);
        put64(z, z->n);
        put64(z, z->cd_size);
        put64(z, z->cd_start);
        put32(z, 0x07064b50); /* locator */
        put32(z, 0);
        put64(z, end);
        put32(z, 1);
    }
    put32(z, 0x06054b50);
    put16(z, 0);
    put16(z, 0);
    put16(z, z->n >= 0xFFFF ? 0xFFFF : (uint32_t)z->n);
    put16(z, z->n >= 0xFFFF ? 0xFFFF : (uint32_t)z->n);
    put32(z, z->cd_size >= Z32 ? Z32 : (uint32_t)z->cd_size);
    put32(z, z->cd_start >= Z32 ? Z32 : (uint32_t)z->cd_start);
    put16(z, 0);
}

/* The next record into hb, or the data phase. false when the archive is complete. */
static bool advance(struct zstream *z)
{
    for (int guard = 0; guard < 8; guard++) {
        switch (z->phase) {
        case ZP_LOCAL:
            if (z->cur >= z->n) {
                z->phase = ZP_CENTRAL;
                z->cur = 0;
                continue;
            }
            build_local(z, &z->e[z->cur]);
            z->phase = z->e[z->cur].dir ? ZP_LOCAL : ZP_DATA;
            if (z->e[z->cur].dir)
                z->cur++;
            z->done = 0;
            return true;
        case ZP_DATA:
            return true; /* the caller reads the blob */
        case ZP_DESC:
            build_desc(z, &z->e[z->cur]);
            z->cur++;
            z->phase = ZP_LOCAL;
            return true;
        case ZP_CENTRAL:
            if (z->cur >= z->n) {
                z->phase = ZP_END;
                continue;
            }
            build_central(z, &z->e[z->cur++]);
            return true;
        case ZP_END:
            build_end(z);
            z->phase = ZP_DONE;
            return true;
        case ZP_DONE:
            return false;
        }
    }
    return false;
}

static ssize_t zread(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct zstream *z = cls;
    if (pos != z->pos)
        return MHD_CONTENT_READER_END_WITH_ERROR; /* the stream is produced in order only */
    size_t w = 0;
    /* bounded: each round copies header bytes, does one read, or moves to the next record */
    for (int round = 0; round < 64 && w < max; round++) {
        if (z->hoff < z->hlen) {
            size_t n = z->hlen - z->hoff < max - w ? z->hlen - z->hoff : max - w;
            memcpy(buf + w, z->hb + z->hoff, n);
            z->hoff += n;
            w += n;
            continue;
        }
        if (z->phase == ZP_DATA) {
            struct zent *e = &z->e[z->cur];
            if (z->done == e->size) {
                if (z->fd >= 0)
                    close(z->fd);
                z->fd = -1;
                z->phase = ZP_DESC;
                continue;
            }
            if (z->fd < 0) {
                int64_t sz = 0;
                z->fd = blob_open(z->srv, e->vid, &sz);
                if (z->fd < 0 || (uint64_t)sz != e->size) {
                    srv_log(z->srv, SRV_LOG_ERROR, "zip: blob %s is missing or changed", e->vid);
                    return MHD_CONTENT_READER_END_WITH_ERROR;
                }
            }
            size_t want = max - w;
            if ((uint64_t)want > e->size - z->done)
                want = (size_t)(e->size - z->done);
            ssize_t got = pread(z->fd, buf + w, want, (off_t)z->done);
            if (got <= 0) {
                srv_log(z->srv, SRV_LOG_ERROR, "zip: read of blob %s failed", e->vid);
                return MHD_CONTENT_READER_END_WITH_ERROR;
            }
            e->crc = zip_crc32(e->crc, buf + w, (size_t)got);
            z->done += (uint64_t)got;
            w += (size_t)got;
            break;
        }
        if (!advance(z))
            break;
    }
    if (w == 0 && z->phase == ZP_DONE && z->hoff >= z->hlen)
        return MHD_CONTENT_READER_END_OF_STREAM;
    z->pos += w;
    return (ssize_t)w;
}

static void dos_time(int64_t us, uint16_t *t, uint16_t *d)
{
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    if (!gmtime_r(&s, &tm) || tm.tm_year < 80) {
        *t = 0;
        *d = (1 << 5) | 1; /* 1980-01-01 */
        return;
    }
    *t = (uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
    *d = (uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
}

/* store_zip_fn of plan(): one member laid out at *off. */
struct plan_ctx {
    struct req *r;
    struct zstream *z;
    uint64_t off;
    bool failed; /* an error is set: the walk stopped */
};

static int plan_one(struct plan_ctx *p, const struct store_zip_entry *row)
{
    struct zstream *z = p->z;
    if (z->n >= ZIP_MAX_ENTRIES)
        return req_fail(p->r, 413, API_ERR_INVALID, "The folder holds more than %d entries",
                        ZIP_MAX_ENTRIES);
    size_t plen = strlen(row->path);
    if (plen + 1 > ZIP_NAME_MAX)
        return req_fail(p->r, 400, API_ERR_INVALID, "A path in the folder is too long for zip");
    if (z->n == z->cap) {
        size_t nc = z->cap ? z->cap * 2 : 64;
        struct zent *ne = realloc(z->e, nc * sizeof(*ne));
        if (!ne)
            return req_fail(p->r, 500, 0, "Out of memory");
        z->e = ne;
        z->cap = nc;
    }
    struct zent *e = &z->e[z->n];
    memset(e, 0, sizeof(*e));
    e->name = malloc(plen + 2);
    if (!e->name)
        return req_fail(p->r, 500, 0, "Out of memory");
    bool dir = row->folder;
    memcpy(e->name, row->path, plen);
    e->name[plen] = dir ? '/' : 0;
    e->name[plen + 1] = 0;
    z->n++;
    e->dir = dir;
    fio_strlcpy(e->vid, row->version_id, sizeof(e->vid));
    e->size = dir || row->size < 0 ? 0 : (uint64_t)row->size;
    if (!dir && !e->vid[0])
        e->size = 0; /* no content yet: an empty member (never opened) */
    dos_time(row->modified, &e->dtime, &e->ddate);
    e->off = p->off;
    p->off += local_len(e) + e->size + desc_len(e);
    return 0;
}

static int plan_entry(const struct store_zip_entry *row, void *arg)
{
    struct plan_ctx *p = arg;
    if (plan_one(p, row) == 0)
        return 0;
    p->failed = true;
    return 1;
}

/* List the live subtree of folder (NULL = root) in path order and lay the archive out. */
static int plan(struct req *r, struct zstream *z, const char *folder)
{
    struct plan_ctx p = {.r = r, .z = z, .off = 0, .failed = false};
    if (STORE(r->st, node)->zip_each(r->st, r->ws.id, folder, ZIP_MAX_ENTRIES, plan_entry, &p) !=
        STORE_OK)
        return req_fail_internal(r, "zip list");
    if (p.failed)
        return -1;
    uint64_t off = p.off;
    z->cd_start = off;
    for (size_t i = 0; i < z->n; i++)
        z->cd_size += 46 + strlen(z->e[i].name) + central_extra(&z->e[i]);
    z->total = z->cd_start + z->cd_size + (need_z64_end(z) ? 56 + 20 : 0) + 22;
    return 0;
}

int h_dl_zip(struct req *r)
{
    bool is_root = false;
    char id[FIO_OPAQUE_ID_SIZE] = "";
    if (tree_parse_id(r, req_arg(r, 1), "node", &is_root, id) != 0)
        return -1;
    char name[STORE_NAME_SIZE + 8];
    if (is_root) {
        snprintf(name, sizeof(name), "%s.zip", r->ws.folder_name[0] ? r->ws.folder_name : "root");
    } else {
        struct store_node n;
        int rc = tree_node_get(r, id, NULL, &n);
        if (rc < 0)
            return -1;
        if (rc == 0 || n.hidden)
            return req_fail(r, 404, API_ERR_NOT_FOUND, "Node not found");
        if (strcmp(n.type, "folder") != 0)
            return req_fail_param(r, "node", "invalid", "The node is a %s, not a folder; use read/",
                                  n.type);
        snprintf(name, sizeof(name), "%s.zip", n.name);
    }
    struct zstream *z = calloc(1, sizeof(*z));
    if (!z)
        return req_fail(r, 500, 0, "Out of memory");
    z->srv = r->srv;
    z->fd = -1;
    z->hb = malloc(ZIP_HDR_MAX + 128);
    if (!z->hb) {
        zfree(z);
        return req_fail(r, 500, 0, "Out of memory");
    }
    if (plan(r, z, is_root ? NULL : id) != 0) {
        zfree(z);
        return -1;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(z->total, ZIP_BLOCK, zread, z, zfree);
    if (!resp) {
        zfree(z);
        return req_fail(r, 500, 0, "Out of memory");
    }
    MHD_add_response_header(resp, "Content-Type", "application/zip");
    dl_add_headers(resp, name);
    r->status_ok = 200;
    r->bytes_out = (size_t)z->total;
    r->raw_response = resp;
    return 0;
}
