/* SPDX-License-Identifier: MIT */
/* cmd_system.c - rows of the "system" group: unauthenticated health checks (api §9.6). */
#include "cli.h"

/* clang-format off: rows read as a table */
static const struct cli_opt no_opts[] = {{0}};

const struct cli_cmd cli_system_cmds[] = {
    {
        .name = "ping",
        .endpoint = FASTIO_EP_PING,
        .opts = no_opts,
        .summary = "Check that the API answers",
        .description = "Sends GET /ping/ and prints the answer. Needs no token, so it is the\n"
                       "quickest way to check the API base and the network path.",
        .examples = "fastio system ping\n"
                    "fastio --api-base http://127.0.0.1:8787/current system ping",
    },
    {
        .name = "status",
        .endpoint = FASTIO_EP_SYSTEM_STATUS,
        .opts = no_opts,
        .summary = "Show the service status",
        .description = "Sends GET /system/status/ and prints the service status report.\n"
                       "Needs no token.",
        .examples = "fastio system status --format json",
    },
    {0},
};
/* clang-format on */
