/* output.c - everything the CLI writes: pretty JSON, tables flattened from results (array of
 * objects -> columns, object -> key/value, scalar -> plain) and error lines. Server text is
 * sanitised (control and bidi characters replaced) before it reaches a terminal. */
#include "cli.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define CELL_MAX 60      /* widest scalar cell in a table, in characters */
#define NESTED_MAX 40    /* nested objects/arrays shown as compact JSON up to this width */
#define KV_VALUE_MAX 200 /* widest value in a key/value listing */

/* ---- text cells ------------------------------------------------------------------------------ */

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

/* A printable copy of s: control and bidi characters become ' ' or '?', cut to max characters
 * with "..." appended. *width gets the character count. Owned (free); NULL on OOM. */
static char *cell_text(const char *s, size_t max, size_t *width)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    size_t n = strlen(s), w = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_next(u + i, n - i, &cp);
        if (w + 1 > max && max >= 3) {
            /* over the limit: back off to max-3 characters and add "..." */
            size_t keep = 0, bytes = 0;
            const char *d = b.data;
            while (keep < max - 3 && bytes < b.len) {
                uint32_t c2;
                bytes += utf8_next((const unsigned char *)d + bytes, b.len - bytes, &c2);
                keep++;
            }
            b.len = bytes;
            if (b.data)
                b.data[bytes] = '\0';
            w = keep;
            if (!fio_buf_append_str(&b, "..."))
                goto oom;
            w += 3;
            break;
        }
        bool ok;
        if (unsafe_cp(cp))
            ok = fio_buf_append(&b, (cp == '\n' || cp == '\t' || cp == '\r') ? " " : "?", 1);
        else
            ok = fio_buf_append(&b, s + i, len);
        if (!ok)
            goto oom;
        w++;
        i += len;
    }
    *width = w;
    return fio_buf_steal(&b);
oom:
    fio_buf_release(&b);
    return NULL;
}

/* Text of a JSON value for a cell (before sanitising). Owned; NULL on OOM. */
static char *value_text(json_t *v, bool *nested)
{
    char num[64];
    *nested = false;
    switch (json_typeof(v)) {
    case JSON_STRING:
        return fio_strdup(json_string_value(v));
    case JSON_INTEGER:
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
    case JSON_OBJECT:
    case JSON_ARRAY:
        *nested = true;
        return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    }
    return fio_strdup("");
}

static char *cell(json_t *v, size_t max, size_t *width)
{
    bool nested;
    char *raw = value_text(v, &nested);
    if (!raw)
        return NULL;
    char *out = cell_text(raw, nested && max > NESTED_MAX ? NESTED_MAX : max, width);
    free(raw);
    return out;
}

static void pad(size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputc(' ', stdout);
}

/* ---- tables ---------------------------------------------------------------------------------- */

/* Keys shown first when present, in this order; the rest follow in first-seen order. */
static const char *const lead_keys[] = {"id", "name", "title", "type", NULL};

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

static void print_rows(json_t *rows)
{
    json_t *cols = json_array(); /* column names, ordered */
    json_t *seen = json_object();
    char ***cells = NULL;
    size_t *widths = NULL, *cw = NULL; /* column widths; cell widths (nrows x ncols) */
    size_t nrows = json_array_size(rows), ncols = 0;
    if (!cols || !seen)
        goto oom;
    for (size_t l = 0; lead_keys[l]; l++) {
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            if (json_object_get(row, lead_keys[l])) {
                if (json_array_append_new(cols, json_string(lead_keys[l])) ||
                    json_object_set_new(seen, lead_keys[l], json_true()))
                    goto oom;
                break;
            }
        }
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *k;
        json_t *v;
        json_object_foreach(row, k, v)
        {
            if (json_object_get(seen, k))
                continue;
            if (json_array_append_new(cols, json_string(k)) ||
                json_object_set_new(seen, k, json_true()))
                goto oom;
        }
    }
    ncols = json_array_size(cols);
    widths = calloc(ncols ? ncols : 1, sizeof(*widths));
    cells = calloc(nrows ? nrows : 1, sizeof(*cells));
    if (ncols && nrows > SIZE_MAX / sizeof(*cw) / ncols)
        goto oom;
    cw = calloc((nrows && ncols) ? nrows * ncols : 1, sizeof(*cw));
    if (!widths || !cells || !cw)
        goto oom;
    for (size_t c = 0; c < ncols; c++)
        widths[c] = strlen(json_string_value(json_array_get(cols, c)));
    for (size_t r = 0; r < nrows; r++) {
        cells[r] = calloc(ncols ? ncols : 1, sizeof(**cells));
        if (!cells[r])
            goto oom;
        json_t *obj = json_array_get(rows, r);
        for (size_t c = 0; c < ncols; c++) {
            json_t *v = json_object_get(obj, json_string_value(json_array_get(cols, c)));
            size_t w = 0;
            cells[r][c] = v ? cell(v, CELL_MAX, &w) : fio_strdup("");
            if (!cells[r][c])
                goto oom;
            cw[r * ncols + c] = w;
            if (w > widths[c])
                widths[c] = w;
        }
    }
    for (size_t c = 0; c < ncols; c++) {
        const char *h = json_string_value(json_array_get(cols, c));
        fputs(h, stdout);
        if (c + 1 < ncols)
            pad(widths[c] - strlen(h) + 2);
    }
    fputc('\n', stdout);
    for (size_t c = 0; c < ncols; c++) {
        for (size_t k = 0; k < widths[c]; k++)
            fputc('-', stdout);
        if (c + 1 < ncols)
            pad(2);
    }
    fputc('\n', stdout);
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            fputs(cells[r][c], stdout);
            if (c + 1 < ncols)
                pad(widths[c] - cw[r * ncols + c] + 2);
        }
        fputc('\n', stdout);
    }
    goto done;
oom:
    fputs("error: out of memory while rendering the table\n", stderr);
done:
    for (size_t r = 0; cells && r < nrows; r++) {
        for (size_t c = 0; cells[r] && c < ncols; c++)
            free(cells[r][c]);
        free(cells[r]);
    }
    free(cells);
    free(widths);
    free(cw);
    json_decref(cols);
    json_decref(seen);
}

static void print_kv(json_t *obj)
{
    size_t kw = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        size_t w = 0;
        char *t = cell_text(k, 40, &w);
        free(t);
        if (w > kw)
            kw = w;
    }
    json_object_foreach(obj, k, v)
    {
        size_t w = 0, vw = 0;
        char *kt = cell_text(k, 40, &w);
        char *vt = cell(v, KV_VALUE_MAX, &vw);
        if (!kt || !vt) {
            free(kt);
            free(vt);
            fputs("error: out of memory while rendering\n", stderr);
            return;
        }
        fputs(kt, stdout);
        pad(kw - w + 2);
        fputs(vt, stdout);
        fputc('\n', stdout);
        free(kt);
        free(vt);
    }
}

static void print_scalar_line(json_t *v)
{
    size_t w;
    char *t = cell(v, SIZE_MAX, &w);
    if (!t) {
        fputs("error: out of memory while rendering\n", stderr);
        return;
    }
    fputs(t, stdout);
    fputc('\n', stdout);
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

int cli_print(struct cli_ctx *ctx, json_t *whole, json_t *result)
{
    if (ctx->quiet)
        return CLI_OK;
    if (ctx->format == CLI_FMT_JSON) {
        char *s = json_dumps(whole ? whole : json_null(), JSON_INDENT(2) | JSON_ENCODE_ANY);
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
    char *safe = cell_text(msg, SIZE_MAX, &w);
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
    else if (err->status == FASTIO_RATE_LIMITED && err->retry_after_ms > 0)
        fprintf(stderr, "hint: rate limited; retry in %ld s\n", (err->retry_after_ms + 999) / 1000);
}
