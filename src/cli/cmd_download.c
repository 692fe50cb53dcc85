/* SPDX-License-Identifier: MIT */
/* cmd_download.c - the "download" group through the transfer engine (files, batches, one
 * version of a file, a folder's zip: .partial files inside the destination directory, renamed
 * into place when complete; files ranged, resumable, size and CRC-32C checked) and the
 * "files versions" / "files version-restore" rows. */
#include "cmd_transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

#define TREE_DEPTH_MAX 64 /* folder nesting followed by a tree download */
#define FILES_MAX 1000000 /* files of one command */

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

/* One file to fetch: node into dir under name (NULL = the node's name, zip: folder.zip). */
struct dl_item {
    const char *node;    /* borrowed */
    char *dir;           /* owned */
    char *name;          /* owned; NULL = the library's choice */
    const char *label;   /* borrowed: shown in progress and results */
    bool skip;           /* --skip-existing: the target exists, not fetched */
    size_t job;
};

struct dl_list {
    struct dl_item *v;
    size_t n, cap;
};

static void dl_free(struct dl_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].dir);
        free(l->v[i].name);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static struct dl_item *dl_add(struct dl_list *l, const char *node, const char *dir,
                              const char *name, const char *label)
{
    struct dl_item *v = l->n < FILES_MAX ? cli_grow(l->v, &l->cap, l->n, sizeof(*v)) : NULL;
    if (!v)
        return NULL;
    l->v = v;
    struct dl_item *it = &l->v[l->n];
    memset(it, 0, sizeof(*it));
    it->node = node;
    it->label = label;
    it->dir = fio_strdup(dir);
    it->name = name ? fio_strdup(name) : NULL;
    if (!it->dir || (name && !it->name)) {
        free(it->dir);
        free(it->name);
        return NULL;
    }
    l->n++;
    return it;
}

/* A server name usable as one local path component as it is: not empty, not "." or "..", no
 * '/', no control characters, at most 255 bytes. Others are refused, not rewritten, so what
 * is checked for existence is what gets written. */
static bool safe_component(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 255 || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
        return false;
    for (const unsigned char *p = (const unsigned char *)n; *p; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

enum clobber { CLOBBER_REFUSE, CLOBBER_OVERWRITE, CLOBBER_SKIP };

static int clobber_mode(struct cli_ctx *ctx, const struct cli_args *args, enum clobber *mode)
{
    bool ow = cli_arg_given(args, "overwrite"), sk = cli_arg_given(args, "skip-existing");
    if (ow && sk)
        return cli_usage(ctx, "give only one of --overwrite and --skip-existing");
    *mode = ow ? CLOBBER_OVERWRITE : sk ? CLOBBER_SKIP : CLOBBER_REFUSE;
    return CLI_OK;
}

/* Apply the policy to items whose local name is known. CLI_OK, or CLI_ERR when a target
 * exists and neither --overwrite nor --skip-existing was given (printed; nothing fetched). */
static int check_existing(struct cli_ctx *ctx, struct dl_list *l, enum clobber mode)
{
    size_t exist = 0;
    for (size_t i = 0; i < l->n; i++) {
        struct dl_item *it = &l->v[i];
        if (!it->name)
            continue;
        char path[PATH_MAX];
        int n = snprintf(path, sizeof(path), "%s/%s", it->dir, it->name);
        struct stat st;
        if (n < 0 || (size_t)n >= sizeof(path) || lstat(path, &st) != 0)
            continue;
        if (mode == CLOBBER_SKIP) {
            it->skip = true;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            cli_errorf(ctx, "'%s' exists and is a directory; choose another -o", path);
            return CLI_ERR;
        }
        if (mode == CLOBBER_OVERWRITE)
            continue;
        if (exist++ < 5)
            cli_errorf(ctx, "'%s' exists", path);
    }
    if (exist) {
        cli_errorf(ctx, "nothing was downloaded: %zu file%s would be overwritten; --overwrite "
                        "replaces %s, --skip-existing keeps %s",
                   exist, exist == 1 ? "" : "s", exist == 1 ? "it" : "them",
                   exist == 1 ? "it" : "them");
        return CLI_ERR;
    }
    return CLI_OK;
}

/* Download the items through one engine run. version and zip apply to every item. */
static int engine_download(struct cli_ctx *ctx, const char *ws, struct dl_list *l,
                           const char *version, bool zip, bool to_stdout)
{
    int rc = cli_connect(ctx, FASTIO_EP_STORAGE_READ, true);
    if (rc != CLI_OK)
        return rc;
    rc = CLI_ERR;
    json_t *files = json_array();
    struct cli_progress *prog = cli_progress_new(ctx, "Downloading", l->n);
    struct fastio_transfer *t = files ? cli_transfer_engine(ctx, 4, NULL, prog) : NULL;
    if (!t)
        goto done;
    for (size_t i = 0; i < l->n; i++) {
        struct dl_item *it = &l->v[i];
        if (it->skip)
            continue;
        struct fastio_download_spec spec = {.workspace = ws,
                                            .node = it->node,
                                            .dest_dir = it->dir,
                                            .name = it->name,
                                            .version_id = version,
                                            .zip = zip};
        struct fastio_error err;
        if (fastio_transfer_add_download(t, &spec, &it->job, &err) != FASTIO_OK) {
            cli_print_api_error(ctx, &err);
            goto done;
        }
        cli_progress_label(prog, it->job, it->label);
    }
    struct fastio_error err;
    fastio_error_clear(&err);
    struct cli_transfer_outcome out = {.cancelled = cli_transfer_run(t, &err) == FASTIO_CANCELLED,
                                       .to_stdout = to_stdout};
    out.secs = cli_progress_end(prog);
    for (size_t i = 0; i < l->n; i++) {
        struct dl_item *it = &l->v[i];
        json_t *o = json_pack("{s:s}", "node_id", it->node);
        if (o && strcmp(it->label, it->node) != 0 &&
            json_object_set_new(o, "name", json_string(it->label)) != 0) {
            json_decref(o);
            o = NULL;
        }
        if (o && version && json_object_set_new(o, "version_id", json_string(version)) != 0) {
            json_decref(o);
            o = NULL;
        }
        if (!o || json_array_append_new(files, o) != 0) {
            cli_errorf(ctx, "out of memory");
            goto done;
        }
        if (it->skip) {
            char path[PATH_MAX];
            snprintf(path, sizeof(path), "%s/%s", it->dir, it->name);
            json_object_set_new(o, "status", json_string("skipped"));
            json_object_set_new(o, "path", json_string(path));
            out.ok_n++;
            continue;
        }
        char *path;
        struct fastio_error je;
        struct fastio_transfer_job_info ji;
        enum fastio_status js = cli_transfer_job(t, it->job, &path, &je, &ji);
        json_object_set_new(o, "status", json_string(js == FASTIO_OK ? "stored" : "failed"));
        if (js == FASTIO_OK) {
            json_object_set_new(o, "path", json_string(path ? path : ""));
            json_object_set_new(o, "size", json_integer((json_int_t)ji.bytes_total));
            out.bytes += ji.bytes_total;
            out.ok_n++;
        } else {
            cli_transfer_job_failed(ctx, o, js, &je, &out);
        }
        fastio_free(path);
    }
    out.sent = cli_progress_sent(prog);
    rc = cli_transfer_report(ctx, files, "downloaded", &out);
done:
    fastio_transfer_free(t);
    cli_progress_free(prog);
    json_decref(files);
    return rc;
}

/* The node's details (OWNED) or NULL (printed). The root folder has none (api §4.2): it is
 * described here as a folder named after the workspace. */
static json_t *node_details(struct cli_ctx *ctx, const char *ws, const char *node)
{
    if (strcmp(node, "root") == 0) {
        json_t *d = json_pack("{s:s, s:s}", "type", "folder", "name",
                              cli_resolve_ws_label(ctx, ws));
        if (!d)
            cli_errorf(ctx, "out of memory");
        return d;
    }
    if (cli_connect(ctx, FASTIO_EP_STORAGE_DETAILS, true) != CLI_OK)
        return NULL;
    json_t *d = NULL;
    struct fastio_error err;
    fastio_error_clear(&err);
    if (fastio_storage_details(ctx->client, ws, node, &d, &err) != FASTIO_OK) {
        cli_print_api_error(ctx, &err);
        json_decref(d);
        return NULL;
    }
    return d;
}

/* Copy a file to stdout. CLI_OK / CLI_ERR (printed). */
static int cat_file(struct cli_ctx *ctx, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        cli_errorf(ctx, "cannot read '%s': %s", path, strerror(errno));
        return CLI_ERR;
    }
    char buf[65536];
    int rc = CLI_OK;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cli_errorf(ctx, "cannot read '%s': %s", path, strerror(errno));
            rc = CLI_ERR;
            break;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                cli_errorf(ctx, "cannot write to standard output: %s", strerror(errno));
                close(fd);
                return CLI_ERR;
            }
            off += w;
        }
    }
    close(fd);
    return rc;
}

/* -o -: fetch into a private temporary directory (ranges, checks as usual), copy the file to
 * stdout, remove it. */
static int download_to_stdout(struct cli_ctx *ctx, const char *ws, const char *node,
                              const char *version)
{
    const char *tmpdir = getenv("TMPDIR");
    char dir[PATH_MAX - 64];
    int n = snprintf(dir, sizeof(dir), "%s/fastio-dl-XXXXXX",
                     tmpdir && tmpdir[0] == '/' ? tmpdir : "/tmp");
    if (n < 0 || (size_t)n >= sizeof(dir) || !mkdtemp(dir)) {
        cli_errorf(ctx, "cannot create a temporary directory: %s", strerror(errno));
        return CLI_ERR;
    }
    struct dl_list l = {0};
    int rc = CLI_ERR;
    if (!dl_add(&l, node, dir, "data", node)) {
        cli_errorf(ctx, "out of memory");
    } else {
        rc = engine_download(ctx, ws, &l, version, false, true);
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/data", dir);
        if (rc == CLI_OK)
            rc = cat_file(ctx, path);
        unlink(path);
        snprintf(path, sizeof(path), "%s/data.partial", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/data.partial.state", dir);
        unlink(path);
    }
    rmdir(dir);
    dl_free(&l);
    return rc;
}

/* ---- folders as directory trees ------------------------------------------------------------- */

/* mkdir that accepts an existing directory (mode 0777: the umask decides, like mkdir(1)). */
static int make_dir(struct cli_ctx *ctx, const char *path)
{
    struct stat st;
    if (mkdir(path, 0777) == 0)
        return CLI_OK;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return CLI_OK;
    cli_errorf(ctx, "cannot create directory '%s': %s", path,
               errno == EEXIST ? "a file of that name exists" : strerror(errno));
    return CLI_ERR;
}

/* Walk the remote folder `folder` into local directory `dir` (created), adding its files. */
static int walk_remote(struct cli_ctx *ctx, const char *ws, const char *folder, const char *dir,
                       int depth, struct dl_list *l, size_t *n_dirs)
{
    if (depth > TREE_DEPTH_MAX) {
        cli_errorf(ctx, "'%s': more than %d levels of folders", dir, TREE_DEPTH_MAX);
        return CLI_ERR;
    }
    if (make_dir(ctx, dir) != CLI_OK)
        return CLI_ERR;
    ++*n_dirs;
    json_t *nodes = cli_list_folder(ctx, ws, folder);
    if (!nodes)
        return CLI_ERR;
    size_t i;
    json_t *nd;
    json_array_foreach(nodes, i, nd)
    {
        const char *id = json_string_value(json_object_get(nd, "id"));
        const char *name = json_string_value(json_object_get(nd, "name"));
        const char *type = json_string_value(json_object_get(nd, "type"));
        if (!id || !name || !type)
            continue;
        if (!safe_component(name)) {
            cli_errorf(ctx, "skipping a node named '%s' in '%s': not usable as a local name", name,
                       dir);
            continue;
        }
        char path[PATH_MAX];
        int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            cli_errorf(ctx, "'%s/%s': path too long", dir, name);
            return CLI_ERR;
        }
        if (strcmp(type, "folder") == 0) {
            if (walk_remote(ctx, ws, id, path, depth + 1, l, n_dirs) != CLI_OK)
                return CLI_ERR;
        } else if (strcmp(type, "file") == 0) {
            if (!dl_add(l, id, dir, name, name)) {
                cli_errorf(ctx, "out of memory or more than %d files", FILES_MAX);
                return CLI_ERR;
            }
        }
    }
    return CLI_OK;
}

/* The folder (id) into a local tree: -o DIR is the folder (created when missing, filled when
 * it exists, so a second run finds the same files); default ./<folder name>. */
static int download_tree(struct cli_ctx *ctx, const struct cli_args *args, const char *ws,
                         const char *folder, const char *folder_name)
{
    enum clobber mode = CLOBBER_REFUSE;
    if (clobber_mode(ctx, args, &mode) != CLI_OK)
        return CLI_USAGE;
    const char *out = cli_arg(args, "output");
    if (out && strcmp(out, "-") == 0)
        return cli_usage(ctx, "-o - writes one file; a folder goes to a directory (or --zip)");
    char root[PATH_MAX];
    struct stat st;
    const char *name = folder_name && safe_component(folder_name) ? folder_name : "root";
    int n;
    if (!out || !out[0])
        n = snprintf(root, sizeof(root), "%s", name);
    else if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode))
        return cli_errorf(ctx, "-o '%s' exists and is not a directory", out), CLI_ERR;
    else
        n = snprintf(root, sizeof(root), "%s", out); /* the same place on every run */
    if (n < 0 || (size_t)n >= sizeof(root)) {
        cli_errorf(ctx, "-o '%s': path too long", out ? out : "");
        return CLI_ERR;
    }
    while (n > 1 && root[n - 1] == '/')
        root[--n] = '\0';
    struct dl_list l = {0};
    size_t n_dirs = 0;
    int rc = walk_remote(ctx, ws, folder, root, 0, &l, &n_dirs);
    if (rc == CLI_OK)
        rc = check_existing(ctx, &l, mode);
    if (rc == CLI_OK && l.n == 0) {
        cli_note(ctx, "the folder has no files; created %zu director%s under '%s'", n_dirs,
                 n_dirs == 1 ? "y" : "ies", root);
        json_t *files = json_array();
        struct cli_transfer_outcome none = {0};
        rc = files ? cli_transfer_report(ctx, files, "downloaded", &none) : CLI_ERR;
        json_decref(files);
    } else if (rc == CLI_OK) {
        rc = engine_download(ctx, ws, &l, NULL, false, false);
    }
    dl_free(&l);
    return rc;
}

/* ---- commands -------------------------------------------------------------------------------- */

static int download_file(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    const char *ws = cli_arg(args, "workspace"), *node = cli_arg(args, "NODE");
    const char *out = cli_arg(args, "output"), *version = cli_arg(args, "version");
    enum clobber mode = CLOBBER_REFUSE;
    if (clobber_mode(ctx, args, &mode) != CLI_OK)
        return CLI_USAGE;
    json_t *d = node_details(ctx, ws, node);
    if (!d)
        return CLI_ERR;
    const char *type = json_string_value(json_object_get(d, "type"));
    const char *nname = json_string_value(json_object_get(d, "name"));
    int rc;
    if (type && strcmp(type, "folder") == 0) {
        rc = download_tree(ctx, args, ws, node, nname); /* a folder: its tree */
        json_decref(d);
        return rc;
    }
    if (out && strcmp(out, "-") == 0) {
        json_decref(d);
        return download_to_stdout(ctx, ws, node, version);
    }
    char dir[PATH_MAX];
    const char *name;
    rc = split_output(ctx, out, dir, sizeof(dir), &name);
    if (rc == CLI_OK && !name) {
        name = nname;
        if (!name || !safe_component(name)) {
            cli_errorf(ctx, "the file's name '%s' is not usable as a local name; give -o PATH",
                       name ? name : "");
            rc = CLI_ERR;
        }
    }
    struct dl_list l = {0};
    if (rc == CLI_OK && !dl_add(&l, node, dir, name, name)) {
        cli_errorf(ctx, "out of memory");
        rc = CLI_ERR;
    }
    if (rc == CLI_OK)
        rc = check_existing(ctx, &l, mode);
    if (rc == CLI_OK)
        rc = engine_download(ctx, ws, &l, version, false, false);
    dl_free(&l);
    json_decref(d);
    return rc;
}

static int download_folder(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    const char *ws = cli_arg(args, "workspace"), *node = cli_arg(args, "NODE");
    if (!cli_arg_given(args, "zip")) {
        json_t *d = node_details(ctx, ws, node);
        if (!d)
            return CLI_ERR;
        const char *type = json_string_value(json_object_get(d, "type"));
        int rc;
        if (type && strcmp(type, "folder") != 0)
            rc = cli_usage(ctx, "'%s' is a file; use 'fastio download file'", node);
        else
            rc = download_tree(ctx, args, ws, node,
                               json_string_value(json_object_get(d, "name")));
        json_decref(d);
        return rc;
    }
    enum clobber mode = CLOBBER_REFUSE;
    if (clobber_mode(ctx, args, &mode) != CLI_OK)
        return CLI_USAGE;
    char dir[PATH_MAX];
    const char *name;
    const char *out = cli_arg(args, "output");
    if (out && strcmp(out, "-") == 0)
        return cli_usage(ctx, "-o - is not supported with --zip; give a file name");
    if (split_output(ctx, out, dir, sizeof(dir), &name) != CLI_OK)
        return CLI_ERR;
    /* Into a directory: name the zip here ("<folder name>.zip", the library's choice too), so
     * an existing one is found before anything is fetched. */
    char zname[300];
    if (!name) {
        json_t *d = node_details(ctx, ws, node);
        if (!d)
            return CLI_ERR;
        const char *type = json_string_value(json_object_get(d, "type"));
        const char *fname = json_string_value(json_object_get(d, "name"));
        if (type && strcmp(type, "folder") != 0) {
            json_decref(d);
            return cli_usage(ctx, "'%s' is a file; use 'fastio download file'", node);
        }
        if (fname && strlen(fname) <= 250 && safe_component(fname)) {
            snprintf(zname, sizeof(zname), "%s.zip", fname);
            name = zname;
        }
        json_decref(d);
    }
    struct dl_list l = {0};
    int rc = CLI_OK;
    if (!dl_add(&l, node, dir, name, name ? name : node)) {
        cli_errorf(ctx, "out of memory");
        rc = CLI_ERR;
    }
    if (rc == CLI_OK && name)
        rc = check_existing(ctx, &l, mode);
    if (rc == CLI_OK)
        rc = engine_download(ctx, ws, &l, NULL, true, false);
    dl_free(&l);
    return rc;
}

static int download_batch(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    const char *dir = cli_arg(args, "output");
    const char *ws = cli_arg(args, "workspace");
    enum clobber mode = CLOBBER_REFUSE;
    if (clobber_mode(ctx, args, &mode) != CLI_OK)
        return CLI_USAGE;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_errorf(ctx, "-o '%s': not an existing directory", dir);
        return CLI_ERR;
    }
    int rc = cli_connect(ctx, FASTIO_EP_STORAGE_DETAILS, true);
    if (rc != CLI_OK)
        return rc;
    /* Names for the existence check: one bulk details request per 25 ids. */
    json_t *names = json_object();
    for (size_t off = 0; names && off < args->n_rest; off += 25) {
        size_t n = args->n_rest - off < 25 ? args->n_rest - off : 25;
        json_t *body = NULL;
        struct fastio_error err;
        fastio_error_clear(&err);
        if (fastio_storage_details_bulk(ctx->client, ws, args->rest + off, n, &body, &err) !=
                FASTIO_OK &&
            !body)
            continue; /* the download reports the failure of each id */
        size_t i;
        json_t *nd;
        json_array_foreach(json_object_get(body, "nodes"), i, nd)
        {
            const char *id = json_string_value(json_object_get(nd, "id"));
            const char *nm = json_string_value(json_object_get(nd, "name"));
            if (id && nm && safe_component(nm))
                json_object_set_new(names, id, json_string(nm));
        }
        json_decref(body);
    }
    struct dl_list l = {0};
    rc = names ? CLI_OK : CLI_ERR;
    for (size_t i = 0; rc == CLI_OK && i < args->n_rest; i++) {
        const char *nm = json_string_value(json_object_get(names, args->rest[i]));
        if (!dl_add(&l, args->rest[i], dir, nm, nm ? nm : args->rest[i]))
            rc = CLI_ERR;
    }
    if (rc == CLI_ERR)
        cli_errorf(ctx, "out of memory");
    if (rc == CLI_OK)
        rc = check_existing(ctx, &l, mode);
    if (rc == CLI_OK)
        rc = engine_download(ctx, ws, &l, NULL, false, false);
    dl_free(&l);
    json_decref(names);
    return rc;
}

/* clang-format off */
#define WS_FLAG                                                                                    \
    {.name = "workspace", .kind = OPT_VALUE, .required = true, .path = 1, .metavar = "WS"}

#define CLOBBER_FLAGS                                                                              \
    {.name = "overwrite", .kind = OPT_BOOL, .cli_only = true,                                      \
     .help = "Replace local files that exist (by default the command refuses, exit 1,\n"           \
             "before anything is downloaded)."},                                                   \
    {.name = "skip-existing", .kind = OPT_BOOL, .cli_only = true,                                  \
     .help = "Keep local files that exist and download only the others (reported as\n"            \
             "\"skipped\")."}

static const struct cli_opt file_opts[] = {
    WS_FLAG,
    {.name = "NODE", .kind = OPT_POS, .path = 2},
    {.name = "output", .short_name = 'o', .kind = OPT_VALUE, .cli_only = true, .metavar = "PATH",
     .help = "Where to write: an existing directory (the file keeps its name there), a\n"
             "file path in an existing directory, or - for standard output. Default: the\n"
             "current directory. A name from the server that is not a safe single path\n"
             "component is refused, so nothing is written outside the directory."},
    CLOBBER_FLAGS,
    {.name = "version", .kind = OPT_VALUE, .param = "version_id", .metavar = "VERSION_ID",
     .help = "An id from 'files versions'; fetched the same way (ranges, resume, checked\n"
             "against the version's size and CRC-32C)."},
    {0},
};

static const struct cli_opt folder_opts[] = {
    WS_FLAG,
    {.name = "NODE", .kind = OPT_POS, .path = 2},
    {.name = "output", .short_name = 'o', .kind = OPT_VALUE, .cli_only = true, .metavar = "PATH",
     .help = "The directory that receives the folder's contents (created when missing;\n"
             "its parent must exist). Default: './<folder name>'.\n"
             "With --zip: an existing directory (the zip is named '<folder name>.zip'\n"
             "there) or a file path in an existing directory."},
    {.name = "zip", .kind = OPT_BOOL, .cli_only = true,
     .help = "Fetch the server's zip of the folder as one file instead of a tree."},
    CLOBBER_FLAGS,
    {0},
};

static const struct cli_opt batch_opts[] = {
    WS_FLAG,
    {.name = "NODE", .kind = OPT_REST, .path = 2, .help = "Any number of file node ids."},
    {.name = "output", .short_name = 'o', .kind = OPT_VALUE, .cli_only = true, .def = ".",
     .metavar = "DIR", .help = "Existing directory to write into."},
    CLOBBER_FLAGS,
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
            "again. A progress bar is drawn on stderr on a terminal (-q hides it).\n\n"
            "A local file of the same name is not replaced unless --overwrite is given\n"
            "(--skip-existing keeps it and succeeds). -o - writes the bytes to standard\n"
            "output (fetched and checked first). A folder is downloaded as a tree, as by\n"
            "'download folder'. Files get the mode 0666 less the umask, like cp.",
        .examples = "fastio download file --workspace team 2abc...\n"
                    "fastio download file --workspace team 2abc... -o /tmp/report.pdf\n"
                    "fastio download file --workspace team 2abc... --version 2ver... -o old.pdf\n"
                    "fastio download file --workspace team /reports/q3.csv -o - | head",
    },
    {
        .name = "folder",
        .endpoint = FASTIO_EP_STORAGE_ZIP,
        .opts = folder_opts,
        .run = download_folder,
        .summary = "Download a folder as a directory tree (or one zip)",
        .description =
            "Recreates a folder and everything in it as local directories and files: the\n"
            "folders are listed (every page), the directories created, and all files fetched\n"
            "through one transfer engine run (several in parallel, ranged, resumable,\n"
            "verified). Local files that exist make the command refuse before anything is\n"
            "fetched, unless --overwrite or --skip-existing is given. Nodes whose names\n"
            "cannot be local names ('..', '/') are skipped with an error.\n\n"
            "With --zip the server's zip of the folder is streamed into '<name>.partial'\n"
            "beside the target and renamed into place when complete. A zip has no ranges: an\n"
            "interrupted zip download starts over when run again.",
        .examples = "fastio download folder --workspace team /reports\n"
                    "fastio download folder --workspace team /reports -o ./backup --skip-existing\n"
                    "fastio download folder --workspace team root --zip -o /tmp/everything.zip",
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
