/* SPDX-License-Identifier: MIT */
/* ingest_watch.c - finds complete files under the incoming directory of "fastio ingest": an
 * initial scan, then inotify (close-after-write, moved-in, new subdirectories) with a rescan
 * every RESCAN_MS and after a queue overflow; the settle rule of ingest.h decides when a file
 * is complete. Every table is bounded (FILES_MAX candidates, DIRS_MAX watched directories,
 * DEPTH_MAX levels). */
#include "ingest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "timeutil.h"

#define FILES_MAX 1000000
#define DIRS_MAX 100000
#define DEPTH_MAX 64
#define RESCAN_MS 30000
#define BUCKETS 4096
/* A write seen with no close-after-write since: the file is taken anyway once it has been still
 * this long (a close lost in a queue overflow must not hold a file back forever). */
#define DIRTY_STALE_MS 600000

struct cand {
    struct cand *next; /* hash chain */
    char *rel;
    uint64_t size;
    int64_t mtime_ns;
    int64_t changed_ms;   /* mono time of the last change seen */
    int64_t not_before;   /* retry: not offered before this mono time */
    bool dirty;           /* written since its last close-after-write */
    bool taken;           /* handed out by ingest_watch_take, not yet forgotten or retried */
    bool done;            /* forgotten: uploaded (size/mtime kept to notice a change) */
    uint64_t taken_size;  /* size and mtime when taken: a change while taken keeps it active */
    int64_t taken_mtime;
};

struct wdir {
    int wd;
    char *rel; /* "" for the root */
};

struct ingest_watch {
    char *root;
    unsigned settle_ms;
    int ifd; /* inotify, or -1 */
    struct cand *buckets[BUCKETS];
    size_t n_cands, n_active;
    struct wdir *dirs;
    size_t n_dirs, cap_dirs;
    int64_t next_rescan;
    bool need_rescan;
    void (*log)(void *ud, const char *msg);
    void *log_ud;
};

static void logf_(struct ingest_watch *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void logf_(struct ingest_watch *w, const char *fmt, ...)
{
    if (w->log == NULL)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    w->log(w->log_ud, buf);
}

bool ingest_name_ignored(const char *name)
{
    static const char *const suffixes[] = {".part", ".partial", ".tmp", "~", ".swp", ".ready"};
    size_t n = strlen(name);
    if (n == 0 || name[0] == '.')
        return true;
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t s = strlen(suffixes[i]);
        if (n >= s && strcmp(name + n - s, suffixes[i]) == 0)
            return true;
    }
    return false;
}

static unsigned hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

static struct cand *find(struct ingest_watch *w, const char *rel)
{
    for (struct cand *c = w->buckets[hash(rel)]; c; c = c->next)
        if (strcmp(c->rel, rel) == 0)
            return c;
    return NULL;
}

static struct cand *get_or_add(struct ingest_watch *w, const char *rel)
{
    struct cand *c = find(w, rel);
    if (c != NULL || w->n_cands >= FILES_MAX)
        return c;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->rel = strdup(rel);
    if (c->rel == NULL) {
        free(c);
        return NULL;
    }
    unsigned b = hash(rel);
    c->next = w->buckets[b];
    w->buckets[b] = c;
    c->done = true; /* not active until a change says so */
    w->n_cands++;
    return c;
}

static void set_active(struct ingest_watch *w, struct cand *c, bool active)
{
    if (c->done == !active)
        return;
    c->done = !active;
    if (active)
        w->n_active++;
    else
        w->n_active--;
}

static int64_t st_mtime_ns(const struct stat *sb)
{
    return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

static bool join(char *out, size_t size, const char *a, const char *b)
{
    int n = a[0] ? snprintf(out, size, "%s/%s", a, b) : snprintf(out, size, "%s", b);
    return n > 0 && (size_t)n < size;
}

static bool abs_path(const struct ingest_watch *w, const char *rel, char *out, size_t size)
{
    return join(out, size, w->root, rel);
}

/* A file seen (scan, event): record its size and mtime; a change makes it active again. */
static void saw_file(struct ingest_watch *w, const char *rel, const struct stat *sb, bool written,
                     bool closed)
{
    struct cand *c = get_or_add(w, rel);
    if (c == NULL)
        return;
    int64_t now = fio_mono_ms();
    uint64_t size = (uint64_t)sb->st_size;
    int64_t mt = st_mtime_ns(sb);
    bool changed = c->size != size || c->mtime_ns != mt;
    if (c->done && !changed && !written && !closed)
        return; /* already handled and unchanged */
    if (c->done || changed) {
        /* How long ago it last changed, as far as the mtime says (a scan of old files takes
         * them at once; anything younger than the settle time waits). */
        struct timespec rt;
        clock_gettime(CLOCK_REALTIME, &rt);
        int64_t age_ms = ((int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec - mt) / 1000000;
        if (age_ms < 0)
            age_ms = 0;
        if (age_ms > w->settle_ms)
            age_ms = w->settle_ms;
        c->changed_ms = written ? now : now - age_ms;
    }
    c->size = size;
    c->mtime_ns = mt;
    if (written)
        c->dirty = true;
    if (closed)
        c->dirty = false;
    if (written || closed)
        c->changed_ms = now;
    set_active(w, c, true);
}

static void add_dir_watch(struct ingest_watch *w, const char *rel)
{
    if (w->ifd < 0)
        return;
    char path[PATH_MAX];
    if (!abs_path(w, rel, path, sizeof(path)))
        return;
    int wd = inotify_add_watch(w->ifd, path,
                               IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                   IN_DELETE | IN_MODIFY | IN_DELETE_SELF | IN_ONLYDIR |
                                   IN_DONT_FOLLOW);
    if (wd < 0) {
        logf_(w, "cannot watch %s: %s", path, strerror(errno));
        return;
    }
    for (size_t i = 0; i < w->n_dirs; i++)
        if (w->dirs[i].wd == wd) {
            if (strcmp(w->dirs[i].rel, rel) != 0) {
                char *r = strdup(rel);
                if (r != NULL) {
                    free(w->dirs[i].rel);
                    w->dirs[i].rel = r;
                }
            }
            return;
        }
    if (w->n_dirs >= DIRS_MAX) {
        inotify_rm_watch(w->ifd, wd);
        logf_(w, "more than %d directories: %s is not watched (rescans still find it)", DIRS_MAX,
              path);
        return;
    }
    if (w->n_dirs == w->cap_dirs) {
        size_t cap = w->cap_dirs ? w->cap_dirs * 2 : 16;
        struct wdir *d = realloc(w->dirs, cap * sizeof(*d));
        if (d == NULL)
            return;
        w->dirs = d;
        w->cap_dirs = cap;
    }
    char *r = strdup(rel);
    if (r == NULL)
        return;
    w->dirs[w->n_dirs++] = (struct wdir){.wd = wd, .rel = r};
}

static void scan_dir(struct ingest_watch *w, const char *rel, int depth)
{
    char path[PATH_MAX];
    if (depth > DEPTH_MAX || !abs_path(w, rel, path, sizeof(path)))
        return;
    add_dir_watch(w, rel); /* before reading: a file created meanwhile is seen either way */
    DIR *d = opendir(path);
    if (d == NULL) {
        if (errno != ENOENT)
            logf_(w, "cannot read directory %s: %s (skipped)", path, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (ingest_name_ignored(e->d_name))
            continue;
        char crel[PATH_MAX];
        if (!join(crel, sizeof(crel), rel, e->d_name))
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            scan_dir(w, crel, depth + 1);
        else if (S_ISREG(sb.st_mode))
            saw_file(w, crel, &sb, false, false);
    }
    closedir(d);
}

static void rescan(struct ingest_watch *w)
{
    w->need_rescan = false;
    w->next_rescan = fio_mono_ms() + RESCAN_MS;
    scan_dir(w, "", 0);
}

struct ingest_watch *ingest_watch_new(const char *root, unsigned settle_ms, bool use_inotify,
                                      char *err, size_t errlen)
{
    struct ingest_watch *w = calloc(1, sizeof(*w));
    if (w == NULL || (w->root = strdup(root)) == NULL) {
        free(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->settle_ms = settle_ms;
    w->ifd = -1;
    if (use_inotify) {
        w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->ifd < 0) {
            snprintf(err, errlen, "inotify: %s", strerror(errno));
            ingest_watch_free(w);
            return NULL;
        }
    }
    w->need_rescan = true;
    return w;
}

void ingest_watch_free(struct ingest_watch *w)
{
    if (w == NULL)
        return;
    for (size_t b = 0; b < BUCKETS; b++)
        for (struct cand *c = w->buckets[b], *n; c; c = n) {
            n = c->next;
            free(c->rel);
            free(c);
        }
    for (size_t i = 0; i < w->n_dirs; i++)
        free(w->dirs[i].rel);
    free(w->dirs);
    if (w->ifd >= 0)
        close(w->ifd);
    free(w->root);
    free(w);
}

void ingest_watch_set_log(struct ingest_watch *w, void (*fn)(void *ud, const char *msg), void *ud)
{
    w->log = fn;
    w->log_ud = ud;
}

static const char *dir_of(struct ingest_watch *w, int wd)
{
    for (size_t i = 0; i < w->n_dirs; i++)
        if (w->dirs[i].wd == wd)
            return w->dirs[i].rel;
    return NULL;
}

static void drop_dir(struct ingest_watch *w, int wd)
{
    for (size_t i = 0; i < w->n_dirs; i++)
        if (w->dirs[i].wd == wd) {
            free(w->dirs[i].rel);
            w->dirs[i] = w->dirs[--w->n_dirs];
            return;
        }
}

static void handle_event(struct ingest_watch *w, const struct inotify_event *ev)
{
    if (ev->mask & IN_Q_OVERFLOW) {
        logf_(w, "inotify queue overflow: rescanning");
        w->need_rescan = true;
        return;
    }
    if (ev->mask & (IN_IGNORED | IN_DELETE_SELF)) {
        drop_dir(w, ev->wd);
        return;
    }
    const char *drel = dir_of(w, ev->wd);
    if (drel == NULL || ev->len == 0 || ingest_name_ignored(ev->name))
        return;
    char rel[PATH_MAX], path[PATH_MAX];
    if (!join(rel, sizeof(rel), drel, ev->name) || !abs_path(w, rel, path, sizeof(path)))
        return;
    if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
        struct cand *c = find(w, rel);
        if (c != NULL && !c->taken)
            set_active(w, c, false);
        return;
    }
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
            int depth = 1;
            for (const char *p = rel; *p; p++)
                depth += *p == '/';
            scan_dir(w, rel, depth);
        }
        return;
    }
    if (!S_ISREG(sb.st_mode))
        return;
    bool closed = (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0;
    bool written = !closed && (ev->mask & (IN_MODIFY | IN_CREATE)) != 0;
    saw_file(w, rel, &sb, written, closed);
}

void ingest_watch_poll(struct ingest_watch *w, int wait_ms)
{
    if (w->need_rescan || fio_mono_ms() >= w->next_rescan)
        rescan(w);
    if (w->ifd < 0) {
        if (wait_ms > 0)
            poll(NULL, 0, wait_ms);
        return;
    }
    struct pollfd pfd = {.fd = w->ifd, .events = POLLIN};
    if (poll(&pfd, 1, wait_ms < 0 ? 0 : wait_ms) <= 0)
        return;
    /* Bounded: at most 64 reads of the queue per poll. */
    for (int round = 0; round < 64; round++) {
        char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n = read(w->ifd, buf, sizeof(buf));
        if (n <= 0)
            break;
        for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
            const struct inotify_event *ev = (const struct inotify_event *)(buf + off);
            off += (ssize_t)sizeof(*ev) + ev->len;
            if (off > n)
                break;
            handle_event(w, ev);
        }
    }
    if (w->need_rescan)
        rescan(w);
}

static bool ready_marker(const struct ingest_watch *w, const char *rel)
{
    char path[PATH_MAX], marker[PATH_MAX + 8];
    struct stat sb;
    return abs_path(w, rel, path, sizeof(path)) &&
           snprintf(marker, sizeof(marker), "%s.ready", path) > 0 && stat(marker, &sb) == 0;
}

size_t ingest_watch_take(struct ingest_watch *w, char **out, size_t max)
{
    size_t n = 0;
    int64_t now = fio_mono_ms();
    for (size_t b = 0; b < BUCKETS && n < max; b++)
        for (struct cand *c = w->buckets[b]; c && n < max; c = c->next) {
            if (c->done || c->taken || now < c->not_before)
                continue;
            bool ready = ready_marker(w, c->rel);
            if (!ready) {
                if (now - c->changed_ms < (int64_t)w->settle_ms)
                    continue;
                if (c->dirty && now - c->changed_ms < DIRTY_STALE_MS)
                    continue;
            }
            /* Look again: a change since the last event restarts the wait. */
            char path[PATH_MAX];
            struct stat sb;
            if (!abs_path(w, c->rel, path, sizeof(path)) || lstat(path, &sb) != 0 ||
                !S_ISREG(sb.st_mode)) {
                set_active(w, c, false);
                continue;
            }
            if ((uint64_t)sb.st_size != c->size || st_mtime_ns(&sb) != c->mtime_ns) {
                c->size = (uint64_t)sb.st_size;
                c->mtime_ns = st_mtime_ns(&sb);
                c->changed_ms = now;
                if (!ready)
                    continue;
            }
            char *r = strdup(c->rel);
            if (r == NULL)
                return n;
            c->taken = true;
            c->taken_size = c->size;
            c->taken_mtime = c->mtime_ns;
            out[n++] = r;
        }
    return n;
}

void ingest_watch_retry(struct ingest_watch *w, const char *rel, unsigned retry_ms)
{
    struct cand *c = find(w, rel);
    if (c == NULL)
        return;
    c->taken = false;
    c->not_before = fio_mono_ms() + retry_ms;
}

void ingest_watch_forget(struct ingest_watch *w, const char *rel)
{
    struct cand *c = find(w, rel);
    if (c == NULL)
        return;
    bool was_taken = c->taken;
    c->taken = false;
    if (was_taken && (c->size != c->taken_size || c->mtime_ns != c->taken_mtime))
        return; /* changed while it was being handled: offered again */
    c->dirty = false;
    set_active(w, c, false);
}

size_t ingest_watch_pending(const struct ingest_watch *w)
{
    return w->n_active;
}
