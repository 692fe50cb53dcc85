/* SPDX-License-Identifier: MIT */
/* cmd_event.c - rows of the "event" group (api §9.4, §9.5, §11.2): the audit log and one
 * activity long-poll. All plain rows run by cli_run_generic. */
#include "cmd_member.h"

/* clang-format off */

#define FILTER(flag, wire, mv) {.name = flag, .kind = OPT_VALUE, .param = wire, .metavar = mv}

static const struct cli_opt list_opts[] = {
    FILTER("workspace", "workspace_id", "WS"),
    FILTER("org-id", "org_id", "ORG"),
    FILTER("user-id", "user_id", "USER"),
    FILTER("share", "share_id", "SHARE"),
    FILTER("parent-event-id", "parent_event_id", "ID"),
    FILTER("event", "event", "NAME"),
    FILTER("category", "category", "CATEGORY"),
    FILTER("subcategory", "subcategory", "SUB"),
    FILTER("calling-user-id", "calling_user_id", "USER"),
    FILTER("object-id", "object_id", "ID"),
    FILTER("visibility", "visibility", "V"),
    FILTER("acknowledged", "acknowledged", "true|false"),
    FILTER("created-min", "created-min", "TIME"),
    FILTER("created-max", "created-max", "TIME"),
    FILTER("limit", "limit", "N"),
    FILTER("offset", "offset", "N"),
    {0},
};

static const struct cli_opt info_opts[] = {
    {.name = "ID", .kind = OPT_POS, .path = 1},
    {0},
};

/* The id fills the path and, as the contract asks, the form's event_id too. */
static const struct cli_opt ack_opts[] = {
    {.name = "ID", .kind = OPT_POS, .path = 1, .param = "event_id"},
    {0},
};

static const struct cli_opt poll_opts[] = {
    {.name = "ENTITY", .kind = OPT_POS, .path = 1},
    FILTER("lastactivity", "lastactivity", "CURSOR"),
    FILTER("wait", "wait", "SECONDS"),
    {0},
};

const struct cli_cmd cli_event_cmds[] = {
    {
        .name = "list",
        .endpoint = FASTIO_EP_EVENTS_SEARCH,
        .opts = list_opts,
        .summary = "Search the audit log",
        .description =
            "GET /events/search/: newest first. One of --workspace, --org-id or --user-id is\n"
            "required. Events record membership, role, invitation, ownership, workspace and\n"
            "storage changes: {id, created, category, subcategory, event, org_id,\n"
            "workspace_id, user_id, calling_user_id, object_id, details, acknowledged}.",
        .examples = "fastio event list --workspace design-team\n"
                    "fastio event list --org-id acme --subcategory transfer --limit 10",
    },
    {
        .name = "info",
        .endpoint = FASTIO_EP_EVENT_DETAILS,
        .opts = info_opts,
        .summary = "Show one event",
        .description = "GET /event/{id}/details/.",
        .examples = "fastio event info 9abc...",
    },
    {
        .name = "ack",
        .endpoint = FASTIO_EP_EVENT_ACK,
        .opts = ack_opts,
        .summary = "Mark an event acknowledged",
        .description = "POST /event/{id}/ack/ (sends event_id too). Prints the event.",
        .examples = "fastio event ack 9abc...",
    },
    {
        .name = "poll",
        .endpoint = FASTIO_EP_ACTIVITY_POLL,
        .opts = poll_opts,
        .summary = "Wait for a change in a workspace, org or your uploads",
        .description =
            "GET /activity/poll/{entity}/?wait=&lastactivity=: answers as soon as something\n"
            "changed after --lastactivity (storage, members, uploads, ...), otherwise after\n"
            "--wait seconds. Prints {activity: [keys such as \"storage\", \"storage:NODE\",\n"
            "\"members\"], lastactivity}; pass lastactivity to the next poll.",
        .examples = "C=$(fastio --format json event poll team | jq -r .lastactivity)\n"
                    "fastio event poll team --lastactivity \"$C\" --wait 60",
    },
    {0},
};

/* clang-format on */
