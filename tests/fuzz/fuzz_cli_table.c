/* SPDX-License-Identifier: MIT */
/* fuzz_cli_table.c - fuzz target for the CLI's renderer (src/cli/output.c, D-086): any JSON
 * result, any --fields list, any terminal width, as table, CSV and markdown. Never a crash or a
 * leak; table and markdown output is valid UTF-8 without control characters but '\n' (server
 * text must not reach a terminal as escape sequences); a table at width W has no line wider
 * than W when W leaves every column its minimum. Input: byte 0 picks the width (0 = none),
 * then an optional "fields\n" line when byte 1 is 'F', then the JSON document. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The renderer is part of the fastio executable, not of a library: compile it in (output.c
 * with the width code and the messages it calls). */
#include "../../src/cli/output.c"
#include "../../src/cli/output_msg.c"
#include "../../src/cli/output_width.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid UTF-8 without C0/C1 controls, DEL or bidi overrides ('\n' allowed). */
static void check_clean(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_next(u + i, n - i, &cp);
        if (cp == 0xfffd && !(len == 3 && u[i] == 0xef && u[i + 1] == 0xbf && u[i + 2] == 0xbd))
            abort(); /* an invalid sequence went out */
        if (cp != '\n' && unsafe_cp(cp) && cp != 0xfffd)
            abort();
        i += len;
    }
}

static void render(json_t *v, enum cli_format fmt, const char *fields, unsigned width)
{
    struct cli_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.format = fmt;
    ctx.fields = fields;
    ctx.no_color = true;
    char cols[16];
    if (width) {
        snprintf(cols, sizeof(cols), "%u", width);
        setenv("COLUMNS", cols, 1);
    } else {
        unsetenv("COLUMNS");
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return;
    FILE *saved = stdout;
    stdout = mem;
    (void)cli_print(&ctx, v, NULL);
    stdout = saved;
    fclose(mem);
    if (fmt != CLI_FMT_CSV)
        check_clean(buf, len);
    if (fmt == CLI_FMT_TABLE && width && json_is_array(v) && json_array_size(v) &&
        json_is_object(json_array_get(v, 0))) {
        /* every line fits when the columns' minimums do (at most 8 columns without --fields,
         * ids cut to MIN_COL last) */
        if (!fields && width >= 8 * (MIN_COL + 2) + 29) {
            char *line = buf;
            while (line && *line) {
                char *nl = strchr(line, '\n');
                if (nl)
                    *nl = '\0';
                if (cli_display_width(line) > width)
                    abort();
                line = nl ? nl + 1 : NULL;
            }
        }
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned width = data[0] == 0 ? 0 : 4u + data[0] % 200u;
    const char *p = (const char *)data + 2;
    size_t n = size - 2;
    char *fields = NULL;
    if (data[1] == 'F') {
        const char *nl = memchr(p, '\n', n);
        if (!nl)
            return 0;
        fields = malloc((size_t)(nl - p) + 1);
        if (!fields)
            return 0;
        memcpy(fields, p, (size_t)(nl - p));
        fields[nl - p] = '\0';
        if (!fields[0] || strlen(fields) != (size_t)(nl - p)) { /* empty, or a NUL inside */
            free(fields);
            return 0;
        }
        n -= (size_t)(nl - p) + 1;
        p = nl + 1;
    }
    json_t *v = json_loadb(p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (v) {
        render(v, CLI_FMT_TABLE, fields, width);
        render(v, CLI_FMT_CSV, fields, width);
        render(v, CLI_FMT_MARKDOWN, fields, width);
        json_decref(v);
    }
    free(fields);
    return 0;
}
