/* SPDX-License-Identifier: MIT */
/* doc.c - the generated part of the CLI reference and its machine-readable twin, both from the
 * command rows and the endpoint rows they link to. "fastio __doc markdown" is what docs/cli.md
 * holds between its GENERATED markers (test_cli_rows.c fails when the two differ);
 * "fastio __doc json" lists every option with its row link for the same test; "fastio __doc man"
 * the command reference of the fastio(1) man page (scripts/gen-man.sh). */
#include "cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(enum cli_opt_kind k)
{
    switch (k) {
    case OPT_POS:
        return "positional";
    case OPT_REST:
        return "rest";
    case OPT_VALUE:
        return "value";
    case OPT_BOOL:
        return "flag";
    }
    return "unknown";
}

/* The value column: the parameter's type (or the CLI check of a CLI-only option). */
static const char *value_name(const struct cli_opt *o, const struct cli_opt_view *v)
{
    if (o->kind == OPT_BOOL)
        return "flag";
    if (v->check == CHK_CHOICE)
        return "enum";
    if (v->param)
        return fastio_param_type_name(v->param->type);
    switch (v->check) {
    case CHK_UINT:
        return "int";
    case CHK_BOOL:
        return "bool";
    case CHK_NAME:
        return "name";
    case CHK_JSON:
        return "json";
    case CHK_EXPIRES:
        return "datetime";
    case CHK_NONE:
    case CHK_CHOICE:
        break;
    }
    return "string";
}

/* Text for one table cell: newlines become spaces, '|' is escaped. */
static void cell(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\n')
            fputc(' ', f);
        else if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s, f);
    }
}

static void opt_label(FILE *f, const struct cli_opt *o)
{
    switch (o->kind) {
    case OPT_POS:
        fprintf(f, "`<%s>`", o->name);
        return;
    case OPT_REST:
        fprintf(f, "`<%s>...`", o->name);
        return;
    case OPT_VALUE:
    case OPT_BOOL:
        break;
    }
    if (o->short_name)
        fprintf(f, "`-%c`, ", o->short_name);
    fprintf(f, "`--%s", o->name);
    if (o->kind == OPT_VALUE) {
        fputc(' ', f);
        if (o->metavar) {
            cell(f, o->metavar);
        } else {
            for (const char *c = o->name; *c; c++)
                fputc(*c == '-' ? '_' : toupper((unsigned char)*c), f);
        }
    }
    fputc('`', f);
}

static void md_command(FILE *f, const struct cli_group *g, const struct cli_cmd *cmd)
{
    fprintf(f, "### `fastio %s %s`\n\n%s.\n\n```\n", g->name, cmd->name, cmd->summary);
    cli_help_synopsis(f, g, cmd);
    fputs("```\n", f);
    const struct fastio_endpoint_info *row =
        cmd->endpoint >= 0 ? fastio_endpoint_get((enum fastio_endpoint)cmd->endpoint) : NULL;
    if (row)
        fprintf(f, "\nAPI: `%s %s` (`%s`): %s\n", fastio_method_name(row->method), row->path,
                row->name, row->doc);
    if (!cmd->opts || !cmd->opts[0].name) {
        fputs("\nNo options.\n\n", f);
        return;
    }
    fputs("\n| Option | Required | Value | Sent as | Description |\n|---|---|---|---|---|\n", f);
    for (size_t i = 0; cmd->opts[i].name; i++) {
        const struct cli_opt *o = &cmd->opts[i];
        struct cli_opt_view v;
        cli_opt_view(cmd, o, &v);
        bool req = v.required || ((o->kind == OPT_POS || o->kind == OPT_REST) && !o->optional);
        fputs("| ", f);
        opt_label(f, o);
        fprintf(f, " | %s | %s", req ? "yes" : "no", value_name(o, &v));
        if (v.check == CHK_CHOICE && v.choices) {
            fputs(": ", f);
            cell(f, v.choices);
        }
        fputs(" | ", f);
        if (v.param)
            fprintf(f, "`%s` (%s)", v.param->name, fastio_param_in_name(v.param->in));
        else
            fputs("CLI only", f);
        fputs(" | ", f);
        cell(f, v.doc);
        if (v.doc && v.remark)
            fputc(' ', f);
        cell(f, v.remark);
        if (v.note && (v.doc || v.remark))
            fputc(' ', f);
        cell(f, v.note);
        if (o->def) {
            fputs(" Default: ", f);
            cell(f, o->def);
            fputc('.', f);
        }
        fputs(" |\n", f);
    }
    fputc('\n', f);
}

static int doc_markdown(FILE *f)
{
    for (const struct cli_group *g = cli_groups(); g->name; g++) {
        fprintf(f, "## `fastio %s`: %s\n\n", g->name, g->summary);
        for (const struct cli_cmd *c = g->cmds; c->name; c++)
            md_command(f, g, c);
    }
    return fflush(f) == 0 && !ferror(f) ? CLI_OK : CLI_ERR;
}

/* ---- man: the command reference of fastio(1) ----------------------------------------------
 * "fastio __doc man" prints the COMMAND REFERENCE section of the fastio(1) man page in roff: a
 * subsection per command with its synopsis, description, API row and options, from the same
 * rows as --help (scripts/gen-man.sh puts it after the sections made from 'fastio --help'). */

/* Text in fill mode: backslashes and hyphens escaped, a control character at a line start
 * neutralised, each source line an output line, an empty line a paragraph break. */
static void roff_text(FILE *f, const char *s)
{
    bool bol = true;
    for (; s && *s; s++) {
        if (bol) {
            while (*s == ' ')
                s++;
            if (*s == '\n') {
                fputs(".PP\n", f);
                continue;
            }
            if (*s == '\0')
                break;
            if (*s == '.' || *s == '\'')
                fputs("\\&", f);
        }
        bol = false;
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else if (*s == '\n') {
            fputc('\n', f);
            bol = true;
        } else
            fputc(*s, f);
    }
    if (!bol)
        fputc('\n', f);
}

/* Lines kept as they are (synopsis, examples). */
static void roff_lines(FILE *f, const char *s)
{
    fputs(".PP\n.RS 4\n.nf\n", f);
    roff_text(f, s);
    fputs(".fi\n.RE\n", f);
}

/* A word inside a line: '-' and '\\' escaped. */
static void roff_word(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '-')
            fputs("\\-", f);
        else if (*s == '\\')
            fputs("\\e", f);
        else
            fputc(*s, f);
    }
}

static void man_opt_tag(FILE *f, const struct cli_opt *o)
{
    if (o->kind == OPT_POS || o->kind == OPT_REST) {
        fprintf(f, "\\fI%s\\fR%s\n", o->name, o->kind == OPT_REST ? " ..." : "");
        return;
    }
    if (o->short_name)
        fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
    fputs("\\fB\\-\\-", f);
    roff_word(f, o->name);
    fputs("\\fR", f);
    if (o->kind == OPT_VALUE) {
        fputs(" \\fI", f);
        if (o->metavar) {
            roff_word(f, o->metavar);
        } else {
            for (const char *c = o->name; *c; c++)
                fputc(*c == '-' ? '_' : toupper((unsigned char)*c), f);
        }
        fputs("\\fR", f);
    }
    fputc('\n', f);
}

static void man_command(FILE *f, const struct cli_group *g, const struct cli_cmd *cmd)
{
    char *syn = NULL;
    size_t syn_len = 0;
    fprintf(f, ".SS \"fastio %s %s\"\n", g->name, cmd->name);
    roff_text(f, cmd->summary);
    FILE *m = open_memstream(&syn, &syn_len);
    if (m != NULL) {
        cli_help_synopsis(m, g, cmd);
        fclose(m);
        roff_lines(f, syn);
    }
    free(syn);
    if (cmd->description) {
        fputs(".PP\n", f);
        roff_text(f, cmd->description);
    }
    const struct fastio_endpoint_info *row =
        cmd->endpoint >= 0 ? fastio_endpoint_get((enum fastio_endpoint)cmd->endpoint) : NULL;
    if (row) {
        char api[512];
        snprintf(api, sizeof(api), "API: %s %s%s", fastio_method_name(row->method), row->path,
                 row->auth == FASTIO_AUTH_NONE ? " (no authentication)" : "");
        fputs(".PP\n", f);
        roff_text(f, api);
        roff_text(f, row->doc);
    }
    for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++) {
        const struct cli_opt *o = &cmd->opts[i];
        struct cli_opt_view v;
        cli_opt_view(cmd, o, &v);
        fputs(".TP\n", f);
        man_opt_tag(f, o);
        roff_text(f, v.doc);
        roff_text(f, v.remark);
        roff_text(f, v.note);
        if (v.required)
            roff_text(f, "Required.");
        if (v.check == CHK_CHOICE && v.choices) {
            fputs("One of: ", f);
            roff_text(f, v.choices);
        }
        if (o->def) {
            fputs("Default: ", f);
            roff_text(f, o->def);
        }
    }
    if (cmd->examples) {
        fputs(".PP\nExamples:\n", f);
        roff_lines(f, cmd->examples);
    }
}

static int doc_man(FILE *f)
{
    fputs(".SH \"COMMAND REFERENCE\"\n"
          "Every command with its arguments and options, as 'fastio GROUP COMMAND \\-\\-help'\n"
          "shows them. The global options may be given with any command.\n",
          f);
    for (const struct cli_group *g = cli_groups(); g->name; g++) {
        fprintf(f, ".SS \"fastio %s\"\n", g->name);
        roff_text(f, g->description);
        for (const struct cli_cmd *c = g->cmds; c->name; c++)
            man_command(f, g, c);
    }
    return fflush(f) == 0 && !ferror(f) ? CLI_OK : CLI_ERR;
}

/* One option as JSON; NULL on OOM. */
static json_t *opt_json(const struct cli_cmd *cmd, const struct cli_opt *o)
{
    struct cli_opt_view v;
    cli_opt_view(cmd, o, &v);
    const struct fastio_endpoint_info *row = o->cli_only ? NULL : cli_opt_row(cmd, o);
    return json_pack("{s:s, s:s, s:s?, s:s?, s:i, s:b, s:b, s:s?, s:s?}", "name", o->name, "kind",
                     kind_name(o->kind), "row",
                     o->row ? o->row
                     : row  ? row->name
                            : NULL,
                     "param", o->param, "path", o->path, "cli_only", o->cli_only, "required",
                     v.required, "doc", v.doc, "remark", v.remark);
}

static int doc_json(FILE *f)
{
    json_t *cmds = json_array();
    if (!cmds)
        return CLI_ERR;
    for (const struct cli_group *g = cli_groups(); g->name; g++) {
        for (const struct cli_cmd *c = g->cmds; c->name; c++) {
            const struct fastio_endpoint_info *row =
                c->endpoint >= 0 ? fastio_endpoint_get((enum fastio_endpoint)c->endpoint) : NULL;
            json_t *opts = json_array();
            json_t *one = json_pack("{s:s, s:s, s:s?, s:o*}", "group", g->name, "command", c->name,
                                    "endpoint", row ? row->name : NULL, "options", opts);
            if (!one || json_array_append_new(cmds, one) != 0) {
                json_decref(cmds);
                return CLI_ERR;
            }
            for (size_t i = 0; c->opts && c->opts[i].name; i++) {
                if (!opts || json_array_append_new(opts, opt_json(c, &c->opts[i])) != 0) {
                    json_decref(cmds);
                    return CLI_ERR;
                }
            }
        }
    }
    int rc = json_dumpf(cmds, f, JSON_INDENT(1)) == 0 && fputc('\n', f) != EOF ? CLI_OK : CLI_ERR;
    json_decref(cmds);
    return rc;
}

int cli_doc(int argc, char **argv)
{
    int rc = CLI_USAGE;
    if (argc == 1 && strcmp(argv[0], "markdown") == 0)
        rc = doc_markdown(stdout);
    else if (argc == 1 && strcmp(argv[0], "json") == 0)
        rc = doc_json(stdout);
    else if (argc == 1 && strcmp(argv[0], "man") == 0)
        rc = doc_man(stdout);
    else
        fputs("usage: fastio __doc markdown|json|man\n", stderr);
    if (rc == CLI_ERR)
        fputs("error: __doc: cannot write the reference\n", stderr);
    return rc;
}
