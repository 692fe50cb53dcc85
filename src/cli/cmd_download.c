/* cmd_download.c - the "download" group (files and batches through the transfer engine: ranged,
 * resumable .partial files, size and CRC-32C checked, atomic rename) and the "files versions" /
 * "files version-restore" rows. An old version (--version) is fetched with a read token
 * (GET requestread/ then read/?token=, api §6) in one plain stream written the same safe way:
 * a .partial file inside the destination directory, renamed into place when complete. */
#include "cmd_transfer.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

/* Split -o PATH into an existing directory and a file name (NULL = the node's name). */
static int split_output(struct cli_ctx *ctx, const char *out, char *dir, size_t dsize,
                        const char **name)
{
    struct stat st;
    *name = NULL;
    if (!out || !out[0]) {
        snprintf(dir, dsize, ".");
        return CLI_OK;
    }
    size_t n = strlen(out);
    if (n >= dsize) {
        cli_errorf(ctx, "-o '%s': path too long", out);
        return CLI_ERR;
    }
    if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
        while (n > 1 && out[n - 1] == '/')
            n--;
        memcpy(dir, out, n);
        dir[n] = '\0';
        return CLI_OK;
    }
    if (out[n - 1] == '/') {
        cli_errorf(ctx, "-o '%s': no such directory", out);
        return CLI_ERR;
    }
    const char *slash = strrchr(out, '/');
    if (!slash) {
        snprintf(dir, dsize, ".");
        *name = out;
    } else {
        size_t dl = slash == out ? 1 : (size_t)(slash - out);
        memcpy(dir, out, dl);
        dir[dl] = '\0';
        *name = slash + 1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_errorf(ctx, "-o '%s': directory '%s' does not exist", out, dir);
        return CLI_ERR;
    }
    return CLI_OK;
}

/* Print results and choose the exit status (shared shape with the upload commands). */
static int report(struct cli_ctx *ctx, json_t *files, size_t ok_n, size_t fail_n, bool cancelled,
                  uint64_t bytes, double secs)
{
    json_t *out = json_pack("{s:O, s:I, s:I}", "files", files, "succeeded", (json_int_t)ok_n,
                            "failed", (json_int_t)fail_n);
    if (!out) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    int rc = cli_print(ctx, out, files);
    json_decref(out);
    if (rc != CLI_OK)
        return rc;
    if (ctx->format == CLI_FMT_TABLE && ok_n > 0) {
        char b[32];
        cli_fmt_bytes((double)bytes, b, sizeof(b));
        cli_note(ctx, "downloaded %zu file%s, %s in %.1f s (%.1f MB/s)", ok_n, ok_n == 1 ? "" : "s",
                 b, secs, secs > 0 ? (double)bytes / secs / 1e6 : 0.0);
    }
    if (cancelled)
        cli_errorf(ctx, "interrupted; run the same command again to resume");
    return fail_n == 0 && !cancelled ? CLI_OK : CLI_ERR;
}

/* Download nodes into dir through the engine; name applies to a single node. */
static int engine_download(struct cli_ctx *ctx, const char *ws, const char *const *nodes, size_t n,
                           const char *dir, const char *name)
{
    int rc = cli_connect(ctx, FASTIO_EP_STORAGE_READ, true);
    if (rc != CLI_OK)
        return rc;
    rc = CLI_ERR;
    json_t *files = json_array();
    struct cli_progress *prog = cli_progress_new(ctx, "Downloading", n);
    struct fastio_transfer *t = files ? cli_transfer_engine(ctx, 4, NULL, prog) : NULL;
    size_t *jobs = calloc(n ? n : 1, sizeof(*jobs));
    if (!t || !jobs) {
        if (t && !jobs)
            cli_errorf(ctx, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        struct fastio_download_spec spec = {
            .workspace = ws, .node = nodes[i], .dest_dir = dir, .name = name};
        struct fastio_error err;
        if (fastio_transfer_add_download(t, &spec, &jobs[i], &err) != FASTIO_OK) {
            cli_print_api_error(ctx, &err);
            goto done;
        }
        cli_progress_label(prog, jobs[i], nodes[i]);
    }
    struct fastio_error err;
    fastio_error_clear(&err);
    enum fastio_status st = cli_transfer_run(t, &err);
    double secs = cli_progress_end(prog);
    size_t ok_n = 0, fail_n = 0;
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        char *path = NULL;
        struct fastio_error je;
        fastio_error_clear(&je);
        enum fastio_status js = fastio_transfer_job_result(t, jobs[i], &path, &je);
        struct fastio_transfer_job_info ji;
        if (fastio_transfer_job_progress(t, jobs[i], &ji) != FASTIO_OK)
            memset(&ji, 0, sizeof(ji));
        json_t *o = json_pack("{s:s, s:s}", "node_id", nodes[i], "status",
                              js == FASTIO_OK ? "stored" : "failed");
        if (!o || json_array_append_new(files, o) != 0) {
            fastio_free(path);
            cli_errorf(ctx, "out of memory");
            goto done;
        }
        if (js == FASTIO_OK) {
            json_object_set_new(o, "path", json_string(path ? path : ""));
            json_object_set_new(o, "size", json_integer((json_int_t)ji.bytes_total));
            bytes += ji.bytes_total;
            ok_n++;
        } else {
            if (js != FASTIO_CANCELLED)
                cli_errorf(ctx, "%s", je.message);
            json_object_set_new(o, "error", cli_error_json(&je));
            fail_n++;
        }
        fastio_free(path);
    }
    rc = report(ctx, files, ok_n, fail_n, st == FASTIO_CANCELLED, bytes, secs);
done:
    free(jobs);
    fastio_transfer_free(t);
    cli_progress_free(prog);
    json_decref(files);
    return rc;
}

/* ---- one version by read token ---------------------------------------------------------------- */

/* One safe local name component: separators and control characters become '_', leading dots
 * and spaces go; "download" when nothing is left. */
static void safe_name(const char *in, char *out, size_t size)
{
    size_t n = 0;
    /* cppcheck-suppress nullPointerRedundantCheck ; callers never pass NULL (see the caller) */
    while (*in == '.' || *in == ' ')
        in++;
    for (; *in && n + 1 < size && n < 255; in++) {
        unsigned char c = (unsigned char)*in;
        out[n++] = (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ':') ? '_' : (char)c;
    }
    while (n > 0 && (out[n - 1] == '.' || out[n - 1] == ' '))
        n--;
    out[n] = '\0';
    if (n == 0)
        snprintf(out, size, "download");
}

struct sink {
    int fd;
    uint64_t bytes;
    bool io_error;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb, off = 0;
    while (off < n) {
        ssize_t w = write(s->fd, data + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->io_error = true;
            return 0;
        }
        off += (size_t)w;
    }
    s->bytes += n;
    return n;
}

static int version_download(struct cli_ctx *ctx, const char *ws, const char *node,
                            const char *version, const char *dir, const char *name)
{
    int rc = cli_connect(ctx, FASTIO_EP_STORAGE_REQUEST_READ, true);
    if (rc != CLI_OK)
        return rc;
    rc = CLI_ERR;
    json_t *resp = NULL, *details = NULL, *files = NULL;
    char *url = NULL, *e_ws = NULL, *e_node = NULL, *e_tok = NULL;
    CURL *easy = NULL;
    int dfd = -1, fd = -1;
    char local[256], partial[300] = "";
    struct cli_request req;
    memset(&req, 0, sizeof(req));
    req.path[0] = ws;
    req.path[1] = node;
    req.n_path = 2;
    if (!cli_request_add(&req, "version_id", version) ||
        cli_call(ctx, FASTIO_EP_STORAGE_REQUEST_READ, &req, &resp) != CLI_OK)
        goto done;
    const char *token = json_string_value(json_object_get(resp, "token"));
    if (!token) {
        cli_errorf(ctx, "unexpected response: no read token");
        goto done;
    }
    if (!name) {
        struct fastio_error err;
        fastio_error_clear(&err);
        if (fastio_storage_details(ctx->client, ws, node, &details, &err) != FASTIO_OK) {
            cli_print_api_error(ctx, &err);
            goto done;
        }
        name = json_string_value(json_object_get(details, "name"));
        if (!name)
            name = node;
    }
    safe_name(name, local, sizeof(local));
    snprintf(partial, sizeof(partial), ".%s.partial", local);

    easy = curl_easy_init();
    if (!easy) {
        cli_errorf(ctx, "cannot initialise libcurl");
        goto done;
    }
    e_ws = curl_easy_escape(easy, ws, 0);
    e_node = curl_easy_escape(easy, node, 0);
    e_tok = curl_easy_escape(easy, token, 0);
    struct fio_buf u;
    fio_buf_init(&u, 0);
    if (!e_ws || !e_node || !e_tok || !fio_buf_append_str(&u, ctx->api_base) ||
        !fio_buf_append_str(&u, "/workspace/") || !fio_buf_append_str(&u, e_ws) ||
        !fio_buf_append_str(&u, "/storage/") || !fio_buf_append_str(&u, e_node) ||
        !fio_buf_append_str(&u, "/read/?token=") || !fio_buf_append_str(&u, e_tok)) {
        fio_buf_release(&u);
        cli_errorf(ctx, "out of memory");
        goto done;
    }
    url = u.data;

    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0)
        fd = openat(dfd, partial, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        cli_errorf(ctx, "cannot write in '%s': %s", dir, strerror(errno));
        partial[0] = '\0';
        goto done;
    }
    struct sink s = {.fd = fd};
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "fastio-c-cli/" FASTIO_VERSION);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FAILONERROR, 1L);
    CURLcode cc = curl_easy_perform(easy);
    long http = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http);
    double clen = -1;
    curl_off_t cl = -1;
    if (curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK)
        clen = (double)cl;
    if (cc != CURLE_OK || s.io_error || http != 200 || (clen >= 0 && (uint64_t)cl != s.bytes)) {
        cli_errorf(ctx, "download of version %s failed: %s (HTTP %ld)", version,
                   s.io_error ? strerror(errno) : curl_easy_strerror(cc), http);
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        cli_errorf(ctx, "cannot write '%s': %s", local, strerror(errno));
        goto done;
    }
    fd = -1;
    if (renameat(dfd, partial, dfd, local) != 0) {
        cli_errorf(ctx, "cannot rename into '%s': %s", local, strerror(errno));
        goto done;
    }
    partial[0] = '\0';
    char path[PATH_MAX + 300];
    snprintf(path, sizeof(path), "%s/%s", dir, local);
    files = json_pack("[{s:s, s:s, s:s, s:I, s:s}]", "node_id", node, "version_id", version, "path",
                      path, "size", (json_int_t)s.bytes, "status", "stored");
    if (!files) {
        cli_errorf(ctx, "out of memory");
        goto done;
    }
    rc = report(ctx, files, 1, 0, false, s.bytes, 0);
done:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0) {
        if (partial[0])
            unlinkat(dfd, partial, 0);
        close(dfd);
    }
    curl_free(e_ws);
    curl_free(e_node);
    curl_free(e_tok);
    if (easy)
        curl_easy_cleanup(easy);
    free(url);
    json_decref(resp);
    json_decref(details);
    json_decref(files);
    return rc;
}

/* ---- commands -------------------------------------------------------------------------------- */

static int download_file(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    char dir[PATH_MAX];
    const char *name;
    if (split_output(ctx, cli_arg(args, "output"), dir, sizeof(dir), &name) != CLI_OK)
        return CLI_ERR;
    const char *ws = cli_arg(args, "workspace"), *node = cli_arg(args, "NODE");
    const char *version = cli_arg(args, "version");
    if (version)
        return version_download(ctx, ws, node, version, dir, name);
    return engine_download(ctx, ws, &node, 1, dir, name);
}

static int download_batch(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    const char *dir = cli_arg(args, "output");
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_errorf(ctx, "-o '%s': not an existing directory", dir);
        return CLI_ERR;
    }
    return engine_download(ctx, cli_arg(args, "workspace"), args->rest, args->n_rest, dir, NULL);
}

/* clang-format off */
static const struct cli_opt file_opts[] = {
    {.name = "workspace", .kind = OPT_VALUE, .required = true, .metavar = "WS",
     .help = "Workspace id or folder_name."},
    {.name = "NODE", .kind = OPT_POS, .help = "File node id."},
    {.name = "output", .short_name = 'o', .kind = OPT_VALUE, .metavar = "PATH",
     .help = "Where to write: an existing directory (the file keeps its name there) or a\n"
             "file path in an existing directory. Default: the current directory. The\n"
             "name is always reduced to one safe component, so nothing is written\n"
             "outside the directory."},
    {.name = "version", .kind = OPT_VALUE, .metavar = "VERSION_ID",
     .help = "Fetch this version (see 'files versions') instead of the current one. Sent\n"
             "as one stream, not resumable."},
    {0},
};

static const struct cli_opt batch_opts[] = {
    {.name = "workspace", .kind = OPT_VALUE, .required = true, .metavar = "WS",
     .help = "Workspace id or folder_name."},
    {.name = "NODE", .kind = OPT_REST, .help = "File node ids (any number)."},
    {.name = "output", .short_name = 'o', .kind = OPT_VALUE, .def = ".", .metavar = "DIR",
     .help = "Existing directory to write into (default: the current directory)."},
    {0},
};

const struct cli_opt cli_versions_opts[] = {
    {.name = "workspace", .kind = OPT_VALUE, .required = true, .path = 1, .metavar = "WS",
     .help = "Workspace id or folder_name."},
    {.name = "NODE", .kind = OPT_POS, .path = 2, .help = "File node id."},
    {0},
};

const struct cli_opt cli_version_restore_opts[] = {
    {.name = "workspace", .kind = OPT_VALUE, .required = true, .path = 1, .metavar = "WS",
     .help = "Workspace id or folder_name."},
    {.name = "NODE", .kind = OPT_POS, .path = 2, .help = "File node id."},
    {.name = "VERSION_ID", .kind = OPT_POS, .param = "version_id",
     .help = "The version to restore (an id from 'files versions')."},
    {0},
};

const struct cli_cmd cli_download_cmds[] = {
    {
        .name = "file",
        .endpoint = FASTIO_EP_STORAGE_READ,
        .opts = file_opts,
        .run = download_file,
        .summary = "Download a file (parallel ranges, resumable, verified)",
        .description =
            "Downloads a file node. Large files are fetched as parallel HTTP ranges over\n"
            "reused connections when the server supports them. Bytes go into\n"
            "'<name>.partial' beside the target; after the size and CRC-32C (or SHA-256)\n"
            "check it is renamed into place, so a complete name is never a partial file. An\n"
            "interrupted download resumes from its .partial file when the command is run\n"
            "again. A progress bar is drawn on stderr on a terminal (-q hides it).",
        .examples = "fastio download file --workspace team 2abc...\n"
                    "fastio download file --workspace team 2abc... -o /tmp/report.pdf\n"
                    "fastio download file --workspace team 2abc... --version 2ver... -o old.pdf",
    },
    {
        .name = "batch",
        .endpoint = FASTIO_EP_STORAGE_READ,
        .opts = batch_opts,
        .run = download_batch,
        .summary = "Download many files into a directory",
        .description =
            "Downloads several file nodes at once (one transfer engine run, several files in\n"
            "parallel) into DIR, each under its own name. Exit status 1 when any failed; the\n"
            "result lists each node with its local path, size and status.",
        .examples = "fastio download batch --workspace team 2abc... 2def... -o ./out",
    },
    {0},
};
/* clang-format on */
