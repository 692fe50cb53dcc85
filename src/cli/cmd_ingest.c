/* SPDX-License-Identifier: MIT */
/* cmd_ingest.c - "fastio ingest DIR": the ingest daemon. Watches an incoming directory, creates
 * the workspace(s) it feeds (Intelligence on when asked), invites the people concerned once per
 * workspace, uploads every complete file with the transfer engine (resumable, verified,
 * concurrent within --parallel), optionally waits until the file is indexed, then deletes,
 * moves or keeps the source. Exactly once across crashes through the state database
 * (ingest_state.c, ingest.h) and the engine's journals; decisions in docs/decisions.md D-090. */
#include "cmd_transfer.h"
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "crc32c.h"
#include "name.h"
#include "timeutil.h"

#define TAKE_MAX 256        /* files handed to one run of the engine */
#define RETRY_MS 5000       /* a failed file is offered again after this */

/* ---- signals: the first SIGINT/SIGTERM stops after the files in flight; a second cancels ---- */

static volatile sig_atomic_t stop_signal;
static struct fastio_cancel *cancel_token;

static void on_signal(int sig)
{
    if (stop_signal != 0)
        fastio_cancel_trigger(cancel_token);
    else
        stop_signal = sig;
}

/* ---- the log: one JSON line per file on stdout ------------------------------------------------ */

static void log_file(struct ingest *in, const char *rel, const char *ws, const char *node,
                     uint64_t bytes, double secs, const char *outcome, const char *error)
{
    json_t *o = json_object();
    if (o == NULL)
        return;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(o, "time", json_string(ts));
    json_object_set_new(o, "path", json_string(rel));
    if (ws != NULL && ws[0])
        json_object_set_new(o, "workspace", json_string(ws));
    if (node != NULL && node[0])
        json_object_set_new(o, "node", json_string(node));
    json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
    json_object_set_new(o, "seconds", json_real(secs));
    json_object_set_new(o, "outcome", json_string(outcome));
    if (error != NULL)
        json_object_set_new(o, "error", json_string(error));
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(4));
    json_decref(o);
    if (s != NULL) {
        printf("%s\n", s);
        fflush(stdout);
        free(s);
    }
    /* A server whose certificate does not verify fails every file the same way: say how to
     * trust its CA, once. */
    if (error != NULL && !in->tls_hinted &&
        strstr(error, "TLS certificate verification failed") != NULL) {
        in->tls_hinted = true;
        cli_note(in->ctx, "ingest: %s", error);
        cli_tls_hint(in->ctx);
    }
}

static void log_msg(void *ud, const char *msg)
{
    struct ingest *in = ud;
    cli_note(in->ctx, "ingest: %s", msg);
}

/* A file that failed: offered again after ms; with --once it is left for the next run. */
static void retry_later(struct ingest *in, const char *rel, unsigned ms)
{
    if (in->once)
        ingest_watch_forget(in->w, rel);
    else
        ingest_watch_retry(in->w, rel, ms);
}

/* Split rel into workspace name, folder path and file name. false = not ingestible (a file
 * directly in DIR with --workspace-per-subdir). */
static bool split_target(const struct ingest *in, const char *rel, char *ws, size_t wslen,
                         char *folder, size_t flen, const char **leaf)
{
    const char *slash = strrchr(rel, '/');
    *leaf = slash ? slash + 1 : rel;
    const char *dir_end = slash ? slash : rel;
    if (in->ws_name != NULL) {
        snprintf(ws, wslen, "%s", in->ws_name);
        snprintf(folder, flen, "%.*s", (int)(dir_end - rel), rel);
        return true;
    }
    const char *first = strchr(rel, '/');
    if (first == NULL)
        return false;
    snprintf(ws, wslen, "%.*s", (int)(first - rel), rel);
    const char *rest = first + 1;
    snprintf(folder, flen, "%.*s", dir_end > rest ? (int)(dir_end - rest) : 0, rest);
    return true;
}

/* CRC-32C of a file (hex compare with the server's node hash). false when unreadable. */
static bool file_crc(const char *path, uint32_t *crc)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    static char buf[1 << 20];
    uint32_t c = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return false;
        }
        if (n == 0)
            break;
        c = fio_crc32c(c, buf, (size_t)n);
    }
    close(fd);
    *crc = c;
    return true;
}

static bool mkdirs(const char *dir)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s", dir);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST)
                return false;
            *s = '/';
        }
    return mkdir(p, 0700) == 0 || errno == EEXIST;
}

/* The steps after "stored": wait for the index when asked, then the after-action, then done. */
static void finish(struct ingest *in, const char *rel, struct ingest_row *row, double secs,
                   const char *outcome)
{
    char state[32] = "";
    if (in->wait_indexed)
        ingest_wait_indexed(in, row->workspace, row->node, &stop_signal, state, sizeof(state));
    char abs[PATH_MAX * 2];
    snprintf(abs, sizeof(abs), "%s/%s", in->root, rel);
    struct stat sb;
    bool same = lstat(abs, &sb) == 0 && (uint64_t)sb.st_size == row->size &&
                (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec == row->mtime_ns;
    const char *after_err = NULL;
    char ebuf[1200];
    if (same && in->after == AFTER_DELETE) {
        if (unlink(abs) != 0 && errno != ENOENT) {
            snprintf(ebuf, sizeof(ebuf), "cannot delete the source: %s", strerror(errno));
            after_err = ebuf;
        }
    } else if (same && in->after == AFTER_MOVE) {
        char dest[PATH_MAX * 3], ddir[PATH_MAX * 3];
        snprintf(dest, sizeof(dest), "%s/%s", in->move_dir, rel);
        snprintf(ddir, sizeof(ddir), "%s", dest);
        char *sl = strrchr(ddir, '/');
        if (sl != NULL)
            *sl = '\0';
        if (!mkdirs(ddir) || rename(abs, dest) != 0) {
            snprintf(ebuf, sizeof(ebuf), "cannot move the source to %.1000s: %s", dest,
                     strerror(errno));
            after_err = ebuf;
        }
    }
    row->state = INGEST_DONE;
    (void)ingest_db_put(in->db, rel, row);
    ingest_watch_forget(in->w, rel);
    in->n_stored++;
    if (outcome != NULL) {
        log_file(in, rel, row->workspace, row->node, row->size, secs, outcome, after_err);
        if (in->wait_indexed)
            cli_note(in->ctx, "ingest: %s: ai.state %s", rel, state);
    }
}

struct pending_job {
    char *rel;
    struct ingest_row row;
    size_t job;
};

/* Look at one complete file: unchanged and done → nothing; a half-finished earlier attempt →
 * reconcile or finish; otherwise prepare an upload (row "uploading" written first). Returns
 * true when the file was queued on t. */
static bool consider(struct ingest *in, struct fastio_transfer *t, const char *rel,
                     struct pending_job *pj)
{
    char abs[PATH_MAX * 2];
    snprintf(abs, sizeof(abs), "%s/%s", in->root, rel);
    struct stat sb;
    if (lstat(abs, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        ingest_watch_forget(in->w, rel);
        return false;
    }
    uint64_t size = (uint64_t)sb.st_size;
    int64_t mt = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    struct ingest_row row;
    bool known = ingest_db_get(in->db, rel, &row);
    bool same = known && row.size == size && row.mtime_ns == mt;
    if (same && row.state == INGEST_DONE) {
        ingest_watch_forget(in->w, rel);
        return false;
    }
    if (same && row.state == INGEST_STORED) {
        finish(in, rel, &row, 0, "stored");
        return false;
    }
    if (access(abs, R_OK) != 0) {
        log_file(in, rel, NULL, NULL, size, 0, "skipped", "unreadable");
        retry_later(in, rel, 60000);
        return false;
    }
    char ws_name[PATH_MAX], folder_path[PATH_MAX], why[512];
    const char *leaf;
    if (!split_target(in, rel, ws_name, sizeof(ws_name), folder_path, sizeof(folder_path),
                      &leaf)) {
        log_file(in, rel, NULL, NULL, size, 0, "skipped",
                 "not in a subdirectory (--workspace-per-subdir)");
        ingest_watch_forget(in->w, rel);
        return false;
    }
    enum fio_name_check nc = fio_name_check(leaf, strlen(leaf));
    if (nc != FIO_NAME_OK) {
        snprintf(why, sizeof(why), "name not allowed: %s", fio_name_check_str(nc));
        log_file(in, rel, NULL, NULL, size, 0, "skipped", why);
        ingest_watch_forget(in->w, rel);
        return false;
    }
    if (same && row.state == INGEST_UPLOADING && json_object_get(in->leftover, rel) != NULL) {
        int64_t wait = in->grace_until - fio_mono_ms();
        if (wait > 0) {
            /* An earlier process may have sent it in a request the server is still working
             * on: look for it only once that request must be over (--inflight-grace). */
            ingest_watch_retry(in->w, rel, (unsigned)wait);
            return false;
        }
        json_object_del(in->leftover, rel);
    }
    if (same && row.state == INGEST_UPLOADING) {
        /* An earlier attempt may have stored it (killed between the server's answer and the
         * row, or a request that failed after it was acted on): adopt that node. */
        char node[64];
        if (ingest_find_same(in, &row, leaf, node, sizeof(node))) {
            snprintf(row.node, sizeof(row.node), "%s", node);
            row.state = INGEST_STORED;
            (void)ingest_db_put(in->db, rel, &row);
            finish(in, rel, &row, 0, "adopted");
            return false;
        }
    }
    struct ingest_row nrow;
    memset(&nrow, 0, sizeof(nrow));
    if (!ingest_workspace_for(in, ws_name, nrow.workspace, sizeof(nrow.workspace), why,
                              sizeof(why)) ||
        !ingest_folder_for(in, nrow.workspace, folder_path, nrow.folder, sizeof(nrow.folder), why,
                           sizeof(why))) {
        log_file(in, rel, nrow.workspace, NULL, size, 0, "failed", why);
        in->n_failed++;
        retry_later(in, rel, RETRY_MS);
        return false;
    }
    nrow.state = INGEST_UPLOADING;
    nrow.size = size;
    nrow.mtime_ns = mt;
    if (!file_crc(abs, &nrow.crc)) {
        log_file(in, rel, NULL, NULL, size, 0, "skipped", "unreadable");
        retry_later(in, rel, 60000);
        return false;
    }
    if (!ingest_db_put(in->db, rel, &nrow)) {
        log_file(in, rel, NULL, NULL, size, 0, "failed", "cannot write the state database");
        in->n_failed++;
        retry_later(in, rel, RETRY_MS);
        return false;
    }
    struct fastio_upload_spec up = {.path = abs,
                                    .name = leaf,
                                    .workspace = nrow.workspace,
                                    .folder = nrow.folder};
    struct fastio_error err;
    if (fastio_transfer_add_upload(t, &up, &pj->job, &err) != FASTIO_OK) {
        log_file(in, rel, nrow.workspace, NULL, size, 0, "failed", err.message);
        in->n_failed++;
        retry_later(in, rel, RETRY_MS);
        return false;
    }
    pj->row = nrow;
    return true;
}

/* One round: take up to TAKE_MAX complete files and upload them in one run of the engine. */
static size_t round_once(struct ingest *in)
{
    char *taken[TAKE_MAX];
    size_t n = ingest_watch_take(in->w, taken, TAKE_MAX);
    if (n == 0)
        return 0;
    struct fastio_transfer_config cfg;
    fastio_transfer_config_init(&cfg);
    cfg.journal_dir = in->journal_dir;
    cfg.max_files = in->parallel;
    cfg.cancel = cancel_token;
    /* Small files go in batch requests unless --no-batch (D-090): a batch that a killed or
     * failed attempt had sent may still be committed after it, so such a file is looked for
     * again only after --inflight-grace; with --no-batch every file of 2 bytes or more goes
     * through an upload session that a restart resumes, which needs no grace. */
    if (!in->batch) {
        cfg.no_batch = true;
        cfg.single_max = 1;
    }
    struct fastio_error err;
    struct fastio_transfer *t = fastio_transfer_new(in->ctx->client, &cfg, &err);
    if (t == NULL) {
        cli_errorf(in->ctx, "cannot start the transfer engine: %s", err.message);
        for (size_t i = 0; i < n; i++) {
            retry_later(in, taken[i], RETRY_MS);
            free(taken[i]);
        }
        return n;
    }
    struct pending_job jobs[TAKE_MAX];
    size_t nj = 0;
    for (size_t i = 0; i < n; i++) {
        if (consider(in, t, taken[i], &jobs[nj])) {
            jobs[nj].rel = taken[i];
            nj++;
        } else {
            free(taken[i]);
        }
    }
    if (nj > 0) {
        int64_t t0 = fio_mono_ms();
        enum fastio_status rst = fastio_transfer_run(t, &err);
        (void)rst; /* each job's own result says what happened to it */
        double secs = (double)(fio_mono_ms() - t0) / 1000.0;
        for (size_t i = 0; i < nj; i++) {
            char *node = NULL;
            struct fastio_error jerr;
            enum fastio_status st = fastio_transfer_job_result(t, jobs[i].job, &node, &jerr);
            if (st == FASTIO_OK && node != NULL && strlen(node) < sizeof(jobs[i].row.node)) {
                snprintf(jobs[i].row.node, sizeof(jobs[i].row.node), "%s", node);
                jobs[i].row.state = INGEST_STORED;
                (void)ingest_db_put(in->db, jobs[i].rel, &jobs[i].row);
                finish(in, jobs[i].rel, &jobs[i].row, secs, "stored");
            } else {
                /* The row stays "uploading": the next attempt first looks for a node that this
                 * one may have stored after all. */
                if (st != FASTIO_CANCELLED)
                    log_file(in, jobs[i].rel, jobs[i].row.workspace, NULL, jobs[i].row.size,
                             secs, "failed", jerr.message);
                in->n_failed++;
                retry_later(in, jobs[i].rel, RETRY_MS > in->grace_ms ? RETRY_MS : in->grace_ms);
            }
            fastio_free(node);
            free(jobs[i].rel);
        }
    }
    fastio_transfer_free(t);
    return n;
}

/* ---- the command -------------------------------------------------------------------------------- */

static bool default_state_dir(const char *root, char *out, size_t size)
{
    const char *base = getenv("XDG_STATE_HOME");
    char tmp[PATH_MAX];
    if (base == NULL || base[0] != '/') {
        const char *home = getenv("HOME");
        if (home == NULL || home[0] != '/')
            return false;
        snprintf(tmp, sizeof(tmp), "%s/.local/state", home);
        base = tmp;
    }
    char slug[PATH_MAX];
    size_t n = 0;
    for (const char *p = root + 1; *p && n + 1 < sizeof(slug) && n < 200; p++)
        slug[n++] = (*p == '/' || *p == '.') ? '_' : *p;
    slug[n] = '\0';
    uint32_t h = fio_crc32c(0, root, strlen(root));
    int r = snprintf(out, size, "%s/fastio/ingest/%s-%08x", base, slug, h);
    return r > 0 && (size_t)r < size;
}

static int parse_opts(struct ingest *in, struct cli_args *args)
{
    struct cli_ctx *ctx = in->ctx;
    const char *dir = cli_arg(args, "DIR");
    if (realpath(dir, in->root) == NULL)
        return cli_usage(ctx, "cannot use '%s': %s", dir, strerror(errno));
    struct stat sb;
    if (stat(in->root, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return cli_usage(ctx, "'%s' is not a directory", dir);
    in->org = cli_arg(args, "org");
    in->ws_name = cli_arg(args, "workspace");
    bool per = cli_arg_given(args, "workspace-per-subdir");
    if ((in->ws_name != NULL) == per)
        return cli_usage(ctx, "give exactly one of --workspace NAME and --workspace-per-subdir");
    if (in->org == NULL)
        return cli_usage(ctx, "--org ORG is required (the org that holds the workspaces)");
    in->intelligence = cli_arg_given(args, "intelligence");
    in->role = cli_arg(args, "role");
    const char *inv = cli_arg(args, "invite");
    if (inv != NULL) {
        const char *p = inv;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len > 0) {
                if (in->n_invites >= INVITES_MAX)
                    return cli_usage(ctx, "--invite takes at most %d addresses", INVITES_MAX);
                in->invites[in->n_invites] = strndup(p, len);
                if (in->invites[in->n_invites] == NULL)
                    return CLI_ERR;
                if (strchr(in->invites[in->n_invites], '@') == NULL)
                    return cli_usage(ctx, "--invite: '%s' is not an email address",
                                     in->invites[in->n_invites]);
                in->n_invites++;
            }
            p += len + (e != NULL);
        }
    }
    const char *after = cli_arg(args, "after");
    if (strcmp(after, "keep") == 0) {
        in->after = AFTER_KEEP;
    } else if (strcmp(after, "delete") == 0) {
        in->after = AFTER_DELETE;
    } else if (strncmp(after, "move:", 5) == 0 && after[5]) {
        in->after = AFTER_MOVE;
        if (!mkdirs(after + 5) || realpath(after + 5, in->move_dir) == NULL)
            return cli_usage(ctx, "--after %s: cannot use the directory: %s", after,
                             strerror(errno));
        size_t rl = strlen(in->root);
        if (strncmp(in->move_dir, in->root, rl) == 0 &&
            (in->move_dir[rl] == '/' || in->move_dir[rl] == '\0'))
            return cli_usage(ctx, "--after move:DIR must be outside the watched directory");
    } else {
        return cli_usage(ctx, "--after takes delete, move:DIR or keep, not '%s'", after);
    }
    in->once = cli_arg_given(args, "once");
    in->wait_indexed = cli_arg_given(args, "wait-indexed");
    long long v;
    if (!fio_parse_ll(cli_arg(args, "settle"), 0, 3600, &v))
        return cli_usage(ctx, "--settle takes seconds from 0 to 3600");
    in->settle_ms = (unsigned)(v * 1000);
    if (!fio_parse_ll(cli_arg(args, "parallel"), 1, 64, &v))
        return cli_usage(ctx, "--parallel takes 1 to 64");
    in->parallel = (unsigned)v;
    if (!fio_parse_ll(cli_arg(args, "index-timeout"), 1, 86400, &v))
        return cli_usage(ctx, "--index-timeout takes seconds from 1 to 86400");
    in->index_timeout_ms = (long)v * 1000;
    in->batch = !cli_arg_given(args, "no-batch");
    if (!fio_parse_ll(cli_arg(args, "inflight-grace"), 0, 3600, &v))
        return cli_usage(ctx, "--inflight-grace takes seconds from 0 to 3600");
    in->grace_ms = in->batch ? (unsigned)(v * 1000) : 0;

    const char *sd = cli_arg(args, "state-dir");
    if (sd != NULL) {
        if (!mkdirs(sd) || realpath(sd, in->state_dir) == NULL)
            return cli_usage(ctx, "--state-dir %s: %s", sd, strerror(errno));
    } else if (!default_state_dir(in->root, in->state_dir, sizeof(in->state_dir)) ||
               !mkdirs(in->state_dir)) {
        return cli_usage(ctx, "no state directory: set --state-dir (or HOME / XDG_STATE_HOME)");
    }
    if ((size_t)snprintf(in->journal_dir, sizeof(in->journal_dir), "%s/journal", in->state_dir) >=
        sizeof(in->journal_dir))
        return cli_usage(ctx, "the state directory path is too long");
    return CLI_OK;
}

static void ingest_release(struct ingest *in)
{
    for (size_t i = 0; i < in->n_invites; i++)
        free(in->invites[i]);
    for (size_t i = 0; i < in->n_folders; i++)
        free(in->folders[i].key);
    ingest_watch_free(in->w);
    ingest_db_close(in->db);
    json_decref(in->leftover);
}

static void resume_cb(void *ud, const char *rel, const struct ingest_row *row)
{
    struct ingest *in = ud;
    if (row->state == INGEST_UPLOADING && in->leftover != NULL)
        json_object_set_new(in->leftover, rel, json_true());
}

static int run_ingest(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    static struct ingest in; /* large (folder cache); one per process */
    memset(&in, 0, sizeof(in));
    in.ctx = ctx;
    int rc = parse_opts(&in, args);
    if (rc != CLI_OK) {
        ingest_release(&in);
        return rc;
    }
    rc = cli_connect(ctx, FASTIO_EP_ORG_WORKSPACES, true);
    if (rc != CLI_OK) {
        ingest_release(&in);
        return rc;
    }
    char err[512];
    in.db = ingest_db_open(in.state_dir, err, sizeof(err));
    if (in.db == NULL) {
        cli_errorf(ctx, "%s", err);
        ingest_release(&in);
        return CLI_ERR;
    }
    in.w = ingest_watch_new(in.root, in.settle_ms, !in.once, err, sizeof(err));
    if (in.w == NULL) {
        cli_errorf(ctx, "%s", err);
        ingest_release(&in);
        return CLI_ERR;
    }
    ingest_watch_set_log(in.w, log_msg, &in);
    in.leftover = json_object();
    in.grace_until = fio_mono_ms() + in.grace_ms;
    size_t unfinished = ingest_db_unfinished(in.db, resume_cb, &in);
    if (unfinished > 0)
        cli_note(ctx, "ingest: %zu file(s) from an earlier run to finish", unfinished);

    cancel_token = fastio_cancel_new();
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    cli_note(ctx, "ingest: watching %s (state in %s)%s", in.root, in.state_dir,
             in.once ? ", once" : "");

    for (;;) {
        ingest_watch_poll(in.w, 0);
        size_t n = stop_signal ? 0 : round_once(&in);
        if (stop_signal != 0)
            break;
        if (in.once && ingest_watch_pending(in.w) == 0)
            break;
        if (n == 0)
            ingest_watch_poll(in.w, in.once ? 100 : 500);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    int sig = stop_signal;
    cli_note(ctx, "ingest: %zu stored, %zu failed attempt(s)%s", in.n_stored, in.n_failed,
             sig ? "; stopped by a signal" : "");
    ingest_release(&in);
    fastio_cancel_free(cancel_token);
    cancel_token = NULL;
    if (sig != 0)
        return 128 + sig;
    return in.once && in.n_failed > 0 ? CLI_ERR : CLI_OK;
}

static const struct cli_opt ingest_opts[] = {
    {.name = "DIR", .kind = OPT_POS, .cli_only = true,
     .help = "The incoming directory to watch (files in subdirectories too)."},
    {.name = "org", .kind = OPT_VALUE, .cli_only = true, .metavar = "ORG",
     .help = "Org (id or domain) that holds the workspaces; required."},
    {.name = "workspace", .kind = OPT_VALUE, .cli_only = true, .metavar = "NAME",
     .help = "Upload everything into this workspace (id, folder_name or name), created in\n"
             "the org when missing. Subdirectories become folders."},
    {.name = "workspace-per-subdir", .kind = OPT_BOOL, .cli_only = true,
     .help = "Each top-level subdirectory of DIR feeds the workspace of its name (created\n"
             "when missing); its subdirectories become folders. Files directly in DIR are\n"
             "skipped."},
    {.name = "intelligence", .kind = OPT_BOOL, .cli_only = true,
     .help = "Turn Intelligence (AI indexing) on in the workspaces it creates or uses."},
    {.name = "invite", .kind = OPT_VALUE, .cli_only = true, .metavar = "EMAIL,...",
     .help = "Invite these addresses to each workspace, once (remembered in the state\n"
             "database)."},
    {.name = "role", .kind = OPT_VALUE, .cli_only = true, .check = CHK_CHOICE,
     .choices = "admin|member|guest", .def = "member", .help = "Role of the invited people."},
    {.name = "after", .kind = OPT_VALUE, .cli_only = true, .def = "keep",
     .metavar = "delete|move:DIR|keep",
     .help = "What happens to a source file once stored (and indexed with --wait-indexed):\n"
             "deleted, moved under DIR (its relative path kept; DIR outside the watched\n"
             "directory, on the same file system) or kept (a kept file is uploaded again\n"
             "only when its size or mtime changes)."},
    {.name = "once", .kind = OPT_BOOL, .cli_only = true,
     .help = "Scan, upload what is complete, wait for files still settling, and exit (for\n"
             "cron). Exit 1 when a file failed."},
    {.name = "wait-indexed", .kind = OPT_BOOL, .cli_only = true,
     .help = "After a file is stored, wait until its ai.state leaves pending/in_progress\n"
             "before the after-action (bounded by --index-timeout)."},
    {.name = "index-timeout", .kind = OPT_VALUE, .cli_only = true, .check = CHK_UINT,
     .def = "600", .metavar = "SECONDS", .help = "Longest wait per file for --wait-indexed."},
    {.name = "settle", .kind = OPT_VALUE, .cli_only = true, .check = CHK_UINT, .def = "2",
     .metavar = "SECONDS",
     .help = "A file is complete when no write was seen since it was last closed and its\n"
             "size and mtime have not changed for this long (or at once when NAME.ready\n"
             "exists beside it)."},
    {.name = "parallel", .kind = OPT_VALUE, .cli_only = true, .check = CHK_UINT, .def = "4",
     .metavar = "N", .help = "Files uploaded at the same time (1-64)."},
    {.name = "no-batch", .kind = OPT_BOOL, .cli_only = true,
     .help = "Send every file of 2 bytes or more through its own upload session, which a\n"
             "restart resumes, instead of packing small files into batch requests. Slower\n"
             "with many small files, but exactly once without --inflight-grace's bound."},
    {.name = "inflight-grace", .kind = OPT_VALUE, .cli_only = true, .check = CHK_UINT,
     .def = "10", .metavar = "SECONDS",
     .help = "A batch or single-request upload that a killed process (or a failed request)\n"
             "had sent may still be committed by the server after the fact. Such a file is\n"
             "looked for on the server, and sent again only if absent, after this long;\n"
             "exactly once holds when the server finishes a request it has received within\n"
             "it. 0 with --no-batch."},
    {.name = "state-dir", .kind = OPT_VALUE, .cli_only = true, .metavar = "DIR",
     .help = "Where the state database and upload journals live; default\n"
             "$XDG_STATE_HOME/fastio/ingest/<DIR> (~/.local/state when unset). Keep it\n"
             "across restarts: it is what makes every file go up exactly once."},
    {.name = NULL},
};

const struct cli_cmd cli_ingest_cmds[] = {
    {.name = "run",
     .endpoint = -1,
     .opts = ingest_opts,
     .run = run_ingest,
     .flags = CMD_DEFAULT,
     .summary = "Watch a directory and upload what arrives (the ingest daemon)",
     .description =
         "Watches DIR (inotify: close-after-write, moved-in, new subdirectories; a full\n"
         "rescan every 30 s and after a queue overflow) after an initial scan, and uploads\n"
         "each complete file with the transfer engine (chunked, resumable, CRC-32C\n"
         "verified) into a workspace of --org, keeping the relative path as folders. The\n"
         "workspace is created when missing (Intelligence on with --intelligence) and the\n"
         "--invite addresses are invited to it once. 'run' may be left out: 'fastio ingest\n"
         "DIR ...'.\n\n"
         "Ignored: dotfiles and dot-directories, names ending in .part, .partial, .tmp, ~,\n"
         ".swp or .ready, symbolic links and anything not a regular file. A writer that\n"
         "cannot close a file only when it is complete can drop NAME.ready beside it.\n\n"
         "Exactly once across crashes: the state database records each file (path, size,\n"
         "mtime, CRC-32C, workspace, folder, node) before its first byte is sent and after\n"
         "it is stored. After kill -9 at any moment a restart resumes half-sent large files\n"
         "from their upload sessions' journals, and looks on the server for each small file\n"
         "that was in flight (after --inflight-grace, since a request the killed process\n"
         "sent may still be committed): a node of that name, size and CRC-32C is adopted\n"
         "instead of sending the file again. --no-batch removes the grace's assumption at\n"
         "the cost of speed with many small files (docs/decisions.md D-090).\n\n"
         "Output: one JSON line per file on stdout (time, path, workspace, node, bytes,\n"
         "seconds, outcome: stored | adopted | failed | skipped, error); notes on stderr.\n"
         "Unreadable files and vanished directories are logged and skipped, never fatal;\n"
         "a failed upload is tried again after 5 s. SIGTERM or SIGINT finishes the files in\n"
         "flight and exits (143 / 130); a second signal cancels them (they resume on the\n"
         "next start).",
     .examples = "fastio ingest /srv/incoming --org acme --workspace Inbox --intelligence\n"
                 "fastio ingest /srv/drop --org acme --workspace-per-subdir --invite a@x.com,b@x.com "
                 "--after move:/srv/done\n"
                 "fastio ingest /srv/incoming --org acme --workspace Inbox --once --after delete"},
    {.name = NULL},
};
