/* SPDX-License-Identifier: MIT */
/* cmd_sync.c - "fastio sync SRC DST": a one-way mirror between a local directory and a workspace
 * folder, in either direction (issue 16 item 3). One side is remote, written WS:/PATH (a
 * workspace id, folder_name or name, a colon, a folder path). Files whose size and checksum
 * (the node's CRC-32C, or MD5 where the server hashes with it) match are skipped; the others
 * go through the transfer engine (resumable uploads with journals, verified downloads);
 * --delete removes what the source does not have; --dry-run only prints the plan. The tree
 * walk and comparison are in sync_plan() so that "upload file --preserve-tree" can skip
 * unchanged files the same way (D-096). */
#include "cmd_transfer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "crc32c.h"
#include "name.h"

#define DEPTH_MAX 64
#define ENTRIES_MAX 1000000
#define PATTERNS_MAX 32

/* ---- filters ------------------------------------------------------------------------------------ */

struct filters {
    char *inc[PATTERNS_MAX], *exc[PATTERNS_MAX];
    size_t n_inc, n_exc;
    char *buf_inc, *buf_exc;
};

static bool split_patterns(char *s, char **out, size_t *n)
{
    char *save = NULL;
    for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n >= PATTERNS_MAX)
            return false;
        out[(*n)++] = tok;
    }
    return true;
}

/* A pattern without '/' matches the last component; with '/', the whole relative path. */
static bool match_one(const char *pat, const char *rel)
{
    if (strchr(pat, '/') == NULL) {
        const char *base = strrchr(rel, '/');
        return fnmatch(pat, base ? base + 1 : rel, 0) == 0;
    }
    return fnmatch(pat, rel, FNM_PATHNAME) == 0;
}

static bool wanted(const struct filters *f, const char *rel)
{
    for (size_t i = 0; i < f->n_exc; i++)
        if (match_one(f->exc[i], rel))
            return false;
    if (f->n_inc == 0)
        return true;
    for (size_t i = 0; i < f->n_inc; i++)
        if (match_one(f->inc[i], rel))
            return true;
    return false;
}

/* ---- the two trees -------------------------------------------------------------------------------
 * Both are JSON objects keyed by the relative path ("a/b.txt"): remote values are the nodes
 * themselves (id, type, size, hash, hash_algo), local values {"size": n, "dir": bool}. */

static bool is_folder(json_t *node)
{
    const char *t = json_string_value(json_object_get(node, "type"));
    return t != NULL && strcmp(t, "folder") == 0;
}

static bool join_rel(char *out, size_t size, const char *dir, const char *name)
{
    int n = dir[0] ? snprintf(out, size, "%s/%s", dir, name) : snprintf(out, size, "%s", name);
    return n > 0 && (size_t)n < size;
}

static int walk_remote(struct cli_ctx *ctx, const char *ws, const char *folder, const char *rel,
                       int depth, json_t *tree)
{
    if (depth > DEPTH_MAX) {
        cli_errorf(ctx, "remote folders nested deeper than %d levels", DEPTH_MAX);
        return CLI_ERR;
    }
    json_t *nodes = cli_list_folder(ctx, ws, folder);
    if (nodes == NULL)
        return CLI_ERR;
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n)
    {
        const char *name = json_string_value(json_object_get(n, "name"));
        const char *id = json_string_value(json_object_get(n, "id"));
        char crel[PATH_MAX];
        if (name == NULL || id == NULL || !join_rel(crel, sizeof(crel), rel, name))
            continue;
        if (json_object_size(tree) >= ENTRIES_MAX) {
            cli_errorf(ctx, "more than %d remote entries", ENTRIES_MAX);
            return CLI_ERR;
        }
        json_object_set(tree, crel, n);
        if (is_folder(n)) {
            char idc[128];
            snprintf(idc, sizeof(idc), "%s", id);
            int rc = walk_remote(ctx, ws, idc, crel, depth + 1, tree);
            if (rc != CLI_OK)
                return rc;
        }
    }
    return CLI_OK;
}

static int walk_local(struct cli_ctx *ctx, const char *root, const char *rel, int depth,
                      json_t *tree)
{
    char path[PATH_MAX];
    if (depth > DEPTH_MAX || !join_rel(path, sizeof(path), root, rel)) {
        cli_errorf(ctx, "local directories nested too deep under %s", root);
        return CLI_ERR;
    }
    if (rel[0] == '\0')
        snprintf(path, sizeof(path), "%s", root);
    DIR *d = opendir(path);
    if (d == NULL) {
        cli_errorf(ctx, "cannot read directory %s: %s", path, strerror(errno));
        return CLI_ERR;
    }
    int rc = CLI_OK;
    struct dirent *e;
    while (rc == CLI_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char crel[PATH_MAX];
        struct stat sb;
        if (!join_rel(crel, sizeof(crel), rel, e->d_name) ||
            fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
            continue; /* symbolic links, devices, sockets: never followed or sent */
        if (json_object_size(tree) >= ENTRIES_MAX) {
            cli_errorf(ctx, "more than %d local entries", ENTRIES_MAX);
            rc = CLI_ERR;
            break;
        }
        json_object_set_new(tree, crel,
                            json_pack("{s:I, s:b}", "size", (json_int_t)sb.st_size, "dir",
                                      S_ISDIR(sb.st_mode)));
        if (S_ISDIR(sb.st_mode))
            rc = walk_local(ctx, root, crel, depth + 1, tree);
    }
    closedir(d);
    return rc;
}

/* Whether the local file at path has the node's content: size first, then the checksum the
 * server gives (crc32c, or md5); a node without a known checksum counts as different. */
bool cli_same_content(const char *path, uint64_t size, json_t *node)
{
    json_t *js = json_object_get(node, "size");
    const char *hash = json_string_value(json_object_get(node, "hash"));
    const char *algo = json_string_value(json_object_get(node, "hash_algo"));
    if (!json_is_integer(js) || (uint64_t)json_integer_value(js) != size || hash == NULL)
        return false;
    bool md5 = algo != NULL && strcasecmp(algo, "md5") == 0;
    if (algo != NULL && !md5 && strcasecmp(algo, "crc32c") != 0)
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    static unsigned char buf[1 << 20];
    uint32_t crc = 0;
    EVP_MD_CTX *mc = md5 ? EVP_MD_CTX_new() : NULL;
    bool ok = !md5 || (mc != NULL && EVP_DigestInit_ex(mc, EVP_md5(), NULL) == 1);
    while (ok) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        if (md5)
            ok = EVP_DigestUpdate(mc, buf, (size_t)n) == 1;
        else
            crc = fio_crc32c(crc, buf, (size_t)n);
    }
    close(fd);
    char hex[33] = "";
    if (ok && md5) {
        unsigned char dg[16];
        unsigned int dl = 0;
        ok = EVP_DigestFinal_ex(mc, dg, &dl) == 1 && dl == 16;
        for (unsigned i = 0; ok && i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", dg[i]);
    } else if (ok) {
        fio_crc32c_hex(crc, hex);
    }
    EVP_MD_CTX_free(mc);
    return ok && strcasecmp(hex, hash) == 0;
}

json_t *cli_find_file(json_t *nodes, const char *name)
{
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n)
    {
        const char *nm = json_string_value(json_object_get(n, "name"));
        if (nm && strcmp(nm, name) == 0 && !is_folder(n))
            return n;
    }
    return NULL;
}

/* ---- the plan ----------------------------------------------------------------------------------- */

enum act { ACT_SEND, ACT_SKIP, ACT_DELETE, ACT_CONFLICT };

struct step {
    enum act act;
    char *rel;
    uint64_t size;
    bool dir;      /* ACT_DELETE of a folder / directory */
    const char *node; /* remote node id (borrowed from the tree) */
    const char *why;  /* "new", "changed", "not in source", a conflict */
    size_t job;
    bool queued;
};

struct plan {
    struct step *v;
    size_t n, cap;
};

static bool plan_add(struct plan *p, enum act act, const char *rel, uint64_t size, bool dir,
                     const char *node, const char *why)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        struct step *v = realloc(p->v, cap * sizeof(*v));
        if (v == NULL)
            return false;
        p->v = v;
        p->cap = cap;
    }
    char *r = strdup(rel);
    if (r == NULL)
        return false;
    p->v[p->n++] = (struct step){
        .act = act, .rel = r, .size = size, .dir = dir, .node = node, .why = why};
    return true;
}

static void plan_free(struct plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].rel);
    free(p->v);
}

static int cmp_steps(const void *a, const void *b)
{
    return strcmp(((const struct step *)a)->rel, ((const struct step *)b)->rel);
}

/* src and dst trees (see above); up = local -> remote. Deletions are planned deepest first. */
static bool make_plan(const char *local_root, json_t *local, json_t *remote, bool up,
                      bool del, const struct filters *f, struct plan *p)
{
    json_t *src = up ? local : remote, *dst = up ? remote : local;
    const char *rel;
    json_t *v;
    json_object_foreach(src, rel, v)
    {
        bool dir = up ? json_is_true(json_object_get(v, "dir")) : is_folder(v);
        if (dir || !wanted(f, rel))
            continue;
        json_t *other = json_object_get(dst, rel);
        uint64_t size = (uint64_t)json_integer_value(json_object_get(v, "size"));
        json_t *node = up ? other : v;
        const char *node_id = node ? json_string_value(json_object_get(node, "id")) : NULL;
        if (other != NULL &&
            (up ? is_folder(other) : json_is_true(json_object_get(other, "dir")))) {
            if (!plan_add(p, ACT_CONFLICT, rel, size, false, node_id,
                          "a folder of that name is in the way"))
                return false;
            continue;
        }
        char path[PATH_MAX * 2];
        int pn = snprintf(path, sizeof(path), "%s/%s", local_root, rel);
        bool same = other != NULL && pn > 0 && (size_t)pn < sizeof(path) &&
                    cli_same_content(path, size, node);
        if (!plan_add(p, same ? ACT_SKIP : ACT_SEND, rel, size, false, node_id,
                      other == NULL ? "new" : "changed"))
            return false;
    }
    if (del) {
        json_object_foreach(dst, rel, v)
        {
            bool dir = up ? is_folder(v) : json_is_true(json_object_get(v, "dir"));
            if (json_object_get(src, rel) != NULL)
                continue;
            /* with filters, only files the filters select are removed (and no folders) */
            if (dir ? (f->n_inc + f->n_exc) > 0 : !wanted(f, rel))
                continue;
            const char *node_id = up ? json_string_value(json_object_get(v, "id")) : NULL;
            if (!plan_add(p, ACT_DELETE, rel, 0, dir, node_id, "not in the source"))
                return false;
        }
    }
    qsort(p->v, p->n, sizeof(p->v[0]), cmp_steps);
    return true;
}

/* ---- running it ---------------------------------------------------------------------------------- */

struct remote_side {
    const char *ws;
    const char *root; /* folder id */
    json_t *tree;
    json_t *made; /* rel dir -> folder id of folders made in this run */
};

/* The folder id of the directory part of rel on the remote side, made when missing. */
static const char *remote_dir(struct cli_ctx *ctx, struct remote_side *r, const char *rel)
{
    const char *slash = strrchr(rel, '/');
    if (slash == NULL)
        return r->root;
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
    json_t *have = json_object_get(r->tree, dir);
    if (have != NULL && is_folder(have))
        return json_string_value(json_object_get(have, "id"));
    const char *made = json_string_value(json_object_get(r->made, dir));
    if (made != NULL)
        return made;
    const char *parent = remote_dir(ctx, r, dir);
    if (parent == NULL)
        return NULL;
    const char *leaf = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    struct cli_request req;
    memset(&req, 0, sizeof(req));
    req.path[0] = r->ws;
    req.path[1] = parent;
    req.n_path = 2;
    cli_request_add(&req, "name", leaf);
    json_t *resp = NULL;
    if (cli_call(ctx, FASTIO_EP_STORAGE_CREATE_FOLDER, &req, &resp) != CLI_OK)
        return NULL;
    const char *id =
        json_string_value(json_object_get(fastio_result(resp, FASTIO_EP_STORAGE_CREATE_FOLDER), "id"));
    if (id != NULL)
        json_object_set_new(r->made, dir, json_string(id));
    json_decref(resp);
    return json_string_value(json_object_get(r->made, dir));
}

static bool mkdirs(const char *dir)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s", dir);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                return false;
            *s = '/';
        }
    return mkdir(p, 0777) == 0 || errno == EEXIST;
}

static const char *act_word(const struct step *s, bool up)
{
    switch (s->act) {
    case ACT_SEND:
        return up ? "upload" : "download";
    case ACT_SKIP:
        return "unchanged";
    case ACT_DELETE:
        return up ? "delete remote" : "delete local";
    case ACT_CONFLICT:
        return "conflict";
    }
    return "?";
}

/* Whether spec is remote: "WS:..." with no '/' before the colon and not starting with '.' or
 * '/' (so "./a:b" and "/tmp/a:b" are local paths). */
static bool is_remote(const char *spec)
{
    const char *colon = strchr(spec, ':');
    if (colon == NULL || colon == spec || spec[0] == '/' || spec[0] == '.')
        return false;
    const char *slash = strchr(spec, '/');
    return slash == NULL || slash > colon;
}

/* "WS:/path" -> ws and path, pointing into *buf (OWNED copy). false on OOM. */
static bool split_remote(const char *spec, char **buf, const char **ws, const char **path)
{
    const char *colon = strchr(spec, ':');
    *buf = strdup(spec);
    if (*buf == NULL)
        return false;
    (*buf)[colon - spec] = '\0';
    *ws = *buf;
    *path = *buf + (colon - spec) + 1;
    if ((*path)[0] == '\0')
        *path = "/";
    return true;
}

/* The folder at path ("/a/b") in ws, looked up without printing: 1 found (*id, borrowed from the
 * run's listing cache), 0 missing, -1 a listing failed (printed). */
static int find_folder(struct cli_ctx *ctx, const char *ws, const char *path, const char **id)
{
    const char *cur = "root";
    char comp[FIO_NAME_MAX_BYTES + 1];
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 0)
            break;
        if (n >= sizeof(comp))
            return 0;
        memcpy(comp, p, n);
        comp[n] = '\0';
        p += n;
        json_t *nodes = cli_list_folder(ctx, ws, cur);
        if (nodes == NULL)
            return -1;
        const char *next = NULL;
        size_t i;
        json_t *nd;
        json_array_foreach(nodes, i, nd)
        {
            const char *nm = json_string_value(json_object_get(nd, "name"));
            if (nm != NULL && strcmp(nm, comp) == 0 && is_folder(nd))
                next = json_string_value(json_object_get(nd, "id"));
        }
        if (next == NULL)
            return 0;
        cur = next;
    }
    *id = cur;
    return 1;
}

static int run_sync(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    const char *a = cli_arg(args, "SRC"), *b = cli_arg(args, "DST");
    char *rbuf = NULL;
    const char *ws_ref = NULL, *rpath = NULL, *local = NULL;
    bool up = is_remote(b);
    if (is_remote(a) == up)
        return cli_usage(ctx, up ? "both SRC and DST are remote; one must be a local directory"
                                 : "one of SRC and DST must be remote, written WORKSPACE:/PATH "
                                   "(a local path with a colon: prefix it with ./)");
    local = up ? a : b;
    if (!split_remote(up ? b : a, &rbuf, &ws_ref, &rpath)) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    struct filters f;
    memset(&f, 0, sizeof(f));
    const char *inc = cli_arg(args, "include"), *exc = cli_arg(args, "exclude");
    int rc = CLI_OK;
    if ((inc && (!(f.buf_inc = strdup(inc)) || !split_patterns(f.buf_inc, f.inc, &f.n_inc))) ||
        (exc && (!(f.buf_exc = strdup(exc)) || !split_patterns(f.buf_exc, f.exc, &f.n_exc)))) {
        rc = cli_usage(ctx, "--include / --exclude take at most %d comma-separated patterns",
                       PATTERNS_MAX);
        goto out_filters;
    }
    bool dry = cli_arg_given(args, "dry-run"), del = cli_arg_given(args, "delete");
    long long par = 4;
    const char *ps = cli_arg(args, "parallel");
    if (ps != NULL && !fio_parse_ll(ps, 1, 64, &par)) {
        rc = cli_usage(ctx, "--parallel takes 1 to 64");
        goto out_filters;
    }

    char lroot[PATH_MAX];
    struct stat sb;
    if (up) {
        if (realpath(local, lroot) == NULL || stat(lroot, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            rc = cli_usage(ctx, "'%s' is not a directory", local);
            goto out_filters;
        }
    } else {
        if (!dry && !mkdirs(local)) {
            cli_errorf(ctx, "cannot create %s: %s", local, strerror(errno));
            rc = CLI_ERR;
            goto out_filters;
        }
        if (realpath(local, lroot) == NULL) {
            if (!dry) {
                cli_errorf(ctx, "%s: %s", local, strerror(errno));
                rc = CLI_ERR;
                goto out_filters;
            }
            snprintf(lroot, sizeof(lroot), "%s", local);
        }
    }
    rc = cli_connect(ctx, FASTIO_EP_STORAGE_LIST, true);
    if (rc != CLI_OK)
        goto out_filters;
    const char *ws = cli_resolve_workspace(ctx, ws_ref);
    if (ws == NULL) {
        rc = CLI_ERR;
        goto out_filters;
    }
    char ws_id[128];
    snprintf(ws_id, sizeof(ws_id), "%s", ws);
    const char *root = "root";
    bool missing = false;
    if (strcmp(rpath, "/") != 0) {
        /* A dry run up to a folder that does not exist yet plans against an empty one. */
        int found = dry && up ? find_folder(ctx, ws_id, rpath, &root) : 1;
        if (found < 0) {
            rc = CLI_ERR;
            goto out_filters;
        }
        missing = found == 0;
        if (!missing)
            root = cli_resolve_node(ctx, ws_id, rpath, CLI_NODE_FOLDER, up && !dry);
    }
    if (root == NULL) {
        rc = CLI_ERR;
        goto out_filters;
    }
    struct remote_side r = {.ws = ws_id, .root = root, .tree = json_object(), .made = json_object()};
    json_t *ltree = json_object();
    struct plan p;
    memset(&p, 0, sizeof(p));
    json_t *out = json_object(), *items = json_array();
    struct fastio_transfer *t = NULL;
    struct cli_progress *prog = NULL;
    if (!r.tree || !r.made || !ltree || !out || !items) {
        cli_errorf(ctx, "out of memory");
        rc = CLI_ERR;
        goto out;
    }
    rc = missing ? CLI_OK : walk_remote(ctx, ws_id, root, "", 0, r.tree);
    if (rc == CLI_OK && stat(lroot, &sb) == 0)
        rc = walk_local(ctx, lroot, "", 0, ltree);
    if (rc != CLI_OK)
        goto out;
    if (!make_plan(lroot, ltree, r.tree, up, del, &f, &p)) {
        cli_errorf(ctx, "out of memory");
        rc = CLI_ERR;
        goto out;
    }

    size_t n_send = 0, n_skip = 0, n_del = 0, n_conf = 0, n_fail = 0;
    uint64_t send_bytes = 0;
    for (size_t i = 0; i < p.n; i++) {
        struct step *s = &p.v[i];
        n_send += s->act == ACT_SEND;
        n_skip += s->act == ACT_SKIP;
        n_del += s->act == ACT_DELETE;
        n_conf += s->act == ACT_CONFLICT;
        if (s->act == ACT_SEND)
            send_bytes += s->size;
    }

    if (!dry && n_send > 0) {
        char jdir[PATH_MAX];
        bool have_journal = up && cli_upload_journal_dir(jdir, sizeof(jdir));
        prog = cli_progress_new(ctx, up ? "Uploading" : "Downloading", n_send);
        t = cli_transfer_engine(ctx, (unsigned)par, have_journal ? jdir : NULL, prog);
        if (t == NULL) {
            rc = CLI_ERR;
            goto out;
        }
        for (size_t i = 0; i < p.n; i++) {
            struct step *s = &p.v[i];
            if (s->act != ACT_SEND)
                continue;
            char path[PATH_MAX * 2];
            snprintf(path, sizeof(path), "%s/%s", lroot, s->rel);
            struct fastio_error err;
            fastio_error_clear(&err);
            enum fastio_status st;
            if (up) {
                const char *folder = remote_dir(ctx, &r, s->rel);
                if (folder == NULL) {
                    s->why = "its folder could not be made";
                    n_fail++;
                    continue;
                }
                struct fastio_upload_spec spec = {
                    .path = path, .fd = -1, .workspace = ws_id, .folder = folder};
                st = fastio_transfer_add_upload(t, &spec, &s->job, &err);
            } else {
                char dir[PATH_MAX * 2];
                snprintf(dir, sizeof(dir), "%s", path);
                char *sl = strrchr(dir, '/');
                *sl = '\0';
                if (!mkdirs(dir)) {
                    s->why = "its directory could not be made";
                    n_fail++;
                    continue;
                }
                const char *leaf = strrchr(s->rel, '/') ? strrchr(s->rel, '/') + 1 : s->rel;
                struct fastio_download_spec spec = {
                    .workspace = ws_id, .node = s->node, .dest_dir = dir, .name = leaf};
                st = fastio_transfer_add_download(t, &spec, &s->job, &err);
            }
            if (st != FASTIO_OK) {
                cli_print_api_error(ctx, &err);
                n_fail++;
                continue;
            }
            s->queued = true;
            cli_progress_label(prog, s->job, s->rel);
        }
        struct fastio_error err;
        fastio_error_clear(&err);
        enum fastio_status st = cli_transfer_run(t, &err);
        double secs = cli_progress_end(prog);
        uint64_t done_bytes = 0;
        size_t done_n = 0;
        for (size_t i = 0; i < p.n; i++) {
            struct step *s = &p.v[i];
            if (!s->queued)
                continue;
            struct fastio_error je;
            fastio_error_clear(&je);
            if (fastio_transfer_job_result(t, s->job, NULL, &je) == FASTIO_OK) {
                done_bytes += s->size;
                done_n++;
            } else {
                s->queued = false;
                s->why = NULL;
                if (je.status != FASTIO_CANCELLED)
                    cli_errorf(ctx, "%s: %s", s->rel, je.message);
                n_fail++;
            }
        }
        cli_transfer_note(ctx, up ? "uploaded" : "downloaded", done_n, done_bytes,
                          cli_progress_sent(prog), secs);
        if (st == FASTIO_CANCELLED) {
            rc = CLI_ERR;
            goto out;
        }
    }
    /* Deletions only after every transfer succeeded: a failed run never removes anything. */
    if (!dry && n_del > 0 && n_fail == 0) {
        for (size_t i = p.n; i-- > 0;) {
            struct step *s = &p.v[i];
            if (s->act != ACT_DELETE)
                continue;
            if (up) {
                struct cli_request req;
                memset(&req, 0, sizeof(req));
                req.path[0] = ws_id;
                req.path[1] = s->node;
                req.n_path = 2;
                json_t *resp = NULL;
                if (cli_call(ctx, FASTIO_EP_STORAGE_DELETE, &req, &resp) != CLI_OK)
                    n_fail++;
                json_decref(resp);
            } else {
                char path[PATH_MAX * 2];
                snprintf(path, sizeof(path), "%s/%s", lroot, s->rel);
                if ((s->dir ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT) {
                    cli_errorf(ctx, "cannot remove %s: %s", path, strerror(errno));
                    n_fail++;
                }
            }
        }
    } else if (!dry && n_del > 0) {
        cli_note(ctx, "sync: nothing deleted because %zu transfer(s) failed", n_fail);
    }

    for (size_t i = 0; i < p.n; i++) {
        struct step *s = &p.v[i];
        if (s->act == ACT_SKIP && ctx->verbose == 0 && ctx->format != CLI_FMT_JSON)
            continue;
        json_t *o = json_pack("{s:s, s:s, s:I}", "path", s->rel, "action", act_word(s, up),
                              "size", (json_int_t)s->size);
        if (o && s->why && s->act != ACT_SKIP)
            json_object_set_new(o, "reason", json_string(s->why));
        if (o)
            json_array_append_new(items, o);
        if (ctx->format != CLI_FMT_JSON && !ctx->quiet)
            printf("%-14s %s%s%s%s\n", act_word(s, up), s->rel, s->why ? " (" : "",
                   s->why ? s->why : "", s->why ? ")" : "");
    }
    char sz[32];
    cli_fmt_bytes((double)send_bytes, sz, sizeof(sz));
    json_object_set_new(out, "steps", items);
    items = NULL;
    json_object_set_new(out, "dry_run", json_boolean(dry));
    json_object_set_new(out, "to_send", json_integer((json_int_t)n_send));
    json_object_set_new(out, "unchanged", json_integer((json_int_t)n_skip));
    json_object_set_new(out, "to_delete", json_integer((json_int_t)n_del));
    json_object_set_new(out, "conflicts", json_integer((json_int_t)n_conf));
    json_object_set_new(out, "failed", json_integer((json_int_t)n_fail));
    if (ctx->format == CLI_FMT_JSON) {
        rc = cli_print(ctx, out, out);
    } else {
        cli_note(ctx, "sync%s: %zu to %s (%s), %zu unchanged, %zu to delete%s, %zu conflict(s), "
                      "%zu failed",
                 dry ? " (dry run)" : "", n_send, up ? "upload" : "download", sz, n_skip, n_del,
                 del ? "" : " (no --delete)", n_conf, n_fail);
    }
    if (n_fail > 0 || n_conf > 0)
        rc = CLI_ERR;
out:
    fastio_transfer_free(t);
    cli_progress_free(prog);
    plan_free(&p);
    json_decref(items);
    json_decref(out);
    json_decref(ltree);
    json_decref(r.tree);
    json_decref(r.made);
out_filters:
    free(f.buf_inc);
    free(f.buf_exc);
    free(rbuf);
    return rc;
}

static const struct cli_opt sync_opts[] = {
    {.name = "SRC", .kind = OPT_POS, .cli_only = true,
     .help = "What to copy from: a local directory, or WORKSPACE:/PATH."},
    {.name = "DST", .kind = OPT_POS, .cli_only = true,
     .help = "What to make like SRC: WORKSPACE:/PATH when SRC is local, else a local\n"
             "directory (created when missing)."},
    {.name = "dry-run", .kind = OPT_BOOL, .cli_only = true,
     .help = "Print what would be sent and deleted; change nothing."},
    {.name = "delete", .kind = OPT_BOOL, .cli_only = true,
     .help = "Remove from DST what SRC does not have (remote files go to the trash).\n"
             "Nothing is removed when a transfer failed. With --include/--exclude only\n"
             "selected files are removed, never folders."},
    {.name = "include", .kind = OPT_VALUE, .cli_only = true, .metavar = "GLOB,...",
     .help = "Only files matching one of these patterns (a pattern without '/' matches\n"
             "the file name, one with '/' the path relative to SRC)."},
    {.name = "exclude", .kind = OPT_VALUE, .cli_only = true, .metavar = "GLOB,...",
     .help = "Leave out files matching one of these patterns (wins over --include)."},
    {.name = "parallel", .kind = OPT_VALUE, .cli_only = true, .check = CHK_UINT, .def = "4",
     .metavar = "N", .help = "Files transferred at the same time (1-64)."},
    {.name = NULL},
};

const struct cli_cmd cli_sync_cmds[] = {
    {.name = "run",
     .endpoint = -1,
     .opts = sync_opts,
     .run = run_sync,
     .flags = CMD_DEFAULT,
     .summary = "Make a workspace folder like a local directory, or the other way round",
     .description =
         "A one-way mirror, like rclone sync. One of SRC and DST is remote, written\n"
         "WORKSPACE:/PATH (workspace id, folder_name or name; PATH a folder, '/' for the\n"
         "root; missing folders are made when uploading). Files present on both sides\n"
         "with the same size and checksum (the server's CRC-32C, or MD5) are left alone;\n"
         "new and changed files are uploaded (a changed file becomes a new version of its\n"
         "node) or downloaded (replacing the local file once verified). 'run' may be left\n"
         "out: 'fastio sync SRC DST'.\n\n"
         "A sync cut short (Ctrl-C, kill) resumes its uploads from their journals when it\n"
         "is run again, and files already sent are skipped because they now match.\n"
         "Symbolic links and special files are never followed or sent.\n\n"
         "Output: one line per file sent, deleted or in conflict (unchanged ones with -v),\n"
         "then a summary on stderr; --format json prints the steps and counts. Exit 1 when\n"
         "a file failed or a folder stands where a file should go.",
     .examples = "fastio sync ./reports team:/reports/2026\n"
                 "fastio sync ./site team:/www --delete --exclude '*.tmp,.git'\n"
                 "fastio sync team:/reports ./reports-copy --dry-run"},
    {.name = NULL},
};
