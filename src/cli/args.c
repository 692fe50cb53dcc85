/* SPDX-License-Identifier: MIT */
/* args.c - the argument parser: global flags (before or after the command) and a command's own
 * positionals and flags, driven by the option rows of the command table. Accepts "--flag value",
 * "--flag=value", boolean "--flag", "--" to end flags, and checks values before anything is sent.
 */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "name.h"

static size_t opt_count(const struct cli_cmd *cmd)
{
    size_t n = 0;
    while (cmd->opts && cmd->opts[n].name)
        n++;
    if (n > CLI_MAX_OPTS)
        abort(); /* broken table invariant: raise CLI_MAX_OPTS */
    return n;
}

static int find_opt(const struct cli_cmd *cmd, const char *name, size_t len, bool flag)
{
    for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++) {
        const struct cli_opt *o = &cmd->opts[i];
        bool is_flag = o->kind == OPT_VALUE || o->kind == OPT_BOOL;
        if (is_flag == flag && strlen(o->name) == len && memcmp(o->name, name, len) == 0)
            return (int)i;
    }
    return -1;
}

int cli_global_flag(struct cli_ctx *ctx, const char *name, const char *value, bool *consumed)
{
    *consumed = false;
    bool is_format = strcmp(name, "format") == 0;
    if (strcmp(name, "no-color") == 0) {
        ctx->no_color = true;
        return 1;
    }
    if (strcmp(name, "fields") == 0) {
        if (!value)
            return cli_usage(ctx, "option --fields needs a value (a,b,c)");
        *consumed = true;
        if (!value[0] || strspn(value, ", ") == strlen(value))
            return cli_usage(ctx, "option --fields needs at least one field name (a,b,c)");
        ctx->fields = value;
        return 1;
    }
    if (is_format || strcmp(name, "api-base") == 0 || strcmp(name, "token") == 0 ||
        strcmp(name, "profile") == 0 || strcmp(name, "log-file") == 0 ||
        strcmp(name, "ca-file") == 0) {
        if (!value)
            return cli_usage(ctx, "option --%s needs a value", name);
        *consumed = true;
        if (!value[0])
            return cli_usage(ctx, "option --%s needs a non-empty value", name);
        if (!is_format) {
            if (name[0] == 'l')
                ctx->flag_log_file = value;
            else if (name[0] == 'c')
                ctx->flag_ca_file = value;
            else if (name[0] == 'a')
                ctx->flag_api_base = value;
            else if (name[0] == 't')
                ctx->flag_token = value;
            else
                ctx->flag_profile = value;
            return 1;
        }
        if (strcmp(value, "json") == 0)
            ctx->format = CLI_FMT_JSON;
        else if (strcmp(value, "table") == 0)
            ctx->format = CLI_FMT_TABLE;
        else if (strcmp(value, "csv") == 0)
            ctx->format = CLI_FMT_CSV;
        else if (strcmp(value, "markdown") == 0 || strcmp(value, "md") == 0)
            ctx->format = CLI_FMT_MARKDOWN;
        else
            return cli_usage(ctx, "--format must be json, table, csv or markdown, not '%s'",
                             value);
        ctx->format_set = true;
        return 1;
    }
    if (strcmp(name, "quiet") == 0 || strcmp(name, "q") == 0) {
        ctx->quiet = true;
        return 1;
    }
    if (strcmp(name, "verbose") == 0 || strcmp(name, "v") == 0) {
        ctx->verbose++;
        return 1;
    }
    return 0;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static bool choice_ok(const char *choices, const char *v)
{
    size_t vl = strlen(v);
    const char *p = choices;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == vl && memcmp(p, v, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

/* "YYYY-MM-DD HH:MM:SS UTC" (api §2.4). */
static bool expires_ok(const char *v)
{
    static const char pat[] = "dddd-dd-dd dd:dd:dd UTC";
    if (strlen(v) != sizeof(pat) - 1)
        return false;
    for (size_t i = 0; pat[i]; i++) {
        if (pat[i] == 'd' ? (v[i] < '0' || v[i] > '9') : v[i] != pat[i])
            return false;
    }
    return true;
}

static void opt_label(const struct cli_opt *o, char *out, size_t size)
{
    if (o->kind == OPT_POS || o->kind == OPT_REST)
        snprintf(out, size, "<%s>", o->name);
    else
        snprintf(out, size, "--%s", o->name);
}

static int check_value(struct cli_ctx *ctx, const struct cli_opt *o,
                       const struct cli_opt_view *view, const char *v)
{
    char label[80];
    opt_label(o, label, sizeof(label));
    switch (view->check) {
    case CHK_NONE:
        return CLI_OK;
    case CHK_UINT: {
        long long n;
        /* Only the form: the range is the command's or the server's to check. */
        if (!all_digits(v) || !fio_parse_ll(v, 0, LLONG_MAX, &n))
            return cli_usage(ctx, "%s must be a non-negative integer, not '%s'", label, v);
        return CLI_OK;
    }
    case CHK_BOOL:
        if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
            return cli_usage(ctx, "%s must be true or false, not '%s'", label, v);
        return CLI_OK;
    case CHK_CHOICE:
        if (!choice_ok(view->choices, v))
            return cli_usage(ctx, "%s must be one of %s, not '%s'", label, view->choices, v);
        return CLI_OK;
    case CHK_NAME: {
        enum fio_name_check c = fio_name_check(v, strlen(v));
        if (c != FIO_NAME_OK)
            return cli_usage(ctx, "%s '%s' is not a valid name: %s", label, v,
                             fio_name_check_str(c));
        return CLI_OK;
    }
    case CHK_JSON: {
        json_error_t jerr;
        json_t *j = json_loads(v, JSON_DECODE_ANY, &jerr);
        if (!j)
            return cli_usage(ctx, "%s is not valid JSON: %s", label, jerr.text);
        json_decref(j);
        return CLI_OK;
    }
    case CHK_EXPIRES:
        if (!expires_ok(v))
            return cli_usage(ctx, "%s must look like \"2027-01-31 23:59:59 UTC\", not '%s'", label,
                             v);
        return CLI_OK;
    }
    return CLI_OK;
}

/* For an unknown option of a command that takes arguments: an argument that merely begins with
 * '-' (a transfer token or a name can) is taken for an option, so say how to pass it. */
static const char *value_hint(const struct cli_cmd *cmd)
{
    for (int j = 0; cmd->opts && cmd->opts[j].name; j++)
        if (cmd->opts[j].kind == OPT_POS || cmd->opts[j].kind == OPT_REST)
            return " (an argument that begins with '-' goes after '--')";
    return "";
}

/* A long flag "--name[=value]" at argv[*i]. */
static int parse_long(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv, int *i,
                      struct cli_args *args)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    int k = find_opt(cmd, name, len, true);
    if (k >= 0) {
        const struct cli_opt *o = &cmd->opts[k];
        if (o->kind == OPT_BOOL) {
            if (eq && strcmp(eq + 1, "true") != 0 && strcmp(eq + 1, "false") != 0)
                return cli_usage(ctx, "option --%s takes no value", o->name);
            bool on = !eq || strcmp(eq + 1, "true") == 0;
            args->values[k] = on ? "true" : NULL;
            args->given[k] = on;
            return CLI_OK;
        }
        const char *v = eq ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
        if (!v)
            return cli_usage(ctx, "option --%s needs a value", o->name);
        args->values[k] = v;
        args->given[k] = true;
        return CLI_OK;
    }
    char gname[32];
    if (len < sizeof(gname)) {
        memcpy(gname, name, len);
        gname[len] = '\0';
        bool consumed;
        const char *v = eq ? eq + 1 : (*i + 1 < argc ? argv[*i + 1] : NULL);
        int r = cli_global_flag(ctx, gname, v, &consumed);
        if (r == CLI_USAGE)
            return CLI_USAGE;
        if (r == 1) {
            if (eq && !consumed)
                return cli_usage(ctx, "option --%s takes no value", gname);
            if (consumed && !eq)
                ++*i;
            return CLI_OK;
        }
    }
    return cli_usage(ctx, "unknown option '--%.*s'%s", (int)len, name, value_hint(cmd));
}

int cli_args_parse(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv,
                   struct cli_args *args)
{
    memset(args, 0, sizeof(*args));
    args->cmd = cmd;
    size_t nopts = opt_count(cmd);
    const char **pos = calloc((size_t)argc + 1, sizeof(*pos));
    if (!pos) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    args->rest = pos; /* owned until cli_args_release; trimmed to the OPT_REST part below */
    size_t npos = 0;
    bool flags_done = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!flags_done && strcmp(a, "--") == 0) {
            flags_done = true;
            continue;
        }
        if (flags_done || a[0] != '-' || a[1] == '\0') {
            pos[npos++] = a;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return -1;
        if (a[1] == '-') {
            int r = parse_long(ctx, cmd, argc, argv, &i, args);
            if (r != CLI_OK)
                return r;
            continue;
        }
        /* a command's one-letter alias of a flag ("-o PATH") */
        if (a[2] == '\0') {
            int k = -1;
            for (int j = 0; cmd->opts && cmd->opts[j].name; j++)
                if (cmd->opts[j].short_name == a[1] && cmd->opts[j].kind != OPT_POS &&
                    cmd->opts[j].kind != OPT_REST)
                    k = j;
            if (k >= 0 && cmd->opts[k].kind == OPT_BOOL) {
                args->values[k] = "true";
                args->given[k] = true;
                continue;
            }
            if (k >= 0) {
                if (i + 1 >= argc)
                    return cli_usage(ctx, "option -%c needs a value", a[1]);
                args->values[k] = argv[++i];
                args->given[k] = true;
                continue;
            }
        }
        /* short global flags, possibly bundled: -q, -v, -vv, -qv */
        for (const char *c = a + 1; *c; c++) {
            char nm[2] = {*c, '\0'};
            bool consumed;
            if (*c == 'h')
                return -1;
            if ((*c != 'q' && *c != 'v') || cli_global_flag(ctx, nm, NULL, &consumed) != 1)
                return cli_usage(ctx, "unknown option '%s'%s", a, value_hint(cmd));
        }
    }

    /* positionals, in row order */
    size_t used = 0;
    for (size_t k = 0; k < nopts; k++) {
        const struct cli_opt *o = &cmd->opts[k];
        if (o->kind == OPT_POS) {
            if (used < npos) {
                args->values[k] = pos[used++];
                args->given[k] = true;
            } else if (!o->optional) {
                return cli_usage(ctx, "missing argument <%s>", o->name);
            }
        } else if (o->kind == OPT_REST) {
            if (used >= npos && !o->optional)
                return cli_usage(ctx, "missing argument <%s>...", o->name);
            memmove(pos, pos + used, (npos - used) * sizeof(*pos));
            args->n_rest = npos - used;
            args->values[k] = args->n_rest ? pos[0] : NULL;
            args->given[k] = args->n_rest > 0;
            used = npos;
        }
    }
    if (used < npos)
        return cli_usage(ctx, "unexpected argument '%s'", pos[used]);

    for (size_t k = 0; k < nopts; k++) {
        const struct cli_opt *o = &cmd->opts[k];
        struct cli_opt_view view;
        cli_opt_view(cmd, o, &view); /* the checks come from the option's row parameter */
        if (args->given[k]) {
            if (o->kind == OPT_REST) {
                for (size_t r = 0; r < args->n_rest; r++)
                    if (check_value(ctx, o, &view, args->rest[r]) != CLI_OK)
                        return CLI_USAGE;
            } else if (o->kind != OPT_BOOL &&
                       check_value(ctx, o, &view, args->values[k]) != CLI_OK) {
                return CLI_USAGE;
            }
            continue;
        }
        if (view.required && o->kind != OPT_POS && o->kind != OPT_REST)
            return cli_usage(ctx, "missing required option --%s %s", o->name,
                             o->metavar ? o->metavar : "VALUE");
        args->values[k] = o->def;
    }
    return CLI_OK;
}

void cli_args_release(struct cli_args *args)
{
    for (size_t k = 0; k < CLI_MAX_OPTS; k++)
        free(args->owned[k]);
    free((void *)args->rest);
    memset(args, 0, sizeof(*args));
}

static int arg_index(const struct cli_args *args, const char *name)
{
    for (size_t i = 0; args->cmd && args->cmd->opts[i].name; i++)
        if (strcmp(args->cmd->opts[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *cli_arg(const struct cli_args *args, const char *name)
{
    int k = arg_index(args, name);
    return k < 0 ? NULL : args->values[k];
}

bool cli_arg_given(const struct cli_args *args, const char *name)
{
    int k = arg_index(args, name);
    return k >= 0 && args->given[k];
}

bool cli_arg_set(struct cli_args *args, const char *name, const char *value)
{
    int k = arg_index(args, name);
    if (k < 0)
        return false;
    char *copy = fio_strdup(value);
    if (value && !copy)
        return false;
    free(args->owned[k]);
    args->owned[k] = copy;
    args->values[k] = copy;
    return true;
}
