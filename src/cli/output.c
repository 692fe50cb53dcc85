/* SPDX-License-Identifier: MIT */
/* output.c - everything the CLI writes (D-086): pretty JSON; tables, CSV (RFC 4180) and
 * markdown flattened from results (array of objects -> rows, object -> field/value, scalar ->
 * plain); error lines. Tables show each entity's default columns (files: name, type, size,
 * modified, id; --fields picks others), human sizes and times, and are aligned by display width
 * (wide and combining characters, our own table below) and cut with "…" to fit the terminal
 * (COLUMNS, else the tty's width; no cut when stdout is not a terminal and COLUMNS is unset).
 * Server text is sanitised (control and bidi characters replaced) before it reaches a
 * terminal. */
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

/* ---- display width ----------------------------------------------------------------------------
 * Columns a code point takes in a terminal: 0 for combining marks, zero-width and variation
 * selectors, 2 for East Asian Wide/Fullwidth and emoji presentation, 1 otherwise. Our own
 * table (no locale needed, the same on every machine). */
struct cp_range {
    uint32_t lo, hi;
};

static const struct cp_range zero_width[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF}, {0x05C1, 0x05C2},
    {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0711, 0x0711},
    {0x0730, 0x074A}, {0x07A6, 0x07B0}, {0x0900, 0x0902}, {0x093A, 0x093A}, {0x093C, 0x093C},
    {0x0941, 0x0948}, {0x094D, 0x094D}, {0x0951, 0x0957}, {0x0962, 0x0963}, {0x0E31, 0x0E31},
    {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
    {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

static const struct cp_range wide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x17000, 0x18AFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F202}, {0x1F210, 0x1F23B},
    {0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265}, {0x1F300, 0x1F320},
    {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA},
    {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F43E},
    {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D}, {0x1F54B, 0x1F54E},
    {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596}, {0x1F5A4, 0x1F5A4},
    {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2},
    {0x1F6D5, 0x1F6D7}, {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB},
    {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static bool in_ranges(uint32_t cp, const struct cp_range *r, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static size_t cp_width(uint32_t cp)
{
    if (cp == 0x200D || in_ranges(cp, zero_width, sizeof(zero_width) / sizeof(zero_width[0])))
        return 0;
    return in_ranges(cp, wide, sizeof(wide) / sizeof(wide[0])) ? 2 : 1;
}

/* Length of the UTF-8 sequence starting at s (1 for an invalid byte) and its code point. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 0;
    if (len == 0 || len > n) {
        *cp = 0xfffd;
        return 1;
    }
    uint32_t v = len == 1 ? c : len == 2 ? (c & 0x1fu) : len == 3 ? (c & 0x0fu) : (c & 0x07u);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3fu);
    }
    *cp = v;
    return len;
}

static bool unsafe_cp(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfffd;
}

size_t cli_display_width(const char *s)
{
    size_t n = strlen(s), w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += utf8_next((const unsigned char *)s + i, n - i, &cp);
        w += unsafe_cp(cp) ? 1 : cp_width(cp);
    }
    return w;
}

/* A printable copy of s: control and bidi characters become ' ' or '?'; cut to max display
 * columns with "…" as the last one when longer (max 0 = no limit). *width gets the display
 * width. Owned (free); NULL on OOM. */
static char *cell_text(const char *s, size_t max, size_t *width)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    size_t n = strlen(s), w = 0;
    const unsigned char *u = (const unsigned char *)s;
    bool cut = max > 0 && cli_display_width(s) > max;
    size_t room = cut ? max - 1 : SIZE_MAX; /* columns before the "…" */
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_next(u + i, n - i, &cp);
        bool bad = unsafe_cp(cp);
        size_t cw = bad ? 1 : cp_width(cp);
        if (w + cw > room)
            break;
        bool ok = bad ? fio_buf_append(&b, (cp == '\n' || cp == '\t' || cp == '\r') ? " " : "?", 1)
                      : fio_buf_append(&b, s + i, len);
        if (!ok)
            goto oom;
        w += cw;
        i += len;
    }
    if (cut) {
        if (!fio_buf_append_str(&b, "\xe2\x80\xa6"))
            goto oom;
        w++;
    }
    if (!b.data && !fio_buf_append(&b, "", 0))
        goto oom;
    *width = w;
    return fio_buf_steal(&b);
oom:
    fio_buf_release(&b);
    return NULL;
}

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
    char *t = cell_text(s, 0, &w);
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
            char *t = cell_text(raw[r * ncols + c], widths[c], &w);
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
            char *kt = cell_text(k, kw, &w);
            char *vt = cell_text(raw, room, &vw);
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
    char *t = raw ? cell_text(raw, 0, &w) : NULL;
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

/* ---- messages -------------------------------------------------------------------------------- */

__attribute__((format(printf, 3, 0))) static void
vline(const char *prefix, const struct cli_ctx *ctx, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t w;
    char *safe = cell_text(msg, 0, &w);
    if (ctx->what)
        fprintf(stderr, "%s%s: %s\n", prefix, ctx->what, safe ? safe : msg);
    else
        fprintf(stderr, "%s%s\n", prefix, safe ? safe : msg);
    free(safe);
}

void cli_errorf(const struct cli_ctx *ctx, const char *fmt, ...)
{
    if (ctx->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vline("error: ", ctx, fmt, ap);
    va_end(ap);
}

void cli_note(const struct cli_ctx *ctx, const char *fmt, ...)
{
    if (ctx->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", msg);
}

int cli_usage(const struct cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "error: %s\n", msg);
    if (ctx->what)
        fprintf(stderr, "Run 'fastio %s --help' for usage.\n", ctx->what);
    else
        fputs("Run 'fastio --help' for usage.\n", stderr);
    return CLI_USAGE;
}

/* After a connection failure: which profile and URL were used, where the URL came from, and,
 * for a loopback http:// URL (nothing listening), how to start the local server. */
void cli_network_hint(const struct cli_ctx *ctx)
{
    if (ctx->quiet || !ctx->api_base)
        return;
    static const char *const from[] = {"the built-in default", "--api-base", "FASTIO_API_BASE",
                                       "config.json"};
    const char *b = ctx->api_base;
    unsigned src = (unsigned)ctx->base_source < 4 ? (unsigned)ctx->base_source : 0;
    bool local = strncmp(b, "http://127.", 11) == 0 || strncmp(b, "http://localhost", 16) == 0 ||
                 strncmp(b, "http://[::1]", 12) == 0;
    size_t w;
    char *safe = cell_text(b, 0, &w);
    fprintf(stderr, "hint: profile '%s' uses %s (from %s)%s\n",
            ctx->profile ? ctx->profile : "default", safe ? safe : "?", from[src],
            local ? ", where nothing answers" : "");
    free(safe);
    if (local)
        fputs("hint: start the local server with 'fastio-server' (127.0.0.1:8787), or\n"
              "      'fastio-server --listen 127.0.0.1:PORT' for this port\n",
              stderr);
    else
        fputs("hint: check the address and the network\n", stderr);
    fputs("hint: another server: --api-base URL, FASTIO_API_BASE or --profile NAME\n", stderr);
}

/* After a TLS verification failure (D-125): which CAs were used and how to trust a private
 * one. */
void cli_tls_hint(const struct cli_ctx *ctx)
{
    if (ctx->quiet)
        return;
    if (ctx->ca_file) {
        size_t w;
        char *safe = cell_text(ctx->ca_file, 0, &w);
        fprintf(stderr, "hint: the server's certificate is not signed by a CA of %s (from %s)\n",
                safe ? safe : "?", ctx->ca_file_origin);
        free(safe);
        fputs("hint: pass the bundle of the CA that signed it: --ca-file PATH\n", stderr);
    } else {
        fputs("hint: the server's certificate is not signed by a CA of the system bundle;\n"
              "      for a private CA or a self-signed server pass its PEM certificate with\n"
              "      --ca-file PATH (or FASTIO_CA_FILE, or 'fastio configure init --ca-file')\n",
              stderr);
    }
}

bool cli_error_is_tls(const struct fastio_error *err)
{
    return err->status == FASTIO_NETWORK &&
           strstr(err->message, "TLS certificate verification failed") != NULL;
}

void cli_print_api_error(const struct cli_ctx *ctx, const struct fastio_error *err)
{
    if (ctx->quiet)
        return;
    const char *msg = err->message[0] ? err->message : fastio_status_str(err->status);
    char tail[96] = "";
    if (err->http_status && err->api_code)
        snprintf(tail, sizeof(tail), " (HTTP %ld, code %ld)", err->http_status, err->api_code);
    else if (err->http_status)
        snprintf(tail, sizeof(tail), " (HTTP %ld)", err->http_status);
    else if (err->api_code)
        snprintf(tail, sizeof(tail), " (code %ld)", err->api_code);
    cli_errorf(ctx, "%s%s", msg, tail);
    if (err->status == FASTIO_AUTH && !(ctx->what && strcmp(ctx->what, "auth login") == 0))
        fputs("hint: check the token, or sign in again with 'fastio auth login'\n", stderr);
    else if (cli_error_is_tls(err))
        cli_tls_hint(ctx);
    else if (err->status == FASTIO_NETWORK)
        cli_network_hint(ctx);
    else if (err->status == FASTIO_RATE_LIMITED && err->retry_after_ms > 0)
        fprintf(stderr, "hint: rate limited; retry in %ld s\n", (err->retry_after_ms + 999) / 1000);
}
