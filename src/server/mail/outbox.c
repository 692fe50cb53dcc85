/* SPDX-License-Identifier: MIT */
/* outbox.c - mail as files first (see outbox.h): the .eml writer, and the optional SMTP relay
 * thread. The relay is the only thread this module starts; it owns nothing but its own struct,
 * and files are its queue, so a restart picks up whatever was not sent. */
#include "outbox.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "timeutil.h"

#define OUTBOX_MAX_MAIL (256 * 1024)
#define RELAY_BACKOFF_MIN_MS 1000
#define RELAY_BACKOFF_MAX_MS 60000

/* ---- writing --------------------------------------------------------------------------------- */

/* A header value with every control character (CR and LF included) replaced by a space: the
 * one rule that makes header injection impossible. */
static bool header_clean(struct fio_buf *b, const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        char c = (*p < 0x20 || *p == 0x7f) ? ' ' : (char)*p;
        if (!fio_buf_append(b, &c, 1))
            return false;
    }
    return true;
}

static bool header(struct fio_buf *b, const char *name, const char *value)
{
    return fio_buf_append_str(b, name) && fio_buf_append_str(b, ": ") && header_clean(b, value) &&
           fio_buf_append_str(b, "\r\n");
}

/* Subject: plain when ASCII, else one RFC 2047 "B" encoded word per <= 45 bytes (whole UTF-8
 * sequences), folded onto continuation lines. */
static bool subject_header(struct fio_buf *b, const char *subject)
{
    struct fio_buf clean;
    fio_buf_init(&clean, 4096);
    bool ok = header_clean(&clean, subject) && fio_buf_append(&clean, "", 1);
    if (!ok) {
        fio_buf_release(&clean);
        return false;
    }
    const char *s = clean.data;
    bool ascii = true;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p >= 0x80)
            ascii = false;
    if (ascii) {
        ok = header(b, "Subject", s);
        fio_buf_release(&clean);
        return ok;
    }
    ok = fio_buf_append_str(b, "Subject:");
    size_t n = strlen(s), i = 0;
    while (ok && i < n) {
        size_t take = n - i < 45 ? n - i : 45;
        while (i + take < n && ((unsigned char)s[i + take] & 0xC0) == 0x80)
            take--; /* do not split a UTF-8 sequence */
        char enc[80];
        fio_b64_encode(s + i, take, enc, sizeof(enc));
        ok = fio_buf_printf(b, "%s=?UTF-8?B?%s?=", i ? "\r\n " : " ", enc);
        i += take;
    }
    fio_buf_release(&clean);
    return ok && fio_buf_append_str(b, "\r\n");
}

/* The body with bare "\n" turned into CRLF and other control characters (except tab) dropped. */
static bool body_append(struct fio_buf *b, const char *body)
{
    for (const unsigned char *p = (const unsigned char *)body; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n') {
            if (!fio_buf_append_str(b, "\r\n"))
                return false;
            continue;
        }
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            continue;
        if (!fio_buf_append(b, p, 1))
            return false;
    }
    return fio_buf_append_str(b, "\r\n");
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int ensure_dirs(struct server *s, char *dir, size_t dir_size)
{
    char sent[4200];
    if (snprintf(dir, dir_size, "%s/outbox", s->cfg.data_dir) >= (int)dir_size)
        return -1;
    (void)snprintf(sent, sizeof(sent), "%s/sent", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    if (mkdir(sent, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int write_file_atomic(const char *dir, const char *name, const struct fio_buf *b)
{
    char tmp[4300], final[4300];
    (void)snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", dir, name);
    (void)snprintf(final, sizeof(final), "%s/%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    bool ok = off == b->len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, final) != 0) {
        unlink(tmp);
        return -1;
    }
    return fsync_dir(dir);
}

int outbox_write(struct server *s, const char *to, const char *subject, const char *body,
                 char *id_out, size_t id_size)
{
    char dir[4100], id[FIO_OPAQUE_ID_SIZE], name[64], date[64], msgid[96];
    if (ensure_dirs(s, dir, sizeof(dir)) != 0 || !fio_opaque_id_new(FIO_ID_GENERAL, id)) {
        srv_log(s, SRV_LOG_ERROR, "outbox: cannot prepare %s/outbox: %s", s->cfg.data_dir,
                strerror(errno));
        return -1;
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    /* RFC 5322 §3.3 date; names spelled out so the C library's locale never matters. */
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    (void)snprintf(date, sizeof(date), "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
                   tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                   tm.tm_sec);
    (void)snprintf(msgid, sizeof(msgid), "<%s@fastio-server.local>", id);
    (void)snprintf(name, sizeof(name), "%s.eml", id);

    struct fio_buf b;
    fio_buf_init(&b, OUTBOX_MAX_MAIL);
    const char *from = s->cfg.smtp_from ? s->cfg.smtp_from : OUTBOX_DEFAULT_FROM;
    bool ok = header(&b, "From", from) && header(&b, "To", to) && subject_header(&b, subject) &&
              header(&b, "Date", date) && header(&b, "Message-ID", msgid) &&
              header(&b, "MIME-Version", "1.0") &&
              header(&b, "Content-Type", "text/plain; charset=UTF-8") &&
              header(&b, "Content-Transfer-Encoding", "8bit") && fio_buf_append_str(&b, "\r\n") &&
              body_append(&b, body);
    int rc = ok ? write_file_atomic(dir, name, &b) : -1;
    fio_buf_release(&b);
    if (rc != 0) {
        srv_log(s, SRV_LOG_ERROR, "outbox: cannot write %s/%s: %s", dir, name, strerror(errno));
        return -1;
    }
    if (id_out)
        fio_strlcpy(id_out, id, id_size);
    if (s->relay)
        outbox_relay_wake(s);
    return 0;
}

/* ---- the SMTP relay -------------------------------------------------------------------------- */

struct outbox_relay {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    struct {
        bool stop;
        bool wake;
    } synced; /* under lock */
};

struct mail_reader {
    const char *p;
    size_t left;
};

static size_t mail_read(char *buf, size_t size, size_t n, void *ud)
{
    struct mail_reader *m = ud;
    size_t k = size * n < m->left ? size * n : m->left;
    memcpy(buf, m->p, k);
    m->p += k;
    m->left -= k;
    return k;
}

/* The address inside "Name <addr>", or the whole value. */
static void addr_of(const char *v, char *out, size_t size)
{
    const char *lt = strchr(v, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt && (size_t)(gt - lt - 1) < size) {
        memcpy(out, lt + 1, (size_t)(gt - lt - 1));
        out[gt - lt - 1] = 0;
    } else {
        fio_strlcpy(out, v, size);
    }
}

static bool read_small_file(const char *path, struct fio_buf *b)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return false;
    char chunk[8192];
    ssize_t n;
    bool ok = true;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        if (!fio_buf_append(b, chunk, (size_t)n)) {
            ok = false;
            break;
        }
    close(fd);
    return ok && n == 0 && fio_buf_append(b, "", 1);
}

/* Send one .eml through the relay. The recipient is the To header the writer produced. */
static bool send_one(struct server *s, const char *path)
{
    struct fio_buf b;
    fio_buf_init(&b, OUTBOX_MAX_MAIL + 1);
    if (!read_small_file(path, &b)) {
        fio_buf_release(&b);
        return false;
    }
    char to[320] = "", from[320];
    const char *t = strstr(b.data, "\r\nTo: ");
    if (t) {
        t += 6;
        const char *e = strstr(t, "\r\n");
        size_t l = e ? (size_t)(e - t) : 0;
        if (l < sizeof(to)) {
            memcpy(to, t, l);
            to[l] = 0;
        }
    }
    addr_of(s->cfg.smtp_from ? s->cfg.smtp_from : OUTBOX_DEFAULT_FROM, from, sizeof(from));
    char rcpt_addr[320];
    addr_of(to, rcpt_addr, sizeof(rcpt_addr));
    CURL *h = curl_easy_init();
    struct curl_slist *rcpt = rcpt_addr[0] ? curl_slist_append(NULL, rcpt_addr) : NULL;
    bool ok = false;
    if (h && rcpt) {
        struct mail_reader m = {b.data, b.len - 1};
        curl_easy_setopt(h, CURLOPT_URL, s->cfg.smtp_url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
        curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, mail_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &m);
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
        CURLcode rc = curl_easy_perform(h);
        ok = rc == CURLE_OK;
        if (!ok)
            srv_log(s, SRV_LOG_WARN, "outbox: relay failed for %s: %s (kept for retry)", path,
                    curl_easy_strerror(rc));
    }
    curl_slist_free_all(rcpt);
    if (h)
        curl_easy_cleanup(h);
    fio_buf_release(&b);
    return ok;
}

int outbox_relay_pass(struct server *s)
{
    char dir[4100];
    if (!s->cfg.smtp_url || ensure_dirs(s, dir, sizeof(dir)) != 0)
        return -1;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int waiting = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".eml") != 0)
            continue;
        char path[4400], sent[4400];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        (void)snprintf(sent, sizeof(sent), "%s/sent/%s", dir, de->d_name);
        if (send_one(s, path) && rename(path, sent) == 0)
            continue;
        waiting++;
    }
    closedir(d);
    return waiting;
}

static void deadline_after(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *relay_main(void *arg)
{
    struct server *s = arg;
    struct outbox_relay *rl = s->relay;
    long backoff = RELAY_BACKOFF_MIN_MS;
    for (;;) {
        int waiting = outbox_relay_pass(s);
        /* Nothing waiting: sleep until a new mail (or a slow periodic look, in case files were
         * dropped in by hand). Failures: bounded exponential backoff. */
        long wait_ms = waiting == 0 ? 30000 : backoff;
        backoff = waiting == 0 ? RELAY_BACKOFF_MIN_MS
                               : (backoff * 2 > RELAY_BACKOFF_MAX_MS ? RELAY_BACKOFF_MAX_MS
                                                                     : backoff * 2);
        struct timespec ts;
        deadline_after(&ts, wait_ms);
        pthread_mutex_lock(&rl->lock);
        while (!rl->synced.stop && !(waiting == 0 && rl->synced.wake))
            if (pthread_cond_timedwait(&rl->cond, &rl->lock, &ts) == ETIMEDOUT)
                break;
        bool stop = rl->synced.stop;
        rl->synced.wake = false;
        pthread_mutex_unlock(&rl->lock);
        if (stop)
            break;
    }
    return NULL;
}

int outbox_relay_start(struct server *s)
{
    if (!s->cfg.smtp_url)
        return 0;
    /* Called from main() before any other thread uses libcurl. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    struct outbox_relay *rl = calloc(1, sizeof(*rl));
    if (!rl)
        return -1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    bool cond_ok = pthread_cond_init(&rl->cond, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!cond_ok || pthread_mutex_init(&rl->lock, NULL) != 0) {
        if (cond_ok)
            pthread_cond_destroy(&rl->cond);
        free(rl);
        return -1;
    }
    s->relay = rl;
    if (pthread_create(&rl->thread, NULL, relay_main, s) != 0) {
        s->relay = NULL;
        pthread_mutex_destroy(&rl->lock);
        pthread_cond_destroy(&rl->cond);
        free(rl);
        return -1;
    }
    return 0;
}

void outbox_relay_wake(struct server *s)
{
    struct outbox_relay *rl = s->relay;
    if (!rl)
        return;
    pthread_mutex_lock(&rl->lock);
    rl->synced.wake = true;
    pthread_cond_signal(&rl->cond);
    pthread_mutex_unlock(&rl->lock);
}

void outbox_relay_stop(struct server *s)
{
    struct outbox_relay *rl = s->relay;
    if (!rl)
        return;
    pthread_mutex_lock(&rl->lock);
    rl->synced.stop = true;
    pthread_cond_signal(&rl->cond);
    pthread_mutex_unlock(&rl->lock);
    pthread_join(rl->thread, NULL);
    pthread_mutex_destroy(&rl->lock);
    pthread_cond_destroy(&rl->cond);
    free(rl);
    s->relay = NULL;
    curl_global_cleanup();
}

long outbox_queue_length(struct server *s)
{
    char dir[4200];
    if (snprintf(dir, sizeof(dir), "%s/outbox", s->cfg.data_dir) >= (int)sizeof(dir))
        return -1;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    long n = 0;
    struct dirent *de;
    for (long seen = 0; seen < OUTBOX_COUNT_MAX && (de = readdir(d)) != NULL; seen++) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] != '.' && l >= 5 && strcmp(de->d_name + l - 4, ".eml") == 0)
            n++;
    }
    closedir(d);
    return n;
}
