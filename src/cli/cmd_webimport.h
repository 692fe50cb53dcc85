/* SPDX-License-Identifier: MIT */
/* cmd_webimport.h - the URL import commands of the "upload" group (cmd_webimport.c; api §5.7):
 * "upload url", "upload web-list", "upload web-status", "upload web-cancel". cmd_upload.c, which
 * owns the group, splices them into its table with CLI_WEBIMPORT_ROWS. */
#ifndef CLI_CMD_WEBIMPORT_H
#define CLI_CMD_WEBIMPORT_H

#include "cli.h"

extern const struct cli_opt cli_web_url_opts[];
extern const struct cli_opt cli_web_list_opts[];
extern const struct cli_opt cli_web_status_opts[];
extern const struct cli_opt cli_web_cancel_opts[];
int cli_web_url(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args);
int cli_web_status(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args);

/* clang-format off */
#define CLI_WEBIMPORT_ROWS                                                                         \
    {.name = "url",                                                                                \
     .endpoint = FASTIO_EP_WEB_UPLOAD_CREATE,                                                      \
     .opts = cli_web_url_opts,                                                                     \
     .run = cli_web_url,                                                                           \
     .summary = "Import a file from a URL; the server downloads it",                              \
     .description =                                                                                \
         "Asks the server to fetch URL and store it as a file of the workspace (POST\n"           \
         "/web_upload/): the bytes go from the source straight to the server, never through\n"    \
         "this machine. Public share links of Google Drive, Dropbox, OneDrive and Box are\n"      \
         "turned into their direct-download form by the server. The file is named --name,\n"      \
         "else by the source's Content-Disposition, else by the URL's last path segment; a\n"     \
         "name that exists in the folder gets a new version.\n\n"                                 \
         "Without --wait the command prints the new import job at once (its id is for 'upload\n"  \
         "web-status'); the import runs in the background and its failures show only in its\n"  \
         "status. With --wait it follows the job (progress on stderr unless -q) and exits 0\n"    \
         "when the file is stored, 1 when the import failed or was canceled (with the\n"         \
         "server's reason).\n\n"                                                                 \
         "The server refuses URLs that lead to private, loopback, link-local or other\n"          \
         "non-public addresses, also through redirects (see docs/server.md \"URL import\").",    \
     .examples = "fastio upload url https://example.com/report.pdf --workspace team --wait\n"     \
                 "fastio upload url 'https://www.dropbox.com/s/abc/data.csv?dl=0' --workspace team --folder 2abc...\n" \
                 "fastio upload url https://example.com/dl?id=7 --workspace team --name q3.xlsx"}, \
    {.name = "web-list",                                                                           \
     .endpoint = FASTIO_EP_WEB_UPLOAD_LIST,                                                        \
     .opts = cli_web_list_opts,                                                                    \
     .summary = "List your URL imports",                                                           \
     .description = "Lists your URL import jobs, newest first (GET /web_upload/), with their\n"   \
                    "status, bytes done and, for failures, the reason.",                          \
     .examples = "fastio upload web-list\nfastio upload web-list --status failed --limit 20"},     \
    {.name = "web-status",                                                                         \
     .endpoint = FASTIO_EP_WEB_UPLOAD_DETAILS,                                                     \
     .opts = cli_web_status_opts,                                                                  \
     .run = cli_web_status,                                                                        \
     .summary = "Show a URL import; optionally wait for its end",                                 \
     .description = "Shows one URL import job (GET /web_upload/{id}/details/): status (pending,\n" \
                    "queued, downloading, uploading, complete, failed, canceled), bytes done,\n"   \
                    "the stored file's new_file_id or the status_message of a failure. With\n"     \
                    "--wait, follows the job until it ends (exit 1 unless complete).",            \
     .examples = "fastio upload web-status 2a...\nfastio upload web-status 2a... --wait"},         \
    {.name = "web-cancel",                                                                         \
     .endpoint = FASTIO_EP_WEB_UPLOAD_CANCEL,                                                      \
     .opts = cli_web_cancel_opts,                                                                  \
     .summary = "Cancel a URL import",                                                             \
     .description = "Cancels a URL import that is pending, queued or downloading (DELETE\n"        \
                    "/web_upload/?id=ID); the partial download is discarded. An import whose\n"    \
                    "file is already being stored can no longer be canceled (HTTP 409).",          \
     .examples = "fastio upload web-cancel 2a..."}
/* clang-format on */

#endif
