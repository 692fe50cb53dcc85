/* SPDX-License-Identifier: MIT */
/* output.c - what the CLI prints on stdout (D-086): pretty JSON; tables, CSV (RFC 4180) and
 * markdown flattened from results (array of objects -> rows, object -> field/value, scalar ->
 * plain). Tables show each entity's default columns (files: name, type, size, modified, id;
 * --fields picks others), human sizes and times, and are aligned by display width
 * (output_width.c) and cut with "…" to fit the terminal (COLUMNS, else the tty's width; no cut
 * when stdout is not a terminal and COLUMNS is unset). Server text is sanitised (control and
 * bidi characters replaced) before it reaches a terminal. Messages on stderr: output_msg.c. */
#include "cli.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "buf.h"

#define NESTED_MAX 60   /* nested objects/arrays in a cell, as compact JSON, up to this width */
#define COLS_DEFAULT 8  /* columns of a table of an unknown entity */
#define FIELDS_MAX 64   /* names in --fields */
#define MIN_COL 6       /* a column is not cut narrower than this (unless its text is) */

/* ---- settings of this run ---------------------------------------------------------------------- */

static const struct cli_ctx *g_ctx; /* set by cli_print; NULL = defaults */

/* Columns of the terminal: COLUMNS when set, else the tty's width; 0 = no limit. */
static size_t term_width(void)
{
    const char *c = getenv("COLUMNS");
    if (c && c[0]) {
        long long v;
        if (fio_parse_ll(c, 10, 100000, &v))
            return (size_t)v;
    }
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

bool cli_color(const struct cli_ctx *ctx)
{
    const char *nc = getenv("NO_COLOR");
    if (nc && nc[0])
        return false; /* https://no-color.org: present and not empty */
    if (ctx && ctx->no_color)
        return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return isatty(STDOUT_FILENO);
}

/* ---- values ------------------------------------------------------------------------------------ */

static bool is_size_key(const char *k)
{
    size_t n = strlen(k);
    return strcmp(k, "size") == 0 || (n > 5 && strcmp(k + n - 5, "_size") == 0) ||
           strcmp(k, "bytes") == 0 || (n > 6 && strcmp(k + n - 6, "_bytes") == 0);
}

/* "1.5 MiB" for a byte count. */
static void human_size(json_int_t v, char *out, size_t size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (v < 1024) {
        snprintf(out, size, "%" JSON_INTEGER_FORMAT " B", v);
        return;
    }
    double d = (double)v;
    size_t u = 0;
    while (d >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        d /= 1024.0;
        u++;
    }
    snprintf(out, size, d < 10.0 ? "%.1f %s" : "%.0f %s", d, units[u]);
}

/* "YYYY-MM-DD HH:MM:SS UTC" (api §1.3) shown as "YYYY-MM-DD HH:MM". */
static bool human_time(const char *s, char *out, size_t size)
{
    static const char pat[] = "dddd-dd-dd dd:dd:dd UTC";
    if (strlen(s) != sizeof(pat) - 1)
        return false;
    for (size_t i = 0; pat[i]; i++)
        if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
            return false;
    snprintf(out, size, "%.16s", s);
    return true;
}

/* The value of a (possibly dotted: "origin.type") field of an object. */
static json_t *field_get(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    if (v || !strchr(name, '.'))
        return v;
    char part[256];
    const char *p = name;
    v = obj;
    while (v && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof(part))
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        v = json_object_get(v, part);
        p = dot ? dot + 1 : p + n;
    }
    return v;
}

/* Text of a JSON value for a cell (before sanitising). human: sizes and times for people.
 * An error object ({"message": ...}) shows its message. Owned; NULL on OOM. */
static char *value_text(json_t *v, const char *key, bool human)
{
    char num[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (human && human_time(json_string_value(v), num, sizeof(num)))
            return fio_strdup(num);
        return fio_strdup(json_string_value(v));
    case JSON_INTEGER:
        if (human && key && is_size_key(key) && json_integer_value(v) >= 0)
            human_size(json_integer_value(v), num, sizeof(num));
        else
            snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return fio_strdup(num);
    case JSON_REAL:
        snprintf(num, sizeof(num), "%.15g", json_real_value(v));
        return fio_strdup(num);
    case JSON_TRUE:
        return fio_strdup("true");
    case JSON_FALSE:
        return fio_strdup("false");
    case JSON_NULL:
        return fio_strdup("");
    case JSON_OBJECT: {
        const char *msg = json_string_value(json_object_get(v, "message"));
        if (msg)
            return fio_strdup(msg);
        break;
    }
    case JSON_ARRAY:
        break;
    }
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static bool is_nested(json_t *v)
{
    return (json_is_object(v) && !json_is_string(json_object_get(v, "message"))) ||
           json_is_array(v);
}

/* ---- columns ----------------------------------------------------------------------------------- */

/* Default columns of the entities the API returns, recognised by keys of the first row. */
struct profile {
    const char *match[4]; /* all present in the first row */
    const char *cols[8];  /* shown when present in any row */
};

static const struct profile profiles[] = {
    /* upload / download results (cmd_upload.c, cmd_download.c) */
    {{"status", "path", NULL}, {"name", "status", "size", "path", "node_id", "error", NULL}},
    /* search hits (cmd_search.c, api §4.2) */
    {{"score", "snippet", NULL}, {"name", "page", "score", "snippet", "id", NULL}},
    /* versions of a file (api §4.2) */
    {{"version_id", "current", NULL}, {"version_id", "name", "size", "created", "current", NULL}},
    /* storage nodes (api §4.1) */
    {{"name", "type", "size", NULL}, {"name", "type", "size", "modified", "id", NULL}},
    /* workspaces (api §3.4) */
    {{"folder_name", "org_id", NULL},
     {"name", "folder_name", "org_domain", "user_permission", "created", "id", NULL}},
    /* orgs (api §3.2) */
    {{"domain", "owner_id", NULL}, {"name", "domain", "user_permission", "created", "id", NULL}},
    /* invitations (api §3.5) */
    {{"invitation_key", NULL},
     {"entity_name", "entity_type", "email", "permissions", "state", "expires", "id", NULL}},
    /* members (api §3.5) */
    {{"email", "permissions", NULL},
     {"email", "first_name", "last_name", "permissions", "status", "id", NULL}},
    /* events (api §9.4) */
    {{"event", "category", NULL},
     {"created", "event", "category", "subcategory", "acknowledged", "id", NULL}},
    /* API keys (api §2.4) */
    {{"key_prefix", NULL}, {"memo", "key_prefix", "created", "last_used", "expires", "id", NULL}},
};

/* Keys an unknown entity's table shows first; the other scalar keys follow in first-seen
 * order, up to COLS_DEFAULT columns. */
static const char *const lead_keys[] = {"name",    "title",   "email",   "type", "status",
                                        "size",    "modified", "updated", "created", "id",
                                        NULL};

static bool col_add(json_t *cols, const char *k)
{
    size_t i;
    json_t *c;
    json_array_foreach(cols, i, c)
    {
        if (strcmp(json_string_value(c), k) == 0)
            return true;
    }
    return json_array_append_new(cols, json_string(k)) == 0;
}

static bool any_row_has(json_t *rows, const char *k)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (field_get(r, k))
            return true;
    }
    return false;
}

/* The --fields list as columns; NULL when not given. */
static json_t *fields_cols(void)
{
    const char *f = g_ctx ? g_ctx->fields : NULL;
    if (!f)
        return NULL;
    json_t *cols = json_array();
    for (const char *p = f; cols && json_array_size(cols) < FIELDS_MAX;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        while (p < end && *p == ' ')
            p++;
        size_t n = (size_t)(end - p);
        while (n && p[n - 1] == ' ')
            n--;
        if (n) {
            char *k = malloc(n + 1);
            bool ok = k != NULL;
            if (k) {
                memcpy(k, p, n);
                k[n] = '\0';
                ok = col_add(cols, k);
                free(k);
            }
            if (!ok) {
                json_decref(cols);
                return NULL;
            }
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return cols;
}

/* The columns of a table of rows (objects). Owned array of strings; NULL on OOM. */
static json_t *choose_cols(json_t *rows)
{
    json_t *cols = fields_cols();
    if (cols || (g_ctx && g_ctx->fields))
        return cols;
    cols = json_array();
    if (!cols)
        return NULL;
    json_t *first = json_array_get(rows, 0);
    for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
        bool all = true;
        for (size_t m = 0; profiles[p].match[m] && all; m++)
            all = json_object_get(first, profiles[p].match[m]) != NULL;
        if (!all)
            continue;
        for (size_t c = 0; profiles[p].cols[c]; c++)
            if (any_row_has(rows, profiles[p].cols[c]) && !col_add(cols, profiles[p].cols[c]))
                goto oom;
        return cols;
    }
    for (size_t l = 0; lead_keys[l]; l++)
        if (any_row_has(rows, lead_keys[l]) && !col_add(cols, lead_keys[l]))
            goto oom;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *k;
        json_t *v;
        json_object_foreach(row, k, v)
        {
            if (json_array_size(cols) >= COLS_DEFAULT)
                return cols;
            if (!is_nested(v) && !col_add(cols, k))
                goto oom;
        }
    }
    return cols;
oom:
    json_decref(cols);
    return NULL;
}

/* ---- writers ----------------------------------------------------------------------------------- */

static void pad(size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputc(' ', stdout);
}

/* One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, or begins or ends
 * with a space; quotes doubled. */
static void csv_field(const char *s)
{
    size_t n = strlen(s);
    bool q = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (const char *p = s; *p && !q; p++)
        q = *p == ',' || *p == '"' || *p == '\r' || *p == '\n';
    if (!q) {
        fputs(s, stdout);
        return;
    }
    fputc('"', stdout);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', stdout);
        fputc(*p, stdout);
    }
    fputc('"', stdout);
}

/* One markdown table cell: sanitised, '|' and '\' escaped, line breaks as spaces. */
static void md_field(const char *s)
{
    size_t w;
    char *t = cli_cell_text(s, 0, &w);
    for (const char *p = t ? t : ""; *p; p++) {
        if (*p == '|' || *p == '\\')
            fputc('\\', stdout);
        fputc(*p, stdout);
    }
    free(t);
}

/* ---- tables ------------------------------------------------------------------------------------ */

static bool array_of_objects(json_t *a)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_object(v))
            return false;
    }
    return true;
}

/* What a column holds, for the order in which columns are cut to fit the terminal. */
enum col_kind { COL_TEXT, COL_TIME, COL_ID };

static enum col_kind col_kind_of(const char *h)
{
    static const char *const times[] = {"created", "modified", "updated", "expires",
                                        "last_used", "deleted", "acquired", NULL};
    size_t n = strlen(h);
    if (strcmp(h, "id") == 0 || (n > 3 && strcmp(h + n - 3, "_id") == 0))
        return COL_ID;
    for (size_t i = 0; times[i]; i++)
        if (strcmp(h, times[i]) == 0)
            return COL_TIME;
    return n > 3 && strcmp(h + n - 3, "_at") == 0 ? COL_TIME : COL_TEXT;
}

/* Shrink column widths w until the row fits `total` columns: long text columns first (down to
 * 16, then MIN_COL, widest first), then times, then ids (meant to be copied whole). */
static void fit_widths(size_t *w, const enum col_kind *kind, size_t ncols, size_t total)
{
    static const struct {
        enum col_kind kind;
        size_t floor;
    } passes[] = {{COL_TEXT, 16}, {COL_TEXT, MIN_COL}, {COL_TIME, MIN_COL}, {COL_ID, MIN_COL}};
    size_t sum = ncols ? 2 * (ncols - 1) : 0;
    for (size_t c = 0; c < ncols; c++)
        sum += w[c];
    for (size_t p = 0; p < sizeof(passes) / sizeof(passes[0]) && sum > total; p++) {
        while (sum > total) {
            size_t best = SIZE_MAX;
            for (size_t c = 0; c < ncols; c++)
                if (kind[c] == passes[p].kind && w[c] > passes[p].floor &&
                    (best == SIZE_MAX || w[c] > w[best]))
                    best = c;
            if (best == SIZE_MAX)
                break;
            w[best]--;
            sum--;
        }
    }
}

static void print_rows(json_t *rows)
{
    enum cli_format fmt = g_ctx ? g_ctx->format : CLI_FMT_TABLE;
    bool human = fmt != CLI_FMT_CSV;
    json_t *cols = choose_cols(rows);
    char **raw = NULL;                 /* nrows x ncols texts */
    size_t *widths = NULL, *cw = NULL; /* column widths; cell widths */
    enum col_kind *is_id = NULL;
    size_t nrows = json_array_size(rows), ncols = 0;
    if (!cols)
        goto oom;
    ncols = json_array_size(cols);
    if (ncols == 0) {
        fputs("(no such fields)\n", stdout);
        goto done;
    }
    if (nrows + 1 > SIZE_MAX / sizeof(*cw) / ncols)
        goto oom;
    raw = calloc((nrows + 1) * ncols, sizeof(*raw));
    cw = calloc((nrows + 1) * ncols, sizeof(*cw));
    widths = calloc(ncols, sizeof(*widths));
    is_id = calloc(ncols, sizeof(*is_id));
    if (!raw || !cw || !widths || !is_id)
        goto oom;
    /* row 0 = the header */
    for (size_t c = 0; c < ncols; c++) {
        const char *h = json_string_value(json_array_get(cols, c));
        is_id[c] = col_kind_of(h);
        raw[c] = fio_strdup(h);
        if (!raw[c])
            goto oom;
    }
    for (size_t r = 0; r < nrows; r++) {
        json_t *obj = json_array_get(rows, r);
        for (size_t c = 0; c < ncols; c++) {
            const char *k = json_string_value(json_array_get(cols, c));
            json_t *v = field_get(obj, k);
            char *t = v ? value_text(v, k, human) : fio_strdup("");
            if (!t)
                goto oom;
            raw[(r + 1) * ncols + c] = t;
        }
    }
    if (fmt == CLI_FMT_CSV) {
        for (size_t r = 0; r <= nrows; r++) {
            for (size_t c = 0; c < ncols; c++) {
                if (c)
                    fputc(',', stdout);
                csv_field(raw[r * ncols + c]);
            }
            fputs("\r\n", stdout);
        }
        goto done;
    }
    if (fmt == CLI_FMT_MARKDOWN) {
        for (size_t r = 0; r <= nrows; r++) {
            fputc('|', stdout);
            for (size_t c = 0; c < ncols; c++) {
                fputc(' ', stdout);
                md_field(raw[r * ncols + c]);
                fputs(" |", stdout);
            }
            fputc('\n', stdout);
            if (r == 0) {
                fputc('|', stdout);
                for (size_t c = 0; c < ncols; c++)
                    fputs("---|", stdout);
                fputc('\n', stdout);
            }
        }
        goto done;
    }
    /* table: natural widths, then fitted to the terminal, then each cell cut to its column */
    for (size_t r = 0; r <= nrows; r++)
        for (size_t c = 0; c < ncols; c++) {
            const char *t = raw[r * ncols + c];
            size_t w = cli_display_width(t);
            json_t *v = r ? field_get(json_array_get(rows, r - 1),
                                      json_string_value(json_array_get(cols, c)))
                          : NULL;
            if (v && is_nested(v) && w > NESTED_MAX)
                w = NESTED_MAX;
            if (w > widths[c])
                widths[c] = w;
        }
    size_t tw = term_width();
    if (tw)
        fit_widths(widths, is_id, ncols, tw);
    bool color = cli_color(g_ctx);
    for (size_t r = 0; r <= nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            size_t w;
            char *t = cli_cell_text(raw[r * ncols + c], widths[c], &w);
            if (!t)
                goto oom;
            bool red = color && r > 0 && (strcmp(t, "failed") == 0 || strcmp(t, "error") == 0);
            if (r == 0 && color)
                fputs("\033[1m", stdout);
            else if (red)
                fputs("\033[31m", stdout);
            fputs(t, stdout);
            if ((r == 0 && color) || red)
                fputs("\033[0m", stdout);
            free(t);
            if (c + 1 < ncols)
                pad(widths[c] - w + 2);
        }
        fputc('\n', stdout);
        if (r == 0) {
            for (size_t c = 0; c < ncols; c++) {
                for (size_t k = 0; k < widths[c]; k++)
                    fputc('-', stdout);
                if (c + 1 < ncols)
                    pad(2);
            }
            fputc('\n', stdout);
        }
    }
    goto done;
oom:
    fputs("error: out of memory while rendering the table\n", stderr);
done:
    for (size_t i = 0; raw && i < (nrows + 1) * ncols; i++)
        free(raw[i]);
    free(raw);
    free(widths);
    free(cw);
    free(is_id);
    json_decref(cols);
}

/* An object: "field  value" lines (table), field,value rows (CSV), a two-column markdown
 * table. --fields keeps the named fields only. */
static void print_kv(json_t *obj)
{
    enum cli_format fmt = g_ctx ? g_ctx->format : CLI_FMT_TABLE;
    json_t *keys = fields_cols();
    if (!keys && !(g_ctx && g_ctx->fields)) {
        keys = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(obj, k, v)
        {
            if (keys && json_array_append_new(keys, json_string(k)) != 0) {
                json_decref(keys);
                keys = NULL;
            }
        }
    }
    if (!keys) {
        fputs("error: out of memory while rendering\n", stderr);
        return;
    }
    size_t kw = 0, tw = term_width();
    size_t i;
    json_t *kj;
    json_array_foreach(keys, i, kj)
    {
        size_t w = cli_display_width(json_string_value(kj));
        if (w > kw)
            kw = w;
    }
    if (kw > 40)
        kw = 40;
    if (fmt == CLI_FMT_CSV)
        fputs("field,value\r\n", stdout);
    else if (fmt == CLI_FMT_MARKDOWN)
        fputs("| field | value |\n|---|---|\n", stdout);
    json_array_foreach(keys, i, kj)
    {
        const char *k = json_string_value(kj);
        json_t *v = field_get(obj, k);
        char *raw = v ? value_text(v, k, fmt != CLI_FMT_CSV) : fio_strdup("");
        if (!raw) {
            fputs("error: out of memory while rendering\n", stderr);
            break;
        }
        if (fmt == CLI_FMT_CSV) {
            csv_field(k);
            fputc(',', stdout);
            csv_field(raw);
            fputs("\r\n", stdout);
        } else if (fmt == CLI_FMT_MARKDOWN) {
            fputs("| ", stdout);
            md_field(k);
            fputs(" | ", stdout);
            md_field(raw);
            fputs(" |\n", stdout);
        } else {
            size_t w = 0, vw = 0;
            size_t room = tw > kw + 2 + MIN_COL ? tw - kw - 2 : 0;
            if (v && is_nested(v) && (room == 0 || room > NESTED_MAX))
                room = NESTED_MAX;
            char *kt = cli_cell_text(k, kw, &w);
            char *vt = cli_cell_text(raw, room, &vw);
            if (kt && vt) {
                fputs(kt, stdout);
                pad(kw - w + 2);
                fputs(vt, stdout);
                fputc('\n', stdout);
            }
            free(kt);
            free(vt);
        }
        free(raw);
    }
    json_decref(keys);
}

static void print_scalar_line(json_t *v)
{
    size_t w;
    char *raw = value_text(v, NULL, false);
    char *t = raw ? cli_cell_text(raw, 0, &w) : NULL;
    if (!t)
        fputs("error: out of memory while rendering\n", stderr);
    else if (g_ctx && g_ctx->format == CLI_FMT_CSV)
        csv_field(raw), fputs("\r\n", stdout);
    else
        fputs(t, stdout), fputc('\n', stdout);
    free(raw);
    free(t);
}

void cli_print_table(json_t *v)
{
    if (!v || json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0)) {
        fputs("ok\n", stdout);
        return;
    }
    if (json_is_array(v)) {
        if (json_array_size(v) == 0) {
            fputs("(no items)\n", stdout);
            return;
        }
        if (array_of_objects(v)) {
            print_rows(v);
            return;
        }
        for (size_t i = 0; i < json_array_size(v); i++)
            print_scalar_line(json_array_get(v, i));
        return;
    }
    if (json_is_object(v)) {
        print_kv(v);
        return;
    }
    print_scalar_line(v);
}

/* --fields with --format json: the result with only those fields in each object (an array of
 * objects, or one object). New reference; NULL when the fields do not apply. */
static json_t *json_fields(json_t *result)
{
    json_t *cols = fields_cols();
    if (!cols)
        return NULL;
    json_t *out = NULL;
    if (json_is_array(result) && array_of_objects(result)) {
        out = json_array();
        size_t i;
        json_t *row;
        json_array_foreach(result, i, row)
        {
            json_t *o = json_object();
            size_t c;
            json_t *k;
            json_array_foreach(cols, c, k)
            {
                json_t *v = field_get(row, json_string_value(k));
                if (o && v)
                    json_object_set(o, json_string_value(k), v);
            }
            if (!out || !o || json_array_append_new(out, o) != 0) {
                json_decref(out);
                out = NULL;
                break;
            }
        }
    } else if (json_is_object(result)) {
        out = json_object();
        size_t c;
        json_t *k;
        json_array_foreach(cols, c, k)
        {
            json_t *v = field_get(result, json_string_value(k));
            if (out && v)
                json_object_set(out, json_string_value(k), v);
        }
    }
    json_decref(cols);
    return out;
}

int cli_print(struct cli_ctx *ctx, json_t *whole, json_t *result)
{
    if (ctx->quiet)
        return CLI_OK;
    g_ctx = ctx;
    if (ctx->format == CLI_FMT_JSON) {
        json_t *filtered = ctx->fields ? json_fields(result ? result : whole) : NULL;
        char *s = json_dumps(filtered ? filtered : whole ? whole : json_null(),
                             JSON_INDENT(2) | JSON_ENCODE_ANY);
        json_decref(filtered);
        if (!s) {
            cli_errorf(ctx, "out of memory");
            return CLI_ERR;
        }
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    } else {
        cli_print_table(result ? result : whole);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_errorf(ctx, "cannot write the output");
        return CLI_ERR;
    }
    return CLI_OK;
}
