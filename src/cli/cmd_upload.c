/* SPDX-License-Identifier: MIT */
/* cmd_upload.c - the "upload" group: files (one or many, optionally a directory tree) through one
 * run of the transfer engine (fastio/transfer.h: concurrent, resumable, CRC-32C verified),
 * streams from a pipe or stdin, text, and the upload-session commands (status, cancel, list,
 * cancel-all, limits), which are plain rows run by run.c. */
#include "cmd_transfer.h"
#include "cmd_webimport.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "name.h"

#define TREE_DEPTH_MAX 64       /* directory nesting followed by --preserve-tree */
#define FILES_MAX 1000000       /* files of one command */
#define MAX_SIZE_LIMIT (1ULL << 50)

struct up_entry {
    char *path;    /* as given or as found in the tree */
    char *rel_dir; /* folder path under --folder ("" = --folder itself); --preserve-tree only */
    const char *folder_id; /* borrowed from the folder map or the args */
    uint64_t size;
    char *local_err; /* set when the file cannot be uploaded (not queued) */
    char *unchanged; /* node id of the same content already in the folder (not queued) */
    size_t job;
    bool queued;
};

struct up_list {
    struct up_entry *v;
    size_t n, cap;
};

static void list_free(struct up_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].rel_dir);
        free(l->v[i].local_err);
        free(l->v[i].unchanged);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Append an entry (strings copied). false on OOM or when FILES_MAX is reached. */
static bool list_add(struct up_list *l, const char *path, const char *rel_dir, uint64_t size,
                     const char *local_err)
{
    struct up_entry *v = l->n < FILES_MAX ? cli_grow(l->v, &l->cap, l->n, sizeof(*v)) : NULL;
    if (!v)
        return false;
    l->v = v;
    struct up_entry *e = &l->v[l->n];
    memset(e, 0, sizeof(*e));
    e->path = fio_strdup(path);
    e->rel_dir = fio_strdup(rel_dir ? rel_dir : "");
    e->local_err = local_err ? fio_strdup(local_err) : NULL;
    e->size = size;
    if (!e->path || !e->rel_dir || (local_err && !e->local_err)) {
        free(e->path);
        free(e->rel_dir);
        free(e->local_err);
        return false;
    }
    l->n++;
    return true;
}

/* The part of abs (a realpath) under root (a realpath): "" for root itself, NULL when outside. */
static const char *under_root(const char *root, const char *abs)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0)
        return abs + 1;
    if (strncmp(root, abs, n) != 0)
        return NULL;
    if (abs[n] == '\0')
        return abs + n;
    return abs[n] == '/' ? abs + n + 1 : NULL;
}

static char *join(const char *a, const char *b)
{
    struct fio_buf buf;
    fio_buf_init(&buf, 0);
    if (!fio_buf_append_str(&buf, a) || (a[0] && !fio_buf_append_str(&buf, "/")) ||
        !fio_buf_append_str(&buf, b)) {
        fio_buf_release(&buf);
        return NULL;
    }
    return buf.data;
}

/* Walk a directory for --preserve-tree: regular files are added with rel (their folder
 * relative to the tree root); symlinks and special files are skipped with a note. */
static int walk(struct cli_ctx *ctx, struct up_list *l, const char *dir, const char *rel, int depth)
{
    if (depth > TREE_DEPTH_MAX) {
        cli_errorf(ctx, "'%s': more than %d levels of directories", dir, TREE_DEPTH_MAX);
        return CLI_ERR;
    }
    DIR *d = opendir(dir);
    if (!d)
        return list_add(l, dir, rel, 0, strerror(errno)) ? CLI_OK : CLI_ERR;
    int rc = CLI_OK;
    for (struct dirent *de; rc == CLI_OK && (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *p = join(dir, de->d_name);
        if (!p) {
            rc = CLI_ERR;
            break;
        }
        struct stat st;
        if (lstat(p, &st) != 0) {
            if (!list_add(l, p, rel, 0, strerror(errno)))
                rc = CLI_ERR;
        } else if (S_ISDIR(st.st_mode)) {
            char *r = join(rel, de->d_name);
            if (!r)
                rc = CLI_ERR;
            else
                rc = walk(ctx, l, p, r, depth + 1);
            free(r);
        } else if (S_ISREG(st.st_mode)) {
            if (!list_add(l, p, rel, (uint64_t)st.st_size, NULL))
                rc = CLI_ERR;
        } else {
            cli_note(ctx, "skipping '%s': not a regular file", p);
        }
        free(p);
    }
    closedir(d);
    return rc;
}

/* Turn the command line into entries. Local problems become entries with local_err. */
static int collect(struct cli_ctx *ctx, const struct cli_args *args, const char *tree,
                   struct up_list *l)
{
    char root[PATH_MAX] = "";
    if (tree && !realpath(tree, root)) {
        cli_errorf(ctx, "--preserve-tree '%s': %s", tree, strerror(errno));
        return CLI_ERR;
    }
    for (size_t i = 0; i < args->n_rest; i++) {
        const char *path = args->rest[i];
        struct stat st;
        bool ok = true;
        if (stat(path, &st) != 0) {
            ok = list_add(l, path, "", 0, strerror(errno));
        } else if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
            ok = list_add(l, path, "", 0, "not a regular file");
        } else if (!tree) {
            ok = S_ISDIR(st.st_mode)
                     ? list_add(l, path, "", 0,
                                "is a directory (use --preserve-tree DIR to upload a tree)")
                     : list_add(l, path, "", (uint64_t)st.st_size, NULL);
        } else {
            char abs[PATH_MAX];
            const char *rel = realpath(path, abs) ? under_root(root, abs) : NULL;
            if (!rel) {
                ok = list_add(l, path, "", 0, "not inside the --preserve-tree directory");
            } else if (S_ISDIR(st.st_mode)) {
                if (walk(ctx, l, path, rel, 0) != CLI_OK)
                    return CLI_ERR;
            } else {
                /* the folder of the file, relative to the tree root */
                char *r = fio_strdup(rel);
                if (!r)
                    return CLI_ERR;
                char *slash = strrchr(r, '/');
                if (slash)
                    *slash = '\0';
                else
                    r[0] = '\0';
                ok = list_add(l, path, r, (uint64_t)st.st_size, NULL);
                free(r);
            }
        }
        if (!ok) {
            cli_errorf(ctx, "out of memory or more than %d files", FILES_MAX);
            return CLI_ERR;
        }
    }
    return CLI_OK;
}

/* Create (or find) the folder rel under base, one component at a time, caching ids in map
 * ({"a": id, "a/b": id}). Returns the folder id (borrowed from map) or NULL (printed). */
static const char *ensure_folder(struct cli_ctx *ctx, const char *ws, const char *base,
                                 const char *rel, json_t *map)
{
    if (!rel[0])
        return base;
    const char *have = json_string_value(json_object_get(map, rel));
    if (have)
        return have;
    char *parent_rel = fio_strdup(rel);
    if (!parent_rel) {
        cli_errorf(ctx, "out of memory");
        return NULL;
    }
    char *slash = strrchr(parent_rel, '/');
    const char *leaf = slash ? rel + (slash - parent_rel) + 1 : rel;
    if (slash)
        *slash = '\0';
    else
        parent_rel[0] = '\0';
    const char *parent = ensure_folder(ctx, ws, base, parent_rel, map);
    free(parent_rel);
    if (!parent)
        return NULL;
    json_t *node = NULL;
    struct fastio_error err;
    fastio_error_clear(&err);
    if (fastio_storage_create_folder(ctx->client, ws, parent, leaf, false, &node, &err) !=
        FASTIO_OK) {
        cli_errorf(ctx, "cannot create folder '%s': %s", rel, err.message);
        return NULL;
    }
    const char *id = json_string_value(json_object_get(node, "id"));
    if (!id || json_object_set_new(map, rel, json_string(id)) != 0) {
        json_decref(node);
        cli_errorf(ctx, "cannot create folder '%s': no id in the answer", rel);
        return NULL;
    }
    json_decref(node);
    return json_string_value(json_object_get(map, rel));
}

/* $XDG_STATE_HOME/fastio-c/uploads (else ~/.local/state/...), created 0700. false when there
 * is no home (then uploads do not resume). */
bool cli_upload_journal_dir(char *out, size_t size)
{
    const char *x = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char base[PATH_MAX];
    int n;
    if (x && x[0] == '/')
        n = snprintf(base, sizeof(base), "%s", x);
    else if (home && home[0] == '/')
        n = snprintf(base, sizeof(base), "%s/.local/state", home);
    else
        return false;
    if (n < 0 || (size_t)n >= sizeof(base))
        return false;
    n = snprintf(out, size, "%s/fastio-c/uploads", base);
    if (n < 0 || (size_t)n >= size)
        return false;
    /* mkdir -p with 0700, bounded by the path length */
    for (char *p = out + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int r = mkdir(out, 0700);
        *p = '/';
        if (r != 0 && errno != EEXIST)
            return false;
    }
    return mkdir(out, 0700) == 0 || errno == EEXIST;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !s[0])
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (max - (uint64_t)(*p - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return true;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

/* ---- upload file ----------------------------------------------------------------------------- */

static int upload_file(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    const char *ws = cli_arg(args, "workspace");
    const char *folder = cli_arg(args, "folder");
    const char *tree = cli_arg(args, "preserve-tree");
    bool allow = cli_arg_given(args, "allow-partial");
    uint64_t par = 4;
    if (cli_arg(args, "parallel") && (!parse_u64(cli_arg(args, "parallel"), 64, &par) || !par))
        return cli_usage(ctx, "--parallel must be 1..64");

    if (args->n_rest == 0) {
        if (!tree || !args->rest)
            return cli_usage(ctx, "missing argument <PATH>... (or --preserve-tree DIR)");
        args->rest[0] = tree; /* "upload file --preserve-tree DIR": the whole tree (the parser
                                 leaves room for at least one value) */
        args->n_rest = 1;
    }
    struct up_list l = {0};
    json_t *folders = json_object(), *files = json_array();
    struct cli_progress *prog = NULL;
    struct fastio_transfer *t = NULL;
    int rc = CLI_ERR;
    if (!folders || !files) {
        cli_errorf(ctx, "out of memory");
        goto done;
    }
    if (collect(ctx, args, tree, &l) != CLI_OK)
        goto done;
    size_t bad = 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].local_err) {
            cli_errorf(ctx, "cannot upload '%s': %s", l.v[i].path, l.v[i].local_err);
            bad++;
        }
    if (bad && !allow) {
        cli_errorf(ctx, "nothing was uploaded (%zu of %zu paths failed; --allow-partial uploads "
                        "the rest)",
                   bad, l.n);
        goto done;
    }
    if (l.n == 0) {
        cli_errorf(ctx, "no files to upload");
        goto done;
    }
    rc = cli_connect(ctx, cmd->endpoint, true);
    if (rc != CLI_OK)
        goto done;
    rc = CLI_ERR;
    for (size_t i = 0; i < l.n; i++) {
        if (l.v[i].local_err)
            continue;
        l.v[i].folder_id = ensure_folder(ctx, ws, folder, l.v[i].rel_dir, folders);
        if (!l.v[i].folder_id)
            goto done;
    }
    /* A file whose name, size and checksum are already in its folder is not sent again
     * (issue 16 item 3); --force stores a new version anyway. */
    for (size_t i = 0; i < l.n && !cli_arg_given(args, "force"); i++) {
        struct up_entry *e = &l.v[i];
        if (e->local_err)
            continue;
        json_t *nodes = cli_list_folder(ctx, ws, e->folder_id);
        if (!nodes)
            goto done;
        json_t *same = cli_find_file(nodes, base_name(e->path));
        const char *id = json_string_value(json_object_get(same, "id"));
        if (same && id && cli_same_content(e->path, e->size, same) &&
            !(e->unchanged = fio_strdup(id))) {
            cli_errorf(ctx, "out of memory");
            goto done;
        }
    }

    char jdir[PATH_MAX];
    bool have_journal = cli_upload_journal_dir(jdir, sizeof(jdir));
    prog = cli_progress_new(ctx, "Uploading", l.n);
    t = cli_transfer_engine(ctx, (unsigned)par, have_journal ? jdir : NULL, prog);
    if (!t)
        goto done;
    for (size_t i = 0; i < l.n; i++) {
        struct up_entry *e = &l.v[i];
        if (e->local_err || e->unchanged)
            continue;
        struct fastio_upload_spec spec = {.path = e->path,
                                          .fd = -1,
                                          .workspace = ws,
                                          .folder = e->folder_id};
        struct fastio_error err;
        if (fastio_transfer_add_upload(t, &spec, &e->job, &err) != FASTIO_OK) {
            cli_print_api_error(ctx, &err);
            goto done;
        }
        e->queued = true;
        cli_progress_label(prog, e->job, e->path);
    }
    struct fastio_error err;
    fastio_error_clear(&err);
    struct cli_transfer_outcome out = {.cancelled = cli_transfer_run(t, &err) == FASTIO_CANCELLED,
                                       .allow_partial = allow};
    out.secs = cli_progress_end(prog);
    for (size_t i = 0; i < l.n; i++) {
        struct up_entry *e = &l.v[i];
        json_t *o = json_pack("{s:s, s:s, s:s}", "path", e->path, "name", base_name(e->path),
                              "folder_id", e->folder_id ? e->folder_id : "");
        if (!o || json_array_append_new(files, o) != 0) {
            cli_errorf(ctx, "out of memory");
            goto done;
        }
        bool good = false;
        if (e->unchanged) {
            good = true;
            json_object_set_new(o, "node_id", json_string(e->unchanged));
            json_object_set_new(o, "size", json_integer((json_int_t)e->size));
            json_object_set_new(o, "unchanged", json_true());
        } else if (e->local_err) {
            struct fastio_error le;
            fastio_error_clear(&le);
            le.status = FASTIO_IO;
            snprintf(le.message, sizeof(le.message), "%s", e->local_err);
            json_object_set_new(o, "error", cli_error_json(&le));
            out.fail_n++;
        } else {
            char *node;
            struct fastio_error je;
            struct fastio_transfer_job_info ji;
            enum fastio_status js = cli_transfer_job(t, e->job, &node, &je, &ji);
            if (js == FASTIO_OK) {
                good = true;
                json_object_set_new(o, "node_id", node ? json_string(node) : json_null());
                /* stored by the earlier run that was cut short: not sent again */
                if (ji.skipped)
                    json_object_set_new(o, "skipped", json_true());
                json_object_set_new(o, "size", json_integer((json_int_t)e->size));
                out.bytes += e->size;
            } else {
                cli_transfer_job_failed(ctx, o, js, &je, &out);
            }
            fastio_free(node);
        }
        json_object_set_new(o, "status",
                            json_string(e->unchanged ? "unchanged" : good ? "stored" : "failed"));
        if (!tree)
            json_object_del(o, "folder_id");
        if (good)
            out.ok_n++;
    }
    out.sent = cli_progress_sent(prog);
    rc = cli_transfer_report(ctx, files, "uploaded", &out);
done:
    fastio_transfer_free(t);
    cli_progress_free(prog);
    list_free(&l);
    json_decref(folders);
    json_decref(files);
    return rc;
}

/* ---- upload stream / text: one job from a file descriptor ------------------------------------ */

static int upload_fd(struct cli_ctx *ctx, const struct cli_cmd *cmd, int fd, const char *label,
                     const char *name, const char *ws, const char *folder, uint64_t max_size)
{
    int rc = cli_connect(ctx, cmd->endpoint, true);
    if (rc != CLI_OK)
        return rc;
    rc = CLI_ERR;
    json_t *files = json_array();
    struct cli_progress *prog = cli_progress_new(ctx, "Uploading", 1);
    struct fastio_transfer *t = files ? cli_transfer_engine(ctx, 1, NULL, prog) : NULL;
    if (!t)
        goto done;
    struct fastio_upload_spec spec = {
        .fd = fd, .name = name, .workspace = ws, .folder = folder, .max_size = max_size};
    size_t job;
    struct fastio_error err;
    fastio_error_clear(&err);
    if (fastio_transfer_add_upload(t, &spec, &job, &err) != FASTIO_OK) {
        cli_print_api_error(ctx, &err);
        goto done;
    }
    cli_progress_label(prog, job, label);
    struct cli_transfer_outcome out = {.cancelled = cli_transfer_run(t, &err) == FASTIO_CANCELLED};
    out.secs = cli_progress_end(prog);
    char *node;
    struct fastio_error je;
    struct fastio_transfer_job_info ji;
    enum fastio_status js = cli_transfer_job(t, job, &node, &je, &ji);
    json_t *o = json_pack("{s:s, s:s, s:s}", "path", label, "name", name, "status",
                          js == FASTIO_OK ? "stored" : "failed");
    if (!o || json_array_append_new(files, o) != 0) {
        fastio_free(node);
        cli_errorf(ctx, "out of memory");
        goto done;
    }
    if (js == FASTIO_OK) {
        /* a stream's size is known to the server only: ask it */
        json_t *d = NULL;
        struct fastio_error de;
        if (node && fastio_storage_details(ctx->client, ws, node, &d, &de) == FASTIO_OK &&
            json_is_integer(json_object_get(d, "size")))
            ji.bytes_done = (uint64_t)json_integer_value(json_object_get(d, "size"));
        json_decref(d);
        json_object_set_new(o, "node_id", node ? json_string(node) : json_null());
        json_object_set_new(o, "size", json_integer((json_int_t)ji.bytes_done));
        out.ok_n = 1;
        out.bytes = ji.bytes_done;
    } else {
        cli_transfer_job_failed(ctx, o, js, &je, &out);
    }
    fastio_free(node);
    out.sent = cli_progress_sent(prog);
    rc = cli_transfer_report(ctx, files, "uploaded", &out);
done:
    fastio_transfer_free(t);
    cli_progress_free(prog);
    json_decref(files);
    return rc;
}

static int upload_stream(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    const char *src = cli_arg(args, "SOURCE");
    const char *name = cli_arg(args, "name");
    uint64_t max_size = 0;
    if (cli_arg(args, "max-size") &&
        (!parse_u64(cli_arg(args, "max-size"), MAX_SIZE_LIMIT, &max_size) || max_size == 0))
        return cli_usage(ctx, "--max-size must be a positive number of bytes");
    bool is_stdin = strcmp(src, "-") == 0;
    if (is_stdin && !name)
        return cli_usage(ctx, "reading standard input needs --name");
    if (!name)
        name = base_name(src);
    enum fio_name_check nc = fio_name_check(name, strlen(name));
    if (nc != FIO_NAME_OK)
        return cli_usage(ctx, "'%s' is not a valid file name: %s", name, fio_name_check_str(nc));
    int fd = is_stdin ? STDIN_FILENO : open(src, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_errorf(ctx, "cannot read '%s': %s", src, strerror(errno));
        return CLI_ERR;
    }
    int rc = upload_fd(ctx, cmd, fd, is_stdin ? "(stdin)" : src, name, cli_arg(args, "workspace"),
                       cli_arg(args, "folder"), max_size);
    if (!is_stdin)
        close(fd);
    return rc;
}

static int upload_text(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    const char *content = cli_arg(args, "CONTENT");
    FILE *f = tmpfile(); /* unnamed: gone when closed */
    if (!f) {
        cli_errorf(ctx, "cannot create a temporary file: %s", strerror(errno));
        return CLI_ERR;
    }
    size_t n = strlen(content);
    if ((n && fwrite(content, 1, n, f) != n) || fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0) {
        cli_errorf(ctx, "cannot write a temporary file: %s", strerror(errno));
        fclose(f);
        return CLI_ERR;
    }
    int rc = upload_fd(ctx, cmd, fileno(f), "(text)", cli_arg(args, "name"),
                       cli_arg(args, "workspace"), cli_arg(args, "folder"), 0);
    fclose(f);
    return rc;
}

/* ---- rows ------------------------------------------------------------------------------------ */
/* clang-format off */

/* Upload options are parameters of UPLOAD_CREATE; the transfer engine sends them. */
#define UP_WS {.name = "workspace", .kind = OPT_VALUE, .required = true, .param = "instance_id",   \
               .metavar = "WS"}
#define UP_FOLDER {.name = "folder", .kind = OPT_VALUE, .param = "folder_id", .def = "root",       \
                   .metavar = "FOLDER",                                                            \
                   .help = "An id, \"root\" or a path such as /reports/2026."},                      \
    {.name = "parents", .kind = OPT_BOOL, .cli_only = true,                                       \
     .help = "Create the folders of a --folder path that do not exist yet (like mkdir -p)."}

static const struct cli_opt file_opts[] = {
    UP_WS,
    {.name = "PATH", .kind = OPT_REST, .cli_only = true, .optional = true,
     .help = "Local files to upload (any number; directories with --preserve-tree).\n"
             "With --preserve-tree DIR and no PATH, DIR itself is uploaded."},
    UP_FOLDER,
    {.name = "preserve-tree", .kind = OPT_VALUE, .cli_only = true, .metavar = "DIR",
     .help = "Recreate the paths below DIR as folders under --folder. Every PATH must be\n"
             "inside DIR; a PATH that is a directory is uploaded with everything in it\n"
             "(symlinks and special files are skipped)."},
    {.name = "allow-partial", .kind = OPT_BOOL, .cli_only = true,
     .help = "Exit 0 when at least one file was stored, even if others failed (they are\n"
             "still reported). Without it any failure makes the exit status 1, and a PATH\n"
             "that cannot be read stops the command before anything is sent."},
    {.name = "parallel", .kind = OPT_VALUE, .cli_only = true, .metavar = "N",
     .help = "Files transferred at once, 1-64 (default 4)."},
    {.name = "force", .kind = OPT_BOOL, .cli_only = true,
     .help = "Send every file, even one whose name, size and checksum (CRC-32C, or MD5)\n"
             "are already in its folder; without it such a file is reported as\n"
             "\"unchanged\" and no new version is made."},
    {0},
};

static const struct cli_opt stream_opts[] = {
    UP_WS,
    {.name = "SOURCE", .kind = OPT_POS, .cli_only = true,
     .help = "A file, pipe or device to read to its end; \"-\" reads standard input."},
    {.name = "name", .kind = OPT_VALUE, .param = "name", .optional = true, .metavar = "NAME",
     .help = "Required for \"-\"; default: the last component of SOURCE."},
    UP_FOLDER,
    {.name = "max-size", .kind = OPT_VALUE, .param = "max_size", .metavar = "BYTES",
     .help = "The upload is refused (and discarded) when the stream grows past it."},
    {0},
};

static const struct cli_opt text_opts[] = {
    UP_WS,
    {.name = "name", .kind = OPT_VALUE, .param = "name", .metavar = "NAME"},
    {.name = "CONTENT", .kind = OPT_POS, .cli_only = true,
     .help = "The text, stored byte for byte."},
    UP_FOLDER,
    {0},
};

static const struct cli_opt session_opts[] = {
    {.name = "UPLOAD_ID", .kind = OPT_POS, .path = 1},
    {0},
};

static const struct cli_opt status_opts[] = {
    {.name = "UPLOAD_ID", .kind = OPT_POS, .path = 1},
    {.name = "wait", .kind = OPT_VALUE, .param = "wait", .metavar = "SECONDS", .help = "A long poll."},
    {0},
};

static const struct cli_opt none_opts[] = {{0}};

const struct cli_cmd cli_upload_cmds[] = {
    {
        .name = "file",
        .endpoint = FASTIO_EP_UPLOAD_CREATE,
        .opts = file_opts,
        .run = upload_file,
        .summary = "Upload local files (many in parallel, resumable)",
        .description =
            "Uploads one or more local files into a workspace folder through one run of the\n"
            "transfer engine: several files at once over reused connections, large files in\n"
            "chunks (size from GET /upload/limits/, up to 3 in flight), files up to 4 MiB in\n"
            "one request. Every chunk carries its CRC-32C and the whole file's CRC-32C is\n"
            "checked by the server; a failed chunk is retried alone.\n\n"
            "Uploads resume: a journal in $XDG_STATE_HOME/fastio-c/uploads (default\n"
            "~/.local/state/...) remembers the session, so running the same command again\n"
            "after an interruption (Ctrl-C, a crash, a lost network) sends only the chunks the\n"
            "server does not have. A source file changed in between is uploaded from scratch.\n\n"
            "A file whose name already exists in the folder becomes a new version of it (see\n"
            "'files versions'). On a terminal a progress bar is drawn on stderr (one line per\n"
            "active file); -q hides it. The result lists each file with its path, node_id,\n"
            "size and status (stored or failed, with the error).",
        .examples = "fastio upload file --workspace team report.pdf\n"
                    "fastio upload file --workspace team *.jpg --folder 2abc...\n"
                    "fastio upload file --workspace team --preserve-tree ./site ./site\n"
                    "fastio upload file --workspace team a.bin b.bin --allow-partial --format json",
    },
    {
        .name = "stream",
        .endpoint = FASTIO_EP_UPLOAD_CREATE,
        .opts = stream_opts,
        .run = upload_stream,
        .summary = "Upload from a pipe or standard input (size unknown)",
        .description =
            "Reads SOURCE to its end and sends it as one stream upload session (api §5.5):\n"
            "the size need not be known in advance. A stream cannot resume (its bytes are\n"
            "gone once read); for regular files prefer 'upload file'.",
        .examples = "tar c photos | fastio upload stream --workspace team - --name photos.tar\n"
                    "fastio upload stream --workspace team /dev/stdin --name log.txt --max-size 1048576",
    },
    {
        .name = "text",
        .endpoint = FASTIO_EP_UPLOAD_CREATE,
        .opts = text_opts,
        .run = upload_text,
        .summary = "Create a file from text given on the command line",
        .description = "Stores CONTENT (exactly, no newline added) as a new file NAME.",
        .examples = "fastio upload text --workspace team --name notes.txt \"call Bob at 3\"",
    },
    {
        .name = "status",
        .endpoint = FASTIO_EP_UPLOAD_DETAILS,
        .opts = status_opts,
        .summary = "Show an upload session",
        .description =
            "Shows an upload session (GET /upload/{id}/details/): status (ready, uploading,\n"
            "assembling, stored or a failure state), size, chunks received, new file id.",
        .examples = "fastio upload status 2upl...\nfastio upload status 2upl... --wait 60",
    },
    {
        .name = "cancel",
        .endpoint = FASTIO_EP_UPLOAD_CANCEL,
        .opts = session_opts,
        .summary = "Cancel an upload session",
        .description = "Cancels an unfinished session and discards its bytes (DELETE /upload/{id}/).",
        .examples = "fastio upload cancel 2upl...",
    },
    {
        .name = "list-sessions",
        .endpoint = FASTIO_EP_UPLOAD_LIST,
        .opts = none_opts,
        .summary = "List your unfinished upload sessions",
        .description = "Lists your upload sessions that are not finished (GET /upload/details/).",
        .examples = "fastio upload list-sessions",
    },
    {
        .name = "cancel-all",
        .endpoint = FASTIO_EP_UPLOAD_CANCEL_ALL,
        .opts = none_opts,
        .summary = "Cancel all your unfinished upload sessions",
        .description = "Cancels every unfinished session of yours (DELETE /upload/).",
        .examples = "fastio upload cancel-all",
    },
    {
        .name = "limits",
        .endpoint = FASTIO_EP_UPLOAD_LIMITS,
        .opts = none_opts,
        .summary = "Show the upload limits",
        .description =
            "Shows the server's upload limits (GET /upload/limits/): largest file, chunk\n"
            "size, chunks per session, and this server's smallest chunk.",
        .examples = "fastio upload limits",
    },
    CLI_WEBIMPORT_ROWS,
    {0},
};
/* clang-format on */
