/* SPDX-License-Identifier: MIT */
/* optrow.c - what an option row takes from its endpoint row: the wire facts (doc, value type,
 * choices, required) live once, in include/fastio/endpoints*.h, and the parser, the help pages
 * and the generated reference read them through cli_opt_view(). */
#include "cli.h"

#include <string.h>

const struct fastio_endpoint_info *cli_opt_row(const struct cli_cmd *cmd, const struct cli_opt *o)
{
    int ep = o->row ? fastio_endpoint_find(o->row) : cmd->endpoint;
    return ep < 0 ? NULL : fastio_endpoint_get((enum fastio_endpoint)ep);
}

/* The check a parameter's type implies for a value given on the command line. */
static enum cli_check type_check(enum fastio_param_type t)
{
    switch (t) {
    case FASTIO_PARAM_INT:
        return CHK_UINT;
    case FASTIO_PARAM_BOOL:
        return CHK_BOOL;
    case FASTIO_PARAM_ENUM:
        return CHK_CHOICE;
    case FASTIO_PARAM_NAME:
        return CHK_NAME;
    case FASTIO_PARAM_JSON:
        return CHK_JSON;
    case FASTIO_PARAM_DATETIME:
        return CHK_EXPIRES;
    case FASTIO_PARAM_STRING:
    case FASTIO_PARAM_ID:
        break;
    }
    return CHK_NONE;
}

void cli_opt_view(const struct cli_cmd *cmd, const struct cli_opt *o, struct cli_opt_view *v)
{
    memset(v, 0, sizeof(*v));
    v->remark = o->help;
    v->check = o->check;
    v->choices = o->choices;
    v->required = o->required;
    if (o->cli_only)
        return;
    const struct fastio_endpoint_info *row = cli_opt_row(cmd, o);
    if (o->path > 0)
        v->param = fastio_endpoint_path_param(row, (unsigned)o->path - 1);
    else if (o->param)
        v->param = fastio_endpoint_param(row, o->param);
    if (!v->param)
        return;
    v->doc = v->param->doc;
    /* What resolve.c accepts besides ids (not in the "api" group, which sends values as they are). */
    bool api = cmd >= cli_api_cmds && cmd < cli_api_cmds + FASTIO_EP_COUNT_ + 1;
    if (!api && v->param->type == FASTIO_PARAM_ID) {
        const char *p = v->param->name;
        if (strcmp(p, "node_id") == 0)
            v->note = "Or a path: /folder/file.txt (a bare name is looked up in the root).";
        else if (strcmp(p, "folder_id") == 0 || strcmp(p, "parent_id") == 0 ||
                 strcmp(p, "parent") == 0)
            v->note = "Or a folder path: /reports/2026 (\"/\" is the root).";
        else if (strcmp(p, "workspace_id") == 0)
            v->note = "Or the workspace's display name.";
    }
    if (!api && strcmp(o->name, "workspace") == 0)
        v->note = "An id, folder_name or display name.";
    /* The option may narrow the check (e.g. a name check on a plain string), never drop it. */
    if (v->check == CHK_NONE)
        v->check = type_check(v->param->type);
    if (!v->choices)
        v->choices = v->param->choices;
    /* A required wire parameter is a required flag unless the CLI supplies it. Path
     * parameters are not: several options may fill one path slot (cli_build_request checks). */
    if (o->path == 0 && (o->kind == OPT_VALUE || o->kind == OPT_BOOL) && v->param->required &&
        !o->def && !o->optional)
        v->required = true;
}
