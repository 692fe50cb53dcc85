/* SPDX-License-Identifier: MIT */
/* mcp_catalog.c - the MCP tool catalogue (mcp_catalog.h): lookups and hints of the lines in
 * mcp_catalog_lines.c, the parameters of an action, and the JSON Schema, tools/list and describe
 * answers generated from the endpoint rows (api §10.1). Validating a call: mcp_catalog_resolve.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_catalog_int.h"

/* ---- lookups ------------------------------------------------------------------------------ */

const struct mcp_tool *mcp_catalog_tools(size_t *n)
{
    if (n != NULL)
        *n = mcp_cat_n_tools;
    return mcp_cat_tools;
}

const struct mcp_tool *mcp_catalog_tool(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < mcp_cat_n_tools; i++)
        if (strcmp(mcp_cat_tools[i].name, name) == 0)
            return &mcp_cat_tools[i];
    return NULL;
}

const struct fastio_endpoint_info *mcp_action_row(const struct mcp_action *a, int *row_id)
{
    if (row_id != NULL)
        *row_id = -1;
    if (a == NULL || a->row == NULL)
        return NULL;
    int id = fastio_endpoint_find(a->row);
    if (id < 0)
        return NULL;
    if (row_id != NULL)
        *row_id = id;
    return fastio_endpoint_get((enum fastio_endpoint)id);
}

/* An action exists in this build when it names no row or its row is in the table. */
bool mcp_cat_action_present(const struct mcp_action *a)
{
    return a->row == NULL || fastio_endpoint_find(a->row) >= 0;
}

/* Compare an action name given by a caller (underscores allowed) with a catalogue name. */
bool mcp_cat_name_eq(const char *given, const char *name)
{
    size_t i = 0;
    for (; given[i] != '\0' && name[i] != '\0'; i++) {
        char g = given[i] == '_' ? '-' : given[i];
        if (g != name[i])
            return false;
    }
    return given[i] == '\0' && name[i] == '\0';
}

const struct mcp_action *mcp_catalog_action(const char *tool, const char *action)
{
    if (tool == NULL || action == NULL)
        return NULL;
    for (size_t i = 0; i < mcp_cat_n_actions; i++) {
        if (strcmp(mcp_cat_actions[i].tool, tool) == 0 &&
            mcp_cat_name_eq(action, mcp_cat_actions[i].name) &&
            mcp_cat_action_present(&mcp_cat_actions[i]))
            return &mcp_cat_actions[i];
    }
    return NULL;
}

bool mcp_action_readonly(const struct mcp_action *a)
{
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    if (a->flags & MCP_ACT_WRITE)
        return false;
    if (row == NULL)
        return strcmp(a->name, "status") == 0; /* local actions change the session or data */
    if (a->flags & MCP_ACT_LOCAL)
        return row->method == FASTIO_METHOD_GET && strcmp(a->tool, "auth") != 0;
    return row->method == FASTIO_METHOD_GET;
}

bool mcp_action_destructive(const struct mcp_action *a)
{
    if (a->flags & MCP_ACT_DESTRUCTIVE)
        return true;
    if (a->flags & MCP_ACT_NOT_DESTRUCTIVE)
        return false;
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    return row != NULL && !(a->flags & MCP_ACT_LOCAL) && row->method == FASTIO_METHOD_DELETE;
}

bool mcp_action_idempotent(const struct mcp_action *a)
{
    if (mcp_action_readonly(a))
        return true;
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    return row != NULL && !(a->flags & MCP_ACT_LOCAL) && row->retry == FASTIO_RETRY_SAFE;
}

bool mcp_action_noauth(const struct mcp_action *a)
{
    if (a->flags & MCP_ACT_NOAUTH)
        return true;
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    return row != NULL && row->auth == FASTIO_AUTH_NONE;
}

const char *mcp_param_mcp_name(const struct mcp_tool *t, const char *wire, char *buf, size_t len)
{
    if (strcmp(wire, "action") == 0 || strcmp(wire, "confirm") == 0 ||
        strcmp(wire, "describe_action") == 0) {
        snprintf(buf, len, "%s_%s", t != NULL ? t->name : "row", wire);
        return buf;
    }
    snprintf(buf, len, "%s", wire);
    return buf;
}

/* ---- the parameters of an action ---------------------------------------------------------- */

/* Row parameters an MCP caller cannot give as a value (bytes: the executor sends them). */
static bool row_param_exposed(const struct fastio_param_info *p)
{
    return p->in != FASTIO_PARAM_IN_MULTIPART && p->in != FASTIO_PARAM_IN_RAW;
}

/* The parameters of an action: the row's (exposed ones) then the line's extras; an extra with
 * the name of a row parameter replaces it. Returns the count (<= max). */
size_t mcp_cat_action_params(const struct mcp_tool *t, const struct mcp_action *a,
                             struct aparam *out, size_t max)
{
    size_t n = 0;
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    /* A local action that names a row takes the row's path parameters and, when it declares no
     * extras, all of them (file-url: the row's workspace_id/node_id/version_id). The chunk
     * action keeps its row's numbers (order, size) but sends the bytes itself. */
    for (size_t k = 0; row != NULL && k < row->n_params && n < max; k++) {
        const struct fastio_param_info *p = &row->param_info[k];
        if (!row_param_exposed(p))
            continue;
        bool shadowed = false;
        for (size_t e = 0; e < a->n_extra; e++)
            if (strcmp(a->extra[e].name, p->name) == 0)
                shadowed = true;
        if (shadowed)
            continue;
        if ((a->flags & MCP_ACT_LOCAL) && strcmp(a->tool, "auth") == 0)
            continue; /* auth's local actions build their row calls themselves */
        out[n].p = p;
        out[n].from_row = true;
        mcp_param_mcp_name(t, p->name, out[n].name, sizeof(out[n].name));
        n++;
    }
    for (size_t e = 0; e < a->n_extra && n < max; e++) {
        out[n].p = &a->extra[e];
        out[n].from_row = false;
        snprintf(out[n].name, sizeof(out[n].name), "%s", a->extra[e].name);
        n++;
    }
    return n;
}

/* A required ENUM with a single choice needs no argument: it is filled in. */
bool mcp_cat_single_choice(const struct fastio_param_info *p)
{
    return p->type == FASTIO_PARAM_ENUM && p->choices != NULL && strchr(p->choices, '|') == NULL;
}

static const char *json_type_of(enum fastio_param_type t)
{
    switch (t) {
    case FASTIO_PARAM_INT:
        return "integer";
    case FASTIO_PARAM_BOOL:
        return "boolean";
    default:
        return "string";
    }
}

static json_t *choices_array(const char *choices)
{
    json_t *arr = json_array();
    const char *s = choices;
    while (arr != NULL && s != NULL && *s != '\0') {
        const char *bar = strchr(s, '|');
        size_t len = bar != NULL ? (size_t)(bar - s) : strlen(s);
        json_array_append_new(arr, json_stringn(s, len));
        s = bar != NULL ? bar + 1 : NULL;
    }
    return arr;
}

static json_t *param_schema(const struct fastio_param_info *p)
{
    json_t *s = json_object();
    if (s == NULL)
        return NULL;
    if (p->type == FASTIO_PARAM_JSON) {
        json_t *types = json_array();
        json_array_append_new(types, json_string("string"));
        json_array_append_new(types, json_string("object"));
        json_array_append_new(types, json_string("array"));
        json_object_set_new(s, "type", types);
    } else {
        json_object_set_new(s, "type", json_string(json_type_of(p->type)));
    }
    if (p->type == FASTIO_PARAM_INT)
        json_object_set_new(s, "minimum", json_integer(0));
    if (p->type == FASTIO_PARAM_ENUM && p->choices != NULL)
        json_object_set_new(s, "enum", choices_array(p->choices));
    if (p->doc != NULL)
        json_object_set_new(s, "description", json_string(p->doc));
    return s;
}

/* ---- tools/list and describe -------------------------------------------------------------- */

/* The schema of a property every tool has: {type, enum (stolen, when not NULL), description}. */
static json_t *fixed_prop(const char *type, json_t *choices, const char *doc)
{
    json_t *p = json_object();
    json_object_set_new(p, "type", json_string(type));
    if (choices != NULL)
        json_object_set_new(p, "enum", choices);
    json_object_set_new(p, "description", json_string(doc));
    return p;
}

json_t *mcp_catalog_tool_json(const struct mcp_tool *t)
{
    if (t == NULL)
        return NULL;
    json_t *tool = json_object();
    json_t *props = json_object();
    json_t *names = json_array();
    json_t *seen_for = json_object(); /* param name -> array of action names */
    if (tool == NULL || props == NULL || names == NULL || seen_for == NULL) {
        json_decref(tool);
        json_decref(props);
        json_decref(names);
        json_decref(seen_for);
        return NULL;
    }
    bool all_ro = true, any_destr = false, all_idem = true;
    char actions_doc[2048] = "";
    size_t doc_len = 0;
    for (size_t i = 0; i < mcp_cat_n_actions; i++) {
        const struct mcp_action *a = &mcp_cat_actions[i];
        if (strcmp(a->tool, t->name) != 0 || !mcp_cat_action_present(a))
            continue;
        json_array_append_new(names, json_string(a->name));
        all_ro = all_ro && mcp_action_readonly(a);
        any_destr = any_destr || mcp_action_destructive(a);
        all_idem = all_idem && mcp_action_idempotent(a);
        (void)mcp_cat_list_add(actions_doc, sizeof(actions_doc), &doc_len, doc_len == 0 ? "" : ", ",
                               a->name);
        struct aparam ap[MAX_APARAMS];
        size_t np = mcp_cat_action_params(t, a, ap, MAX_APARAMS);
        for (size_t k = 0; k < np; k++) {
            if (ap[k].from_row && ap[k].p->required && mcp_cat_single_choice(ap[k].p))
                continue; /* filled in */
            json_t *prev = json_object_get(props, ap[k].name);
            json_t *mine = param_schema(ap[k].p);
            if (prev == NULL) {
                json_object_set_new(props, ap[k].name, mine);
            } else {
                /* The same name in several actions: keep the first schema unless the types or
                 * choices differ, then widen to a plain string (resolve still checks each
                 * action's own rules). */
                if (!json_equal(json_object_get(prev, "type"), json_object_get(mine, "type")) ||
                    !json_equal(json_object_get(prev, "enum"), json_object_get(mine, "enum"))) {
                    json_object_del(prev, "enum");
                    json_object_del(prev, "minimum");
                    json_object_set_new(prev, "type", json_string("string"));
                }
                json_decref(mine);
            }
            json_t *list = json_object_get(seen_for, ap[k].name);
            if (list == NULL) {
                list = json_array();
                json_object_set_new(seen_for, ap[k].name, list);
            }
            json_array_append_new(list, json_string(a->name));
        }
    }
    json_array_append_new(names, json_string("describe"));
    /* Each property says which actions use it. */
    const char *key;
    json_t *val;
    json_object_foreach(props, key, val)
    {
        json_t *list = json_object_get(seen_for, key);
        const char *d = json_string_value(json_object_get(val, "description"));
        char buf[1024];
        size_t off = (size_t)snprintf(buf, sizeof(buf), "%s (actions:", d != NULL ? d : "");
        size_t idx;
        json_t *an;
        json_array_foreach(list, idx, an)
        {
            if (!mcp_cat_list_add(buf, sizeof(buf) - 1, &off, idx == 0 ? " " : ", ",
                                  json_string_value(an)))
                break;
        }
        (void)mcp_cat_list_add(buf, sizeof(buf), &off, "", ")");
        json_object_set_new(val, "description", json_string(buf));
    }
    json_decref(seen_for);

    json_object_set_new(props, "action",
                        fixed_prop("string", names,
                                   "The operation; \"describe\" lists each action's parameters "
                                   "(no sign-in needed)."));
    json_object_set_new(props, "confirm",
                        fixed_prop("boolean", NULL,
                                   "Must be true for destructive actions (they delete or give "
                                   "away something)."));
    json_object_set_new(
        props, "describe_action",
        fixed_prop("string", NULL, "With action \"describe\": describe only this action."));

    json_t *schema = json_object();
    json_object_set_new(schema, "type", json_string("object"));
    json_object_set_new(schema, "properties", props);
    json_t *req = json_array();
    json_array_append_new(req, json_string("action"));
    json_object_set_new(schema, "required", req);

    char desc[3072];
    snprintf(desc, sizeof(desc), "%s Actions: %s, describe.", t->doc, actions_doc);
    json_object_set_new(tool, "name", json_string(t->name));
    json_object_set_new(tool, "title", json_string(t->title));
    json_object_set_new(tool, "description", json_string(desc));
    json_object_set_new(tool, "inputSchema", schema);
    json_t *ann = json_object();
    json_object_set_new(ann, "title", json_string(t->title));
    json_object_set_new(ann, "readOnlyHint", json_boolean(all_ro));
    json_object_set_new(ann, "destructiveHint", json_boolean(any_destr));
    json_object_set_new(ann, "idempotentHint", json_boolean(all_idem));
    json_object_set_new(ann, "openWorldHint", json_false());
    json_object_set_new(tool, "annotations", ann);
    return tool;
}

json_t *mcp_catalog_tools_list(const char *const *allow)
{
    json_t *list = json_array();
    if (list == NULL)
        return NULL;
    for (size_t i = 0; i < mcp_cat_n_tools; i++) {
        if (allow != NULL) {
            bool keep = false;
            for (size_t k = 0; k < 256 && allow[k] != NULL; k++)
                keep = keep || strcmp(allow[k], mcp_cat_tools[i].name) == 0;
            if (!keep)
                continue;
        }
        bool any = false; /* a tool without any action in this build is not listed */
        for (size_t k = 0; k < mcp_cat_n_actions && !any; k++)
            any = strcmp(mcp_cat_actions[k].tool, mcp_cat_tools[i].name) == 0 &&
                  mcp_cat_action_present(&mcp_cat_actions[k]);
        if (!any)
            continue;
        json_t *tj = mcp_catalog_tool_json(&mcp_cat_tools[i]);
        if (tj == NULL) {
            json_decref(list);
            return NULL;
        }
        json_array_append_new(list, tj);
    }
    return json_pack("{s:o}", "tools", list);
}

static json_t *describe_action(const struct mcp_tool *t, const struct mcp_action *a)
{
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(a->name));
    const char *doc = a->doc != NULL ? a->doc : row != NULL ? row->doc : "";
    json_object_set_new(o, "description", json_string(doc));
    if (row != NULL && !(a->flags & MCP_ACT_LOCAL)) {
        json_object_set_new(o, "method", json_string(fastio_method_name(row->method)));
        json_object_set_new(o, "path", json_string(row->path));
    }
    json_object_set_new(o, "read_only", json_boolean(mcp_action_readonly(a)));
    json_object_set_new(o, "destructive", json_boolean(mcp_action_destructive(a)));
    json_object_set_new(o, "idempotent", json_boolean(mcp_action_idempotent(a)));
    json_object_set_new(o, "sign_in", json_boolean(!mcp_action_noauth(a)));
    json_t *params = json_array();
    struct aparam ap[MAX_APARAMS];
    size_t np = mcp_cat_action_params(t, a, ap, MAX_APARAMS);
    for (size_t k = 0; k < np; k++) {
        if (ap[k].from_row && ap[k].p->required && mcp_cat_single_choice(ap[k].p))
            continue;
        json_t *p = json_object();
        json_object_set_new(p, "name", json_string(ap[k].name));
        json_object_set_new(p, "type", json_string(fastio_param_type_name(ap[k].p->type)));
        json_object_set_new(p, "required", json_boolean(ap[k].p->required));
        if (ap[k].p->choices != NULL)
            json_object_set_new(p, "choices", choices_array(ap[k].p->choices));
        json_object_set_new(p, "description", json_string(ap[k].p->doc ? ap[k].p->doc : ""));
        json_array_append_new(params, p);
    }
    if (mcp_action_destructive(a)) {
        json_t *p = json_object();
        json_object_set_new(p, "name", json_string("confirm"));
        json_object_set_new(p, "type", json_string("bool"));
        json_object_set_new(p, "required", json_true());
        json_object_set_new(p, "description", json_string("Must be true: the action destroys."));
        json_array_append_new(params, p);
    }
    json_object_set_new(o, "parameters", params);
    return o;
}

json_t *mcp_catalog_describe(const struct mcp_tool *t, const char *action)
{
    if (t == NULL)
        return NULL;
    json_t *list = json_array();
    for (size_t i = 0; i < mcp_cat_n_actions; i++) {
        const struct mcp_action *a = &mcp_cat_actions[i];
        if (strcmp(a->tool, t->name) != 0 || !mcp_cat_action_present(a))
            continue;
        if (action != NULL && !mcp_cat_name_eq(action, a->name))
            continue;
        json_array_append_new(list, describe_action(t, a));
    }
    if (action != NULL && json_array_size(list) == 0) {
        json_decref(list);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:o}", "tool", t->name, "title", t->title, "description",
                     t->doc, "actions", list);
}

bool mcp_cat_list_add(char *buf, size_t len, size_t *off, const char *sep, const char *item)
{
    if (*off >= len)
        return false;
    int w = snprintf(buf + *off, len - *off, "%s%s", sep, item);
    if (w < 0 || (size_t)w >= len - *off) {
        buf[*off] = '\0'; /* the list ends before the item that does not fit */
        return false;
    }
    *off += (size_t)w;
    return true;
}
