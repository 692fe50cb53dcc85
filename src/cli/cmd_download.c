/* cmd_download.c - the "download" group through the transfer engine (files, batches, one
 * version of a file, a folder's zip: .partial files inside the destination directory, renamed
 * into place when complete; files ranged, resumable, size and CRC-32C checked) and the
 * "files versions" / "files version-restore" rows. */
#include "cmd_transfer.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
                  uint64_t bytes, uint64_t sent, double secs)
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
    if (ctx->format != CLI_FMT_JSON && ok_n > 0)
        cli_transfer_note(ctx, "downloaded", ok_n, bytes, sent, secs);
    if (cancelled)
        cli_errorf(ctx, "interrupted; run the same command again to resume");
    return fail_n == 0 && !cancelled ? CLI_OK : CLI_ERR;
}

/* Download nodes into dir through the engine; name, version and zip apply to a single node. */
static int engine_download(struct cli_ctx *ctx, const char *ws, const char *const *nodes, size_t n,
                           const char *dir, const char *name, const char *version, bool zip)
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
        struct fastio_download_spec spec = {.workspace = ws,
                                            .node = nodes[i],
                                            .dest_dir = dir,
                                            .name = name,
                                            .version_id = version,
                                            .zip = zip};
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
        if (o && version && json_object_set_new(o, "version_id", json_string(version)) != 0) {
            json_decref(o);
            o = NULL;
        }
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
    rc = report(ctx, files, ok_n, fail_n, st == FASTIO_CANCELLED, bytes, cli_progress_sent(prog),
                secs);
done:
    free(jobs);
    fastio_transfer_free(t);
    cli_progress_free(prog);
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
    return engine_download(ctx, ws, &node, 1, dir, name, cli_arg(args, "version"), false);
}

static int download_folder(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    char dir[PATH_MAX];
    const char *name;
    if (split_output(ctx, cli_arg(args, "output"), dir, sizeof(dir), &name) != CLI_OK)
        return CLI_ERR;
    const char *node = cli_arg(args, "NODE");
    return engine_download(ctx, cli_arg(args, "workspace"), &node, 1, dir, name, NULL, true);
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
    return engine_download(ctx, cli_arg(args, "workspace"), args->rest, args->n_rest, dir, NULL,
                           NULL, false);
}

/* clang-format off */
#define WS_FLAG                                                                                    \
    {.name = "workspace", .kind = OPT_VALUE, .required = true, .path = 1, .metavar = "WS"}

static const struct cli_opt file_opts[] = {
    WS_FLAG,
    {.name = "NODE", .kind = OPT_POS, .path = 2},
    {.name = "output", .short_name = 'o', .kind = OPT_VALUE, .cli_only = true, .metavar = "PATH",
     .help = "Where to write: an existing directory (the file keeps its name there) or a\n"
             "file path in an existing directory. Default: the current directory. The\n"
             "name is always reduced to one safe component, so nothing is written\n"
             "outside the directory."},
    {.name = "version", .kind = OPT_VALUE, .param = "version_id", .metavar = "VERSION_ID",
     .help = "An id from 'files versions'; fetched the same way (ranges, resume, checked\n"
             "against the version's size and CRC-32C)."},
    {0},
};

static const struct cli_opt folder_opts[] = {
    WS_FLAG,
    {.name = "NODE", .kind = OPT_POS, .path = 2},
    {.name = "output", .short_name = 'o', .kind = OPT_VALUE, .cli_only = true, .metavar = "PATH",
     .help = "Where to write the zip: an existing directory (the file is named\n"
             "'<folder name>.zip' there) or a file path in an existing directory.\n"
             "Default: the current directory."},
    {0},
};

static const struct cli_opt batch_opts[] = {
    WS_FLAG,
    {.name = "NODE", .kind = OPT_REST, .path = 2, .help = "Any number of file node ids."},
    {.name = "output", .short_name = 'o', .kind = OPT_VALUE, .cli_only = true, .def = ".",
     .metavar = "DIR", .help = "Existing directory to write into."},
    {0},
};

const struct cli_opt cli_versions_opts[] = {WS_FLAG, {.name = "NODE", .kind = OPT_POS, .path = 2},
                                            {0}};

const struct cli_opt cli_version_restore_opts[] = {
    WS_FLAG,
    {.name = "NODE", .kind = OPT_POS, .path = 2},
    {.name = "VERSION_ID", .kind = OPT_POS, .param = "version_id",
     .help = "An id from 'files versions'."},
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
        .name = "folder",
        .endpoint = FASTIO_EP_STORAGE_ZIP,
        .opts = folder_opts,
        .run = download_folder,
        .summary = "Download a folder as one zip file",
        .description =
            "Streams the server's zip of a folder (all its files, in their tree) into\n"
            "'<name>.partial' beside the target, renamed into place when the stream is\n"
            "complete, so a complete name is never a partial file. A zip has no ranges: an\n"
            "interrupted download starts over when run again.",
        .examples = "fastio download folder --workspace team 2fold...\n"
                    "fastio download folder --workspace team root -o /tmp/everything.zip",
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
