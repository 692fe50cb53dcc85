/* SPDX-License-Identifier: MIT */
/* test_credentials.c - fastio/credentials.h in temporary HOME / XDG directories: the token and
 * API base precedence table, file and directory modes, atomic replacement leaving no temporary
 * file, a symlinked credentials file refused, malformed JSON reported (not a crash), a
 * group-readable credentials file refused or reported, profile updates, the lock, and two
 * processes refreshing one PKCE profile through the lock against a tiny OAuth endpoint: exactly
 * one refresh reaches the server and both processes end with the rotated token. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fastio/credentials.h>
#include <fastio/fastio.h>

#include "testmain.h"

static char g_root[256];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static void put_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void path_in(char *out, size_t size, const char *rest)
{
    int n = snprintf(out, size, "%s/%s", g_root, rest);
    assert_true(n > 0 && (size_t)n < size);
}

static int setup(void **state)
{
    (void)state;
    char p[512];
    signal(SIGPIPE, SIG_IGN);
    int n = snprintf(g_root, sizeof(g_root), "/tmp/fio-cred-XXXXXX");
    assert_true(n > 0);
    assert_non_null(mkdtemp(g_root));
    setenv("HOME", g_root, 1);
    path_in(p, sizeof(p), "cfg");
    setenv("XDG_CONFIG_HOME", p, 1);
    path_in(p, sizeof(p), "data");
    setenv("XDG_DATA_HOME", p, 1);
    unsetenv("FASTIO_TOKEN");
    unsetenv("FASTIO_API_KEY");
    unsetenv("FASTIO_API_BASE");
    unsetenv("FASTIO_PROFILE");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    (void)nftw(g_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void make_cfg_dir(void)
{
    char p[512];
    path_in(p, sizeof(p), "cfg");
    (void)mkdir(p, 0700);
    path_in(p, sizeof(p), "cfg/fastio-c");
    (void)mkdir(p, 0700);
}

static void write_creds(const char *text, mode_t mode)
{
    char p[512];
    make_cfg_dir();
    path_in(p, sizeof(p), "cfg/fastio-c/credentials.json");
    put_file(p, text, mode);
}

static void write_config(const char *text)
{
    char p[512];
    make_cfg_dir();
    path_in(p, sizeof(p), "cfg/fastio-c/config.json");
    put_file(p, text, 0600);
}

static enum fastio_status resolve(const char *profile, const char *explicit_token,
                                  unsigned flags, struct fastio_credentials *c)
{
    struct fastio_credentials_opts o;
    fastio_credentials_opts_init(&o);
    o.profile = profile;
    o.explicit_token = explicit_token;
    o.flags = flags;
    o.default_api_base = "http://127.0.0.1:8787/current";
    return fastio_credentials_resolve(&o, c, NULL);
}

/* ---- precedence ------------------------------------------------------------------------------- */

static void token_precedence(void **state)
{
    (void)state;
    struct fastio_credentials c;
    long long later = (long long)time(NULL) + 3600;
    char text[1024];
    snprintf(text, sizeof(text),
             "{\"profiles\":{\"both\":{\"api_key\":\"K\",\"token\":\"T\",\"auth_method\":\"api_key\"},"
             "\"pkce\":{\"token\":\"J\",\"refresh_token\":\"R\",\"expires_at\":%lld,"
             "\"auth_method\":\"pkce\"},"
             "\"old\":{\"token\":\"O\",\"expires_at\":1000}}}",
             later);
    write_creds(text, 0600);
    write_config("{\"default_profile\":\"both\"}");

    /* explicit token wins over everything */
    setenv("FASTIO_TOKEN", "ET", 1);
    setenv("FASTIO_API_KEY", "EK", 1);
    assert_int_equal(resolve(NULL, "X", 0, &c), FASTIO_OK);
    assert_string_equal(c.token, "X");
    assert_int_equal(c.token_source, FASTIO_TOKEN_SOURCE_EXPLICIT);
    assert_string_equal(c.token_origin, "explicit token");
    assert_string_equal(fastio_token_source_name(c.token_source), "flag");
    fastio_credentials_release(&c);
    /* then FASTIO_TOKEN */
    assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_OK);
    assert_string_equal(c.token, "ET");
    assert_int_equal(c.token_source, FASTIO_TOKEN_SOURCE_ENV_TOKEN);
    fastio_credentials_release(&c);
    /* then FASTIO_API_KEY */
    unsetenv("FASTIO_TOKEN");
    assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_OK);
    assert_string_equal(c.token, "EK");
    assert_int_equal(c.token_source, FASTIO_TOKEN_SOURCE_ENV_API_KEY);
    fastio_credentials_release(&c);
    /* then the profile (config.json's default_profile), api_key before token */
    unsetenv("FASTIO_API_KEY");
    assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_OK);
    assert_string_equal(c.profile, "both");
    assert_string_equal(c.token, "K");
    assert_int_equal(c.token_source, FASTIO_TOKEN_SOURCE_PROFILE);
    assert_string_equal(c.auth_method, "api_key");
    assert_null(c.refresh_token);
    fastio_credentials_release(&c);
    /* a PKCE profile: token, refresh token and expiry */
    assert_int_equal(resolve("pkce", NULL, 0, &c), FASTIO_OK);
    assert_string_equal(c.token, "J");
    assert_string_equal(c.refresh_token, "R");
    assert_int_equal(c.expires_at, later);
    assert_false(c.expired);
    fastio_credentials_release(&c);
    /* an expired token without refresh token is reported expired */
    assert_int_equal(resolve("old", NULL, 0, &c), FASTIO_OK);
    assert_string_equal(c.token, "O");
    assert_true(c.expired);
    fastio_credentials_release(&c);
    /* a profile without credentials never borrows another one's */
    assert_int_equal(resolve("nobody", NULL, 0, &c), FASTIO_OK);
    assert_null(c.token);
    assert_int_equal(c.token_source, FASTIO_TOKEN_SOURCE_NONE);
    fastio_credentials_release(&c);
    fastio_credentials_release(&c); /* twice is fine */
}

/* The local server's owner.key (data/fastio-server/owner.key under the test's home) holding
 * text; its path into p. */
static void local_key(char *p, size_t size, const char *text)
{
    path_in(p, size, "data");
    assert_int_equal(mkdir(p, 0700), 0);
    path_in(p, size, "data/fastio-server");
    assert_int_equal(mkdir(p, 0700), 0);
    path_in(p, size, "data/fastio-server/owner.key");
    put_file(p, text, 0600);
}

static void local_key_only_when_asked_and_loopback(void **state)
{
    (void)state;
    struct fastio_credentials c;
    char p[512];
    local_key(p, sizeof(p), "  fio_k_local \n");

    assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_OK); /* flag off */
    assert_null(c.token);
    fastio_credentials_release(&c);
    assert_int_equal(resolve(NULL, NULL, FASTIO_CRED_USE_LOCAL_KEY, &c), FASTIO_OK);
    assert_string_equal(c.token, "fio_k_local");
    assert_int_equal(c.token_source, FASTIO_TOKEN_SOURCE_LOCAL_KEY);
    assert_string_equal(c.token_origin, p);
    assert_string_equal(fastio_token_source_name(c.token_source), "local-server-key");
    fastio_credentials_release(&c);
    /* never sent to a server elsewhere */
    setenv("FASTIO_API_BASE", "https://api.fast.io/current", 1);
    assert_int_equal(resolve(NULL, NULL, FASTIO_CRED_USE_LOCAL_KEY, &c), FASTIO_OK);
    assert_null(c.token);
    fastio_credentials_release(&c);
    setenv("FASTIO_API_BASE", "http://127.0.0.1.evil.example/current", 1);
    assert_int_equal(resolve(NULL, NULL, FASTIO_CRED_USE_LOCAL_KEY, &c), FASTIO_OK);
    assert_null(c.token);
    fastio_credentials_release(&c);
    unsetenv("FASTIO_API_BASE");
    /* stored credentials come first */
    write_creds("{\"profiles\":{\"default\":{\"token\":\"S\"}}}", 0600);
    assert_int_equal(resolve(NULL, NULL, FASTIO_CRED_USE_LOCAL_KEY, &c), FASTIO_OK);
    assert_string_equal(c.token, "S");
    fastio_credentials_release(&c);
}

/* D-089: owner.key goes only to the port written in owner.url beside it (8787 without one). */
static void local_key_tied_to_owner_url(void **state)
{
    (void)state;
    struct fastio_credentials c;
    char p[512];
    local_key(p, sizeof(p), "fio_k_local\n");
    path_in(p, sizeof(p), "data/fastio-server/owner.url");
    put_file(p, "http://127.0.0.1:9000/current\n", 0600);
    static const struct {
        const char *base;
        bool gets_key;
    } cases[] = {
        {NULL, false}, /* the default base, port 8787: not the key's server */
        {"http://127.0.0.1:9000/current", true},
        {"http://localhost:9000/current", true},
        {"http://[::1]:9000/current", true},
        {"http://127.0.0.1:9001/current", false},
        {"http://127.0.0.1:90000/current", false},
        {"http://127.0.0.1/current", false},
        {"https://127.0.0.1:9000/current", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].base)
            setenv("FASTIO_API_BASE", cases[i].base, 1);
        else
            unsetenv("FASTIO_API_BASE");
        assert_int_equal(resolve(NULL, NULL, FASTIO_CRED_USE_LOCAL_KEY, &c), FASTIO_OK);
        if (cases[i].gets_key)
            assert_string_equal(c.token, "fio_k_local");
        else
            assert_null(c.token);
        fastio_credentials_release(&c);
    }
    /* a server on the wildcard address is reachable on loopback */
    put_file(p, "http://0.0.0.0:9000/current\n", 0600);
    setenv("FASTIO_API_BASE", "http://127.0.0.1:9000/current", 1);
    assert_int_equal(resolve(NULL, NULL, FASTIO_CRED_USE_LOCAL_KEY, &c), FASTIO_OK);
    assert_string_equal(c.token, "fio_k_local");
    fastio_credentials_release(&c);
    /* a malformed owner.url gives the key to nobody */
    put_file(p, "garbage", 0600);
    setenv("FASTIO_API_BASE", "http://127.0.0.1:8787/current", 1);
    assert_int_equal(resolve(NULL, NULL, FASTIO_CRED_USE_LOCAL_KEY, &c), FASTIO_OK);
    assert_null(c.token);
    fastio_credentials_release(&c);
    /* without owner.url: port 8787 only */
    assert_int_equal(unlink(p), 0);
    assert_int_equal(resolve(NULL, NULL, FASTIO_CRED_USE_LOCAL_KEY, &c), FASTIO_OK);
    assert_string_equal(c.token, "fio_k_local");
    fastio_credentials_release(&c);
    setenv("FASTIO_API_BASE", "http://127.0.0.1:9000/current", 1);
    assert_int_equal(resolve(NULL, NULL, FASTIO_CRED_USE_LOCAL_KEY, &c), FASTIO_OK);
    assert_null(c.token);
    fastio_credentials_release(&c);
    unsetenv("FASTIO_API_BASE");
}

/* FASTIO_PROFILE comes after an explicit profile and before config.json's default_profile. */
static void profile_from_env(void **state)
{
    (void)state;
    struct fastio_credentials c;
    write_config("{\"default_profile\":\"dp\"}");
    assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_OK);
    assert_string_equal(c.profile, "dp");
    fastio_credentials_release(&c);
    setenv("FASTIO_PROFILE", "envp", 1);
    assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_OK);
    assert_string_equal(c.profile, "envp");
    fastio_credentials_release(&c);
    assert_int_equal(resolve("flagp", NULL, 0, &c), FASTIO_OK);
    assert_string_equal(c.profile, "flagp");
    fastio_credentials_release(&c);
    setenv("FASTIO_PROFILE", "", 1); /* empty = unset */
    assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_OK);
    assert_string_equal(c.profile, "dp");
    fastio_credentials_release(&c);
    unsetenv("FASTIO_PROFILE");
}

static void api_base_precedence(void **state)
{
    (void)state;
    struct fastio_credentials_opts o;
    struct fastio_credentials c;
    fastio_credentials_opts_init(&o);
    write_config("{\"profiles\":{\"default\":{\"api_base\":\"http://prof/current\"}}}");
    o.explicit_api_base = "http://flag/current";
    setenv("FASTIO_API_BASE", "http://env/current", 1);
    assert_int_equal(fastio_credentials_resolve(&o, &c, NULL), FASTIO_OK);
    assert_string_equal(c.api_base, "http://flag/current");
    assert_int_equal(c.base_source, FASTIO_BASE_SOURCE_EXPLICIT);
    fastio_credentials_release(&c);
    o.explicit_api_base = NULL;
    assert_int_equal(fastio_credentials_resolve(&o, &c, NULL), FASTIO_OK);
    assert_string_equal(c.api_base, "http://env/current");
    assert_int_equal(c.base_source, FASTIO_BASE_SOURCE_ENV);
    fastio_credentials_release(&c);
    unsetenv("FASTIO_API_BASE");
    assert_int_equal(fastio_credentials_resolve(&o, &c, NULL), FASTIO_OK);
    assert_string_equal(c.api_base, "http://prof/current");
    assert_int_equal(c.base_source, FASTIO_BASE_SOURCE_PROFILE);
    fastio_credentials_release(&c);
    o.profile = "other";
    assert_int_equal(fastio_credentials_resolve(&o, &c, NULL), FASTIO_OK);
    assert_string_equal(c.api_base, FASTIO_DEFAULT_BASE_URL);
    assert_int_equal(c.base_source, FASTIO_BASE_SOURCE_DEFAULT);
    fastio_credentials_release(&c);
    /* NULL opts: all defaults */
    assert_int_equal(fastio_credentials_resolve(NULL, &c, NULL), FASTIO_OK);
    assert_string_equal(c.profile, "default");
    fastio_credentials_release(&c);
}

static void paths_from_environment(void **state)
{
    (void)state;
    char p[512], want[512];
    assert_true(fastio_cred_path(FASTIO_FILE_CREDENTIALS, false, p, sizeof(p)));
    path_in(want, sizeof(want), "cfg/fastio-c/credentials.json");
    assert_string_equal(p, want);
    unsetenv("XDG_CONFIG_HOME");
    assert_true(fastio_cred_path(FASTIO_FILE_CONFIG, true, p, sizeof(p)));
    path_in(want, sizeof(want), ".config/fastio-c");
    assert_string_equal(p, want);
    setenv("XDG_CONFIG_HOME", "relative/dir", 1); /* not absolute: ignored */
    assert_true(fastio_cred_path(FASTIO_FILE_CONFIG, true, p, sizeof(p)));
    assert_string_equal(p, want);
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", "", 1);
    assert_false(fastio_cred_path(FASTIO_FILE_CONFIG, false, p, sizeof(p)));
    struct fastio_error err;
    json_t *j = NULL;
    assert_int_equal(fastio_cred_file_load(FASTIO_FILE_CONFIG, 0, &j, NULL, &err), FASTIO_INVALID);
    assert_null(j);
    assert_true(fastio_cred_path(FASTIO_FILE_CONFIG, false, p, 4) == false);
}

/* ---- files ------------------------------------------------------------------------------------ */

static void modes_and_atomic_replace(void **state)
{
    (void)state;
    char dir[512], p[512];
    struct stat st;
    struct fastio_error err;
    /* a pre-existing loose directory is tightened */
    path_in(dir, sizeof(dir), "cfg");
    assert_int_equal(mkdir(dir, 0755), 0);
    path_in(dir, sizeof(dir), "cfg/fastio-c");
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(chmod(dir, 0755), 0);
    for (int i = 0; i < 5; i++) {
        json_t *e = json_pack("{s:s, s:i}", "token", "secret", "expires_at", i);
        assert_non_null(e);
        assert_int_equal(
            fastio_cred_profile_update(FASTIO_FILE_CREDENTIALS, "p", NULL, e, &err), FASTIO_OK);
        json_decref(e);
    }
    json_t *b = json_string("http://x/current");
    assert_int_equal(fastio_cred_profile_update(FASTIO_FILE_CONFIG, "p", "api_base", b, &err),
                     FASTIO_OK);
    json_decref(b);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    path_in(p, sizeof(p), "cfg/fastio-c/credentials.json");
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    path_in(p, sizeof(p), "cfg/fastio-c/config.json");
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    path_in(p, sizeof(p), "cfg/fastio-c/credentials.json.lock");
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* nothing but the three files: no temporary sibling left behind */
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (de->d_name[0] == '.')
            continue;
        n++;
        assert_true(strcmp(de->d_name, "credentials.json") == 0 ||
                    strcmp(de->d_name, "config.json") == 0 ||
                    strcmp(de->d_name, "credentials.json.lock") == 0);
    }
    closedir(d);
    assert_int_equal(n, 3);
    /* the content round-trips */
    json_t *root = NULL;
    assert_int_equal(fastio_cred_file_load(FASTIO_FILE_CREDENTIALS, 0, &root, NULL, &err),
                     FASTIO_OK);
    json_t *pp = json_object_get(json_object_get(root, "profiles"), "p");
    assert_int_equal(json_integer_value(json_object_get(pp, "expires_at")), 4);
    json_decref(root);
    /* removing a profile, and removing an absent one */
    assert_int_equal(fastio_cred_profile_update(FASTIO_FILE_CREDENTIALS, "p", NULL, NULL, &err),
                     FASTIO_OK);
    assert_int_equal(fastio_cred_profile_update(FASTIO_FILE_CREDENTIALS, "p", NULL, NULL, &err),
                     FASTIO_OK);
    assert_int_equal(fastio_cred_file_load(FASTIO_FILE_CREDENTIALS, 0, &root, NULL, &err),
                     FASTIO_OK);
    assert_int_equal(json_object_size(json_object_get(root, "profiles")), 0);
    json_decref(root);
    /* an absent file loads as {} */
    path_in(p, sizeof(p), "cfg/fastio-c/config.json");
    assert_int_equal(unlink(p), 0);
    assert_int_equal(fastio_cred_file_load(FASTIO_FILE_CONFIG, 0, &root, NULL, &err), FASTIO_OK);
    assert_int_equal(json_object_size(root), 0);
    json_decref(root);
}

static void symlinked_credentials_refused(void **state)
{
    (void)state;
    char target[512], p[512];
    struct fastio_error err;
    struct fastio_credentials c;
    json_t *j = NULL;
    make_cfg_dir();
    path_in(target, sizeof(target), "elsewhere.json");
    put_file(target, "{\"profiles\":{\"default\":{\"token\":\"STOLEN\"}}}", 0600);
    path_in(p, sizeof(p), "cfg/fastio-c/credentials.json");
    assert_int_equal(symlink(target, p), 0);
    assert_int_equal(fastio_cred_file_load(FASTIO_FILE_CREDENTIALS, 0, &j, NULL, &err), FASTIO_IO);
    assert_null(j);
    assert_non_null(strstr(err.message, "symbolic link"));
    assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_IO);
    assert_null(c.token);
    /* a save replaces the link itself, never writes through it */
    json_t *e = json_pack("{s:s}", "token", "NEW");
    assert_non_null(e);
    assert_int_equal(fastio_cred_profile_update(FASTIO_FILE_CREDENTIALS, "default", NULL, e, &err),
                     FASTIO_IO); /* the update re-reads first: refused too */
    json_t *root = json_pack("{s:{s:O}}", "profiles", "default", e);
    assert_non_null(root);
    assert_int_equal(fastio_cred_file_save(FASTIO_FILE_CREDENTIALS, root, &err), FASTIO_OK);
    json_decref(root);
    json_decref(e);
    struct stat st;
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    char buf[128] = "";
    int fd = open(target, O_RDONLY);
    assert_true(fd >= 0);
    assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
    close(fd);
    assert_non_null(strstr(buf, "STOLEN"));
}

static void malformed_json_is_an_error(void **state)
{
    (void)state;
    static const char *const bad[] = {"{\"profiles\":", "[1,2]", "", "\"str\"", "{\"a\":1}x"};
    struct fastio_error err;
    struct fastio_credentials c;
    json_t *j = NULL;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_creds(bad[i], 0600);
        assert_int_equal(fastio_cred_file_load(FASTIO_FILE_CREDENTIALS, 0, &j, NULL, &err),
                         FASTIO_INVALID);
        assert_null(j);
        assert_non_null(strstr(err.message, "fix or remove it"));
        assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_INVALID);
        assert_null(c.profile);
        write_config(bad[i]);
        setenv("FASTIO_TOKEN", "T", 1); /* config.json is read first, whatever the token */
        assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_INVALID);
        unsetenv("FASTIO_TOKEN");
        write_config("{}");
    }
    /* wrong types inside an object are ignored, not dereferenced */
    write_creds("{\"profiles\":{\"default\":{\"token\":5,\"api_key\":[],\"expires_at\":\"x\"}}}",
                0600);
    assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_OK);
    assert_null(c.token);
    fastio_credentials_release(&c);
    write_creds("{\"profiles\":7}", 0600);
    assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_OK);
    fastio_credentials_release(&c);
    json_t *e = json_pack("{s:s}", "token", "t");
    assert_int_equal(fastio_cred_profile_update(FASTIO_FILE_CREDENTIALS, "x", NULL, e, &err),
                     FASTIO_OK); /* a non-object "profiles" is replaced */
    json_decref(e);
}

static void group_readable_refused_or_reported(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_credentials c;
    unsigned mode = 0;
    json_t *j = NULL;
    write_creds("{\"profiles\":{\"default\":{\"token\":\"T\"}}}", 0640);
    assert_int_equal(fastio_cred_file_load(FASTIO_FILE_CREDENTIALS, 0, &j, &mode, &err),
                     FASTIO_FORBIDDEN);
    assert_null(j);
    assert_int_equal(mode, 0640);
    assert_non_null(strstr(err.message, "chmod 600"));
    assert_int_equal(resolve(NULL, NULL, 0, &c), FASTIO_FORBIDDEN);
    assert_int_equal(c.insecure_mode, 0640); /* kept for a warning */
    assert_null(c.token);
    /* allowed: read, and the mode reported */
    assert_int_equal(resolve(NULL, NULL, FASTIO_CRED_ALLOW_INSECURE, &c), FASTIO_OK);
    assert_string_equal(c.token, "T");
    assert_int_equal(c.insecure_mode, 0640);
    fastio_credentials_release(&c);
    /* world-readable too */
    write_creds("{}", 0604);
    assert_int_equal(fastio_cred_file_load(FASTIO_FILE_CREDENTIALS, FASTIO_CRED_ALLOW_INSECURE, &j,
                                           &mode, &err),
                     FASTIO_OK);
    assert_int_equal(mode, 0604);
    json_decref(j);
    /* config.json has no secret: its mode is not checked */
    write_config("{}");
    char p[512];
    path_in(p, sizeof(p), "cfg/fastio-c/config.json");
    assert_int_equal(chmod(p, 0644), 0);
    assert_int_equal(fastio_cred_file_load(FASTIO_FILE_CONFIG, 0, &j, &mode, &err), FASTIO_OK);
    assert_int_equal(mode, 0);
    json_decref(j);
    /* a rewrite makes it 0600 again */
    write_creds("{}", 0644);
    json_t *e = json_pack("{s:s}", "token", "t");
    assert_int_equal(fastio_cred_profile_update(FASTIO_FILE_CREDENTIALS, "x", NULL, e, &err),
                     FASTIO_OK);
    json_decref(e);
    struct stat st;
    path_in(p, sizeof(p), "cfg/fastio-c/credentials.json");
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void lock_is_exclusive(void **state)
{
    (void)state;
    struct fastio_error err;
    int a = fastio_credentials_lock(1000, &err);
    assert_true(a >= 0);
    int b = fastio_credentials_lock(100, &err); /* another open file: conflicts */
    assert_int_equal(b, -1);
    assert_int_equal(err.status, FASTIO_TIMEOUT);
    fastio_credentials_unlock(a);
    b = fastio_credentials_lock(100, &err);
    assert_true(b >= 0);
    fastio_credentials_unlock(b);
    fastio_credentials_unlock(-1);
}

/* ---- two processes, one refresh --------------------------------------------------------------- */

/* Answer every connection on lfd with a rotated token pair (after delay_ms), counting them,
 * until both children exited. */
static int serve_refreshes(int lfd, const pid_t *kids, int *statuses)
{
    int count = 0, left = 2;
    time_t end = time(NULL) + 40;
    while (left > 0 && time(NULL) < end) {
        struct pollfd p = {lfd, POLLIN, 0};
        if (poll(&p, 1, 50) > 0) {
            int c = accept(lfd, NULL, NULL);
            if (c >= 0) {
                char req[8192];
                size_t n = 0;
                /* read the head and the (small) form body */
                for (int tries = 0; tries < 100; tries++) {
                    struct pollfd q = {c, POLLIN, 0};
                    if (poll(&q, 1, 50) <= 0)
                        break;
                    ssize_t r = read(c, req + n, sizeof(req) - 1 - n);
                    if (r <= 0)
                        break;
                    n += (size_t)r;
                    req[n] = '\0';
                    char *body = strstr(req, "\r\n\r\n");
                    if (body && strstr(req, "refresh_token=") != NULL)
                        break;
                }
                count++;
                struct timespec ts = {0, 300 * 1000000L}; /* let the other process queue */
                nanosleep(&ts, NULL);
                char bodytxt[256], resp[512];
                int bl = snprintf(bodytxt, sizeof(bodytxt),
                                  "{\"access_token\":\"A%d\",\"token_type\":\"Bearer\","
                                  "\"refresh_token\":\"R%d\",\"expires_in\":3600}",
                                  count, count);
                int rl = snprintf(resp, sizeof(resp),
                                  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                  "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                                  bl, bodytxt);
                assert_int_equal(write(c, resp, (size_t)rl), rl);
                close(c);
            }
        }
        for (int i = 0; i < 2; i++) {
            if (kids[i] > 0 && waitpid(kids[i], &statuses[i], WNOHANG) == kids[i]) {
                left--;
                ((pid_t *)kids)[i] = 0;
            }
        }
    }
    return count;
}

static void child_refresh(const char *base, int go_fd)
{
    char c;
    struct fastio_error err;
    if (read(go_fd, &c, 1) < 0)
        _exit(10);
    if (fastio_global_init() != FASTIO_OK)
        _exit(11);
    struct fastio_profile_tokens_config tc;
    fastio_profile_tokens_config_init(&tc);
    tc.profile = "default";
    tc.base_url = base;
    tc.client_id = "fastio-cli";
    tc.access_token = "A0";
    tc.refresh_token = "R0";
    tc.expires_at = (int64_t)time(NULL) - 5; /* due */
    struct fastio_profile_tokens *t = fastio_profile_tokens_new(&tc, &err);
    if (!t)
        _exit(12);
    char buf[FASTIO_TOKEN_MAX];
    enum fastio_status st = fastio_profile_tokens_provider(t, NULL, buf, sizeof(buf), &err);
    int rc = st != FASTIO_OK ? 13 : strcmp(buf, "A1") != 0 ? 14 : 0;
    struct fastio_oauth_tokens snap;
    if (rc == 0 && (fastio_profile_tokens_snapshot(t, &snap, &err) != FASTIO_OK ||
                    !snap.refresh_token || strcmp(snap.refresh_token, "R1") != 0))
        rc = 15;
    if (rc == 0)
        fastio_oauth_tokens_release(&snap);
    fastio_profile_tokens_free(t);
    fastio_global_cleanup();
    _exit(rc);
}

static void two_processes_one_refresh(void **state)
{
    (void)state;
    write_creds("{\"profiles\":{\"default\":{\"token\":\"A0\",\"refresh_token\":\"R0\","
                "\"expires_at\":1,\"auth_method\":\"pkce\",\"email\":\"me@example.com\"}}}",
                0600);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(lfd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(lfd, 8), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%u/current", (unsigned)ntohs(a.sin_port));
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t kids[2];
    int statuses[2] = {-1, -1};
    fflush(NULL);
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            close(lfd);
            close(go[1]);
            child_refresh(base, go[0]);
        }
    }
    close(go[0]);
    close(go[1]); /* both start now */
    int count = serve_refreshes(lfd, kids, statuses);
    close(lfd);
    assert_int_equal(count, 1);
    for (int i = 0; i < 2; i++) {
        assert_true(WIFEXITED(statuses[i]));
        assert_int_equal(WEXITSTATUS(statuses[i]), 0);
    }
    /* the file holds the rotated pair; other fields kept */
    json_t *root = NULL;
    assert_int_equal(fastio_cred_file_load(FASTIO_FILE_CREDENTIALS, 0, &root, NULL, NULL),
                     FASTIO_OK);
    json_t *p = json_object_get(json_object_get(root, "profiles"), "default");
    assert_string_equal(json_string_value(json_object_get(p, "token")), "A1");
    assert_string_equal(json_string_value(json_object_get(p, "refresh_token")), "R1");
    assert_string_equal(json_string_value(json_object_get(p, "email")), "me@example.com");
    assert_true(json_integer_value(json_object_get(p, "expires_at")) > (json_int_t)time(NULL));
    json_decref(root);
}

static void bad_arguments(void **state)
{
    (void)state;
    struct fastio_error err;
    struct fastio_profile_tokens_config tc;
    fastio_profile_tokens_config_init(&tc);
    assert_null(fastio_profile_tokens_new(NULL, &err));
    assert_null(fastio_profile_tokens_new(&tc, &err));
    assert_int_equal(err.status, FASTIO_INVALID);
    fastio_profile_tokens_free(NULL);
    assert_int_equal(fastio_credentials_resolve(NULL, NULL, &err), FASTIO_INVALID);
    assert_int_equal(fastio_cred_file_save(FASTIO_FILE_LOCK, NULL, &err), FASTIO_INVALID);
    json_t *arr = json_array();
    assert_int_equal(fastio_cred_file_save(FASTIO_FILE_CONFIG, arr, &err), FASTIO_INVALID);
    assert_int_equal(fastio_cred_profile_update(FASTIO_FILE_CREDENTIALS, "p", NULL, arr, &err),
                     FASTIO_INVALID);
    json_decref(arr);
    char buf[16];
    assert_int_equal(fastio_profile_tokens_provider(NULL, NULL, buf, sizeof(buf), &err),
                     FASTIO_INVALID);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(token_precedence, setup, teardown),
    cmocka_unit_test_setup_teardown(local_key_only_when_asked_and_loopback, setup, teardown),
    cmocka_unit_test_setup_teardown(local_key_tied_to_owner_url, setup, teardown),
    cmocka_unit_test_setup_teardown(profile_from_env, setup, teardown),
    cmocka_unit_test_setup_teardown(api_base_precedence, setup, teardown),
    cmocka_unit_test_setup_teardown(paths_from_environment, setup, teardown),
    cmocka_unit_test_setup_teardown(modes_and_atomic_replace, setup, teardown),
    cmocka_unit_test_setup_teardown(symlinked_credentials_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(malformed_json_is_an_error, setup, teardown),
    cmocka_unit_test_setup_teardown(group_readable_refused_or_reported, setup, teardown),
    cmocka_unit_test_setup_teardown(lock_is_exclusive, setup, teardown),
    cmocka_unit_test_setup_teardown(two_processes_one_refresh, setup, teardown),
    cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
};

TEST_MAIN(tests)
