/* SPDX-License-Identifier: MIT */
/* cmd_lock_run.c - "fastio lock run --workspace W NODE -- COMMAND [ARGS...]" (issue 6): take the
 * lock of a file (waiting with backoff while someone else holds it, up to --wait seconds), keep
 * it alive with the keeper, download the file into a private temporary directory, run COMMAND
 * with the local path appended (fork + execvp, never a shell), and when it exits 0 upload the
 * file as a new version with the lock token; then release the lock, whatever happened (SIGINT /
 * SIGTERM too: they cancel the transfer or are passed on to the command). Exit status: the
 * command's (128 + signal when it was killed), 1 for our own failures. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fastio/lock.h>
#include <fastio/transfer.h>

#include "rand.h"

#define RUN_WAIT_DEFAULT_S 60
#define RUN_WAIT_MAX_S 86400
#define RUN_BACKOFF_MIN_MS 50
#define RUN_BACKOFF_MAX_MS 1000
#define RUN_TMP_ENTRIES_MAX 64 /* the file, its .partial and .partial.state: a few at most */

static volatile sig_atomic_t g_signal;              /* the first SIGINT/SIGTERM received */
static volatile sig_atomic_t g_child;               /* the running command's pid, 0 = none */
static struct fastio_transfer *volatile g_transfer; /* the running transfer, NULL = none */

static void on_signal(int sig)
{
    int saved = errno;
    if (!g_signal)
        g_signal = sig;
    if (g_child > 0)
        (void)kill((pid_t)g_child, sig); /* the command decides how to stop */
    struct fastio_transfer *t = g_transfer;
    if (t)
        fastio_transfer_cancel(t); /* async-signal-safe (one atomic store) */
    errno = saved;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms, cut short by a signal (the flag is checked by the caller). */
static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    (void)nanosleep(&ts, NULL);
}

static long parse_long_arg(const char *v, long def)
{
    if (!v)
        return def;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    return (errno || !end || *end || end == v) ? -1 : n;
}

/* Acquire, retrying a held lock with jittered backoff until wait_ms has passed or a signal
 * arrives. The holder of the last refusal is printed. */
static enum fastio_status acquire_waiting(struct cli_ctx *ctx, const char *ws, const char *node,
                                          const struct fastio_lock_opts *o, long wait_ms,
                                          char **token, struct fastio_error *err)
{
    int64_t deadline = mono_ms() + wait_ms;
    long backoff = RUN_BACKOFF_MIN_MS;
    json_t *lock = NULL;
    for (int attempt = 0; attempt < 1000000; attempt++) {
        json_decref(lock);
        lock = NULL;
        enum fastio_status st = fastio_lock_acquire(ctx->client, ws, node, o, token, &lock, err);
        int64_t left = deadline - mono_ms();
        if (st != FASTIO_CONFLICT || left <= 0 || g_signal) {
            if (st == FASTIO_CONFLICT) {
                json_t *by = json_object_get(lock, "locked_by");
                const char *who = json_string_value(json_object_get(by, "email"));
                const char *until = json_string_value(json_object_get(lock, "expires"));
                cli_print_api_error(ctx, err);
                if (who)
                    cli_errorf(ctx, "locked by %s until %s", who, until ? until : "?");
            }
            json_decref(lock);
            return st;
        }
        long nap = (long)fio_random_below((uint64_t)backoff) + backoff / 2;
        if (nap > left)
            nap = (long)left;
        nap_ms(nap);
        backoff = backoff * 2 > RUN_BACKOFF_MAX_MS ? RUN_BACKOFF_MAX_MS : backoff * 2;
    }
    json_decref(lock);
    return FASTIO_CONFLICT;
}

static struct fastio_transfer *engine(struct cli_ctx *ctx, struct fastio_error *err)
{
    struct fastio_transfer_config cfg;
    fastio_transfer_config_init(&cfg);
    cfg.max_files = 1;
    /* the context's client (cli_connect): its base URL, token and refresh, log hook */
    return fastio_transfer_new(ctx->client, &cfg, err);
}

/* Run one transfer job (cancelled by SIGINT/SIGTERM); *result (OWNED) = node id or local path. */
static enum fastio_status run_job(struct cli_ctx *ctx, const struct fastio_upload_spec *up,
                                  const struct fastio_download_spec *down, char **result,
                                  struct fastio_error *err)
{
    *result = NULL;
    struct fastio_transfer *t = engine(ctx, err);
    if (!t)
        return err->status;
    size_t job = 0;
    enum fastio_status st = up ? fastio_transfer_add_upload(t, up, &job, err)
                               : fastio_transfer_add_download(t, down, &job, err);
    if (st == FASTIO_OK) {
        g_transfer = t;
        if (g_signal) /* arrived before the pointer was published */
            fastio_transfer_cancel(t);
        st = fastio_transfer_run(t, err);
        g_transfer = NULL;
    }
    if (st == FASTIO_OK)
        st = fastio_transfer_job_result(t, job, result, err);
    fastio_transfer_free(t);
    return st;
}

/* Remove the temporary directory and what the download left in it (one level, bounded). */
static void remove_tmpdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        int fd = dirfd(d);
        struct dirent *e;
        for (int i = 0; i < RUN_TMP_ENTRIES_MAX + 2 && (e = readdir(d)) != NULL; i++)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                (void)unlinkat(fd, e->d_name, 0);
        closedir(d);
    }
    (void)rmdir(dir);
}

/* fork + execvp(argv + path). Waits for it (polling, so a lost lock is noticed: the command is
 * then sent SIGTERM). Returns the command's exit status (128 + signal when killed), or -1 when it
 * could not be started (printed). */
static int run_command(struct cli_ctx *ctx, const char *const *cmd, size_t n, const char *path,
                       struct fastio_lock_keeper *keeper, bool *lost)
{
    const char **argv = calloc(n + 2, sizeof(*argv));
    if (!argv) {
        cli_errorf(ctx, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        argv[i] = cmd[i];
    argv[n] = path;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        cli_errorf(ctx, "cannot start '%s': %s", cmd[0], strerror(errno));
        free(argv);
        return -1;
    }
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execvp(argv[0], (char *const *)argv);
        int e = errno;
        static const char msg[] = "fastio lock run: cannot run the command\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
        (void)w;
        _exit(e == ENOENT ? 127 : 126);
    }
    g_child = pid;
    if (g_signal) /* arrived between the fork and publishing the pid */
        (void)kill(pid, g_signal);
    free(argv);
    int status = 0;
    bool term_sent = false;
    for (;;) { /* ends when the command does; a lost lock stops it (SIGTERM, then SIGKILL) */
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            cli_errorf(ctx, "waitpid: %s", strerror(errno));
            g_child = 0;
            return -1;
        }
        struct fastio_error kerr;
        if (!*lost && fastio_lock_keeper_status(keeper, &kerr) != FASTIO_OK) {
            *lost = true;
            cli_errorf(ctx, "the lock was lost while the command ran (%s); stopping it",
                       kerr.message);
            (void)kill(pid, SIGTERM);
            term_sent = true;
        }
        nap_ms(term_sent ? 100 : 50);
    }
    g_child = 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}

/* The directory temporary files go into: $TMPDIR or /tmp. */
static const char *tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t == '/' ? t : "/tmp";
}

int cli_lock_run(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cli_request req;
    int rc = cli_build_request(ctx, cmd->endpoint, args, &req);
    if (rc != CLI_OK)
        return rc;
    const char *ws = req.path[0], *node = req.path[1];
    struct fastio_lock_opts o = {0, cli_arg(args, "client-info"), 0};
    o.duration_s = parse_long_arg(cli_arg(args, "duration"), 0);
    if (o.duration_s != 0 &&
        (o.duration_s < FASTIO_LOCK_DURATION_MIN || o.duration_s > FASTIO_LOCK_DURATION_MAX))
        return cli_usage(ctx, "--duration must be %d to %d seconds", FASTIO_LOCK_DURATION_MIN,
                         FASTIO_LOCK_DURATION_MAX);
    long wait_s = parse_long_arg(cli_arg(args, "wait"), RUN_WAIT_DEFAULT_S);
    if (wait_s < 0 || wait_s > RUN_WAIT_MAX_S)
        return cli_usage(ctx, "--wait must be 0 to %d seconds", RUN_WAIT_MAX_S);
    if (args->n_rest == 0 || !args->rest[0][0])
        return cli_usage(ctx, "missing the command to run (after --)");
    rc = cli_connect(ctx, cmd->endpoint, true);
    if (rc != CLI_OK)
        return rc;

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    char *token = NULL, *local = NULL, *node_out = NULL;
    struct fastio_lock_keeper *keeper = NULL;
    char dir[4096] = "";
    struct fastio_error err;
    int result = CLI_ERR;
    bool lost = false;

    enum fastio_status st = acquire_waiting(ctx, ws, node, &o, wait_s * 1000, &token, &err);
    if (st != FASTIO_OK) {
        if (st != FASTIO_CONFLICT)
            cli_print_api_error(ctx, &err);
        goto out;
    }
    keeper = fastio_lock_keeper_start(ctx->client, ws, node, token, NULL, NULL, &err);
    if (!keeper) {
        cli_print_api_error(ctx, &err);
        goto out;
    }
    if ((size_t)snprintf(dir, sizeof(dir), "%s/fastio-lock-XXXXXX", tmp_base()) >= sizeof(dir) ||
        !mkdtemp(dir)) { /* mode 0700 */
        cli_errorf(ctx, "cannot create a temporary directory: %s", strerror(errno));
        dir[0] = 0;
        goto out;
    }
    if (g_signal)
        goto out;
    struct fastio_download_spec down = {.workspace = ws, .node = node, .dest_dir = dir};
    st = run_job(ctx, NULL, &down, &local, &err);
    if (st != FASTIO_OK || !local) {
        if (st != FASTIO_CANCELLED)
            cli_print_api_error(ctx, &err);
        goto out;
    }
    if (g_signal)
        goto out;
    int status = run_command(ctx, args->rest, args->n_rest, local, keeper, &lost);
    if (status < 0)
        goto out;
    if (status != 0 || lost || g_signal) {
        if (status != 0)
            cli_note(ctx, "the command exited with status %d; nothing was uploaded", status);
        result = status != 0 ? status : CLI_ERR;
        goto out;
    }
    if (fastio_lock_keeper_status(keeper, &err) != FASTIO_OK) {
        cli_errorf(ctx, "the lock was lost (%s); nothing was uploaded", err.message);
        goto out;
    }
    const char *base = strrchr(local, '/');
    struct fastio_upload_spec up;
    memset(&up, 0, sizeof(up));
    up.path = local;
    up.fd = -1;
    up.name = base ? base + 1 : local;
    up.workspace = ws;
    up.file_id = node;
    up.lock_token = token;
    st = run_job(ctx, &up, NULL, &node_out, &err);
    if (st != FASTIO_OK) {
        if (st != FASTIO_CANCELLED)
            cli_print_api_error(ctx, &err);
        goto out;
    }
    cli_note(ctx, "stored a new version of %s", node);
    result = CLI_OK;
out:
    fastio_lock_keeper_stop(keeper);
    if (token) {
        struct fastio_error rerr;
        if (fastio_lock_release(ctx->client, ws, node, token, &rerr) != FASTIO_OK &&
            rerr.status != FASTIO_CONFLICT) /* CONFLICT: it expired or was lost already */
            cli_print_api_error(ctx, &rerr);
        explicit_bzero(token, strlen(token));
        fastio_free(token);
    }
    fastio_free(local);
    fastio_free(node_out);
    if (dir[0])
        remove_tmpdir(dir);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (g_signal && result == CLI_ERR)
        result = 128 + g_signal;
    return result;
}
