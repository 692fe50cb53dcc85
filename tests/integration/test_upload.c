/* SPDX-License-Identifier: MIT */
/* test_upload.c - upload flows against a real server (api §5; reliability.md I1/I2/I4): single
 * request, chunked sessions at chunk boundaries (chunk size 1 KiB via --min-chunk-size) compared
 * byte for byte after a round trip, stream, action=update and versions, the rules (4th chunk in
 * flight, short non-last chunk, 10522 / 10778 / 10779, resend, cancel), another user's session,
 * and a restart in the middle of an upload. Batch uploads: test_upload_batch.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "crc32c.h"
#include "it_upload.h"

#define CS 1024

static const char *const srv_args[] = {"--min-chunk-size", "1024", NULL};
static const struct it_fixture_opts fx_opts = {srv_args, true,
                                               NULL}; /* and the owner's workspace */
static struct it_fixture fx;

static void check_read(const char *node, const unsigned char *want, size_t len)
{
    assert_true(itu_read_equals(&fx.srv, fx.owner.ws, node, want, len));
}

/* method on /current/upload/{id}/{rest} as the owner: the status; *out the body (free()). */
static long upl(const char *method, const char *id, const char *rest, char **out)
{
    char path[512];
    snprintf(path, sizeof(path), "/current/upload/%s/%s", id, rest);
    return itu_req(&fx.srv, fx.srv.owner_key, method, path, NULL, NULL, 0, out, NULL);
}

/* Chunk order of session id (len bytes at d; extra: more query text or NULL) is accepted. */
static void chunk_ok(const char *id, int order, const void *d, size_t len, const char *extra)
{
    char *out = NULL;
    long st = itu_chunk(&fx.srv, fx.srv.owner_key, id, order, d, len, extra, &out);
    if (st != 200)
        fprintf(stderr, "chunk %d: HTTP %ld %s\n", order, st, out ? out : "");
    assert_int_equal(st, 200);
    free(out);
}

/* Session id could not be completed: the status and API code, and details report why. */
static void complete_refused(const char *id, long status, long code, const char *why)
{
    char *out = NULL;
    assert_int_equal(upl("POST", id, "complete/", &out), status);
    assert_int_equal(itu_code(out), code);
    free(out);
    assert_int_equal(upl("GET", id, "details/", &out), 200);
    assert_non_null(strstr(out, why));
    free(out);
}

static void test_single_request(void **state)
{
    (void)state;
    size_t sizes[] = {0, 1, 1000, 4 * 1024 * 1024};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *d = itu_bytes(sizes[i], (unsigned)i + 1);
        char name[64], size[32], *out = NULL;
        snprintf(name, sizeof(name), "single-%zu.bin", sizes[i]);
        snprintf(size, sizeof(size), "%zu", sizes[i]);
        const char *f[] = {"name",         name,          "size",      size,        "action",
                           "create",       "instance_id", fx.owner.ws, "folder_id", "root",
                           "profile_type", "workspace",   NULL};
        assert_int_equal(
            itu_multipart(&fx.srv, fx.srv.owner_key, "/current/upload/", f, d, sizes[i], &out),
            200);
        json_t *j = itu_json(out);
        check_read(json_string_value(json_object_get(j, "new_file_id")), d, sizes[i]);
        json_decref(j);
        free(out);
        free(d);
    }
    /* one byte over 4 MiB: refused */
    unsigned char *d = itu_bytes(4 * 1024 * 1024 + 1, 9);
    char *out = NULL;
    const char *f[] = {"name", "big.bin", "instance_id", fx.owner.ws, NULL};
    /* refused once the 4 MiB + 1st byte arrives: the 413 is queued mid-body and the server
     * closes the connection, so a client still sending may see the reset instead */
    long st = itu_multipart(&fx.srv, fx.srv.owner_key, "/current/upload/", f, d,
                            4 * 1024 * 1024 + 1, &out);
    assert_true(st == 413 || st == 0);
    free(out);
    free(d);
}

static void test_chunked_boundaries(void **state)
{
    (void)state;
    size_t sizes[] = {0, 1, CS - 1, CS, CS + 1, 3 * CS + 5};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *d = itu_bytes(sizes[i], (unsigned)i + 100);
        char name[64];
        snprintf(name, sizeof(name), "chunked-%zu.bin", sizes[i]);
        const char *node =
            itu_upload_chunked(&fx.srv, fx.srv.owner_key, fx.owner.ws, name, d, sizes[i], CS);
        assert_non_null(node);
        check_read(node, d, sizes[i]);
        free(d);
    }
}

static void test_short_chunk_and_size_mismatch(void **state)
{
    (void)state;
    unsigned char *d = itu_bytes(3 * CS, 7);
    char id[64], *out = NULL;
    assert_int_equal(
        itu_session(&fx.srv, fx.srv.owner_key, fx.owner.ws, "short.bin", 3 * CS, NULL, id), 200);
    chunk_ok(id, 1, d, CS, NULL);
    /* a short chunk that is not the last one */
    assert_int_equal(itu_chunk(&fx.srv, fx.srv.owner_key, id, 2, d + CS, CS / 2, NULL, &out), 400);
    free(out);
    /* the first chunk below the minimum */
    char id2[64];
    assert_int_equal(
        itu_session(&fx.srv, fx.srv.owner_key, fx.owner.ws, "short2.bin", 3 * CS, NULL, id2), 200);
    assert_int_equal(itu_chunk(&fx.srv, fx.srv.owner_key, id2, 1, d, 100, NULL, &out), 400);
    free(out);
    /* complete with a chunk missing: 10522 and the session is failed */
    complete_refused(id, 400, 10522, "assembly_failed");
    free(d);
}

static void test_crc_rules(void **state)
{
    (void)state;
    unsigned char *d = itu_bytes(2 * CS, 11);
    char id[64], *out = NULL, path[512];
    assert_int_equal(
        itu_session(&fx.srv, fx.srv.owner_key, fx.owner.ws, "crc.bin", 2 * CS, NULL, id), 200);
    /* a chunk whose bytes do not match its hash: 406 / 10778, nothing recorded */
    snprintf(path, sizeof(path),
             "/current/upload/%s/chunk/?order=1&size=%d&hash_algo=crc32c&hash=00000000", id, CS);
    assert_int_equal(itu_multipart(&fx.srv, fx.srv.owner_key, path, NULL, d, CS, &out), 406);
    assert_int_equal(itu_code(out), 10778);
    free(out);
    /* file_crc32c set by one chunk, a different one by the next: 409 / 10779 */
    chunk_ok(id, 1, d, CS, "file_crc32c=aaaaaaaa");
    assert_int_equal(
        itu_chunk(&fx.srv, fx.srv.owner_key, id, 2, d + CS, CS, "file_crc32c=bbbbbbbb", &out), 409);
    assert_int_equal(itu_code(out), 10779);
    free(out);
    /* resend of chunk 1 is fine; chunk 2 with the same (wrong) file CRC; complete -> 10778 */
    chunk_ok(id, 1, d, CS, NULL);
    chunk_ok(id, 2, d + CS, CS, "file_crc32c=aaaaaaaa");
    complete_refused(id, 406, 10778, "file_crc32c_mismatch");
    free(d);
}

/* POST chunk `order` of session id as multipart: the part "chunk" first, then the text fields
 * (NULL-ended name/value pairs); `query` is appended to the URL (NULL: none). */
static long chunk_then_fields(const char *id, int order, const void *d, size_t len,
                              const char *query, const char *const *fields, char **out)
{
    char path[512];
    snprintf(path, sizeof(path), "/current/upload/%s/chunk/?order=%d&size=%zu%s%s", id, order, len,
             query ? "&" : "", query ? query : "");
    CURL *h = curl_easy_init();
    curl_mime *m = curl_mime_init(h);
    curl_mimepart *p = curl_mime_addpart(m);
    curl_mime_name(p, "chunk");
    curl_mime_filename(p, "chunk.bin");
    curl_mime_data(p, d, len);
    for (size_t i = 0; fields && fields[i]; i += 2) {
        p = curl_mime_addpart(m);
        curl_mime_name(p, fields[i]);
        curl_mime_data(p, fields[i + 1], CURL_ZERO_TERMINATED);
    }
    return itu_post_mime(&fx.srv, fx.srv.owner_key, path, h, m, out);
}

/* Extension: crc32c hash and file_crc32c as form fields after the chunk's bytes, checked as the
 * query's are (decisions.md "Trailing chunk hashes"). */
static void test_trailing_hash(void **state)
{
    (void)state;
    unsigned char *d = itu_bytes(2 * CS, 12);
    char id[64], *out = NULL, h1[9], h2[9], hf[9];
    fio_crc32c_hex(fio_crc32c(0, d, CS), h1);
    fio_crc32c_hex(fio_crc32c(0, d + CS, CS), h2);
    fio_crc32c_hex(fio_crc32c(0, d, 2 * CS), hf);
    assert_int_equal(
        itu_session(&fx.srv, fx.srv.owner_key, fx.owner.ws, "trail.bin", 2 * CS, NULL, id), 200);
    /* a wrong hash after the bytes: 406 / 10778, nothing recorded */
    const char *wrong[] = {"hash_algo", "crc32c", "hash", "00000000", NULL};
    assert_int_equal(chunk_then_fields(id, 1, d, CS, NULL, wrong, &out), 406);
    assert_int_equal(itu_code(out), 10778);
    free(out);
    /* refused: in the query and in the body; a digest other than crc32c; half a pair; bad hex */
    const char *twice[] = {"hash_algo", "crc32c", "hash", h1, NULL};
    char q[64];
    snprintf(q, sizeof(q), "hash_algo=crc32c&hash=%s", h1);
    assert_int_equal(chunk_then_fields(id, 1, d, CS, q, twice, &out), 400);
    free(out);
    const char *sha[] = {"hash_algo", "sha256", "hash", h1, NULL};
    assert_int_equal(chunk_then_fields(id, 1, d, CS, NULL, sha, &out), 400);
    free(out);
    const char *half[] = {"hash", h1, NULL};
    assert_int_equal(chunk_then_fields(id, 1, d, CS, NULL, half, &out), 400);
    free(out);
    const char *badhex[] = {"hash_algo", "crc32c", "hash", "xyz", NULL};
    assert_int_equal(chunk_then_fields(id, 1, d, CS, NULL, badhex, &out), 400);
    free(out);
    const char *badfile[] = {"file_crc32c", "nothex!!", NULL};
    assert_int_equal(chunk_then_fields(id, 1, d, CS, NULL, badfile, &out), 400);
    free(out);
    snprintf(q, sizeof(q), "file_crc32c=%s", hf);
    const char *filetwice[] = {"file_crc32c", hf, NULL};
    assert_int_equal(chunk_then_fields(id, 1, d, CS, q, filetwice, &out), 400);
    free(out);
    assert_int_equal(upl("GET", id, "details/", &out), 200);
    json_t *j = itu_json(out);
    assert_int_equal(json_object_size(json_object_get(json_object_get(j, "session"), "chunks")),
                     0);
    json_decref(j);
    free(out);
    /* the right ones: accepted; the file CRC after the last chunk's bytes is the session's */
    assert_int_equal(chunk_then_fields(id, 1, d, CS, NULL, twice, &out), 200);
    free(out);
    const char *last[] = {"hash_algo", "crc32c", "hash", h2, "file_crc32c", hf, NULL};
    assert_int_equal(chunk_then_fields(id, 2, d + CS, CS, NULL, last, &out), 200);
    free(out);
    const char *other[] = {"file_crc32c", "bbbbbbbb", NULL}; /* a different one: 409 / 10779 */
    assert_int_equal(chunk_then_fields(id, 2, d + CS, CS, NULL, other, &out), 409);
    assert_int_equal(itu_code(out), 10779);
    free(out);
    /* that failed resend dropped chunk 2 (a resend replaces): send it again, complete */
    assert_int_equal(chunk_then_fields(id, 2, d + CS, CS, NULL, last, &out), 200);
    free(out);
    assert_int_equal(upl("POST", id, "complete/", &out), 200);
    j = itu_json(out);
    check_read(json_string_value(json_object_get(j, "new_file_id")), d, 2 * CS);
    json_decref(j);
    free(out);
    free(d);
}

/* Open a connection and send the headers of a chunk upload plus part of its body. */
static int open_partial_chunk(const char *id, int order)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)fx.srv.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char req[1024];
    int n = snprintf(req, sizeof(req),
                     "POST /current/upload/%s/chunk/?order=%d&size=%d HTTP/1.1\r\nHost: x\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/octet-stream\r\n"
                     "Content-Length: %d\r\n\r\nabc",
                     id, order, CS, fx.srv.owner_key, CS);
    assert_int_equal(write(fd, req, (size_t)n), n);
    return fd;
}

static void test_fourth_chunk_in_flight_refused(void **state)
{
    (void)state;
    unsigned char *d = itu_bytes(5 * CS, 13);
    char id[64], *out = NULL;
    assert_int_equal(itu_session(&fx.srv, fx.srv.owner_key, fx.owner.ws, "par.bin", 5 * CS,
                                 "chunk_size=1024", id),
                     200);
    int fds[3];
    for (int i = 0; i < 3; i++)
        fds[i] = open_partial_chunk(id, i + 1);
    usleep(300000); /* the server has seen their headers */
    assert_int_equal(itu_chunk(&fx.srv, fx.srv.owner_key, id, 4, d + 3 * CS, CS, NULL, &out), 409);
    free(out);
    /* The same order again while the first request of it is still open (a client that
     * vanished without closing, or a stalled worker) takes over rather than waiting for the
     * connection timeout: it is stored ... */
    chunk_ok(id, 1, d, CS, NULL);
    /* ... and the earlier request can write no more: the rest of its body (other bytes) is
     * refused with 409, and chunk 1 keeps the newer request's bytes and CRC. */
    unsigned char *junk = itu_bytes(CS, 14);
    assert_int_equal(write(fds[0], junk, CS - 3), CS - 3);
    char resp[2048];
    ssize_t got = 0, r;
    while (got < (ssize_t)sizeof(resp) - 1 &&
           (r = read(fds[0], resp + got, sizeof(resp) - 1 - (size_t)got)) > 0) {
        got += r;
        resp[got] = 0;
        if (strstr(resp, "\r\n\r\n") && strchr(strstr(resp, "\r\n\r\n"), '}'))
            break;
    }
    resp[got > 0 ? got : 0] = 0;
    assert_non_null(strstr(resp, "HTTP/1.1 409"));
    assert_non_null(strstr(resp, "replaced this one"));
    char hex[FIO_CRC32C_HEX_SIZE];
    assert_int_equal(upl("GET", id, "chunk/", &out), 200);
    fio_crc32c_hex(fio_crc32c(0, d, CS), hex);
    assert_non_null(strstr(out, hex));
    fio_crc32c_hex(fio_crc32c(0, junk, CS), hex);
    assert_null(strstr(out, hex));
    free(out);
    free(junk);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    usleep(300000);
    chunk_ok(id, 4, d + 3 * CS, CS, NULL);
    /* the file holds the newer bytes of chunk 1 */
    for (int i = 2; i <= 3; i++) {
        chunk_ok(id, i, d + (i - 1) * CS, CS, NULL);
    }
    char fcrc[64];
    snprintf(fcrc, sizeof(fcrc), "file_crc32c=");
    fio_crc32c_hex(fio_crc32c(0, d, 5 * CS), fcrc + 12);
    chunk_ok(id, 5, d + 4 * CS, CS, fcrc);
    assert_int_equal(upl("POST", id, "complete/", &out), 200);
    json_t *j = itu_json(out);
    char *data = NULL;
    size_t n = 0;
    assert_int_equal(itu_read(&fx.srv, fx.srv.owner_key, fx.owner.ws,
                              json_string_value(json_object_get(j, "new_file_id")), NULL, &data,
                              &n),
                     200);
    assert_int_equal(n, 5 * CS);
    assert_memory_equal(data, d, n);
    free(data);
    json_decref(j);
    free(out);
    free(d);
}

static void test_cancel_and_list(void **state)
{
    (void)state;
    char id[64], *out = NULL;
    unsigned char *d = itu_bytes(CS, 17);
    assert_int_equal(
        itu_session(&fx.srv, fx.srv.owner_key, fx.owner.ws, "cancel.bin", 2 * CS, NULL, id), 200);
    chunk_ok(id, 1, d, CS, NULL);
    assert_int_equal(upl("GET", id, "chunk/", &out), 200);
    assert_non_null(strstr(out, "\"order\":1"));
    free(out);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", "/current/upload/details/", NULL,
                             NULL, 0, &out, NULL),
                     200);
    assert_non_null(strstr(out, id));
    free(out);
    assert_int_equal(upl("DELETE", id, "chunk/?order=1", &out), 200);
    free(out);
    assert_int_equal(upl("DELETE", id, "", &out), 200);
    free(out);
    assert_int_equal(upl("GET", id, "details/", &out), 404);
    free(out);
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s/tmp/%s", fx.srv.dir, id);
    assert_int_not_equal(access(tmp, F_OK), 0);
    free(d);
}

static void test_stream(void **state)
{
    (void)state;
    char *out = NULL, path[256];
    const char *form = "name=stream.bin&stream=true&instance_id=";
    char body[256];
    snprintf(body, sizeof(body), "%s%s&folder_id=root", form, fx.owner.ws);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "POST", "/current/upload/",
                             "application/x-www-form-urlencoded", body, strlen(body), &out, NULL),
                     200);
    json_t *j = itu_json(out);
    char id[64];
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    free(out);
    unsigned char *d = itu_bytes(3 * CS + 7, 19);
    char hex[FIO_CRC32C_HEX_SIZE];
    fio_crc32c_hex(fio_crc32c(0, d, 3 * CS + 7), hex);
    snprintf(path, sizeof(path), "/current/upload/%s/stream/?hash_algo=crc32c&hash=%s", id, hex);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "POST", path, "application/octet-stream",
                             (const char *)d, 3 * CS + 7, &out, NULL),
                     200);
    j = itu_json(out);
    check_read(json_string_value(json_object_get(j, "new_file_id")), d, 3 * CS + 7);
    json_decref(j);
    free(out);
    /* single-shot */
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "POST", path, "application/octet-stream",
                             (const char *)d, 10, &out, NULL),
                     406);
    free(out);
    free(d);
}

static void test_update_versions_restore(void **state)
{
    (void)state;
    unsigned char *v1 = itu_bytes(CS + 3, 21), *v2 = itu_bytes(2 * CS, 22), *v3 = itu_bytes(5, 23);
    const char *n1 =
        itu_upload_chunked(&fx.srv, fx.srv.owner_key, fx.owner.ws, "doc.txt", v1, CS + 3, CS);
    assert_non_null(n1);
    char node[64];
    snprintf(node, sizeof(node), "%s", n1);
    /* same name in the same folder: a new version of the same node (api §4.4) */
    const char *n2 =
        itu_upload_chunked(&fx.srv, fx.srv.owner_key, fx.owner.ws, "doc.txt", v2, 2 * CS, CS);
    assert_non_null(n2);
    assert_string_equal(n2, node);
    check_read(node, v2, 2 * CS);
    /* action=update with file_id (single request) */
    char *out = NULL;
    const char *f[] = {"name", "doc.txt",     "action",    "update", "file_id",
                       node,   "instance_id", fx.owner.ws, NULL};
    assert_int_equal(itu_multipart(&fx.srv, fx.srv.owner_key, "/current/upload/", f, v3, 5, &out),
                     200);
    json_t *j = itu_json(out);
    assert_string_equal(json_string_value(json_object_get(j, "new_file_id")), node);
    json_decref(j);
    free(out);
    check_read(node, v3, 5);
    char path[256];
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/versions/", fx.owner.ws, node);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", path, NULL, NULL, 0, &out, NULL),
                     200);
    j = itu_json(out);
    json_t *vs = json_object_get(j, "versions");
    assert_int_equal(json_array_size(vs), 3);
    /* the oldest: size CS + 3 */
    char old[64] = "";
    for (size_t i = 0; i < 3; i++)
        if (json_integer_value(json_object_get(json_array_get(vs, i), "size")) == CS + 3)
            snprintf(old, sizeof(old), "%s",
                     json_string_value(json_object_get(json_array_get(vs, i), "version_id")));
    json_decref(j);
    free(out);
    assert_true(old[0]);
    char q[128];
    snprintf(q, sizeof(q), "?version_id=%s", old);
    char *got = NULL;
    size_t n = 0;
    assert_int_equal(itu_read(&fx.srv, fx.srv.owner_key, fx.owner.ws, node, q, &got, &n), 200);
    assert_int_equal(n, CS + 3);
    assert_memory_equal(got, v1, CS + 3);
    free(got);
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/restore-version/", fx.owner.ws,
             node);
    char body[128];
    snprintf(body, sizeof(body), "version_id=%s", old);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "POST", path,
                             "application/x-www-form-urlencoded", body, strlen(body), &out, NULL),
                     200);
    free(out);
    check_read(node, v1, CS + 3);
    free(v1);
    free(v2);
    free(v3);
}

/* A chunk the server has, sent again and cut off half-way: its old row must be gone before a
 * byte of the new body lands (those bytes overwrite the old ones at the same offset), so the
 * session never lists a chunk whose bytes are half old, half new, and a completion cannot
 * combine a stale CRC over them. Resending it whole then completes with the right bytes. */
static void test_resent_chunk_cut_off_not_listed(void **state)
{
    (void)state;
    char id[64], *out = NULL, path[256];
    unsigned char *d = itu_bytes(2 * CS, 41), *junk = itu_bytes(CS, 42);
    assert_int_equal(
        itu_session(&fx.srv, fx.srv.owner_key, fx.owner.ws, "resent.bin", 2 * CS, NULL, id), 200);
    chunk_ok(id, 1, d, CS, NULL);
    /* chunk 1 again, raw body of other bytes, cut off after half of them */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fx.srv.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char head[1024];
    int hl = snprintf(head, sizeof(head),
                      "POST /current/upload/%s/chunk/?order=1&size=%d HTTP/1.1\r\n"
                      "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                      "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n",
                      id, CS, fx.srv.owner_key, CS);
    assert_int_equal(send(fd, head, (size_t)hl, 0), hl);
    assert_int_equal(send(fd, junk, CS / 2, 0), CS / 2);
    usleep(300 * 1000); /* let the server write what it got */
    close(fd);
    /* the server notices the close; chunk 1 is then neither in flight nor listed */
    snprintf(path, sizeof(path), "/current/upload/%s/details/", id);
    json_t *chunks = NULL, *j = NULL;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", path, NULL, NULL, 0, &out, NULL),
                         200);
        j = itu_json(out);
        free(out);
        chunks = json_object_get(json_object_get(j, "session"), "chunks");
        if (json_object_get(chunks, "1") == NULL)
            break;
        json_decref(j);
        j = NULL;
        usleep(50 * 1000);
    }
    assert_non_null(j); /* chunk 1 stopped being listed */
    assert_int_equal(json_object_size(chunks), 0);
    json_decref(j);
    /* completing now is refused (10522: chunk 1 missing), not stored with mixed bytes */
    chunk_ok(id, 2, d + CS, CS, NULL);
    snprintf(path, sizeof(path), "/current/upload/%s/complete/", id);
    long st = itu_req(&fx.srv, fx.srv.owner_key, "POST", path, NULL, NULL, 0, &out, NULL);
    assert_int_not_equal(st, 200);
    free(out);
    /* a session whose completion failed with 10522 must be cancelled (api §5.4): start again */
    const char *node =
        itu_upload_chunked(&fx.srv, fx.srv.owner_key, fx.owner.ws, "resent.bin", d, 2 * CS, CS);
    assert_non_null(node);
    char *got = NULL;
    size_t n = 0;
    assert_int_equal(itu_read(&fx.srv, fx.srv.owner_key, fx.owner.ws, node, NULL, &got, &n), 200);
    assert_int_equal(n, 2 * CS);
    assert_memory_equal(got, d, n);
    free(got);
    free(d);
    free(junk);
}

static void test_other_user_refused(void **state)
{
    (void)state;
    char id[64], tok[256], *out = NULL, path[256];
    assert_int_equal(itu_session(&fx.srv, fx.srv.owner_key, fx.owner.ws, "mine.bin", CS, NULL, id),
                     200);
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    snprintf(path, sizeof(path), "/current/upload/%s/details/", id);
    assert_int_equal(itu_req(&fx.srv, tok, "GET", path, NULL, NULL, 0, &out, NULL), 404);
    free(out);
    unsigned char *d = itu_bytes(CS, 5);
    assert_int_equal(itu_chunk(&fx.srv, tok, id, 1, d, CS, NULL, &out), 404);
    free(out);
    snprintf(path, sizeof(path), "/current/upload/%s/", id);
    assert_int_equal(itu_req(&fx.srv, tok, "DELETE", path, NULL, NULL, 0, &out, NULL), 404);
    free(out);
    /* and no session in a workspace the user is not a member of */
    assert_int_equal(itu_session(&fx.srv, tok, fx.owner.ws, "x.bin", 10, NULL, id), 403);
    free(d);
}

/* Each durability policy stores the same bytes; /upload/limits/ reports the policy. (complete,
 * the default, is what every other case here runs: its chunks are also written out early by
 * the writeback thread; chunk fdatasyncs every chunk and commits its row with a full sync;
 * none never syncs.) */
static void test_sync_policies_round_trip(void **state)
{
    (void)state;
    const char *policies[] = {"chunk", "none"};
    for (size_t k = 0; k < 2; k++) {
        const char *args[] = {"--min-chunk-size", "1024", "--sync", policies[k], NULL};
        const struct it_fixture_opts o = {args, true, NULL};
        struct it_fixture f2;
        assert_int_equal(it_fixture_start(&f2, &o), 0);
        struct it_server *s2 = &f2.srv;
        const char *ws2 = f2.owner.ws;
        char *out = NULL;
        assert_int_equal(
            itu_req(s2, s2->owner_key, "GET", "/current/upload/limits/", NULL, NULL, 0, &out, NULL),
            200);
        json_t *j = itu_json(out);
        json_t *lim = json_object_get(j, "limits");
        assert_string_equal(json_string_value(json_object_get(lim ? lim : j, "sync")), policies[k]);
        json_decref(j);
        free(out);
        unsigned char *d = itu_bytes(3 * CS + 7, 51 + (unsigned)k);
        const char *node =
            itu_upload_chunked(s2, s2->owner_key, ws2, "sync.bin", d, 3 * CS + 7, CS);
        assert_non_null(node);
        char *got = NULL;
        size_t n = 0;
        assert_int_equal(itu_read(s2, s2->owner_key, ws2, node, NULL, &got, &n), 200);
        assert_int_equal(n, 3 * CS + 7);
        assert_memory_equal(got, d, n);
        free(got);
        free(d);
        assert_int_equal(it_fixture_stop(&f2), 0);
    }
}

static void test_restart_resumes(void **state)
{
    (void)state;
    struct it_fixture f2;
    assert_int_equal(it_fixture_start(&f2, &fx_opts), 0);
    struct it_server *s2 = &f2.srv;
    const char *ws2 = f2.owner.ws;
    unsigned char *d = itu_bytes(3 * CS + 5, 31), *e = itu_bytes(CS, 32);
    /* a completed file (I1) and a half-uploaded session */
    const char *done = itu_upload_chunked(s2, s2->owner_key, ws2, "done.bin", e, CS, CS);
    assert_non_null(done);
    char done_id[64];
    snprintf(done_id, sizeof(done_id), "%s", done);
    char id[64], *out = NULL, path[256];
    assert_int_equal(itu_session(s2, s2->owner_key, ws2, "half.bin", 3 * CS + 5, NULL, id), 200);
    assert_int_equal(itu_chunk(s2, s2->owner_key, id, 1, d, CS, NULL, &out), 200);
    free(out);
    assert_int_equal(itu_chunk(s2, s2->owner_key, id, 3, d + 2 * CS, CS, NULL, &out), 200);
    free(out);
    char dir[256];
    snprintf(dir, sizeof(dir), "%s", s2->dir);
    assert_int_equal(it_server_stop(s2), 0);
    assert_int_equal(it_server_start(s2, dir, srv_args), 0);
    snprintf(path, sizeof(path), "/current/upload/%s/details/", id);
    assert_int_equal(itu_req(s2, s2->owner_key, "GET", path, NULL, NULL, 0, &out, NULL), 200);
    json_t *j = itu_json(out);
    json_t *chunks = json_object_get(json_object_get(j, "session"), "chunks");
    assert_int_equal(json_object_size(chunks), 2);
    assert_int_equal(json_integer_value(json_object_get(chunks, "3")), CS);
    json_decref(j);
    free(out);
    assert_int_equal(itu_chunk(s2, s2->owner_key, id, 2, d + CS, CS, NULL, &out), 200);
    free(out);
    assert_int_equal(itu_chunk(s2, s2->owner_key, id, 4, d + 3 * CS, 5, NULL, &out), 200);
    free(out);
    snprintf(path, sizeof(path), "/current/upload/%s/complete/", id);
    assert_int_equal(itu_req(s2, s2->owner_key, "POST", path, NULL, NULL, 0, &out, NULL), 200);
    j = itu_json(out);
    char *got = NULL;
    size_t n = 0;
    assert_int_equal(itu_read(s2, s2->owner_key, ws2,
                              json_string_value(json_object_get(j, "new_file_id")), NULL, &got, &n),
                     200);
    assert_int_equal(n, 3 * CS + 5);
    assert_memory_equal(got, d, n);
    free(got);
    json_decref(j);
    free(out);
    assert_int_equal(itu_read(s2, s2->owner_key, ws2, done_id, NULL, &got, &n), 200);
    assert_int_equal(n, CS);
    assert_memory_equal(got, e, CS);
    free(got);
    assert_int_equal(it_fixture_stop(&f2), 0);
    free(d);
    free(e);
}

static void test_limits(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", "/current/upload/limits/", NULL,
                             NULL, 0, &out, NULL),
                     200);
    json_t *j = itu_json(out);
    assert_int_equal(json_integer_value(json_object_get(j, "chunk_size_min")), CS);
    assert_true(json_integer_value(json_object_get(j, "chunk_size")) >= CS);
    assert_true(json_integer_value(json_object_get(j, "chunks")) > 0);
    assert_true(json_is_true(json_object_get(j, "trailing_hash"))); /* our extension */
    json_decref(j);
    free(out);
    assert_int_equal(itu_req(&fx.srv, fx.srv.owner_key, "GET", "/current/upload/limits/extensions/",
                             NULL, NULL, 0, &out, NULL),
                     200);
    free(out);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_single_request),
    cmocka_unit_test(test_chunked_boundaries),
    cmocka_unit_test(test_short_chunk_and_size_mismatch),
    cmocka_unit_test(test_crc_rules),
    cmocka_unit_test(test_trailing_hash),
    cmocka_unit_test(test_fourth_chunk_in_flight_refused),
    cmocka_unit_test(test_cancel_and_list),
    cmocka_unit_test(test_stream),
    cmocka_unit_test(test_update_versions_restore),
    cmocka_unit_test(test_other_user_refused),
    cmocka_unit_test(test_resent_chunk_cut_off_not_listed),
    cmocka_unit_test(test_restart_resumes),
    cmocka_unit_test(test_sync_policies_round_trip),
    cmocka_unit_test(test_limits),
};

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
