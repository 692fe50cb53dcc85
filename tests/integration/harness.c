/* SPDX-License-Identifier: MIT */
/* harness.c - see harness.h. Servers run as child processes with --kdf-iterations 1000 so tests
 * that create accounts stay fast; every wait is bounded. */
#include "harness.h"

#include <curl/curl.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <fastio/members.h>
#include <sqlite3.h>

#include "buf.h"
#include "id.h"
#include "timeutil.h"

static void die(const char *what)
{
    fprintf(stderr, "harness: %s\n", what);
    abort();
}

static const char *server_bin(void)
{
    const char *b = getenv("FASTIO_SERVER_BIN");
    if (!b)
        die("FASTIO_SERVER_BIN is not set (run through ctest)");
    return b;
}

int it_server_start(struct it_server *s, const char *data_dir, const char *const *extra_args)
{
    static bool global;
    if (!global) {
        if (fastio_global_init() != FASTIO_OK)
            die("fastio_global_init");
        global = true;
    }
    if (!data_dir) {
        memset(s, 0, sizeof(*s));
        snprintf(s->dir, sizeof(s->dir), "/tmp/fastio-it-XXXXXX");
        if (!mkdtemp(s->dir))
            die("mkdtemp");
    } else if (data_dir != s->dir) {
        fio_strlcpy(s->dir, data_dir, sizeof(s->dir));
    }
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0)
        die("pipe");
    char logpath[320];
    snprintf(logpath, sizeof(logpath), "%s/server.log", s->dir);
    const char *argv[32];
    size_t n = 0;
    argv[n++] = server_bin();
    argv[n++] = "--data";
    argv[n++] = s->dir;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--kdf-iterations";
    argv[n++] = "1000";
    argv[n++] = "--access-log";
    argv[n++] = logpath;
    for (size_t i = 0; extra_args && extra_args[i] && n < 30; i++)
        argv[n++] = extra_args[i];
    argv[n] = NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        /* A test that fails (cmocka ends the process) before it stops a server of its own must
         * not leave the server holding CTest's output pipe until the test's timeout. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(pfd[1], 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    s->pid = pid;
    /* Wait (bounded) for "fastio-server: listening on http://127.0.0.1:PORT/current". */
    char line[512];
    size_t len = 0;
    int64_t deadline = fio_mono_ms() + 20000;
    s->port = 0;
    while (fio_mono_ms() < deadline && len < sizeof(line) - 1) {
        struct pollfd p = {pfd[0], POLLIN, 0};
        int pr = poll(&p, 1, 200);
        if (pr <= 0)
            continue;
        ssize_t r = read(pfd[0], line + len, sizeof(line) - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        line[len] = 0;
        char *nl = strchr(line, '\n');
        char *at = strstr(line, "127.0.0.1:");
        if (nl && at) {
            long long port;
            char *end = strchr(at + 10, '/');
            if (end) {
                *end = 0;
                if (fio_parse_ll(at + 10, 1, 65535, &port))
                    s->port = (int)port;
            }
            break;
        }
    }
    close(pfd[0]);
    if (!s->port) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        s->pid = 0;
        return -1;
    }
    snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d/current", s->port);
    char kp[320];
    snprintf(kp, sizeof(kp), "%s/owner.key", s->dir);
    FILE *f = fopen(kp, "re");
    if (!f) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        s->pid = 0;
        return -1;
    }
    if (!fgets(s->owner_key, sizeof(s->owner_key), f))
        s->owner_key[0] = 0;
    fclose(f);
    s->owner_key[strcspn(s->owner_key, "\r\n")] = 0;
    return s->owner_key[0] ? 0 : -1;
}

int it_server_stop(struct it_server *s)
{
    if (s->pid <= 0)
        return 0;
    kill(s->pid, SIGTERM);
    int st = 0;
    int64_t deadline = fio_mono_ms() + 15000;
    while (fio_mono_ms() < deadline) {
        pid_t w = waitpid(s->pid, &st, WNOHANG);
        if (w == s->pid) {
            s->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
    return -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void it_server_cleanup(struct it_server *s)
{
    if (s->pid > 0)
        it_server_stop(s);
    if (s->dir[0] && strncmp(s->dir, "/tmp/fastio-it-", 15) == 0)
        nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

struct fastio_client *it_client(const struct it_server *s, const char *token)
{
    struct fastio_config cfg;
    fastio_config_init(&cfg);
    cfg.base_url = s->base;
    cfg.token = token;
    cfg.timeout_ms = 30000;
    struct fastio_error err;
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    if (!c)
        die("fastio_client_new");
    return c;
}

/* The newest verification code mailed to `email` (DATA/outbox or outbox/sent), into code[8]. */
static bool outbox_code(const struct it_server *s, const char *email, char code[8])
{
    static const char *const subs[] = {"outbox", "outbox/sent"};
    char want[200];
    snprintf(want, sizeof(want), "\r\nTo: %s\r\n", email);
    bool found = false;
    long newest = -1;
    for (size_t k = 0; k < 2; k++) {
        char dir[400];
        snprintf(dir, sizeof(dir), "%s/%s", s->dir, subs[k]);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *de;
        for (int guard = 0; guard < 100000 && (de = readdir(d)) != NULL; guard++) {
            size_t l = strlen(de->d_name);
            if (l < 5 || strcmp(de->d_name + l - 4, ".eml") != 0)
                continue;
            char path[700];
            snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
            struct stat sb;
            FILE *f = fopen(path, "rb");
            if (!f)
                continue;
            char buf[8192];
            size_t n = fread(buf, 1, sizeof(buf) - 1, f);
            buf[n] = 0;
            bool stat_ok = fstat(fileno(f), &sb) == 0;
            fclose(f);
            const char *t = strstr(buf, "email_token=");
            if (!stat_ok || !strstr(buf, want) || !t)
                continue;
            t += strlen("email_token=");
            if (strspn(t, "0123456789") < 6)
                continue;
            long age = (long)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
            if (age >= newest) {
                newest = age;
                memcpy(code, t, 6);
                code[6] = 0;
                found = true;
            }
        }
        closedir(d);
    }
    return found;
}

bool it_verify_email(const struct it_server *s, const char *token, const char *email)
{
    char code[8];
    if (!outbox_code(s, email, code))
        return false;
    char form[300], authz[300];
    snprintf(form, sizeof(form), "email=%s&email_token=%s", email, code);
    snprintf(authz, sizeof(authz), "Bearer %s", token);
    char *body = NULL;
    long st = it_raw(s, "POST", "/current/user/email/validate/",
                     "application/x-www-form-urlencoded", form, strlen(form), authz, &body);
    free(body);
    return st == 200;
}

void it_new_user(const struct it_server *s, char *token_out, size_t token_size, char *email_out)
{
    static unsigned counter;
    char email[128];
    snprintf(email, sizeof(email), "user%u.%d.%lld@example.test", ++counter, (int)getpid(),
             (long long)(fio_wall_us() % 1000000000));
    struct fastio_client *c = it_client(s, NULL);
    struct fastio_signup su = {email, "correct horse battery", "Test", "User", false};
    struct fastio_error err;
    if (fastio_user_signup(c, &su, NULL, &err) != FASTIO_OK) {
        fprintf(stderr, "signup: %s\n", err.message);
        die("signup failed");
    }
    char *tok = NULL;
    if (fastio_user_signin(c, email, "correct horse battery", &tok, NULL, &err) != FASTIO_OK) {
        fprintf(stderr, "signin: %s\n", err.message);
        die("signin failed");
    }
    fio_strlcpy(token_out, tok, token_size);
    /* sign-up mails a code (D-081): the test user proves its address like a person would */
    if (!it_verify_email(s, tok, email))
        die("email verification failed (no code in the outbox?)");
    fastio_free(tok);
    fastio_client_free(c);
    if (email_out)
        fio_strlcpy(email_out, email, 128);
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    struct fio_buf *b = ud;
    return fio_buf_append(b, p, size * n) ? size * n : 0;
}

long it_raw(const struct it_server *s, const char *method, const char *path,
            const char *content_type, const char *body, size_t body_len, const char *authz,
            char **body_out)
{
    return it_raw_h(s, method, path, content_type, body, body_len, authz, body_out, NULL);
}

long it_raw_h(const struct it_server *s, const char *method, const char *path,
              const char *content_type, const char *body, size_t body_len, const char *authz,
              char **body_out, char **headers_out)
{
    CURL *h = curl_easy_init();
    if (!h)
        die("curl_easy_init");
    char url[1024];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
    struct fio_buf b, hb;
    fio_buf_init(&b, 64u << 20);
    fio_buf_init(&hb, 1u << 20);
    struct curl_slist *hdr = NULL;
    char line[1200];
    if (content_type) {
        snprintf(line, sizeof(line), "Content-Type: %s", content_type);
        hdr = curl_slist_append(hdr, line);
    }
    if (authz) {
        snprintf(line, sizeof(line), "Authorization: %s", authz);
        hdr = curl_slist_append(hdr, line);
    }
    /* No "Expect: 100-continue" for small bodies (one round trip less); large ones keep it, as
     * real clients do, so a server refusing the body early answers before it is sent. */
    if (!body || body_len <= (1u << 20))
        hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &hb);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    if (body_out)
        *body_out = fio_buf_steal(&b);
    else
        fio_buf_release(&b);
    if (headers_out)
        *headers_out = fio_buf_steal(&hb);
    else
        fio_buf_release(&hb);
    return status;
}

static char *read_all_fd(int fd)
{
    struct fio_buf b;
    fio_buf_init(&b, 16u << 20);
    char tmp[4096];
    for (;;) {
        ssize_t r = read(fd, tmp, sizeof(tmp));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (!fio_buf_append(&b, tmp, (size_t)r))
            break;
    }
    return fio_buf_steal(&b);
}

int it_cli(const struct it_server *s, const char *token, char **out, char **err, ...)
{
    const char *bin = getenv("FASTIO_CLI_BIN");
    if (!bin)
        die("FASTIO_CLI_BIN is not set (run through ctest)");
    const char *argv[64];
    size_t n = 0;
    argv[n++] = bin;
    argv[n++] = "--api-base";
    argv[n++] = s->base;
    if (token) {
        argv[n++] = "--token";
        argv[n++] = token;
    }
    va_list ap;
    va_start(ap, err);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 62)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    char opath[] = "/tmp/fastio-cli-out-XXXXXX", epath[] = "/tmp/fastio-cli-err-XXXXXX";
    int ofd = mkstemp(opath), efd = mkstemp(epath);
    if (ofd < 0 || efd < 0)
        die("mkstemp");
    unlink(opath);
    unlink(epath);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        dup2(ofd, 1);
        dup2(efd, 2);
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    lseek(ofd, 0, SEEK_SET);
    lseek(efd, 0, SEEK_SET);
    if (out)
        *out = read_all_fd(ofd);
    if (err)
        *err = read_all_fd(efd);
    close(ofd);
    close(efd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- helpers for the org, workspace and storage suites --------------------------------------- */

void it_unique_name(const char *prefix, char *out, size_t out_size)
{
    static unsigned counter;
    snprintf(out, out_size, "%s-%u-%d", prefix, ++counter, (int)getpid());
}

void it_org_ws(struct fastio_client *c, char *org_id, char *ws_id)
{
    char domain[64], folder[64];
    it_unique_name("org", domain, sizeof(domain));
    it_unique_name("ws", folder, sizeof(folder));
    struct fastio_error err;
    struct fastio_org_opts oo = {domain, NULL, NULL, NULL, NULL};
    json_t *org = NULL;
    if (fastio_org_create(c, &oo, &org, &err) != FASTIO_OK) {
        fprintf(stderr, "org create: %s\n", err.message);
        die("org create failed");
    }
    char oid[32];
    fio_strlcpy(oid, json_string_value(json_object_get(org, "id")), sizeof(oid));
    json_decref(org);
    if (org_id)
        fio_strlcpy(org_id, oid, 32);
    struct fastio_workspace_opts wo = {"Test workspace", folder, NULL, NULL, NULL, 0};
    json_t *ws = NULL;
    if (fastio_workspace_create(c, oid, &wo, &ws, &err) != FASTIO_OK) {
        fprintf(stderr, "workspace create: %s\n", err.message);
        die("workspace create failed");
    }
    if (ws_id)
        fio_strlcpy(ws_id, json_string_value(json_object_get(ws, "id")), 32);
    json_decref(ws);
}

json_t *it_ws_new(struct fastio_client *c, const char *title, const char *org, char *folder_out)
{
    char folder[64];
    it_unique_name("ws", folder, sizeof(folder));
    struct fastio_workspace_opts o = {title, folder, NULL, NULL, NULL, 0};
    json_t *ws = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_workspace_create(c, org, &o, &ws, &err), FASTIO_OK);
    if (folder_out)
        snprintf(folder_out, 64, "%s", folder);
    return ws;
}

void it_insert_file(const struct it_server *s, const char *ws, const char *parent, const char *name,
                    long long size, char *id)
{
    char fid[FIO_OPAQUE_ID_SIZE], now[32], sz[32];
    assert_true(fio_opaque_id_new(FIO_ID_NODE, fid));
    snprintf(now, sizeof(now), "%lld", (long long)fio_wall_us());
    snprintf(sz, sizeof(sz), "%lld", size);
    assert_int_equal(it_db(s,
                           "INSERT INTO nodes (id, workspace_id, parent_id, type, name, size, "
                           "creator_id, created, modified) VALUES (?1, ?2, NULLIF(?3, ''), "
                           "'file', ?4, CAST(?6 AS INTEGER), 'test', CAST(?5 AS INTEGER), "
                           "CAST(?5 AS INTEGER))",
                           fid, ws, parent ? parent : "", name, now, sz, (const char *)NULL),
                     0);
    fio_strlcpy(id, fid, FIO_OPAQUE_ID_SIZE);
}

long long it_db(const struct it_server *s, const char *sql, ...)
{
    char path[320];
    snprintf(path, sizeof(path), "%s/meta.db", s->dir);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    sqlite3_stmt *st = NULL;
    long long ret = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        va_list ap;
        va_start(ap, sql);
        const char *a;
        int i = 1;
        while ((a = va_arg(ap, const char *)) != NULL)
            sqlite3_bind_text(st, i++, a, -1, SQLITE_TRANSIENT);
        va_end(ap);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            ret = sqlite3_column_int64(st, 0);
        else if (rc == SQLITE_DONE)
            ret = 0;
        else
            fprintf(stderr, "it_db: %s\n", sqlite3_errmsg(db));
    } else {
        fprintf(stderr, "it_db: %s\n", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ret;
}

json_t *it_error_body(const char *body, long *code)
{
    json_t *j = json_loads(body ? body : "", 0, NULL);
    if (code)
        *code = -1;
    if (j && code && json_is_false(json_object_get(j, "result")))
        *code = (long)json_integer_value(json_object_get(json_object_get(j, "error"), "code"));
    return j;
}

const char *it_error_param(json_t *j, size_t i, const char *field)
{
    json_t *p = json_array_get(json_object_get(json_object_get(j, "error"), "params"), i);
    return json_string_value(json_object_get(p, field));
}

/* ---- the shared fixture ---------------------------------------------------------------------- */

/* The rest of a signed-in user: authz, client, id, org / workspace. */
static void user_finish(struct it_user *u, const struct it_server *s, unsigned flags)
{
    snprintf(u->authz, sizeof(u->authz), "Bearer %s", u->token);
    u->c = it_client(s, u->token);
    char *id = NULL;
    struct fastio_error err;
    enum fastio_status st = fastio_auth_check(u->c, &id, &err);
    if (st != FASTIO_OK)
        fprintf(stderr, "auth check: %s\n", err.message);
    assert_int_equal(st, FASTIO_OK);
    fio_strlcpy(u->id, id, sizeof(u->id));
    fastio_free(id);
    if (flags & IT_USER_WORKSPACE)
        it_org_ws(u->c, u->org, u->ws);
}

void it_user_new(struct it_user *u, const struct it_server *s, unsigned flags)
{
    memset(u, 0, sizeof(*u));
    it_new_user(s, u->token, sizeof(u->token), u->email);
    user_finish(u, s, flags);
}

void it_user_signup(struct it_user *u, const struct it_server *s, const char *email, bool agent,
                    unsigned flags)
{
    memset(u, 0, sizeof(*u));
    fio_strlcpy(u->email, email, sizeof(u->email));
    struct fastio_client *anon = it_client(s, NULL);
    struct fastio_signup su = {u->email, "correct horse battery", "T", "U", agent};
    struct fastio_error err;
    assert_int_equal(fastio_user_signup(anon, &su, NULL, &err), FASTIO_OK);
    char *tok = NULL;
    assert_int_equal(fastio_user_signin(anon, u->email, "correct horse battery", &tok, NULL, &err),
                     FASTIO_OK);
    fio_strlcpy(u->token, tok, sizeof(u->token));
    fastio_free(tok);
    fastio_client_free(anon);
    /* a known address signs up to the same answer and no new mail: only a new account has a
     * code to enter (flags & IT_USER_UNVERIFIED keeps it unverified) */
    if (!(flags & IT_USER_UNVERIFIED))
        it_verify_email(s, u->token, u->email);
    user_finish(u, s, flags);
}

struct fastio_client *it_user_take_client(struct it_user *u)
{
    struct fastio_client *c = u->c;
    u->c = NULL;
    return c;
}

void it_user_release(struct it_user *u)
{
    fastio_client_free(u->c);
    u->c = NULL;
}

int it_fixture_start(struct it_fixture *fx, const struct it_fixture_opts *opts)
{
    memset(fx, 0, sizeof(*fx));
    if (it_server_start(&fx->srv, NULL, opts ? opts->server_args : NULL) != 0) {
        it_server_cleanup(&fx->srv);
        return -1;
    }
    fx->before_stop = opts ? opts->before_stop : NULL;
    struct it_user *o = &fx->owner;
    fio_strlcpy(o->token, fx->srv.owner_key, sizeof(o->token));
    snprintf(o->authz, sizeof(o->authz), "Bearer %s", o->token);
    fio_strlcpy(o->email, "owner@localhost", sizeof(o->email));
    /* No request unless asked for: rate-limit and fault cases count every request. */
    o->c = it_client(&fx->srv, o->token);
    if (opts && opts->workspace)
        it_org_ws(o->c, o->org, o->ws);
    return 0;
}

int it_fixture_stop(struct it_fixture *fx)
{
    if (fx->before_stop)
        fx->before_stop();
    it_user_release(&fx->owner);
    int rc = it_server_stop(&fx->srv);
    it_server_cleanup(&fx->srv);
    return rc == 0 ? 0 : -1; /* a clean SIGTERM shutdown exits 0 */
}

long it_faults_set(const struct it_server *s, const char *form)
{
    return it_raw(s, "POST", "/current/test/faults/", "application/x-www-form-urlencoded", form,
                  strlen(form), NULL, NULL);
}

long long it_faults_injected(const struct it_server *s)
{
    char *body = NULL;
    long st = it_raw(s, "GET", "/current/test/faults/", NULL, NULL, 0, NULL, &body);
    json_t *j = json_loads(body ? body : "", 0, NULL);
    free(body);
    json_t *n = json_object_get(json_object_get(j, "faults"), "injected");
    long long v = json_is_integer(n) ? (long long)json_integer_value(n) : -1;
    json_decref(j);
    if (st != 200 || v < 0) {
        fprintf(stderr, "harness: GET /current/test/faults/: HTTP %ld, no injected counter\n", st);
        fail(); /* a switch that cannot be read proves nothing */
    }
    return v;
}

bool it_has_key(json_t *keys, const char *key)
{
    size_t i;
    json_t *v;
    json_array_foreach(keys, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), key) == 0)
            return true;
    }
    return false;
}

char *it_cursor_now(struct fastio_client *c, const char *entity)
{
    struct fastio_error err;
    json_t *keys = NULL;
    char *cur = NULL;
    assert_int_equal(fastio_wait_activity(c, entity, NULL, 0, &keys, &cur, &err), FASTIO_OK);
    assert_non_null(cur);
    assert_int_equal(json_array_size(keys), 0);
    json_decref(keys);
    return cur;
}

void it_fill(unsigned char *p, size_t n, uint64_t *seed)
{
    uint64_t x = *seed;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (unsigned char)x;
    }
    *seed = x;
}

unsigned char *it_make_file(const char *path, size_t n, uint64_t *seed)
{
    unsigned char *b = malloc(n ? n : 1);
    FILE *f = fopen(path, "wb");
    assert_non_null(b);
    assert_non_null(f);
    it_fill(b, n, seed);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return b;
}

void it_assert_file_equals(const char *path, const unsigned char *want, size_t n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *got = malloc(n + 1);
    assert_non_null(f);
    assert_non_null(got);
    size_t r = fread(got, 1, n + 1, f); /* one more: a longer file shows */
    fclose(f);
    assert_int_equal(r, n);
    assert_memory_equal(got, want, n);
    free(got);
}

int it_count_events(struct fastio_client *c, const char *ws, const char *org, const char *name,
                    const char *object)
{
    struct fastio_event_filter f;
    fastio_event_filter_init(&f);
    f.workspace_id = ws;
    f.org_id = org;
    f.event = name;
    f.object_id = object;
    json_t *evs = NULL;
    long total = -1;
    struct fastio_error err;
    assert_int_equal(fastio_events_search(c, &f, NULL, &evs, &total, &err), FASTIO_OK);
    int n = (int)json_array_size(evs);
    assert_int_equal(total, n);
    json_decref(evs);
    return n;
}
