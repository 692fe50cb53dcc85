/* SPDX-License-Identifier: MIT */
/* cmd_search.c - "fastio files search" (GET /workspace/{ws}/storage/search/) and the "search"
 * group (GET /workspace/{ws}/search/, unified buckets) (api §4.2, §8.5). Tables show one row per
 * file: name, page, score, snippet (on one line), id; json prints the whole answer. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fastio/search.h>

#include "buf.h"

#define SNIP_COLS 160 /* bytes of a snippet in a table cell (then "…") */

/* A snippet on one line, at most SNIP_COLS bytes (cut at a UTF-8 boundary). New reference. */
static json_t *one_line(const char *s)
{
    char buf[SNIP_COLS + 8] = "";
    size_t n = 0, i = 0;
    for (; s && s[i] && n < SNIP_COLS; i++)
        buf[n++] = (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') ? ' ' : s[i];
    bool cut = s && s[i];
    while (cut && n > 0 && ((unsigned char)buf[n - 1] & 0xC0) == 0x80)
        n--; /* drop a partial sequence... */
    if (cut && n > 0 && ((unsigned char)buf[n - 1] & 0xC0) == 0xC0)
        n--; /* ...and its lead byte */
    if (cut) {
        memcpy(buf + n, "\xE2\x80\xA6", 3);
        n += 3;
    }
    return json_stringn(buf, n);
}

/* The table rows of a list of hits (storage search hits or unified files items). OWNED. */
static json_t *hit_rows(const json_t *hits)
{
    json_t *rows = json_array();
    size_t i;
    const json_t *h;
    json_array_foreach(hits, i, h)
    {
        if (!rows)
            break;
        const json_t *page = json_object_get(h, "page");
        json_t *p =
            json_is_object(page) ? json_incref(json_object_get(page, "start_page")) : json_null();
        const json_t *sc = json_object_get(h, "relevance_score");
        char score[32] = "";
        if (json_is_number(sc))
            snprintf(score, sizeof(score), "%.4g", json_number_value(sc));
        json_t *row = json_pack("{s:s?, s:s?, s:o, s:s, s:o, s:s?}", "name",
                                json_string_value(json_object_get(h, "name")), "type",
                                json_string_value(json_object_get(h, "type")), "page",
                                p ? p : json_null(), "score", score, "snippet",
                                one_line(json_string_value(json_object_get(h, "content_snippet"))),
                                "id", json_string_value(json_object_get(h, "id")));
        if (!row || json_array_append_new(rows, row) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    return rows;
}

int cli_files_search(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    int ep = cmd->endpoint;
    json_t *resp;
    int rc = cli_fetch(ctx, ep, args, &resp);
    if (rc != CLI_OK)
        return rc;
    json_t *hits = fastio_search_hits(resp);
    json_t *rows = hits ? hit_rows(hits) : NULL;
    if (!rows) {
        json_decref(hits);
        json_decref(resp);
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    rc = cli_print(ctx, resp, rows);
    const json_t *meta = json_object_get(resp, "search_metadata");
    if (rc == CLI_OK && ctx->format != CLI_FMT_JSON && json_is_object(meta) &&
        !json_is_true(json_object_get(meta, "intelligence_enabled")))
        cli_note(ctx, "intelligence is off in this workspace: names were searched, not content");
    if (rc == CLI_OK && ctx->format != CLI_FMT_JSON &&
        json_is_true(json_object_get(resp, "has_more")))
        cli_note(ctx, "more hits: raise --limit or use --offset");
    json_decref(rows);
    json_decref(hits);
    json_decref(resp);
    return rc;
}

/* "fastio search workspace WS QUERY": the buckets; --only keeps one. Table: the files bucket's
 * hits (other buckets' counts on stderr). */
static int ws_search(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    int ep = cmd->endpoint;
    const char *only = cli_arg(args, "only");
    json_t *resp;
    int rc = cli_fetch(ctx, ep, args, &resp);
    if (rc != CLI_OK)
        return rc;
    json_t *buckets = fastio_result(resp, (enum fastio_endpoint)ep);
    if (!json_is_object(buckets)) {
        json_decref(resp);
        cli_errorf(ctx, "unexpected response: no 'buckets' object");
        return CLI_ERR;
    }
    if (only) {
        const char *k;
        json_t *v, *tmp;
        json_object_foreach_safe(buckets, tmp, k, v)
        {
            (void)v;
            if (strcmp(k, only) != 0)
                json_object_del(buckets, k);
        }
    }
    if (ctx->format == CLI_FMT_JSON) {
        rc = cli_print(ctx, resp, buckets);
        json_decref(resp);
        return rc;
    }
    const json_t *files = json_object_get(buckets, "files");
    json_t *rows = hit_rows(json_object_get(files, "items"));
    if (!rows) {
        json_decref(resp);
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    rc = files || !only ? cli_print(ctx, resp, rows) : CLI_OK;
    const char *k;
    json_t *b;
    json_object_foreach(buckets, k, b)
    {
        if (rc != CLI_OK)
            break;
        json_int_t total = json_integer_value(json_object_get(b, "total"));
        const char *rel = json_string_value(json_object_get(b, "total_relation"));
        const char *st = json_string_value(json_object_get(b, "status"));
        cli_note(ctx, "%s: %s%lld%s", k, rel && strcmp(rel, "gte") == 0 ? ">= " : "",
                 (long long)total, st && strcmp(st, "ok") != 0 ? " (degraded)" : "");
    }
    json_decref(rows);
    json_decref(resp);
    return rc;
}

/* clang-format off */
const struct cli_opt cli_files_search_opts[] = {
    {.name = "workspace", .kind = OPT_VALUE, .required = true, .path = 1, .metavar = "WS"},
    {.name = "QUERY", .kind = OPT_POS, .param = "search"},
    {.name = "limit", .kind = OPT_VALUE, .param = "limit", .metavar = "N"},
    {.name = "offset", .kind = OPT_VALUE, .param = "offset", .metavar = "N"},
    {.name = "scope", .kind = OPT_VALUE, .param = "files_scope", .metavar = "IDS"},
    {.name = "folder-scope", .kind = OPT_VALUE, .param = "folders_scope", .metavar = "IDS"},
    {.name = "details", .kind = OPT_BOOL, .param = "details"},
    {.name = "output", .kind = OPT_VALUE, .param = "output", .metavar = "LENGTH"},
    {0},
};

static const struct cli_opt ws_search_opts[] = {
    {.name = "WS", .kind = OPT_POS, .path = 1},
    {.name = "QUERY", .kind = OPT_POS, .param = "search"},
    {.name = "files-limit", .kind = OPT_VALUE, .param = "files_limit", .metavar = "N"},
    {.name = "files-offset", .kind = OPT_VALUE, .param = "files_offset", .metavar = "N"},
    {.name = "metadata-limit", .kind = OPT_VALUE, .param = "metadata_limit", .metavar = "N"},
    {.name = "metadata-offset", .kind = OPT_VALUE, .param = "metadata_offset", .metavar = "N"},
    {.name = "comments-limit", .kind = OPT_VALUE, .param = "comments_limit", .metavar = "N"},
    {.name = "comments-offset", .kind = OPT_VALUE, .param = "comments_offset", .metavar = "N"},
    {.name = "only", .kind = OPT_VALUE, .cli_only = true, .check = CHK_CHOICE,
     .choices = "files|metadata|comments", .metavar = "BUCKET",
     .help = "Show only this bucket (files, metadata or comments)."},
    {0},
};

const struct cli_cmd cli_search_cmds[] = {
    {
        .name = "workspace",
        .endpoint = FASTIO_EP_WORKSPACE_SEARCH,
        .opts = ws_search_opts,
        .run = ws_search,
        .summary = "Search a workspace: files, metadata, comments",
        .description =
            "The unified search of a workspace (GET /workspace/{ws}/search/): one bucket each\n"
            "for files, metadata and comments, each with its items, total and has_more. The\n"
            "table lists the files bucket (name, page, score, snippet) and the count of every\n"
            "bucket on stderr; --format json prints the buckets.",
        .examples = "fastio search workspace design-team \"launch plan\"\n"
                    "fastio search workspace design-team contract --only files --format json",
    },
    {0},
};
/* clang-format on */
