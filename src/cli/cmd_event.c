/* cmd_event.c - rows of the "event" group (api §9.4, §9.5, §11.2): the audit log and one
 * activity long-poll. All plain rows run by cli_run_generic. */
#include "cmd_member.h"

/* clang-format off */

#define FILTER(flag, wire, mv, text)                                                               \
    {.name = flag, .kind = OPT_VALUE, .param = wire, .metavar = mv, .help = text}

static const struct cli_opt list_opts[] = {
    FILTER("workspace", "workspace_id", "WS", "Events of this workspace (needs the member role)."),
    FILTER("org-id", "org_id", "ORG", "Events of this org and its workspaces (admin or owner)."),
    FILTER("user-id", "user_id", "USER", "Events about or by this user (only yourself)."),
    FILTER("share", "share_id", "SHARE", "Share events (not served by fastio-server: error)."),
    FILTER("parent-event-id", "parent_event_id", "ID", "Child events (not served: error)."),
    FILTER("event", "event", "NAME", "Event name, e.g. added_member_to_workspace."),
    FILTER("category", "category", "CATEGORY", "org, workspace, node, invitation, ..."),
    FILTER("subcategory", "subcategory", "SUB", "members, transfer, storage, lifecycle, ..."),
    FILTER("calling-user-id", "calling_user_id", "USER", "Who did it."),
    FILTER("object-id", "object_id", "ID", "What it was about (node, invitation, token id)."),
    FILTER("visibility", "visibility", "V", "external_audit_log or external (ignored here)."),
    {.name = "acknowledged", .kind = OPT_VALUE, .param = "acknowledged", .check = CHK_BOOL,
     .metavar = "true|false", .help = "Only (un)acknowledged events."},
    FILTER("created-min", "created-min", "TIME", "Not before, \"YYYY-MM-DD HH:MM:SS UTC\"."),
    FILTER("created-max", "created-max", "TIME", "Not after, same form."),
    {.name = "limit", .kind = OPT_VALUE, .param = "limit", .check = CHK_UINT, .metavar = "N",
     .help = "Maximum events, 1-250 (default 100)."},
    {.name = "offset", .kind = OPT_VALUE, .param = "offset", .check = CHK_UINT, .metavar = "N",
     .help = "Events to skip."},
    {0},
};

static const struct cli_opt info_opts[] = {
    {.name = "ID", .kind = OPT_POS, .path = 1, .help = "Event id."},
    {0},
};

static const struct cli_opt ack_opts[] = {
    {.name = "ID", .kind = OPT_POS, .path = 1, .param = "event_id", .help = "Event id."},
    {0},
};

static const struct cli_opt poll_opts[] = {
    {.name = "ENTITY", .kind = OPT_POS, .path = 1,
     .help = "Workspace or org id, or your user id (upload sessions)."},
    {.name = "lastactivity", .kind = OPT_VALUE, .param = "lastactivity", .metavar = "CURSOR",
     .help = "The lastactivity of the previous answer. Omitted: answer at once with the\n"
             "current cursor."},
    {.name = "wait", .kind = OPT_VALUE, .param = "wait", .check = CHK_UINT, .metavar = "SECONDS",
     .help = "Longest wait for a change, 0-95 (server default 0)."},
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
