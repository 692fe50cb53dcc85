/* SPDX-License-Identifier: MIT */
/* mcp_catalog_resolve.c - validating a tools/call against the MCP catalogue (mcp_catalog.h):
 * known tool and action, every argument known to the action and of its type, range and
 * choices, required ones present, confirm for destructive actions; errors that say how to call
 * it right (api §10.1). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_catalog_int.h"

static bool choice_ok(const char *choices, const char *v)
{
    size_t vl = strlen(v);
    const char *s = choices;
    while (s != NULL && *s != '\0') {
        const char *bar = strchr(s, '|');
        size_t len = bar != NULL ? (size_t)(bar - s) : strlen(s);
        if (len == vl && memcmp(s, v, len) == 0)
            return true;
        s = bar != NULL ? bar + 1 : NULL;
    }
    return false;
}

/* ---- resolve ------------------------------------------------------------------------------ */

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
    if (err != NULL && len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* "a, b, c" of the tool's present actions into buf. */
static void action_names(const struct mcp_tool *t, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < mcp_cat_n_actions && off < len; i++) {
        if (strcmp(mcp_cat_actions[i].tool, t->name) != 0 ||
            !mcp_cat_action_present(&mcp_cat_actions[i]))
            continue;
        if (!mcp_cat_list_add(buf, len, &off, off > 0 ? ", " : "", mcp_cat_actions[i].name))
            break;
    }
    (void)mcp_cat_list_add(buf, len, &off, off > 0 ? ", " : "", "describe");
}

/* Names of a workspace the hosted server accepts for one another (api §10.1). */
static const char *const ws_aliases[] = {"workspace_id", "profile_id", "context_id", "instance_id"};

static bool is_ws_param(const char *name)
{
    return strcmp(name, "workspace_id") == 0 || strcmp(name, "instance_id") == 0 ||
           strcmp(name, "profile_id") == 0;
}

/* Convert one argument to its wire string, checking its type. Returns 0 or -1 (err set). */
static int convert(const char *name, const struct fastio_param_info *p, const json_t *v,
                   char *small, size_t small_len, char **big, const char **out, char *err,
                   size_t errlen)
{
    *out = NULL;
    *big = NULL;
    switch (p->type) {
    case FASTIO_PARAM_INT:
        if (json_is_integer(v)) {
            if (json_integer_value(v) < 0)
                return fail(err, errlen, "parameter %s must be >= 0 (got %" JSON_INTEGER_FORMAT ")",
                            name, json_integer_value(v));
            snprintf(small, small_len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            *out = small;
            return 0;
        }
        if (json_is_string(v)) {
            const char *s = json_string_value(v);
            size_t n = strlen(s);
            if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
                return fail(err, errlen, "parameter %s must be a whole number >= 0 (got \"%.40s\")",
                            name, s);
            *out = s;
            return 0;
        }
        return fail(err, errlen, "parameter %s must be an integer >= 0", name);
    case FASTIO_PARAM_BOOL:
        if (json_is_boolean(v)) {
            *out = json_is_true(v) ? "true" : "false";
            return 0;
        }
        if (json_is_string(v) && (strcmp(json_string_value(v), "true") == 0 ||
                                  strcmp(json_string_value(v), "false") == 0)) {
            *out = json_string_value(v);
            return 0;
        }
        return fail(err, errlen, "parameter %s must be true or false", name);
    case FASTIO_PARAM_JSON:
        if (json_is_object(v) || json_is_array(v)) {
            *big = json_dumps(v, JSON_COMPACT);
            if (*big == NULL)
                return fail(err, errlen, "parameter %s: out of memory", name);
            *out = *big;
            return 0;
        }
        if (json_is_string(v)) {
            json_t *doc = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
            if (doc == NULL)
                return fail(err, errlen,
                            "parameter %s must be a JSON document (or an object "
                            "or array)",
                            name);
            json_decref(doc);
            *out = json_string_value(v);
            return 0;
        }
        return fail(err, errlen, "parameter %s must be a JSON object, array or JSON text", name);
    case FASTIO_PARAM_ID:
        if (json_is_integer(v) && json_integer_value(v) >= 0) {
            snprintf(small, small_len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            *out = small;
            return 0;
        }
        break;
    default:
        break;
    }
    if (!json_is_string(v))
        return fail(err, errlen, "parameter %s must be a string", name);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return fail(err, errlen, "parameter %s contains a NUL character", name);
    if (p->type == FASTIO_PARAM_ENUM && p->choices != NULL && !choice_ok(p->choices, s))
        return fail(err, errlen, "parameter %s must be one of %s (got \"%.60s\")", name, p->choices,
                    s);
    if ((p->type == FASTIO_PARAM_ID || p->type == FASTIO_PARAM_NAME) && s[0] == '\0')
        return fail(err, errlen, "parameter %s must not be empty", name);
    *out = s;
    return 0;
}

int mcp_catalog_resolve(const char *tool, const json_t *arguments, struct mcp_call *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->row_id = -1;
    out->hold = json_object();
    if (out->hold == NULL)
        return fail(err, errlen, "out of memory");
    const struct mcp_tool *t = mcp_catalog_tool(tool);
    if (t == NULL) {
        char names[512] = "";
        size_t off = 0;
        for (size_t i = 0; i < mcp_cat_n_tools; i++)
            if (!mcp_cat_list_add(names, sizeof(names), &off, i ? ", " : "", mcp_cat_tools[i].name))
                break;
        return fail(err, errlen, "unknown tool \"%.60s\"; the tools are: %s", tool ? tool : "",
                    names);
    }
    out->tool = t;
    if (arguments != NULL && !json_is_object(arguments))
        return fail(err, errlen, "arguments must be a JSON object");
    const json_t *args = arguments;
    char names[1536];
    const json_t *jact = json_object_get(args, "action");
    if (jact == NULL || !json_is_string(jact)) {
        action_names(t, names, sizeof(names));
        return fail(err, errlen, "tool %s needs a string argument \"action\", one of: %s", t->name,
                    names);
    }
    const char *aname = json_string_value(jact);
    if (mcp_cat_name_eq(aname, "describe")) {
        out->describe = true;
        const json_t *da = json_object_get(args, "describe_action");
        if (da != NULL) {
            if (!json_is_string(da))
                return fail(err, errlen, "describe_action must be a string");
            json_object_set(out->hold, "describe_action", (json_t *)da);
            out->describe_action = json_string_value(json_object_get(out->hold, "describe_action"));
            if (mcp_catalog_action(t->name, out->describe_action) == NULL) {
                action_names(t, names, sizeof(names));
                return fail(err, errlen, "tool %s has no action \"%.60s\"; its actions: %s",
                            t->name, out->describe_action, names);
            }
        }
        return 0;
    }
    const struct mcp_action *a = mcp_catalog_action(t->name, aname);
    if (a == NULL) {
        action_names(t, names, sizeof(names));
        return fail(err, errlen, "tool %s has no action \"%.60s\"; its actions: %s", t->name, aname,
                    names);
    }
    out->action = a;
    out->row = mcp_action_row(a, &out->row_id);

    struct aparam ap[MAX_APARAMS];
    size_t np = mcp_cat_action_params(t, a, ap, MAX_APARAMS);

    /* Every argument must be known to the action. */
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)args, key, val)
    {
        if (strcmp(key, "action") == 0 || strcmp(key, "confirm") == 0 ||
            strcmp(key, "detail") == 0 || strcmp(key, "profile_type") == 0 ||
            strcmp(key, "context_type") == 0)
            continue;
        bool known = false;
        for (size_t k = 0; k < np && !known; k++)
            known = strcmp(ap[k].name, key) == 0;
        for (size_t k = 0; k < sizeof(ws_aliases) / sizeof(ws_aliases[0]) && !known; k++) {
            if (strcmp(key, ws_aliases[k]) != 0)
                continue;
            for (size_t j = 0; j < np; j++)
                known = known || is_ws_param(ap[j].name);
        }
        if (!known) {
            char pn[1024] = "";
            size_t off = 0;
            for (size_t k = 0; k < np; k++)
                if (!mcp_cat_list_add(pn, sizeof(pn), &off, off ? ", " : "", ap[k].name))
                    break;
            return fail(err, errlen, "%s %s does not take parameter \"%.60s\"; it takes: %s",
                        t->name, a->name, key, off ? pn : "(no parameters)");
        }
    }
    /* confirm for destructive actions (api §10.1: confirm='true'). */
    if (mcp_action_destructive(a)) {
        const json_t *c = json_object_get(args, "confirm");
        bool yes =
            json_is_true(c) || (json_is_string(c) && strcmp(json_string_value(c), "true") == 0);
        if (!yes)
            return fail(err, errlen,
                        "%s %s is destructive; call it again with \"confirm\": "
                        "true once you are sure",
                        t->name, a->name);
    }

    for (size_t k = 0; k < np; k++) {
        const struct fastio_param_info *p = ap[k].p;
        const json_t *v = json_object_get(args, ap[k].name);
        if (v == NULL && is_ws_param(ap[k].name)) {
            for (size_t j = 0; j < sizeof(ws_aliases) / sizeof(ws_aliases[0]) && v == NULL; j++)
                v = json_object_get(args, ws_aliases[j]);
        }
        const char *str = NULL;
        char small[32];
        char *big = NULL;
        if (v == NULL || json_is_null(v)) {
            if (mcp_cat_single_choice(p) && p->required) {
                str = p->choices;
            } else if (p->required) {
                return fail(err, errlen, "%s %s needs parameter \"%s\": %s", t->name, a->name,
                            ap[k].name, p->doc ? p->doc : "");
            } else {
                continue;
            }
        } else if (convert(ap[k].name, p, v, small, sizeof(small), &big, &str, err, errlen) != 0) {
            return -1;
        }
        json_object_set_new(out->hold, ap[k].name, json_string(str));
        free(big);
        const char *held = json_string_value(json_object_get(out->hold, ap[k].name));
        if (held == NULL)
            return fail(err, errlen, "parameter %s is not valid UTF-8", ap[k].name);
        if (!ap[k].from_row || out->row == NULL)
            continue;
        if (p->in == FASTIO_PARAM_IN_PATH) {
            if (out->n_path >= MCP_CAT_MAX_PATH)
                return fail(err, errlen, "too many path parameters");
            out->path_args[out->n_path++] = held;
        } else {
            if (out->n_params >= MCP_CAT_MAX_PARAMS)
                return fail(err, errlen, "too many parameters");
            out->params[out->n_params].name = p->name;
            out->params[out->n_params].value = held;
            out->n_params++;
        }
    }
    return 0;
}

const char *mcp_call_arg(const struct mcp_call *c, const char *name)
{
    if (c == NULL || c->hold == NULL || name == NULL)
        return NULL;
    return json_string_value(json_object_get(c->hold, name));
}

void mcp_call_clear(struct mcp_call *c)
{
    if (c == NULL)
        return;
    json_decref(c->hold);
    memset(c, 0, sizeof(*c));
    c->row_id = -1;
}
