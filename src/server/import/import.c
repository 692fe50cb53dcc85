/* SPDX-License-Identifier: MIT */
/* import.c - the URL import workers (import.h; docs/server.md "URL import"), on the background
 * job pool of jobs/ (D-127); resumption after a restart (D-126). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "blob.h"
#include "crc32c.h"
#include "import.h"
#include "import_addr.h"
#include "import_url.h"
#include "jobpool.h"
#include "jobreq.h"
#include "router.h"
#include "store_backend.h"
#include "store_upload.h"
#include "store_webimport.h"
#include "timeutil.h"
#include "upload.h"

struct importer {
    struct server *s;
    struct jobpool *pool; /* the workers (jobs/jobpool.h) */
    struct imp_cidr allow[IMP_ALLOW_MAX];
    size_t nallow;
    int64_t cap; /* bytes */
};

/* ---- activity --------------------------------------------------------------------------- */

void import_note(struct req *r, const char *user_id, const char *job_id)
{
    jobs_note(r, user_id, "web_upload", job_id);
}

/* Publish the job's key (a status change committed). */
static void notify(struct server *s, const struct store_webimport *j)
{
    jobs_publish(s, j->user_id, "url-import", j->user_id, "web_upload", j->id);
}

/* A status change from `from` to `to` (message msg or NULL), then its activity key: true when
 * made, false when the job was no longer in `from` (canceled) or on a database error. */
static bool job_status(struct server *s, const struct store_webimport *j, const char *from,
                       const char *to, const char *msg)
{
    struct store_conn *st = store_acquire(s->store);
    enum store_rc rc = STORE(st, webimport)->set_status(st, j->id, from, to, msg, srv_now_us());
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        srv_log(s, SRV_LOG_ERROR, "url import %s: status %s: %s", j->id, to, store_errmsg(st));
    store_release(s->store, st);
    if (rc == STORE_OK)
        notify(s, j);
    return rc == STORE_OK;
}

/* Drop the upload session of a job that will not complete (its file and row). */
static void drop_session(struct server *s, const char *upload_id, const char *user_id)
{
    if (!upload_id[0])
        return;
    blob_tmp_remove(s, upload_id);
    struct store_conn *st = store_acquire(s->store);
    STORE(st, upload)->remove(st, upload_id, user_id);
    store_release(s->store, st);
}

/* ---- one transfer ------------------------------------------------------------------------- */

struct fetch {
    struct server *s;
    struct importer *im;
    struct jobpool_slot *slot;
    const struct store_webimport *job;
    int fd;
    int64_t got;       /* body bytes written */
    int64_t announced; /* Content-Length of the current response, -1 = none */
    uint32_t crc;
    long code; /* status of the current response (header callback) */
    char disposition[1024];
    struct imp_addr pinned;
    bool pinned_set;
    char why[512]; /* the reason a callback stopped the transfer */
    int64_t last_progress;
    int64_t discarded; /* bytes of non-2xx bodies thrown away */
    /* resumption (D-126) */
    const char *upload_id; /* the session the bytes go to */
    int64_t resume_from;   /* > 0: the bytes kept from the run a restart cut; Range asks the rest */
    const char *if_range;  /* the validator sent with that Range (the first answer's) */
    int64_t resume_size;   /* the whole file's size the first answer announced (-1 = unknown) */
    bool restart;          /* a 206 that does not continue the kept bytes: fetch again from 0 */
    /* the headers of the current response */
    char etag[STORE_WI_VALIDATOR_MAX + 1];
    char modified[STORE_WI_VALIDATOR_MAX + 1];
    bool ranges;                      /* Accept-Ranges: bytes */
    int64_t range_start, range_total; /* Content-Range of a 206 (-1 = none or unreadable) */
};

/* The bytes are not handed to the early write-out of chunked uploads (blob_tmp_written): it
 * made a 1 GiB import 2.6x slower here, and the completion's fdatasync alone is faster (D-079,
 * docs/benchmarks.md "URL import"). */

/* The If-Range validator of the current answer (imp_if_range_validator), when the source takes
 * byte ranges; "" when a cut download of it could not be continued (D-126). */
static const char *validator_of(const struct fetch *f)
{
    return f->ranges ? imp_if_range_validator(f->etag, f->modified) : "";
}

/* Record msg as the status message of the downloading job. */
static void job_message(struct fetch *f, const char *msg)
{
    struct store_conn *st = store_acquire(f->s->store);
    STORE(st, webimport)
        ->set_status(st, f->job->id, "downloading", "downloading", msg, srv_now_us());
    store_release(f->s->store, st);
}

/* The headers of a 2xx answer are complete, before its first body byte: continue the kept
 * bytes with a 206 that fits them, start over at 0 on any other answer, and record what a later
 * run would send to resume (D-126). false stops the transfer (why set). */
static bool headers_done(struct fetch *f)
{
    if (f->resume_from > 0 && f->code == 206) {
        /* the validator the source names now must be the one sent (If-Range already asked it
         * to answer 200 otherwise; a source that ignores If-Range is caught here) */
        const char *now = f->if_range[0] == '"' ? f->etag : f->modified;
        bool fits = f->range_start == f->resume_from &&
                    (f->resume_size < 0 || f->range_total == f->resume_size) &&
                    (!now[0] || strcmp(now, f->if_range) == 0);
        if (!fits) {
            f->restart = true;
            snprintf(f->why, sizeof(f->why),
                     "The source's partial answer does not continue the %lld bytes kept",
                     (long long)f->resume_from);
            return false;
        }
        f->announced = f->range_total;
        char msg[160];
        snprintf(msg, sizeof(msg), "Resumed at byte %lld after a server restart",
                 (long long)f->resume_from);
        job_message(f, msg);
        srv_log(f->s, SRV_LOG_INFO, "url import %s: %s", f->job->id, msg);
        return true;
    }
    if (f->got > 0) {
        /* a 200 (a changed validator, or a source that dropped ranges): the whole file again,
         * written from byte 0 over a file cut to nothing */
        if (blob_tmp_truncate(f->s, f->upload_id, 0) != 0) {
            snprintf(f->why, sizeof(f->why), "The server could not restart the file: %s",
                     strerror(errno));
            return false;
        }
        srv_log(f->s, SRV_LOG_INFO,
                "url import %s: the source sent the whole file (HTTP %ld) instead of the rest "
                "after byte %lld; restarted from byte 0",
                f->job->id, f->code, (long long)f->got);
        job_message(f, "Restarted from the first byte: the source sent the whole file again");
        f->got = 0;
        f->crc = 0;
    }
    f->resume_from = 0;
    struct store_conn *st = store_acquire(f->s->store);
    STORE(st, webimport)->set_resume(st, f->job->id, validator_of(f), f->announced, srv_now_us());
    store_release(f->s->store, st);
    return true;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
    struct fetch *f = arg;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        const char *sp = memchr(p, ' ', n);
        f->code = sp && (size_t)(sp - p) + 4 <= n ? strtol(sp + 1, NULL, 10) : 0;
        f->announced = -1;
        f->disposition[0] = 0;
        f->etag[0] = f->modified[0] = 0;
        f->ranges = false;
        f->range_start = f->range_total = -1;
        return n;
    }
    if (n <= 2 && (p[0] == '\r' || p[0] == '\n')) { /* the blank line: headers complete */
        if (f->code >= 200 && f->code < 300 && !headers_done(f))
            return 0;
        return n;
    }
    static const char cl[] = "content-length:", cd[] = "content-disposition:";
    char hv[STORE_WI_VALIDATOR_MAX + 1];
    if (n > sizeof(cl) - 1 && strncasecmp(p, cl, sizeof(cl) - 1) == 0) {
        char num[32];
        size_t i = sizeof(cl) - 1, w = 0;
        while (i < n && (p[i] == ' ' || p[i] == '\t'))
            i++;
        while (i < n && p[i] >= '0' && p[i] <= '9' && w + 1 < sizeof(num))
            num[w++] = p[i++];
        num[w] = 0;
        long long v;
        if (w > 0 && fio_parse_ll(num, 0, INT64_MAX, &v))
            f->announced = v;
        /* a 206 announces the rest, after the bytes kept */
        int64_t whole = f->announced + (f->code == 206 ? f->resume_from : 0);
        if (f->code >= 200 && f->code < 300 && f->announced >= 0 && whole > f->im->cap) {
            snprintf(f->why, sizeof(f->why),
                     "The source announces %lld bytes, more than the import limit of %lld bytes",
                     (long long)whole, (long long)f->im->cap);
            return 0; /* abort before any body byte */
        }
    } else if (n > sizeof(cd) - 1 && strncasecmp(p, cd, sizeof(cd) - 1) == 0) {
        size_t i = sizeof(cd) - 1, len = n - i;
        while (len > 0 && (p[i + len - 1] == '\r' || p[i + len - 1] == '\n'))
            len--;
        if (len >= sizeof(f->disposition))
            len = sizeof(f->disposition) - 1;
        memcpy(f->disposition, p + i, len);
        f->disposition[len] = 0;
    } else if (imp_header_value(p, n, "etag:", f->etag, sizeof(f->etag)) ||
               imp_header_value(p, n, "last-modified:", f->modified, sizeof(f->modified))) {
        /* kept for headers_done */
    } else if (imp_header_value(p, n, "accept-ranges:", hv, sizeof(hv))) {
        f->ranges = strcasecmp(hv, "bytes") == 0;
    } else if (imp_header_value(p, n, "content-range:", hv, sizeof(hv))) {
        if (!imp_content_range(hv, &f->range_start, &f->range_total))
            f->range_start = f->range_total = -1;
    }
    return n;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
    struct fetch *f = arg;
    size_t n = size * nmemb;
    if (f->code < 200 || f->code >= 300) {
        /* a redirect's or an error's body: not stored; bounded */
        f->discarded += (int64_t)n;
        return f->discarded > 1024 * 1024 ? 0 : n;
    }
    if (f->got + (int64_t)n > f->im->cap) {
        snprintf(f->why, sizeof(f->why), "The file is larger than the import limit of %lld bytes",
                 (long long)f->im->cap);
        return 0;
    }
    if (blob_pwrite_all(f->s, f->fd, p, n, f->got) != 0) {
        snprintf(f->why, sizeof(f->why), "The server could not write the file: %s",
                 strerror(errno));
        return 0;
    }
    f->crc = fio_crc32c(f->crc, p, n);
    f->got += (int64_t)n;
    return n;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct fetch *f = arg;
    if (jobpool_canceled(f->slot)) {
        snprintf(f->why, sizeof(f->why), "Canceled");
        return 1;
    }
    if (jobpool_stopping(f->im->pool)) {
        snprintf(f->why, sizeof(f->why), "The server is stopping");
        return 1;
    }
    int64_t now = fio_mono_us();
    if (now - f->last_progress >= 1000000) {
        f->last_progress = now;
        struct store_conn *st = store_acquire(f->s->store);
        STORE(st, webimport)->progress(st, f->job->id, f->got, f->announced, NULL, srv_now_us());
        store_release(f->s->store, st);
    }
    return 0;
}

/* The only socket this transfer may open: to the address checked for this hop. */
static curl_socket_t on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct fetch *f = arg;
    struct imp_addr x;
    if (purpose != CURLSOCKTYPE_IPCXN || !f->pinned_set ||
        !imp_addr_from_sockaddr(&a->addr, a->addrlen, &x) ||
        memcmp(x.b, f->pinned.b, sizeof(x.b)) != 0) {
        snprintf(f->why, sizeof(f->why),
                 "Refused: the connection would go to an address other than the one checked");
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* Resolve host (curl's own reading of the URL) once and pick the address to pin: the first
 * allowed one. 0, or -1 with f->why set. */
static int check_host(struct fetch *f, const char *host, char addr_text[64])
{
    char h[300];
    size_t hl = strlen(host);
    if (hl >= sizeof(h)) {
        snprintf(f->why, sizeof(f->why), "The host name is too long");
        return -1;
    }
    if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
        memcpy(h, host + 1, hl - 2);
        h[hl - 2] = 0;
        char *zone = strchr(h, '%');
        if (zone)
            *zone = 0; /* a zone id only matters for link-local addresses, refused anyway */
    } else
        fio_strlcpy(h, host, sizeof(h));
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(h, NULL, &hints, &res);
    if (g != 0 || !res) {
        snprintf(f->why, sizeof(f->why), "The host '%.200s' could not be resolved (%s)", h,
                 gai_strerror(g));
        if (res)
            freeaddrinfo(res);
        return -1;
    }
    enum imp_addr_class first_why = IMP_PUBLIC;
    char first_text[64] = "";
    bool found = false;
    int count = 0;
    for (struct addrinfo *ai = res; ai && count < 64 && !found; ai = ai->ai_next, count++) {
        struct imp_addr x;
        enum imp_addr_class why;
        if (!imp_addr_from_sockaddr(ai->ai_addr, ai->ai_addrlen, &x))
            continue;
        if (imp_addr_allowed(&x, f->im->allow, f->im->nallow, &why)) {
            f->pinned = x;
            f->pinned_set = true;
            imp_addr_str(&x, addr_text, 64);
            found = true;
        } else if (!first_text[0]) {
            first_why = why;
            imp_addr_str(&x, first_text, sizeof(first_text));
        }
    }
    freeaddrinfo(res);
    if (!found) {
        snprintf(f->why, sizeof(f->why),
                 "Refused: '%.200s' is %s, a %s address; URL import fetches only public "
                 "addresses (a server administrator can open ranges with --import-allow)",
                 h, first_text[0] ? first_text : "no address", imp_addr_class_str(first_why));
        return -1;
    }
    return 0;
}

/* One hop: fetch url into f (the body only when 2xx). *next is set (free()) for a redirect.
 * 0 when the hop ended with a complete answer (f->code set), -1 with f->why set. */
static int fetch_hop(struct fetch *f, const char *url, char **next)
{
    *next = NULL;
    struct imp_url_parts parts;
    if (!imp_url_split(url, strlen(url), &parts)) {
        snprintf(f->why, sizeof(f->why),
                 "Refused: only absolute http:// and https:// URLs without user names are "
                 "imported");
        return -1;
    }
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *scheme = NULL;
    int rc = -1;
    CURL *c = NULL;
    struct curl_slist *resolve = NULL, *hdrs = NULL;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        snprintf(f->why, sizeof(f->why), "The URL could not be parsed");
        goto out;
    }
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        snprintf(f->why, sizeof(f->why), "Refused: only http and https URLs are imported");
        goto out;
    }
    char addr[64];
    f->pinned_set = false;
    if (check_host(f, host, addr) != 0)
        goto out;
    char entry[512];
    bool v6 = strchr(addr, ':') != NULL;
    snprintf(entry, sizeof(entry), "%s:%s:%s%s%s", host, port, v6 ? "[" : "", addr, v6 ? "]" : "");
    resolve = curl_slist_append(NULL, entry);
    c = curl_easy_init();
    if (!resolve || !c) {
        snprintf(f->why, sizeof(f->why), "Out of memory");
        goto out;
    }
    const struct srv_config *cfg = &f->s->cfg;
    f->code = 0;
    f->discarded = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* every hop is checked here */
    curl_easy_setopt(c, CURLOPT_PROXY, "");          /* never an environment proxy */
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, f);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, IMPORT_DEFAULT_CONNECT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg->import_timeout_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, cfg->import_stall_s);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->im->cap);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "fastio-server URL import");
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);
    if (f->resume_from > 0) { /* the rest of the file, if it is still the same file (D-126) */
        char range[64], cond[STORE_WI_VALIDATOR_MAX + 16];
        snprintf(range, sizeof(range), "Range: bytes=%lld-", (long long)f->resume_from);
        snprintf(cond, sizeof(cond), "If-Range: %s", f->if_range);
        struct curl_slist *h1 = curl_slist_append(NULL, range);
        hdrs = h1 ? curl_slist_append(h1, cond) : NULL;
        if (!hdrs) {
            curl_slist_free_all(h1);
            snprintf(f->why, sizeof(f->why), "Out of memory");
            goto out;
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    }
    CURLcode cr = curl_easy_perform(c);
    if (cr != CURLE_OK) {
        if (f->why[0])
            ; /* a callback said why */
        else if (cr == CURLE_OPERATION_TIMEDOUT)
            snprintf(f->why, sizeof(f->why),
                     "Timed out after %lld bytes (no byte for %ld s, or more than %ld s in all)",
                     (long long)f->got, cfg->import_stall_s, cfg->import_timeout_s);
        else if (cr == CURLE_PARTIAL_FILE)
            snprintf(f->why, sizeof(f->why),
                     "The source closed the connection after %lld of the %lld bytes it announced",
                     (long long)f->got, (long long)f->announced);
        else if (cr == CURLE_FILESIZE_EXCEEDED)
            snprintf(f->why, sizeof(f->why),
                     "The file is larger than the import limit of %lld bytes",
                     (long long)f->im->cap);
        else
            snprintf(f->why, sizeof(f->why), "The download failed: %s", curl_easy_strerror(cr));
        goto out;
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    f->code = code;
    if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
        char *loc = NULL;
        curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc);
        if (!loc || strlen(loc) > IMP_URL_MAX) {
            snprintf(f->why, sizeof(f->why),
                     "The source redirected (HTTP %ld) without a usable "
                     "Location",
                     code);
            goto out;
        }
        *next = fio_strdup(loc);
        if (!*next) {
            snprintf(f->why, sizeof(f->why), "Out of memory");
            goto out;
        }
    } else if (code == 416 && f->resume_from > 0) {
        /* the range kept does not fit the source's file (D-126): from byte 0 again */
        f->restart = true;
        snprintf(f->why, sizeof(f->why), "The source refused the rest after byte %lld (HTTP 416)",
                 (long long)f->resume_from);
        goto out;
    } else if (code < 200 || code >= 300) {
        snprintf(f->why, sizeof(f->why), "The source answered HTTP %ld", code);
        goto out;
    }
    rc = 0;
out:
    if (c)
        curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    curl_slist_free_all(resolve);
    curl_free(host);
    curl_free(port);
    curl_free(scheme);
    curl_url_cleanup(u);
    return rc;
}

/* Create the job's upload session (a stream session of its user, the file first) and record it
 * on the job. 0, or -1 with why set. */
static int open_session(struct fetch *f, char upload_id[FIO_OPAQUE_ID_SIZE], const char *name)
{
    const struct store_webimport *j = f->job;
    struct store_conn *st = store_acquire(f->s->store);
    int rc = -1;
    int64_t live = 0, bytes = 0;
    if (STORE(st, upload)->usage(st, j->user_id, &live, &bytes) != STORE_OK) {
        snprintf(f->why, sizeof(f->why), "The server could not count upload sessions");
        goto out;
    }
    if (live >= UP_SESSIONS_MAX) {
        snprintf(f->why, sizeof(f->why), "Too many open upload sessions (limit %d)",
                 UP_SESSIONS_MAX);
        goto out;
    }
    if (!fio_opaque_id_new(FIO_ID_UPLOAD, upload_id) || blob_tmp_create(f->s, upload_id, 0) != 0) {
        snprintf(f->why, sizeof(f->why), "The server could not create the upload file: %s",
                 strerror(errno));
        goto out;
    }
    int64_t now = srv_now_us();
    struct store_upload_new row = {
        .id = upload_id,
        .user_id = j->user_id,
        .ws_id = j->ws_id,
        .folder_id = j->folder_id,
        .file_id = "",
        .name = name,
        .kind = "stream",
        .status = "uploading",
        .size = -1,
        .max_size = f->im->cap,
        .chunk_size = 0,
        .file_crc32c = NULL,
        .lock_hash = "",
        .created = now,
        .expires = now + UP_SESSION_TTL_US,
    };
    if (store_begin(st) != STORE_OK || STORE(st, upload)->insert(st, &row) != STORE_OK ||
        STORE(st, webimport)->set_upload(st, j->id, upload_id, now) != STORE_OK ||
        store_commit(st) != STORE_OK) {
        store_rollback(st);
        blob_tmp_remove(f->s, upload_id);
        snprintf(f->why, sizeof(f->why), "The server could not record the upload session");
        goto out;
    }
    rc = 0;
out:
    store_release(f->s->store, st);
    return rc;
}

/* Store the session as a file through the normal completion (up_finalize). 0 and node, or -1
 * with why set. */
static int store_file(struct fetch *f, const char *upload_id, const char *name,
                      char node[FIO_OPAQUE_ID_SIZE])
{
    const struct store_webimport *j = f->job;
    struct store_conn *st = store_acquire(f->s->store);
    struct req r;
    jobs_req_begin(&r, f->s, st, j->user_id, "url-import");
    struct store_upload_session ses;
    int rc = -1;
    /* the job's user must still be a member who may write there (checked again now) */
    if (router_ws_enter(&r, j->ws_id, ROLE_MEMBER, false, true) != 0)
        goto fail;
    if (up_session_load(st, upload_id, j->user_id, &ses) != 1) {
        req_fail(&r, 500, 0, "The upload session of this import is gone");
        goto fail;
    }
    fio_strlcpy(ses.name, name, sizeof(ses.name));
    if (up_finalize(&r, &ses, f->got, f->crc) != 0)
        goto fail;
    const char *nid = json_string_value(json_object_get(r.out, "new_file_id"));
    if (!nid) {
        req_fail(&r, 500, 0, "The stored file has no id");
        goto fail;
    }
    fio_strlcpy(node, nid, FIO_OPAQUE_ID_SIZE);
    rc = 0;
fail:
    if (rc != 0)
        snprintf(f->why, sizeof(f->why), "The file could not be stored: %s",
                 r.err.text[0] ? r.err.text : "internal error");
    jobs_req_end(&r, rc == 0);
    store_release(f->s->store, st);
    return rc;
}

/* A job a restart cut while it downloaded from a source that takes ranges (D-126): keep its
 * session and the bytes written, verified by length against the whole file's size the source
 * announced, with their CRC-32C read back. true with upload_id and f's offsets set; false to
 * start afresh (the old session, if any, dropped). */
static bool resume_prepare(struct fetch *f, char upload_id[FIO_OPAQUE_ID_SIZE])
{
    const struct store_webimport *j = f->job;
    struct server *s = f->s;
    if (!j->upload_id[0])
        return false;
    bool ok = j->resume_validator[0] != 0;
    struct store_upload_session ses;
    if (ok) {
        struct store_conn *st = store_acquire(s->store);
        ok = STORE(st, upload)->get(st, j->upload_id, j->user_id, &ses) == STORE_OK &&
             strcmp(ses.status, "uploading") == 0;
        store_release(s->store, st);
    }
    int64_t len = 0;
    uint32_t crc = 0;
    enum { BLOCK = 256 * 1024 };
    char *buf = ok ? malloc(BLOCK) : NULL;
    int fd = buf ? blob_tmp_open_read(s, j->upload_id) : -1;
    if (fd >= 0) {
        for (int64_t guard = 0; guard <= f->im->cap / BLOCK + 1; guard++) {
            ssize_t r = pread(fd, buf, BLOCK, (off_t)len);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                ok = r == 0;
                break;
            }
            crc = fio_crc32c(crc, buf, (size_t)r);
            len += r;
        }
        close(fd);
    } else
        ok = false;
    free(buf);
    /* nothing kept, more than the limit, or not less than the whole file: start afresh */
    if (ok && (len <= 0 || len > f->im->cap || (j->resume_size >= 0 && len >= j->resume_size)))
        ok = false;
    if (!ok) {
        drop_session(s, j->upload_id, j->user_id);
        struct store_conn *st = store_acquire(s->store);
        STORE(st, webimport)->set_upload(st, j->id, "", srv_now_us());
        store_release(s->store, st);
        return false;
    }
    fio_strlcpy(upload_id, j->upload_id, FIO_OPAQUE_ID_SIZE);
    f->got = len;
    f->crc = crc;
    f->resume_from = len;
    f->if_range = j->resume_validator;
    f->resume_size = j->resume_size;
    return true;
}

/* A 206 that did not continue the kept bytes: cut the file to nothing, fetch again without a
 * Range. 0, or -1 with why set. */
static int restart_from_zero(struct fetch *f)
{
    if (blob_tmp_truncate(f->s, f->upload_id, 0) != 0) {
        snprintf(f->why, sizeof(f->why), "The server could not restart the file: %s",
                 strerror(errno));
        return -1;
    }
    srv_log(f->s, SRV_LOG_INFO, "url import %s: %s; restarted from byte 0", f->job->id, f->why);
    f->got = 0;
    f->crc = 0;
    f->resume_from = 0;
    f->restart = false;
    f->why[0] = 0;
    return 0;
}

static void run_job(struct importer *im, struct jobpool_slot *slot, const struct store_webimport *j)
{
    struct server *s = im->s;
    notify(s, j); /* queued */
    if (!job_status(s, j, "queued", "downloading", NULL))
        return; /* canceled meanwhile */
    struct fetch f;
    memset(&f, 0, sizeof(f));
    f.s = s;
    f.im = im;
    f.slot = slot;
    f.job = j;
    f.fd = -1;
    f.announced = -1;
    f.last_progress = fio_mono_us();
    int64_t started_us = f.last_progress;
    char upload_id[FIO_OPAQUE_ID_SIZE] = "";
    char *url = NULL, *next = NULL;
    bool oom = false;
    char name[FIO_NAME_MAX_BYTES + 1];
    char node[FIO_OPAQUE_ID_SIZE];
    fio_strlcpy(name, j->file_name[0] ? j->file_name : "download", sizeof(name));
    url = imp_share_rewrite(j->source_url, &oom);
    if (!url && !oom)
        url = fio_strdup(j->source_url);
    if (!url) {
        snprintf(f.why, sizeof(f.why), "Out of memory");
        goto failed;
    }
    f.resume_size = -1;
    if (!resume_prepare(&f, upload_id) && open_session(&f, upload_id, name) != 0)
        goto failed;
    f.upload_id = upload_id;
    f.fd = blob_tmp_open(s, upload_id);
    if (f.fd < 0) {
        snprintf(f.why, sizeof(f.why), "The server could not open the upload file: %s",
                 strerror(errno));
        goto failed;
    }
    bool restarted = false;
    for (int hop = 0;; hop++) {
        if (fetch_hop(&f, url, &next) != 0) {
            if (!f.restart || restarted || restart_from_zero(&f) != 0)
                goto failed;
            restarted = true; /* the same URL once more, from byte 0 */
            hop--;
            continue;
        }
        if (!next)
            break;
        if (hop + 1 > IMPORT_REDIRECTS_MAX) {
            snprintf(f.why, sizeof(f.why), "More than %d redirects", IMPORT_REDIRECTS_MAX);
            goto failed;
        }
        free(url);
        url = next;
        next = NULL;
    }
    close(f.fd);
    f.fd = -1;
    int64_t fetched_us = fio_mono_us();
    /* the name: the caller's, else Content-Disposition, else the final URL, else the first */
    if (!j->file_name[0] &&
        !(f.disposition[0] &&
          imp_disposition_filename(f.disposition, strlen(f.disposition), name, sizeof(name))) &&
        !imp_url_filename(url, name, sizeof(name)) &&
        !imp_url_filename(j->source_url, name, sizeof(name)))
        fio_strlcpy(name, "download", sizeof(name));
    {
        struct store_conn *st = store_acquire(s->store);
        STORE(st, webimport)->progress(st, j->id, f.got, f.announced, name, srv_now_us());
        store_release(s->store, st);
    }
    if (jobpool_canceled(slot) || !job_status(s, j, "downloading", "uploading", NULL))
        goto canceled;
    if (store_file(&f, upload_id, name, node) != 0)
        goto failed;
    {
        struct store_conn *st = store_acquire(s->store);
        if (STORE(st, webimport)->complete(st, j->id, node, f.got, srv_now_us()) != STORE_OK)
            srv_log(s, SRV_LOG_ERROR,
                    "url import %s: stored as %s but not recorded: %s (the "
                    "next start records it)",
                    j->id, node, store_errmsg(st));
        store_release(s->store, st);
    }
    notify(s, j);
    srv_log(s, SRV_LOG_INFO,
            "url import %s: stored %lld bytes as %s (fetched in %.3f s, stored in %.3f s)", j->id,
            (long long)f.got, node, (double)(fetched_us - started_us) / 1e6,
            (double)(fio_mono_us() - fetched_us) / 1e6);
    goto done;
failed:
    if (f.fd >= 0)
        close(f.fd);
    f.fd = -1;
    if (jobpool_stopping(im->pool) && !jobpool_canceled(slot)) {
        /* stopping: leave the job and its session to the next start's recovery (D-075) */
        goto done;
    }
    if (jobpool_canceled(slot))
        goto canceled;
    srv_log(s, SRV_LOG_INFO, "url import %s failed: %s", j->id, f.why);
    drop_session(s, upload_id, j->user_id);
    job_status(s, j, "queued|downloading|uploading", "failed", f.why[0] ? f.why : "Failed");
    goto done;
canceled:
    if (f.fd >= 0)
        close(f.fd);
    drop_session(s, upload_id, j->user_id);
    notify(s, j);
done:
    free(url);
    free(next);
}

/* ---- the pool's callbacks (jobs/jobpool.h) ------------------------------------------------- */

/* Take the oldest pending job (pending -> queued): true and *j, false when none waits. */
static bool claim_one(void *ctx, void *job, char id[JOBPOOL_ID_SIZE])
{
    struct importer *im = ctx;
    struct store_webimport *j = job;
    struct store_conn *st = store_acquire(im->s->store);
    enum store_rc rc = store_begin(st);
    if (rc == STORE_OK) {
        rc = STORE(st, webimport)->claim(st, srv_now_us(), j);
        if (rc == STORE_OK)
            rc = store_commit(st);
        else
            store_rollback(st);
    }
    store_release(im->s->store, st);
    if (rc == STORE_OK)
        fio_strlcpy(id, j->id, JOBPOOL_ID_SIZE);
    return rc == STORE_OK;
}

static void run_one(void *ctx, struct jobpool_slot *slot, void *job)
{
    run_job(ctx, slot, job);
}

/* ---- start-up recovery (D-075) ------------------------------------------------------------ */

static void collect_open(const struct store_webimport *j, void *arg)
{
    struct store_webimport *slot = jobs_vec_push(arg);
    if (slot)
        *slot = *j;
}

int import_recover(struct server *s)
{
    struct jobs_vec o = {.elem = sizeof(struct store_webimport)};
    struct store_conn *st = store_acquire(s->store);
    enum store_rc rc = STORE(st, webimport)->each_open(st, 100000, collect_open, &o);
    if (rc != STORE_OK || o.oom) {
        srv_log(s, SRV_LOG_ERROR, "url import: the open jobs could not be read: %s",
                o.oom ? "out of memory" : store_errmsg(st));
        store_release(s->store, st);
        jobs_vec_free(&o);
        return -1;
    }
    int64_t now = srv_now_us();
    const struct store_webimport *jobs = o.v;
    for (size_t i = 0; i < o.n; i++) {
        const struct store_webimport *j = &jobs[i];
        if (strcmp(j->status, "pending") == 0)
            continue;
        if (strcmp(j->status, "queued") == 0) {
            STORE(st, webimport)->set_status(st, j->id, "queued", "pending", NULL, now);
            continue;
        }
        /* downloading or uploading: the session tells whether the file was stored */
        struct store_upload_session ses;
        if (j->upload_id[0] &&
            STORE(st, upload)->get(st, j->upload_id, j->user_id, &ses) == STORE_OK &&
            strcmp(ses.status, "stored") == 0 && ses.new_file_id[0]) {
            STORE(st, webimport)->complete(st, j->id, ses.new_file_id, -1, now);
            srv_log(s, SRV_LOG_INFO, "url import %s: stored before the restart as %s", j->id,
                    ses.new_file_id);
            continue;
        }
        if (j->attempts < IMPORT_ATTEMPTS_MAX && strcmp(j->status, "downloading") == 0 &&
            j->upload_id[0] && j->resume_validator[0]) {
            /* the source takes ranges: the session and its bytes stay, the next run asks for
             * the rest (D-126; resume_prepare checks them) */
            STORE(st, webimport)
                ->set_status(st, j->id, "downloading", "pending", "Resuming after a server restart",
                             now);
            srv_log(s, SRV_LOG_INFO, "url import %s: interrupted by a restart (run %lld); resumes",
                    j->id, (long long)j->attempts);
            continue;
        }
        if (j->upload_id[0]) {
            blob_tmp_remove(s, j->upload_id);
            STORE(st, upload)->remove(st, j->upload_id, j->user_id);
            STORE(st, webimport)->set_upload(st, j->id, "", now);
        }
        if (j->attempts >= IMPORT_ATTEMPTS_MAX) {
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "The server restarted during this import %lld times; given up",
                     (long long)j->attempts);
            STORE(st, webimport)
                ->set_status(st, j->id, "downloading|uploading", "failed", msg, now);
        } else {
            STORE(st, webimport)->progress(st, j->id, 0, -1, NULL, now);
            STORE(st, webimport)
                ->set_status(st, j->id, "downloading|uploading", "pending",
                             "Restarted from the first byte after a server restart", now);
        }
        srv_log(s, SRV_LOG_INFO, "url import %s: interrupted by a restart (run %lld)", j->id,
                (long long)j->attempts);
    }
    store_release(s->store, st);
    jobs_vec_free(&o);
    return 0;
}

int import_start(struct server *s)
{
    const struct srv_config *cfg = &s->cfg;
    struct importer *im = calloc(1, sizeof(*im));
    if (!im)
        return -1;
    im->s = s;
    im->cap = cfg->import_max_bytes > 0 && cfg->import_max_bytes < UP_FILE_MAX
                  ? cfg->import_max_bytes
                  : UP_FILE_MAX;
    if (cfg->import_allow &&
        !imp_cidr_list_parse(cfg->import_allow, im->allow, IMP_ALLOW_MAX, &im->nallow)) {
        free(im);
        return -1;
    }
    unsigned want = cfg->import_workers ? cfg->import_workers : IMPORT_DEFAULT_WORKERS;
    const struct jobpool_def def = {
        .workers = want < IMPORT_WORKERS_MAX ? want : IMPORT_WORKERS_MAX,
        .job_size = sizeof(struct store_webimport),
        .ctx = im,
        .claim = claim_one,
        .run = run_one,
    };
    s->imp = im;
    if (jobpool_start(&def, &im->pool) != 0) {
        s->imp = NULL;
        free(im);
        return -1;
    }
    return 0;
}

void import_stop(struct server *s)
{
    struct importer *im = s->imp;
    if (!im)
        return;
    jobpool_stop(im->pool);
    free(im);
    s->imp = NULL;
}

void import_kick(struct server *s)
{
    if (s->imp)
        jobpool_kick(s->imp->pool);
}

void import_cancel(struct server *s, const char *id)
{
    if (s->imp)
        jobpool_cancel(s->imp->pool, id);
}
