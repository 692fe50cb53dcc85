/* SPDX-License-Identifier: MIT */
/* it_upload.h - helpers of the upload and download suites (test_upload.c, test_download.c):
 * multipart and raw requests with libcurl, chunked sessions, reading a file back. Header-only
 * (static inline) so each suite stays one program. */
#ifndef IT_UPLOAD_H
#define IT_UPLOAD_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "crc32c.h"
#include "harness.h"

static inline size_t itu_collect(char *p, size_t sz, size_t n, void *ud)
{
    return fio_buf_append(ud, p, sz * n) ? sz * n : 0;
}

/* Run the request on handle h to path on s with the header lines hdr: the body into b and, when
 * hb is not NULL, the raw header block into hb; 60 s at most. Frees hdr and h. Returns the
 * status (0 when no response came). */
static inline long itu_perform(const struct it_server *s, const char *path, CURL *h,
                               struct curl_slist *hdr, struct fio_buf *b, struct fio_buf *hb)
{
    char url[1024];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, itu_collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
    if (hb != NULL) {
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, itu_collect);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, hb);
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return status;
}

/* POST the multipart body m (built on handle h) to path with a bearer token (NULL = none);
 * frees h and m. Returns the status; *out gets the body (free()). */
static inline long itu_post_mime(const struct it_server *s, const char *token, const char *path,
                                 CURL *h, curl_mime *m, char **out)
{
    char auth[300];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token ? token : "");
    struct curl_slist *hdr = curl_slist_append(NULL, "Expect:");
    if (token)
        hdr = curl_slist_append(hdr, auth);
    struct fio_buf b;
    fio_buf_init(&b, 64u << 20);
    curl_easy_setopt(h, CURLOPT_MIMEPOST, m);
    long status = itu_perform(s, path, h, hdr, &b, NULL);
    curl_mime_free(m);
    *out = fio_buf_steal(&b);
    return status;
}

/* POST path as multipart: NULL-ended name/value pairs, plus a part "chunk" of data[len] when
 * data is not NULL. Returns the status; *out gets the body (free()). */
static inline long itu_multipart(const struct it_server *s, const char *token, const char *path,
                                 const char *const *fields, const void *data, size_t len,
                                 char **out)
{
    CURL *h = curl_easy_init();
    curl_mime *m = curl_mime_init(h);
    for (size_t i = 0; fields && fields[i]; i += 2) {
        curl_mimepart *p = curl_mime_addpart(m);
        curl_mime_name(p, fields[i]);
        curl_mime_data(p, fields[i + 1], CURL_ZERO_TERMINATED);
    }
    if (data) {
        curl_mimepart *p = curl_mime_addpart(m);
        curl_mime_name(p, "chunk");
        curl_mime_filename(p, "chunk.bin");
        curl_mime_data(p, len ? data : "", len);
    }
    return itu_post_mime(s, token, path, h, m, out);
}

/* One file part of a batch (itu_batch). */
struct itu_part {
    const char *name;     /* "file_0" ... */
    const char *filename;
    const void *data;
    size_t len;
};

/* POST /current/upload/batch/: text fields (NULL-ended name/value pairs) first when
 * files_first is false, else the file parts first. token NULL = anonymous. */
static inline long itu_batch(const struct it_server *s, const char *token,
                             const char *const *fields, const struct itu_part *parts,
                             size_t nparts, int files_first, char **out)
{
    CURL *h = curl_easy_init();
    curl_mime *m = curl_mime_init(h);
    for (int pass = 0; pass < 2; pass++) {
        if ((pass == 0) == (files_first != 0)) {
            for (size_t i = 0; i < nparts; i++) {
                curl_mimepart *p = curl_mime_addpart(m);
                curl_mime_name(p, parts[i].name);
                curl_mime_filename(p, parts[i].filename);
                curl_mime_data(p, parts[i].len ? parts[i].data : "", parts[i].len);
            }
        } else {
            for (size_t i = 0; fields && fields[i]; i += 2) {
                curl_mimepart *p = curl_mime_addpart(m);
                curl_mime_name(p, fields[i]);
                curl_mime_data(p, fields[i + 1], CURL_ZERO_TERMINATED);
            }
        }
    }
    return itu_post_mime(s, token, "/current/upload/batch/", h, m, out);
}

/* A request with a form/raw body; bearer token (NULL = none). */
static inline long itu_req(const struct it_server *s, const char *token, const char *method,
                           const char *path, const char *ctype, const void *body, size_t len,
                           char **out, char **headers)
{
    char auth[300];
    snprintf(auth, sizeof(auth), "Bearer %s", token ? token : "");
    return it_raw_h(s, method, path, ctype, body, len, token ? auth : NULL, out, headers);
}

/* A request with a form body (NULL = none) as token: the JSON body (owned; {} when the body is
 * not JSON), the status in *status (may be NULL). */
static inline json_t *itu_form_json(const struct it_server *s, const char *token,
                                    const char *method, const char *path, const char *form,
                                    long *status)
{
    char *out = NULL;
    long st = itu_req(s, token, method, path, form ? "application/x-www-form-urlencoded" : NULL,
                      form, form ? strlen(form) : 0, &out, NULL);
    if (status)
        *status = st;
    json_t *j = json_loads(out ? out : "", 0, NULL);
    free(out);
    return j ? j : json_object();
}

/* A pause of ms milliseconds between the polls of a bounded wait (never a measurement). */
static inline void itu_nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static inline json_t *itu_json(const char *body)
{
    json_t *j = json_loads(body ? body : "", 0, NULL);
    if (!j) {
        fprintf(stderr, "not JSON: %s\n", body ? body : "(null)");
        abort();
    }
    return j;
}

static inline long itu_code(const char *body)
{
    json_t *j = json_loads(body ? body : "", 0, NULL);
    long c = j ? (long)json_integer_value(json_object_get(json_object_get(j, "error"), "code")) : -1;
    json_decref(j);
    return c;
}

/* itu_form_json that must answer 200 (the test fails with the body otherwise): the body. */
static inline json_t *itu_ok_json(const struct it_server *s, const char *token,
                                  const char *method, const char *path, const char *form)
{
    long st;
    json_t *j = itu_form_json(s, token, method, path, form, &st);
    if (st != 200) {
        char *t = json_dumps(j, 0);
        fail_msg("%s %s: %ld %s", method, path, st, t ? t : "");
    }
    return j;
}

/* Upload len bytes of data (NULL: none) as name into folder ("root" or an id) of workspace ws in
 * one request; the new node's id into node (size 64). The test fails unless it is stored. */
static inline void itu_upload_file(const struct it_server *s, const char *token, const char *ws,
                                   const char *folder, const char *name, const void *data,
                                   size_t len, char *node)
{
    char size[32], *out = NULL;
    snprintf(size, sizeof(size), "%zu", len);
    const char *f[] = {"name",         name,          "size", size,        "action",
                       "create",       "instance_id", ws,     "folder_id", folder,
                       "profile_type", "workspace",   NULL};
    long st = itu_multipart(s, token, "/current/upload/", f, data ? data : "", len, &out);
    if (st != 200)
        fail_msg("upload %s: %ld %s", name, st, out ? out : "");
    json_t *j = itu_json(out);
    const char *id = json_string_value(json_object_get(j, "new_file_id"));
    assert_non_null(id);
    snprintf(node, 64, "%s", id);
    json_decref(j);
    free(out);
}

/* Deterministic test bytes. */
static inline unsigned char *itu_bytes(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n ? n : 1);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (unsigned char)x;
    }
    return p;
}

/* Create a chunked session; id into id_out (size >= 64). Returns the status. */
static inline long itu_session(const struct it_server *s, const char *token, const char *ws,
                               const char *name, long long size, const char *extra,
                               char *id_out)
{
    char form[1024], *out = NULL;
    snprintf(form, sizeof(form), "name=%s&size=%lld&action=create&instance_id=%s&folder_id=root&"
             "profile_type=workspace%s%s", name, size, ws, extra ? "&" : "", extra ? extra : "");
    long st = itu_req(s, token, "POST", "/current/upload/", "application/x-www-form-urlencoded",
                      form, strlen(form), &out, NULL);
    id_out[0] = 0;
    if (st == 200) {
        json_t *j = itu_json(out);
        snprintf(id_out, 64, "%s", json_string_value(json_object_get(j, "id")));
        json_decref(j);
    }
    free(out);
    return st;
}

/* Send chunk `order` (1-based) of data as multipart with its CRC-32C; extra query may be NULL. */
static inline long itu_chunk(const struct it_server *s, const char *token, const char *id,
                             int order, const unsigned char *data, size_t len, const char *extra,
                             char **out)
{
    char path[512], hex[FIO_CRC32C_HEX_SIZE];
    fio_crc32c_hex(fio_crc32c(0, data, len), hex);
    snprintf(path, sizeof(path), "/current/upload/%s/chunk/?order=%d&size=%zu&hash_algo=crc32c&"
             "hash=%s%s%s", id, order, len, hex, extra ? "&" : "", extra ? extra : "");
    return itu_multipart(s, token, path, NULL, data, len, out);
}

/* Upload data as a chunked session with chunk size cs; returns the new file id (static buffer). */
static inline const char *itu_upload_chunked(const struct it_server *s, const char *token,
                                             const char *ws, const char *name,
                                             const unsigned char *data, size_t len, size_t cs)
{
    static char node[64];
    char id[64], *out = NULL, fcrc[64];
    node[0] = 0;
    if (itu_session(s, token, ws, name, (long long)len, NULL, id) != 200)
        return NULL;
    snprintf(fcrc, sizeof(fcrc), "file_crc32c=");
    fio_crc32c_hex(fio_crc32c(0, data, len), fcrc + 12);
    size_t nchunks = len ? (len + cs - 1) / cs : 1;
    for (size_t i = 0; i < nchunks; i++) {
        size_t off = i * cs, n = len - off < cs ? len - off : cs;
        long st = itu_chunk(s, token, id, (int)i + 1, data + off, n,
                            i + 1 == nchunks ? fcrc : NULL, &out);
        if (st != 200) {
            fprintf(stderr, "chunk %zu: %ld %s\n", i + 1, st, out);
            free(out);
            return NULL;
        }
        free(out);
    }
    char path[256];
    snprintf(path, sizeof(path), "/current/upload/%s/complete/", id);
    long st = itu_req(s, token, "POST", path, NULL, NULL, 0, &out, NULL);
    if (st == 200) {
        json_t *j = itu_json(out);
        snprintf(node, sizeof(node), "%s", json_string_value(json_object_get(j, "new_file_id")));
        json_decref(j);
    } else
        fprintf(stderr, "complete: %ld %s\n", st, out);
    free(out);
    return st == 200 ? node : NULL;
}

/* GET path on s with a bearer token (NULL = none) and a Range header (NULL = none): *body gets
 * the bytes (never NULL; free()), *len their length, *hdrs (when not NULL) the raw header block
 * (free()). Returns the status. */
static inline long itu_get(const struct it_server *s, const char *token, const char *path,
                           const char *range, char **body, size_t *len, char **hdrs)
{
    char auth[300], rh[128];
    struct curl_slist *hl = NULL;
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        hl = curl_slist_append(hl, auth);
    }
    if (range) {
        snprintf(rh, sizeof(rh), "Range: %s", range);
        hl = curl_slist_append(hl, rh);
    }
    struct fio_buf b, hb;
    fio_buf_init(&b, 256u << 20);
    fio_buf_init(&hb, 1u << 20);
    long status = itu_perform(s, path, curl_easy_init(), hl, &b, &hb);
    *len = b.len;
    *body = fio_buf_steal(&b);
    if (!*body)
        *body = calloc(1, 1);
    fio_buf_append(&hb, "", 1);
    if (hdrs)
        *hdrs = fio_buf_steal(&hb);
    else
        fio_buf_release(&hb);
    return status;
}

/* GET the file's bytes (Bearer); *len gets the length. Returns the status. */
static inline long itu_read(const struct it_server *s, const char *token, const char *ws,
                            const char *node, const char *query, char **out, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/read/%s", ws, node,
             query ? query : "");
    return itu_get(s, token, path, NULL, out, len, NULL);
}

/* Whether the owner reads exactly want[len] from node (200, same length, same bytes). */
static inline bool itu_read_equals(const struct it_server *s, const char *ws, const char *node,
                                   const unsigned char *want, size_t len)
{
    char *got = NULL;
    size_t n = 0;
    bool ok = itu_read(s, s->owner_key, ws, node, NULL, &got, &n) == 200 && n == len &&
              (len == 0 || memcmp(got, want, len) == 0);
    free(got);
    return ok;
}

#endif
