/* SPDX-License-Identifier: MIT */
/* cmd_api.c - the "api" group: one command per endpoint row, made from the row itself (its
 * name, doc and parameters) when the program starts. A new row is thus reachable from the CLI,
 * with options, checks and help, without a line of CLI code; the hand-written groups stay for
 * the commands that do more than one call or shape their output. */
#include "cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define API_MAX_OPTS 32 /* the most parameters of a row; test_endpoint_rows keeps rows below */
#define API_NAME_MAX 48
#define API_SUMMARY_MAX 200

/* Static storage filled once by cli_api_init(), before anything reads the command tables: the
 * tables are as constant as the hand-written ones afterwards, and nothing can fail to allocate. */
struct cli_cmd cli_api_cmds[FASTIO_EP_COUNT_ + 1];
static struct cli_opt api_opts[FASTIO_EP_COUNT_][API_MAX_OPTS + 1];
static char api_names[FASTIO_EP_COUNT_][API_NAME_MAX];
static char api_summaries[FASTIO_EP_COUNT_][API_SUMMARY_MAX];
static char api_opt_names[FASTIO_EP_COUNT_][API_MAX_OPTS][API_NAME_MAX];

/* "ORG_CREATE" -> "org-create"; "billing_email" -> "billing-email"; upper: "ORG_ID". */
static void spell(const char *in, char *out, bool upper)
{
    size_t i = 0;
    for (; in[i] != '\0' && i + 1 < API_NAME_MAX; i++) {
        char c = in[i];
        if (upper)
            out[i] = (char)toupper((unsigned char)c);
        else
            out[i] = c == '_' ? '-' : (char)tolower((unsigned char)c);
    }
    out[i] = '\0';
}

/* A row fastio_call() can serve: no Basic credentials, no file bytes to send. */
static bool callable(const struct fastio_endpoint_info *row)
{
    if (row->auth == FASTIO_AUTH_BASIC)
        return false;
    for (size_t k = 0; k < row->n_params; k++) {
        enum fastio_param_in in = row->param_info[k].in;
        if (in == FASTIO_PARAM_IN_MULTIPART || in == FASTIO_PARAM_IN_RAW)
            return false;
    }
    return true;
}

void cli_api_init(void)
{
    size_t n = 0;
    if (cli_api_cmds[0].name != NULL)
        return;
    for (int ep = 0; ep < FASTIO_EP_COUNT_; ep++) {
        const struct fastio_endpoint_info *row = fastio_endpoint_get((enum fastio_endpoint)ep);
        if (row == NULL || !callable(row))
            continue;
        if (row->n_params > API_MAX_OPTS)
            abort(); /* broken table invariant: raise API_MAX_OPTS */
        struct cli_opt *opts = api_opts[ep];
        size_t k_opt = 0;
        unsigned k_path = 0;
        for (size_t k = 0; k < row->n_params; k++) {
            const struct fastio_param_info *p = &row->param_info[k];
            char *name = api_opt_names[ep][k];
            struct cli_opt *o = &opts[k_opt++];
            memset(o, 0, sizeof(*o));
            if (p->in == FASTIO_PARAM_IN_PATH) {
                spell(p->name, name, true);
                o->kind = OPT_POS;
                o->path = (int)++k_path;
            } else {
                spell(p->name, name, false);
                o->kind = OPT_VALUE;
                o->param = p->name;
            }
            o->name = name;
        }
        memset(&opts[k_opt], 0, sizeof(opts[k_opt]));
        spell(row->name, api_names[ep], false);
        /* the summary is the doc without its final '.', as every summary is written */
        size_t len = strlen(row->doc);
        if (len > 0 && row->doc[len - 1] == '.')
            len--;
        if (len >= API_SUMMARY_MAX)
            len = API_SUMMARY_MAX - 1;
        memcpy(api_summaries[ep], row->doc, len);
        api_summaries[ep][len] = '\0';
        cli_api_cmds[n++] = (struct cli_cmd){
            .name = api_names[ep],
            .endpoint = ep,
            .opts = opts,
            .summary = api_summaries[ep],
            .description = "Calls the endpoint row of the same name (fastio/endpoints.h) and\n"
                           "prints the answer. The options are the row's parameters, under their\n"
                           "wire names with '-' for '_'; the API line below names the row.",
        };
    }
    memset(&cli_api_cmds[n], 0, sizeof(cli_api_cmds[n]));
}
