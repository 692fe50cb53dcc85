/* SPDX-License-Identifier: MIT */
/* transfer.c - what the upload and download commands share once a transfer engine run is over:
 * reading a job's result, recording a failed job, and the report (the result object, the
 * summary line, the hints, the exit status). */
#include "cmd_transfer.h"

#include <string.h>

void cli_transfer_job_failed(struct cli_ctx *ctx, json_t *o, enum fastio_status js,
                             const struct fastio_error *je, struct cli_transfer_outcome *out)
{
    if (js != FASTIO_CANCELLED)
        cli_errorf(ctx, "%s", je->message);
    out->net_fail |= je->status == FASTIO_NETWORK;
    out->tls_fail |= cli_error_is_tls(je);
    json_object_set_new(o, "error", cli_error_json(je));
    out->fail_n++;
}

enum fastio_status cli_transfer_job(struct fastio_transfer *t, size_t job, char **result,
                                    struct fastio_error *je, struct fastio_transfer_job_info *ji)
{
    *result = NULL;
    fastio_error_clear(je);
    enum fastio_status js = fastio_transfer_job_result(t, job, result, je);
    if (fastio_transfer_job_progress(t, job, ji) != FASTIO_OK)
        memset(ji, 0, sizeof(*ji));
    return js;
}

int cli_transfer_report(struct cli_ctx *ctx, json_t *files, const char *verb,
                        const struct cli_transfer_outcome *out)
{
    json_t *o = json_pack("{s:O, s:I, s:I}", "files", files, "succeeded", (json_int_t)out->ok_n,
                          "failed", (json_int_t)out->fail_n);
    if (!o) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    int rc = out->to_stdout ? CLI_OK : cli_print(ctx, o, files);
    json_decref(o);
    if (rc == CLI_OK) {
        if ((ctx->format != CLI_FMT_JSON || out->to_stdout) && out->ok_n > 0)
            cli_transfer_note(ctx, verb, out->ok_n, out->bytes, out->sent, out->secs);
        if (out->cancelled)
            cli_errorf(ctx, "interrupted; run the same command again to resume");
        if (out->fail_n == 0 && !out->cancelled) {
            rc = CLI_OK;
        } else if (out->allow_partial && out->ok_n > 0 && !out->cancelled) {
            cli_note(ctx, "%zu of %zu files failed (--allow-partial)", out->fail_n,
                     out->ok_n + out->fail_n);
            rc = CLI_OK;
        } else {
            rc = CLI_ERR;
        }
    }
    if (out->tls_fail)
        cli_tls_hint(ctx);
    else if (out->net_fail)
        cli_network_hint(ctx);
    return rc;
}
