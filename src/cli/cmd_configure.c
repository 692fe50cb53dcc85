/* SPDX-License-Identifier: MIT */
/* cmd_configure.c - the "configure" group: named profiles in config.json (api §2.6): create one
 * with its API base and auth method, list them, choose the default, show one (never a secret)
 * and delete one together with its stored credentials. Local only: no command talks to the API.
 * Files are rewritten atomically, mode 0600 in a 0700 directory (config.c). */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "timeutil.h"

static bool profile_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 64)
        return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

/* profiles object of root, created when absent; NULL on OOM. */
static json_t *profiles_of(json_t *root)
{
    json_t *p = json_object_get(root, "profiles");
    if (json_is_object(p))
        return p;
    p = json_object();
    if (!p || json_object_set_new(root, "profiles", p) != 0)
        return NULL;
    return p;
}

static int oom(struct cli_ctx *ctx)
{
    cli_errorf(ctx, "out of memory");
    return CLI_ERR;
}

static const char *default_of(json_t *cfg)
{
    const char *d = json_string_value(json_object_get(cfg, "default_profile"));
    return d && d[0] ? d : "default";
}

static int cfg_init(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    const char *name = cli_arg(args, "name");
    const char *base = cli_arg(args, "api-base");
    const char *method = cli_arg(args, "auth-method");
    const char *ca = cli_arg(args, "ca-file");
    char ca_abs[PATH_MAX];
    if (!name) /* a bare "configure init": the profile in use (--profile, FASTIO_PROFILE, ...) */
        name = ctx->flag_profile ? ctx->flag_profile : ctx->profile ? ctx->profile : "default";
    if (!profile_name_ok(name))
        return cli_usage(ctx, "profile names are 1-64 characters of A-Z a-z 0-9 - _ .");
    if (base && strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0)
        return cli_usage(ctx, "--api-base must be an http:// or https:// URL");
    /* stored absolute, so the profile works from any directory; "" removes it (D-125) */
    if (ca && ca[0] && !realpath(ca, ca_abs)) {
        cli_errorf(ctx, "--ca-file %s: %s", ca, strerror(errno));
        return CLI_ERR;
    }
    json_t *cfg = NULL, *out = NULL;
    int rc = cli_config_load(ctx, &cfg);
    if (rc != CLI_OK)
        return rc;
    rc = CLI_ERR;
    json_t *profiles = profiles_of(cfg);
    json_t *p = profiles ? json_object_get(profiles, name) : NULL;
    bool existed = json_is_object(p);
    if (!profiles)
        goto oom;
    if (!existed) {
        p = json_object();
        if (!p || json_object_set_new(profiles, name, p) != 0)
            goto oom;
    }
    if ((base && json_object_set_new(p, "api_base", json_string(base)) != 0) ||
        (method && json_object_set_new(p, "auth_method", json_string(method)) != 0) ||
        (ca && ca[0] && json_object_set_new(p, "ca_file", json_string(ca_abs)) != 0))
        goto oom;
    if (ca && !ca[0])
        (void)json_object_del(p, "ca_file");
    /* Only --default changes the default: a new profile never takes over silently (the
     * profile without default_profile is "default"). */
    bool make_default = cli_arg_given(args, "default");
    if (make_default && json_object_set_new(cfg, "default_profile", json_string(name)) != 0)
        goto oom;
    rc = cli_config_save(ctx, cfg);
    if (rc != CLI_OK)
        goto done;
    out = json_pack("{s:s, s:b, s:b, s:O}", "profile", name, "created", !existed, "default",
                    strcmp(default_of(cfg), name) == 0, "settings", p);
    if (!out)
        goto oom;
    rc = cli_print(ctx, out, NULL);
    if (rc == CLI_OK && strcmp(default_of(cfg), name) != 0)
        cli_note(ctx,
                 "profile '%s' is not the default (that is '%s'): use it with --profile %s or "
                 "FASTIO_PROFILE=%s, or make it the default with 'fastio configure set-default %s'",
                 name, default_of(cfg), name, name, name);
    if (rc == CLI_OK && method && strcmp(method, "api_key") == 0)
        cli_note(ctx, "next: fastio --profile %s configure set-key < key.txt", name);
    else if (rc == CLI_OK && method)
        cli_note(ctx, "next: fastio --profile %s auth login%s", name,
                 strcmp(method, "basic") == 0 ? " --email EMAIL" : "");
    goto done;
oom:
    rc = oom(ctx);
done:
    json_decref(cfg);
    json_decref(out);
    return rc;
}

/* Profile summary without secrets: settings from config.json, what credentials.json holds. */
static json_t *summary(const char *name, json_t *cfg, json_t *creds)
{
    json_t *c = json_object_get(json_object_get(cfg, "profiles"), name);
    json_t *k = json_object_get(json_object_get(creds, "profiles"), name);
    json_t *o = json_pack("{s:s, s:b}", "name", name, "default",
                          strcmp(default_of(cfg), name) == 0);
    if (!o)
        return NULL;
    const char *base = json_string_value(json_object_get(c, "api_base"));
    const char *m = json_string_value(json_object_get(k, "auth_method"));
    if (!m)
        m = json_string_value(json_object_get(c, "auth_method"));
    json_t *exp = json_object_get(k, "expires_at");
    char when[32] = "";
    if (json_is_integer(exp) && json_integer_value(exp) > 0)
        fio_time_api((int64_t)json_integer_value(exp) * 1000000, when, sizeof(when));
    const char *cred = json_object_get(k, "api_key") ? "api_key"
                       : json_object_get(k, "refresh_token") ? "token+refresh_token"
                       : json_object_get(k, "token")         ? "token"
                                                             : "none";
    if (json_object_set_new(o, "api_base", base ? json_string(base) : json_null()) != 0 ||
        json_object_set_new(o, "auth_method", m ? json_string(m) : json_null()) != 0 ||
        json_object_set_new(o, "credentials", json_string(cred)) != 0 ||
        (json_object_get(k, "email") &&
         json_object_set(o, "email", json_object_get(k, "email")) != 0) ||
        (json_object_get(k, "user_id") &&
         json_object_set(o, "user_id", json_object_get(k, "user_id")) != 0) ||
        (when[0] && json_object_set_new(o, "expires_at", json_string(when)) != 0) ||
        (json_is_string(json_object_get(c, "ca_file")) &&
         json_object_set(o, "ca_file", json_object_get(c, "ca_file")) != 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int load_both(struct cli_ctx *ctx, json_t **cfg, json_t **creds)
{
    *creds = NULL;
    if (cli_config_load(ctx, cfg) != CLI_OK)
        return CLI_ERR;
    if (cli_credentials_load_all(ctx, creds) != CLI_OK) {
        json_decref(*cfg);
        *cfg = NULL;
        return CLI_ERR;
    }
    return CLI_OK;
}

static int cfg_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    (void)args;
    json_t *cfg, *creds, *names = NULL, *list = NULL, *out = NULL;
    if (load_both(ctx, &cfg, &creds) != CLI_OK)
        return CLI_ERR;
    int rc = CLI_ERR;
    /* every profile named in either file, sorted */
    names = json_object();
    list = json_array();
    if (!names || !list)
        goto oom;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(cfg, "profiles"), k, v)
    {
        if (json_object_set(names, k, json_true()) != 0)
            goto oom;
    }
    json_object_foreach(json_object_get(creds, "profiles"), k, v)
    {
        if (json_object_set(names, k, json_true()) != 0)
            goto oom;
    }
    if (json_object_set(names, default_of(cfg), json_true()) != 0)
        goto oom;
    json_t *keys = json_array();
    if (!keys)
        goto oom;
    json_object_foreach(names, k, v)
    {
        if (json_array_append_new(keys, json_string(k)) != 0) {
            json_decref(keys);
            goto oom;
        }
    }
    /* insertion order of a jansson object is kept; sort by name for stable output */
    size_t n = json_array_size(keys);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(json_string_value(json_array_get(keys, j - 1)),
                                           json_string_value(json_array_get(keys, j))) > 0;
             j--) {
            json_t *a = json_incref(json_array_get(keys, j - 1));
            json_t *b = json_incref(json_array_get(keys, j));
            json_array_set_new(keys, j - 1, b);
            json_array_set_new(keys, j, a);
        }
    for (size_t i = 0; i < n; i++) {
        json_t *s = summary(json_string_value(json_array_get(keys, i)), cfg, creds);
        if (!s || json_array_append_new(list, s) != 0) {
            json_decref(keys);
            goto oom;
        }
    }
    json_decref(keys);
    out = json_pack("{s:s, s:O}", "default_profile", default_of(cfg), "profiles", list);
    if (!out)
        goto oom;
    rc = cli_print(ctx, out, list);
    goto done;
oom:
    rc = oom(ctx);
done:
    json_decref(names);
    json_decref(list);
    json_decref(out);
    json_decref(cfg);
    json_decref(creds);
    return rc;
}

static bool known(json_t *cfg, json_t *creds, const char *name)
{
    return json_object_get(json_object_get(cfg, "profiles"), name) ||
           json_object_get(json_object_get(creds, "profiles"), name);
}

/* What set-default, show and delete share: both files loaded, the profile found (a missing
 * one refused: "no profile 'NAME'", with init_hint how to create it), fn's result (OWNED in
 * *out; NULL = out of memory) printed. default_ok: the default profile counts even when no
 * file names it. */
typedef int (*profile_fn)(struct cli_ctx *ctx, const char *name, json_t *cfg, json_t *creds,
                          json_t **out);

static int on_profile(struct cli_ctx *ctx, const char *name, bool default_ok, bool init_hint,
                      profile_fn fn)
{
    json_t *cfg, *creds, *out = NULL;
    if (load_both(ctx, &cfg, &creds) != CLI_OK)
        return CLI_ERR;
    int rc = CLI_ERR;
    if (!known(cfg, creds, name) && !(default_ok && strcmp(name, default_of(cfg)) == 0)) {
        if (init_hint)
            cli_errorf(ctx, "no profile '%s' (create it with 'fastio configure init --name %s')",
                       name, name);
        else
            cli_errorf(ctx, "no profile '%s'", name);
    } else if ((rc = fn(ctx, name, cfg, creds, &out)) == CLI_OK) {
        rc = out ? cli_print(ctx, out, NULL) : oom(ctx);
    }
    json_decref(out);
    json_decref(cfg);
    json_decref(creds);
    return rc;
}

static int set_default(struct cli_ctx *ctx, const char *name, json_t *cfg, json_t *creds,
                       json_t **out)
{
    (void)creds;
    if (json_object_set_new(cfg, "default_profile", json_string(name)) != 0)
        return oom(ctx);
    int rc = cli_config_save(ctx, cfg);
    if (rc == CLI_OK)
        *out = json_pack("{s:s}", "default_profile", name);
    return rc;
}

static int cfg_set_default(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    return on_profile(ctx, cli_arg(args, "NAME"), false, true, set_default);
}

static int show(struct cli_ctx *ctx, const char *name, json_t *cfg, json_t *creds, json_t **out)
{
    json_t *s = summary(name, cfg, creds);
    if (!s)
        return oom(ctx);
    char path[4096];
    if (fastio_cred_path(FASTIO_FILE_CONFIG, false, path, sizeof(path)))
        json_object_set_new(s, "config_file", json_string(path));
    if (fastio_cred_path(FASTIO_FILE_CREDENTIALS, false, path, sizeof(path)))
        json_object_set_new(s, "credentials_file", json_string(path));
    *out = s;
    return CLI_OK;
}

static int cfg_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    const char *name = cli_arg(args, "NAME");
    return on_profile(ctx, name ? name : ctx->profile, true, false, show);
}

static int delete_profile(struct cli_ctx *ctx, const char *name, json_t *cfg, json_t *creds,
                          json_t **out)
{
    (void)creds;
    bool was_default = strcmp(default_of(cfg), name) == 0 && json_object_get(cfg, "default_profile");
    json_object_del(profiles_of(cfg), name);
    if (was_default)
        json_object_del(cfg, "default_profile");
    int rc = cli_config_save(ctx, cfg);
    /* credentials: under the refresh lock (taken by the library), re-read so a concurrent
     * refresh is not undone */
    if (rc == CLI_OK)
        rc = cli_credentials_store(ctx, name, NULL);
    if (rc == CLI_OK)
        *out = json_pack("{s:s, s:b}", "deleted", name, "was_default", was_default);
    return rc;
}

static int cfg_delete(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    return on_profile(ctx, cli_arg(args, "NAME"), false, false, delete_profile);
}

/* Read one line (the key) from stdin; on a terminal without echo, after a prompt. Owned (wiped
 * by the caller) or NULL (printed). */
static char *read_key(struct cli_ctx *ctx)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    bool restore = false;
    if (tty) {
        fputs("API key: ", stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    char buf[4096];
    size_t n = 0;
    bool ok = true;
    for (;;) {
        char c;
        ssize_t r = read(STDIN_FILENO, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || c == '\n')
            break;
        if (n + 1 >= sizeof(buf)) {
            ok = false;
            break;
        }
        buf[n++] = c;
    }
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (tty)
        fputc('\n', stderr);
    while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    size_t start = 0;
    while (start < n && (buf[start] == ' ' || buf[start] == '\t'))
        start++;
    char *key = NULL;
    if (!ok)
        cli_errorf(ctx, "the key is longer than %zu bytes", sizeof(buf) - 1);
    else if (start == n)
        cli_errorf(ctx, "no key on standard input (pipe it in: fastio configure set-key < key.txt)");
    else if ((key = malloc(n - start + 1)) != NULL) {
        memcpy(key, buf + start, n - start);
        key[n - start] = '\0';
    } else
        cli_errorf(ctx, "out of memory");
    explicit_bzero(buf, sizeof(buf));
    for (char *p = key; p && *p; p++)
        if ((unsigned char)*p < 0x21 || *p == 0x7f) {
            cli_errorf(ctx, "the key holds spaces or control characters");
            explicit_bzero(key, strlen(key));
            free(key);
            return NULL;
        }
    return key;
}

static int cfg_set_key(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    const char *name = cli_arg(args, "NAME");
    if (!name)
        name = ctx->flag_profile ? ctx->flag_profile : ctx->profile ? ctx->profile : "default";
    if (!profile_name_ok(name))
        return cli_usage(ctx, "profile names are 1-64 characters of A-Z a-z 0-9 - _ .");
    char *key = read_key(ctx);
    if (!key)
        return CLI_ERR;
    json_t *creds = json_pack("{s:s, s:s}", "api_key", key, "auth_method", "api_key");
    explicit_bzero(key, strlen(key));
    free(key);
    if (!creds)
        return oom(ctx);
    int rc = cli_credentials_store(ctx, name, creds);
    json_t *k = json_object_get(creds, "api_key");
    if (k)
        explicit_bzero((char *)json_string_value(k), strlen(json_string_value(k)));
    json_decref(creds);
    if (rc != CLI_OK)
        return rc;
    /* record the method in config.json too, so 'configure list' shows it */
    json_t *cfg = NULL;
    if (cli_config_load(ctx, &cfg) == CLI_OK) {
        json_t *profiles = profiles_of(cfg);
        json_t *p = profiles ? json_object_get(profiles, name) : NULL;
        if (profiles && !p && (p = json_object()) != NULL &&
            json_object_set_new(profiles, name, p) != 0)
            p = NULL;
        if (p && json_object_set_new(p, "auth_method", json_string("api_key")) == 0)
            rc = cli_config_save(ctx, cfg);
    }
    json_t *out = rc == CLI_OK ? json_pack("{s:s, s:s}", "profile", name, "credentials",
                                           "api_key")
                               : NULL;
    if (rc == CLI_OK)
        rc = out ? cli_print(ctx, out, NULL) : oom(ctx);
    if (rc == CLI_OK && cfg && strcmp(default_of(cfg), name) != 0)
        cli_note(ctx, "stored; profile '%s' is not the default: use --profile %s", name, name);
    json_decref(out);
    json_decref(cfg);
    return rc;
}

/* ---- rows ------------------------------------------------------------------------------------ */
/* clang-format off */

/* Local settings only: no option here is a wire parameter. */
static const struct cli_opt init_opts[] = {
    {.name = "name", .kind = OPT_VALUE, .cli_only = true, .metavar = "NAME",
     .help = "Profile name: 1-64 characters of A-Z a-z 0-9 - _ . Default: the profile in\n"
             "use (--profile, FASTIO_PROFILE, the default profile, \"default\")."},
    {.name = "api-base", .kind = OPT_VALUE, .cli_only = true, .metavar = "URL",
     .help = "API base of the profile, including /current\n"
             "(e.g. https://api.fast.io/current). Without it the built-in local server\n"
             "address is used."},
    {.name = "auth-method", .kind = OPT_VALUE, .cli_only = true, .check = CHK_CHOICE,
     .choices = "pkce|basic|api_key",
     .metavar = "pkce|basic|api_key",
     .help = "How the profile signs in (recorded; 'auth login' without --email is pkce)."},
    {.name = "ca-file", .kind = OPT_VALUE, .cli_only = true, .metavar = "PATH",
     .help = "PEM bundle of the CAs that verify the profile's https:// server (a private\n"
             "CA, or a self-signed server's certificate), stored as an absolute path in\n"
             "the profile's ca_file; \"\" removes it. A command's global --ca-file and\n"
             "FASTIO_CA_FILE win over it."},
    {.name = "default", .kind = OPT_BOOL, .cli_only = true,
     .help = "Make it the default profile. Without it the default does not change (a\n"
             "note says how to use the profile)."},
    {0},
};

static const struct cli_opt name_opts[] = {
    {.name = "NAME", .kind = OPT_POS, .cli_only = true, .help = "Profile name."},
    {0},
};

static const struct cli_opt show_opts[] = {
    {.name = "NAME", .kind = OPT_POS, .cli_only = true, .optional = true,
     .help = "Profile name (default: the profile in use, --profile or the default)."},
    {0},
};

static const struct cli_opt no_opts[] = {{0}};

static const struct cli_opt set_key_opts[] = {
    {.name = "NAME", .kind = OPT_POS, .cli_only = true, .optional = true,
     .help = "Profile name (default: the profile in use, --profile or the default)."},
    {0},
};

const struct cli_cmd cli_configure_cmds[] = {
    {
        .name = "init",
        .endpoint = -1,
        .opts = init_opts,
        .run = cfg_init,
        .flags = CMD_LOCAL,
        .summary = "Create or update a named profile",
        .description =
            "Writes profiles.NAME {api_base, auth_method, ca_file} to config.json\n"
            "(atomically, mode 0600 in a 0700 directory). Options not given keep their\n"
            "stored values; a bare 'configure init' creates the profile in use. Only\n"
            "--default makes a profile the default; otherwise a note says how to use it.\n"
            "Sign in to it afterwards with 'fastio --profile NAME auth login', or store an\n"
            "API key with 'configure set-key'.",
        .examples = "fastio configure init\n"
                    "fastio configure init --name work --api-base https://api.fast.io/current "
                    "--auth-method pkce\n"
                    "fastio configure init --name local --api-base http://127.0.0.1:8787/current "
                    "--default\n"
                    "fastio configure init --name lab --api-base https://files.lab:8787/current "
                    "--ca-file lab-ca.pem",
    },
    {
        .name = "set-key",
        .endpoint = -1,
        .opts = set_key_opts,
        .run = cfg_set_key,
        .flags = CMD_LOCAL,
        .summary = "Store an API key in a profile",
        .description =
            "Reads an API key from standard input (one line; on a terminal it is asked for\n"
            "without echo) and stores it as the profile's api_key in credentials.json (mode\n"
            "0600, under the credentials lock), replacing the profile's stored tokens. The\n"
            "key is never taken from the command line, where other users could see it.\n"
            "Commands run with that profile then send it (it comes before a stored token).",
        .examples = "fastio configure set-key < key.txt\n"
                    "printf '%s\\n' \"$KEY\" | fastio configure set-key ci\n"
                    "fastio --profile work configure set-key",
    },
    {
        .name = "list",
        .endpoint = -1,
        .opts = no_opts,
        .run = cfg_list,
        .flags = CMD_LOCAL,
        .summary = "List the profiles",
        .description =
            "Every profile named in config.json or credentials.json: name, whether it is the\n"
            "default, api_base, auth_method, which credentials are stored (none, token,\n"
            "token+refresh_token, api_key), email and expiry. Never a secret.",
        .examples = "fastio configure list\nfastio configure list --format json",
    },
    {
        .name = "set-default",
        .endpoint = -1,
        .opts = name_opts,
        .run = cfg_set_default,
        .flags = CMD_LOCAL,
        .summary = "Choose the profile used without --profile",
        .description = "Sets default_profile in config.json. The profile must exist.",
        .examples = "fastio configure set-default work",
    },
    {
        .name = "show",
        .endpoint = -1,
        .opts = show_opts,
        .run = cfg_show,
        .flags = CMD_LOCAL,
        .summary = "Show one profile (no secrets)",
        .description = "The settings and stored-credential summary of one profile, and the paths\n"
                       "of config.json and credentials.json.",
        .examples = "fastio configure show\nfastio configure show work",
    },
    {
        .name = "delete",
        .endpoint = -1,
        .opts = name_opts,
        .run = cfg_delete,
        .flags = CMD_LOCAL,
        .summary = "Delete a profile and its stored credentials",
        .description =
            "Removes the profile from config.json and credentials.json (tokens are not\n"
            "revoked on the server: use 'auth signout' first for that). When it was the\n"
            "default, the default falls back to the profile named \"default\".",
        .examples = "fastio configure delete old",
    },
    {0},
};
/* clang-format on */
