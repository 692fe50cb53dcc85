/* SPDX-License-Identifier: MIT */
/* main.c - fastio-server's entry point: options, the embedded default (no flags needed: data in
 * the user's data dir, 127.0.0.1:8787), data-dir layout, first-start bootstrap, and a clean
 * shutdown on SIGINT/SIGTERM. */
#include <stdatomic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "activity.h"
#include "backup.h"
#include "blob.h"
#include "faults.h"
#include "import.h"
#include "chat.h"
#include "indexer.h"
#include "metrics.h"
#include "options.h"
#include "proxy.h"
#include "outbox.h"
#include "ratelimit.h"
#include "server.h"
#include "store_backend.h"
#include "timeutil.h"
#include "upload.h"

static const char usage_text[] =
    "NAME\n"
    "    fastio-server - a Fast.io-compatible API server (SQLite metadata, blobs on disk)\n"
    "\n"
    "SYNOPSIS\n"
    "    fastio-server [--config FILE] [--data DIR] [--listen ADDR:PORT] [options]\n"
    "    fastio-server backup [--config FILE] [--data DIR] DEST\n"
    "\n"
    "DESCRIPTION\n"
    "    Serves the Fast.io REST API under /current/ (same paths, envelopes and error codes as\n"
    "    https://api.fast.io/current). With no options it runs the embedded default: data in\n"
    "    $XDG_DATA_HOME/fastio-server (~/.local/share/fastio-server), listening on\n"
    "    127.0.0.1:8787. On first start with an empty data directory it creates the local owner\n"
    "    account owner@localhost and writes its API key to DIR/owner.key (mode 0600); the\n"
    "    fastio CLI uses that key when nothing else is configured, for the URL this server\n"
    "    writes to DIR/owner.url at every start only.\n"
    "\n"
    "    On the same port it is an MCP (Model Context Protocol) server for AI agents: Streamable\n"
    "    HTTP at /mcp, legacy HTTP+SSE at /sse, with tools generated from the API's endpoint\n"
    "    rows; every tool call passes the same permission checks as the REST API.\n"
    "\n"
    "    One JSON line per request (method, path, status, bytes, us) goes to the access log.\n"
    "    SIGINT or SIGTERM stops the server cleanly; SIGHUP reopens the log file and, with TLS,\n"
    "    loads the certificate and key again (a bad pair is logged and the old one kept).\n"
    "\n"
    "    'fastio-server backup DEST' copies the data directory (one snapshot of meta.db, the\n"
    "    blobs it names, owner.key) into the new directory DEST while the server keeps\n"
    "    serving; 'fastio-server --data DEST' starts a server on the copy (restore).\n"
    "\n";

static const char usage_tail[] =
    "\n"
    "EXAMPLES\n"
    "    fastio-server\n"
    "    fastio-server --data /srv/fastio --listen 127.0.0.1:9000 --log-level warn\n"
    "    fastio-server --config /etc/fastio/server.conf\n"
    "    fastio-server backup --config /etc/fastio/server.conf /var/backups/fastio-1\n"
    ;

static char *default_data_dir(void)
{
    const char *x = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    struct fio_buf b;
    fio_buf_init(&b, 4096);
    bool ok;
    if (x && x[0] == '/')
        ok = fio_buf_printf(&b, "%s/fastio-server", x);
    else if (home && home[0] == '/')
        ok = fio_buf_printf(&b, "%s/.local/share/fastio-server", home);
    else
        ok = fio_buf_printf(&b, "./fastio-data");
    if (!ok) {
        fio_buf_release(&b);
        return NULL;
    }
    return fio_buf_steal(&b);
}

/* mkdir -p with mode 0700 for the directories we create. */
static int mkdirs(const char *path)
{
    char buf[4096];
    if (!fio_strlcpy(buf, path, sizeof(buf)))
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int prepare_data_dir(const char *dir)
{
    char sub[4200];
    if (mkdirs(dir) != 0)
        return -1;
    snprintf(sub, sizeof(sub), "%s/blobs", dir);
    if (mkdirs(sub) != 0)
        return -1;
    snprintf(sub, sizeof(sub), "%s/tmp", dir);
    return mkdirs(sub);
}

/* Whether the numeric listen address is loopback only (127/8, ::1). */
static bool listen_is_loopback(const char *a)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, a, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, a, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

/* SIGHUP: open the log path again and put the new file under the old FILE's descriptor
 * (dup2 is atomic: a thread writing a line at that moment writes it whole to one file or the
 * other; every line is flushed as written, so nothing stays buffered for the old file). */
static void reopen_log(struct server *s)
{
    if (!s->access_log || !s->cfg.access_log_path)
        return;
    int fd = open(s->cfg.access_log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        srv_log(s, SRV_LOG_ERROR, "SIGHUP: cannot reopen %s: %s (still writing the old file)",
                s->cfg.access_log_path, strerror(errno));
        return;
    }
    fflush(s->access_log);
    if (dup3(fd, fileno(s->access_log), O_CLOEXEC) < 0)
        srv_log(s, SRV_LOG_ERROR, "SIGHUP: cannot reopen %s: %s", s->cfg.access_log_path,
                strerror(errno));
    close(fd);
    srv_log(s, SRV_LOG_INFO, "SIGHUP: log file reopened");
}

/* Data written by an older version under a wider umask: the database files and the data
 * directory are made private at start (blobs keep their mode; docs/server.md). */
static void tighten_modes(const char *dir)
{
    static const char *const names[] = {"meta.db", "meta.db-wal", "meta.db-shm", "owner.key",
                                        "owner.url"};
    char p[4200];
    (void)chmod(dir, 0700);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        (void)chmod(p, 0600);
    }
}

/* The owner bootstrap (h_auth.c) runs through the store on one pooled connection. */
static int bootstrap(struct server *s)
{
    struct store_conn *c = store_acquire(s->store);
    int rc = auth_bootstrap_owner(s, c);
    store_release(s->store, c);
    return rc;
}

int main(int argc, char **argv)
{
    /* SIGINT/SIGTERM are taken synchronously (sigwait below); block them from the start so a
     * signal during a slow first start is not fatal, and every thread inherits the mask. */
    sigset_t early;
    sigemptyset(&early);
    sigaddset(&early, SIGINT);
    sigaddset(&early, SIGTERM);
    sigaddset(&early, SIGHUP);
    /* Everything the server creates is private (D-117): files 0600, directories 0700 -
     * meta.db and its -wal/-shm, blobs, upload files, mail, logs, backups. */
    umask(077);
    pthread_sigmask(SIG_BLOCK, &early, NULL);
    struct server s;
    memset(&s, 0, sizeof(s));
    struct srv_config *c = &s.cfg;
    srv_config_defaults(c);
    char *pos[2];
    size_t npos = 0;
    bool backup = argc > 1 && strcmp(argv[1], "backup") == 0;
    switch (srv_options_parse(argc, argv, backup ? 2 : 1, c, pos, backup ? 1 : 0, &npos)) {
    case SRV_OPT_RUN:
        break;
    case SRV_OPT_HELP:
        fputs(usage_text, stdout);
        srv_options_help(stdout);
        fputs(usage_tail, stdout);
        srv_config_free(c);
        return 0;
    case SRV_OPT_EXIT:
        srv_config_free(c);
        return 0;
    default:
        srv_config_free(c);
        return 2;
    }
    if (srv_config_check(c) != 0) {
        srv_config_free(c);
        return 2;
    }
    if (backup && npos != 1) {
        fputs("fastio-server: backup wants a destination: fastio-server backup [--config FILE] "
              "[--data DIR] DEST\n", stderr);
        srv_config_free(c);
        return 2;
    }
    if (!c->data_dir)
        c->data_dir = default_data_dir();
    if (!c->data_dir) {
        fputs("fastio-server: out of memory\n", stderr);
        return 1;
    }
    int ret = 1;
    if (backup) {
        /* The same options (--config, --data) name the data directory; the server may run. */
        ret = srv_backup(c, &store_sqlite_backend, pos[0]);
        srv_config_free(c);
        return ret;
    }
    if (c->access_log_path) {
        s.access_log = fopen(c->access_log_path, "ae");
        if (!s.access_log) {
            fprintf(stderr, "fastio-server: cannot open %s: %s\n", c->access_log_path,
                    strerror(errno));
            goto out;
        }
    }
    if (prepare_data_dir(c->data_dir) != 0) {
        fprintf(stderr, "fastio-server: cannot create data directory %s: %s\n", c->data_dir,
                strerror(errno));
        goto out;
    }
    tighten_modes(c->data_dir);
    char dbpath[4200], err[512];
    snprintf(dbpath, sizeof(dbpath), "%s/meta.db", c->data_dir);
    /* The composition root is the one place that names the backend (store_backend.h). */
    unsigned import_workers = c->import_workers ? c->import_workers : IMPORT_DEFAULT_WORKERS;
    unsigned ai_workers = c->ai_workers ? c->ai_workers : AI_DEFAULT_WORKERS;
    unsigned intel_workers = c->intel_workers ? c->intel_workers : INTEL_DEFAULT_WORKERS;
    /* + intel_workers + 2: the indexer's threads and background callers of intel_retrieve;
     * + ai_workers: the AI chat workers (each holds one connection at a time) */
    s.store = store_open(&store_sqlite_backend, dbpath,
                         c->threads + 1 + import_workers + intel_workers + 2 + ai_workers, err,
                         sizeof(err));
    if (!s.store) {
        fprintf(stderr, "fastio-server: %s\n", err);
        goto out;
    }
    s.rl = ratelimit_new(c->rate_max, c->rate_window_s);
    s.faults = faults_new();
    s.metrics = metrics_new();
    if (c->trusted_proxy && !(s.trust = proxy_trust_new(c->trusted_proxy))) {
        fprintf(stderr, "fastio-server: out of memory\n");
        goto out;
    }
    if (!s.rl || !s.faults || !s.metrics || bootstrap(&s) != 0) {
        fprintf(stderr, "fastio-server: start-up failed (bootstrap)\n");
        goto out;
    }
    /* uploads: the byte store's own threads (blob_ops.start), the in-flight table, then recovery
     * of what a crash left (docs/decisions.md D-036) */
    s.blob = &blob_local_ops;
    if (blob_start(&s) != 0 || upload_state_init(&s) != 0 || import_recover(&s) != 0 ||
        ai_recover(&s) != 0 || blob_recover(&s) != 0 || intel_recover(&s) != 0) {
        fprintf(stderr, "fastio-server: start-up failed (upload recovery)\n");
        goto out;
    }

    /* Signals are taken synchronously by this thread only: block them before any thread starts
     * so the HTTP workers inherit the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (activity_init(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the activity timer thread\n");
        goto out;
    }
    if (outbox_relay_start(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the SMTP relay thread\n");
        goto out;
    }
    if (import_start(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the URL import workers\n");
        goto out;
    }
    if (ai_start(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the AI chat workers\n");
        goto out;
    }
    if (intel_start(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the indexing workers\n");
        goto out;
    }
    if (upload_sweep_start(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the upload expiry sweep thread\n");
        goto out;
    }
    s.started_us = fio_mono_us();
    if (srv_start(&s) != 0)
        goto out;
    printf("fastio-server: listening on %s://%s%s%s:%u/current (data %s)\n", SRV_SCHEME(&s),
           strchr(c->listen_addr, ':') ? "[" : "", c->listen_addr,
           strchr(c->listen_addr, ':') ? "]" : "", (unsigned)atomic_load(&s.bound_port), c->data_dir);
    fflush(stdout);
    if (!c->tls_cert && !listen_is_loopback(c->listen_addr))
        fprintf(stderr,
                "fastio-server: warning: listening on %s without TLS: passwords, tokens and "
                "files cross the network in clear text. Use --tls-cert/--tls-key, or listen on "
                "127.0.0.1 behind a TLS proxy (docs/server.md \"Behind a reverse proxy\")\n",
                c->listen_addr);
    if (auth_write_owner_url(&s, (unsigned)atomic_load(&s.bound_port)) != 0)
        srv_log(&s, SRV_LOG_WARN, "cannot write %s/owner.url: the CLI will not find owner.key",
                c->data_dir);

    int sig = 0;
    /* SIGHUP reopens the log file (after logrotate moved it) and, with TLS, loads the
     * certificate and key again (after a renewal; D-141) - here, in this thread, never in a
     * signal handler; SIGINT/SIGTERM stop. */
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            break;
        reopen_log(&s);
        if (c->tls_cert)
            (void)srv_tls_reload(&s);
    }
    srv_log(&s, SRV_LOG_INFO, "signal %d: shutting down", sig);
    srv_stop(&s);
    ret = 0;
out:
    srv_stop(&s); /* resumes parked activity polls before stopping the daemon */
    import_stop(&s); /* transfers in flight are left to the next start (D-075) */
    ai_stop(&s);     /* an answer being composed is left to the next start (D-108) */
    intel_stop(&s);  /* before activity_free: workers publish ai_state keys */
    activity_free(&s);
    outbox_relay_stop(&s);
    upload_sweep_stop(&s); /* before the store it uses */
    store_close(s.store);
    ratelimit_free(s.rl);
    faults_free(s.faults);
    metrics_free(s.metrics);
    proxy_trust_free(s.trust);
    blob_stop(&s); /* the write-out thread finishes its queue; no worker pushes any more */
    upload_state_free(&s);
    if (s.access_log)
        fclose(s.access_log);
    srv_config_free(c);
    return ret;
}
