/* SPDX-License-Identifier: MIT */
/* progress.c - the transfer progress display of the CLI (stderr, terminals only) and the
 * SIGINT/SIGTERM → cancel bridge around fastio_transfer_run(). The display is redrawn in place
 * with ANSI cursor movements, at most 10 times a second: one line per active file (at most
 * PROG_LINES_MAX) and a total line with bytes, rate and ETA. */
#include "cmd_transfer.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "buf.h"

#define PROG_LINES_MAX 8     /* per-file lines shown at once */
#define PROG_REDRAW_MS 100   /* at most 10 redraws a second */
#define PROG_LABEL_MAX 40    /* characters of a file name on a per-file line */

struct cli_progress {
    struct fastio_transfer *t;
    const char *verb;
    const char **labels; /* by job index */
    size_t n_jobs;
    bool enabled;
    int lines; /* lines of the current drawing (0 = nothing drawn) */
    int64_t start_ms, last_ms;
    uint64_t bytes_sent; /* of the last report: the bytes this run moved */
};

void cli_fmt_bytes(double b, char *out, size_t size)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    while (b >= 1024.0 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
        b /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(out, size, "%.0f B", b);
    else
        snprintf(out, size, "%.1f %s", b, unit[u]);
}

static void fmt_rate(double bps, char *out, size_t size)
{
    if (bps >= 1e9)
        snprintf(out, size, "%.2f GB/s", bps / 1e9);
    else if (bps >= 1e6)
        snprintf(out, size, "%.1f MB/s", bps / 1e6);
    else
        snprintf(out, size, "%.0f kB/s", bps / 1e3);
}

struct cli_progress *cli_progress_new(const struct cli_ctx *ctx, const char *verb, size_t n_jobs)
{
    struct cli_progress *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->labels = calloc(n_jobs ? n_jobs : 1, sizeof(*p->labels));
    if (!p->labels) {
        free(p);
        return NULL;
    }
    p->n_jobs = n_jobs;
    p->verb = verb;
    p->enabled = !ctx->quiet && ctx->verbose == 0 && isatty(STDERR_FILENO);
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        p->enabled = false;
    p->start_ms = fastio_now_ms();
    return p;
}

void cli_progress_label(struct cli_progress *p, size_t job, const char *label)
{
    if (p && job < p->n_jobs)
        p->labels[job] = label;
}

void cli_progress_attach(struct cli_progress *p, struct fastio_transfer *t)
{
    if (p)
        p->t = t;
}

static int term_cols(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col > 300 ? 300 : ws.ws_col;
    return 80;
}

/* Append at most max characters of s (control characters as '?'), keeping its end when it is
 * too long ("...tail"). Characters are counted as UTF-8 lead bytes. */
static bool put_label(struct fio_buf *b, const char *s, size_t max, size_t pad)
{
    size_t n = strlen(s), chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)s[i] & 0xc0) != 0x80;
    size_t skip = 0;
    if (chars > max && max > 3) {
        size_t drop = chars - (max - 3), seen = 0;
        while (skip < n && seen < drop) {
            skip++;
            while (skip < n && ((unsigned char)s[skip] & 0xc0) == 0x80)
                skip++;
            seen++;
        }
        if (!fio_buf_append_str(b, "..."))
            return false;
    }
    for (size_t i = skip; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char out = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        if (!fio_buf_append(b, &out, 1))
            return false;
    }
    for (size_t i = chars > max ? max : chars; i < pad; i++)
        if (!fio_buf_append(b, " ", 1))
            return false;
    return true;
}

static size_t label_chars(const char *s)
{
    size_t c = 0;
    for (; s && *s; s++)
        c += ((unsigned char)*s & 0xc0) != 0x80;
    return c > PROG_LABEL_MAX ? PROG_LABEL_MAX : c;
}

static bool put_bar(struct fio_buf *b, uint64_t done, uint64_t total, int width)
{
    char cell[512];
    if (width < 4 || width > (int)sizeof(cell) - 3)
        return true;
    int fill = total ? (int)((double)done / (double)total * width) : 0;
    if (fill > width)
        fill = width;
    cell[0] = '[';
    for (int i = 0; i < width; i++)
        cell[1 + i] = i < fill ? '#' : (total ? '.' : '?');
    cell[width + 1] = ']';
    return fio_buf_append(b, cell, (size_t)width + 2);
}

static void draw(struct cli_progress *p, const struct fastio_transfer_progress *pr)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    int cols = term_cols();
    bool ok = true;
    /* back to the first line of the previous drawing */
    ok = ok && fio_buf_append_str(&b, "\r");
    for (int i = 1; ok && i < p->lines; i++)
        ok = fio_buf_append_str(&b, "\033[A");
    int lines = 0, shown = 0;
    size_t active = 0, pad = 0;
    for (size_t j = 0; p->t && j < p->n_jobs && p->n_jobs > 1; j++) {
        size_t c = label_chars(p->labels[j]);
        pad = c > pad ? c : pad;
    }
    for (size_t j = 0; ok && p->t && j < p->n_jobs; j++) {
        struct fastio_transfer_job_info ji;
        if (fastio_transfer_job_progress(p->t, j, &ji) != FASTIO_OK || !ji.started || ji.ended)
            continue;
        active++;
        if (shown >= PROG_LINES_MAX || p->n_jobs < 2)
            continue;
        char d[32], tot[32], line_end[96];
        cli_fmt_bytes((double)ji.bytes_done, d, sizeof(d));
        cli_fmt_bytes((double)ji.bytes_total, tot, sizeof(tot));
        int pct = ji.bytes_total ? (int)(100.0 * (double)ji.bytes_done / (double)ji.bytes_total) : 0;
        snprintf(line_end, sizeof(line_end), " %s / %s %3d%%", d, ji.bytes_total ? tot : "?", pct);
        ok = fio_buf_append_str(&b, "\033[2K  ") &&
             put_label(&b, p->labels[j] ? p->labels[j] : "?", PROG_LABEL_MAX, pad) &&
             fio_buf_append_str(&b, " ") &&
             put_bar(&b, ji.bytes_done, ji.bytes_total,
                     cols - (int)pad - (int)strlen(line_end) - 6) &&
             fio_buf_append_str(&b, line_end) && fio_buf_append_str(&b, "\n");
        shown++;
        lines++;
    }
    if (ok && active > (size_t)shown && shown > 0) {
        char more[64];
        snprintf(more, sizeof(more), "\033[2K  ... and %zu more\n", active - (size_t)shown);
        ok = fio_buf_append_str(&b, more);
        lines++;
    }
    /* total line */
    char d[32], tot[32], rate[32], eta[32] = "", head[96], tail[160];
    cli_fmt_bytes((double)pr->bytes_done, d, sizeof(d));
    cli_fmt_bytes((double)pr->bytes_total, tot, sizeof(tot));
    if (pr->rate_bps > 0)
        fmt_rate(pr->rate_bps, rate, sizeof(rate));
    else
        snprintf(rate, sizeof(rate), "-- MB/s");
    if (pr->rate_bps > 0 && pr->bytes_total > pr->bytes_done) {
        double s = (double)(pr->bytes_total - pr->bytes_done) / pr->rate_bps;
        if (s < 360000)
            snprintf(eta, sizeof(eta), " ETA %d:%02d:%02d", (int)s / 3600, ((int)s / 60) % 60,
                     (int)s % 60);
    }
    if (p->n_jobs > 1)
        snprintf(head, sizeof(head), "%s %zu/%zu ", p->verb, pr->jobs_done, pr->jobs_total);
    else
        snprintf(head, sizeof(head), "%s ", p->verb);
    snprintf(tail, sizeof(tail), " %s / %s  %s%s", d, pr->bytes_total ? tot : "?", rate, eta);
    int bar = cols - (int)strlen(head) - (int)strlen(tail) - 4;
    ok = ok && fio_buf_append_str(&b, "\033[2K") && fio_buf_append_str(&b, head) &&
         put_bar(&b, pr->bytes_done, pr->bytes_total, bar > 50 ? 50 : bar) &&
         fio_buf_append_str(&b, tail) && fio_buf_append_str(&b, "\033[J");
    lines++;
    if (ok) {
        fwrite(b.data, 1, b.len, stderr);
        fflush(stderr);
        p->lines = lines;
    }
    fio_buf_release(&b);
}

void cli_progress_cb(void *userdata, const struct fastio_transfer_progress *pr)
{
    struct cli_progress *p = userdata;
    if (p)
        p->bytes_sent = pr->bytes_sent;
    if (!p || !p->enabled)
        return;
    int64_t now = fastio_now_ms();
    if (p->lines > 0 && now - p->last_ms < PROG_REDRAW_MS)
        return;
    p->last_ms = now;
    draw(p, pr);
}

double cli_progress_end(struct cli_progress *p)
{
    if (!p)
        return 0;
    if (p->enabled && p->lines > 0) {
        fputc('\r', stderr);
        for (int i = 1; i < p->lines; i++)
            fputs("\033[A", stderr);
        fputs("\033[J", stderr);
        fflush(stderr);
        p->lines = 0;
    }
    return (double)(fastio_now_ms() - p->start_ms) / 1000.0;
}

uint64_t cli_progress_sent(const struct cli_progress *p)
{
    return p ? p->bytes_sent : 0;
}

void cli_progress_free(struct cli_progress *p)
{
    if (!p)
        return;
    free(p->labels);
    free(p);
}

/* ---- signals --------------------------------------------------------------------------------- */

static struct fastio_transfer *volatile running_transfer;
static volatile sig_atomic_t caught_signal; /* the first SIGINT/SIGTERM during a transfer */

static void on_signal(int sig)
{
    if (caught_signal == 0)
        caught_signal = sig;
    struct fastio_transfer *t = running_transfer;
    if (t)
        fastio_transfer_cancel(t); /* one atomic store: async-signal-safe */
}

enum fastio_status cli_transfer_run(struct fastio_transfer *t, struct fastio_error *err)
{
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    running_transfer = t;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    enum fastio_status st = fastio_transfer_run(t, err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    running_transfer = NULL;
    return st;
}

void cli_transfer_note(struct cli_ctx *ctx, const char *verb, size_t n, uint64_t bytes,
                       uint64_t sent, double secs)
{
    char b[32], s[32];
    cli_fmt_bytes((double)bytes, b, sizeof(b));
    cli_fmt_bytes((double)sent, s, sizeof(s));
    if (sent > bytes)
        sent = bytes; /* retried requests: the rate is of the files' bytes at most */
    cli_note(ctx, "%s %zu file%s, %s in %.1f s (%s%s%.1f MB/s)", verb, n, n == 1 ? "" : "s", b,
             secs, sent < bytes ? s : "", sent < bytes ? " sent, " : "",
             secs > 0 ? (double)sent / secs / 1e6 : 0.0);
}

int cli_transfer_signal(void)
{
    return (int)caught_signal;
}

/* ---- engine and errors ----------------------------------------------------------------------- */

struct fastio_transfer *cli_transfer_engine(struct cli_ctx *ctx, unsigned max_files,
                                            const char *journal_dir, struct cli_progress *prog)
{
    struct fastio_transfer_config cfg;
    fastio_transfer_config_init(&cfg);
    cfg.journal_dir = journal_dir;
    cfg.max_files = max_files;
    cfg.progress = cli_progress_cb;
    cfg.progress_userdata = prog;
    struct fastio_error err;
    fastio_error_clear(&err);
    /* The context's client (cli_connect ran first): transfers share its base URL, token and
     * its refresh, -v / --log-file logging and User-Agent. */
    struct fastio_transfer *t = fastio_transfer_new(ctx->client, &cfg, &err);
    if (!t) {
        cli_print_api_error(ctx, &err);
        return NULL;
    }
    cli_progress_attach(prog, t);
    return t;
}

json_t *cli_error_json(const struct fastio_error *err)
{
    json_t *o = json_pack("{s:s, s:s}", "status", fastio_status_name(err->status), "message",
                          err->message);
    if (!o)
        return NULL;
    if ((err->http_status &&
         json_object_set_new(o, "http_status", json_integer(err->http_status)) != 0) ||
        (err->api_code && json_object_set_new(o, "code", json_integer(err->api_code)) != 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}
