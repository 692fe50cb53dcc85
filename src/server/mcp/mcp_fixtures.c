/* SPDX-License-Identifier: MIT */
/* mcp_fixtures.c - --mcp-conformance-fixtures: the test_* tools, resources and prompts that the
 * MCP conformance suite's server scenarios expect a server under test to offer. They touch no
 * data; off by default (docs/server.md "MCP"). */
#include <stdlib.h>
#include <string.h>

#include "mcp.h"

/* A 1x1 PNG and a tiny WAV header, base64: content for the image/audio scenarios. */
static const char png_b64[] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
                              "DwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
static const char wav_b64[] = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=";

static json_t *schema_empty(void)
{
    return json_pack("{s:s, s:{}}", "type", "object", "properties");
}

void mcp_fixture_tools(json_t *tools)
{
    static const char *const simple[][2] = {
        {"test_simple_text", "Returns a simple text content block."},
        {"test_image_content", "Returns an image content block."},
        {"test_audio_content", "Returns an audio content block."},
        {"test_embedded_resource", "Returns an embedded resource."},
        {"test_multiple_content_types", "Returns text, image and a resource."},
        {"test_tool_with_logging", "Sends log notifications while running."},
        {"test_tool_with_progress", "Sends progress notifications while running."},
        {"test_error_handling", "Always fails with isError:true."},
    };
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
        json_array_append_new(tools, json_pack("{s:s, s:s, s:o}", "name", simple[i][0],
                                               "description", simple[i][1], "inputSchema",
                                               schema_empty()));
    json_array_append_new(
        tools, json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s}}, s:[s]}}", "name", "test_sampling",
                         "description", "Asks the client for an LLM completion.", "inputSchema",
                         "type", "object", "properties", "prompt", "type", "string", "required",
                         "prompt"));
    json_array_append_new(
        tools, json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s}}, s:[s]}}", "name", "test_elicitation",
                         "description", "Asks the user (through the client) for input.",
                         "inputSchema", "type", "object", "properties", "message", "type",
                         "string", "required", "message"));
    json_array_append_new(tools, json_pack("{s:s, s:s, s:o}", "name",
                                           "test_elicitation_sep1034_defaults", "description",
                                           "Elicitation with default values.", "inputSchema",
                                           schema_empty()));
    json_array_append_new(tools, json_pack("{s:s, s:s, s:o}", "name",
                                           "test_elicitation_sep1330_enums", "description",
                                           "Elicitation with the enum schema variants.",
                                           "inputSchema", schema_empty()));
}

/* Ask the client; the result object of its answer (owned) or NULL with a tool error made. */
static json_t *ask_client(struct mcp_exec *ex, const char *method, json_t *params,
                          json_t **error_result)
{
    char err[200];
    *error_result = NULL;
    if (ex->ask == NULL) {
        json_decref(params);
        *error_result = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text",
                                  "This tool asks the client: call it with Accept: "
                                  "text/event-stream",
                                  "isError", 1);
        return NULL;
    }
    json_t *ans = ex->ask(ex, method, params, err, sizeof(err));
    json_t *res = json_incref(json_object_get(ans, "result"));
    if (res == NULL) {
        const char *m = json_string_value(json_object_get(json_object_get(ans, "error"),
                                                          "message"));
        *error_result = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text",
                                  ans == NULL ? err : m != NULL ? m : "the client refused",
                                  "isError", 1);
    }
    json_decref(ans);
    return res;
}

static json_t *text_result(const char *prefix, json_t *v)
{
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s%s", prefix, t != NULL ? t : "");
    free(t);
    return json_pack("{s:[{s:s, s:s}]}", "content", "type", "text", "text", buf);
}

/* Ask the client, then show its answer's result after prefix (or the tool error). */
static json_t *ask_and_show(struct mcp_exec *ex, const char *method, json_t *params,
                            const char *prefix)
{
    json_t *err = NULL;
    json_t *res = ask_client(ex, method, params, &err);
    if (res == NULL)
        return err;
    json_t *out = text_result(prefix, res);
    json_decref(res);
    return out;
}

static const char *const asking[] = {"test_sampling", "test_elicitation",
                                     "test_elicitation_sep1034_defaults",
                                     "test_elicitation_sep1330_enums"};

bool mcp_tool_asks(const char *name)
{
    for (size_t i = 0; i < sizeof(asking) / sizeof(asking[0]); i++)
        if (strcmp(name, asking[i]) == 0)
            return true;
    return false;
}

void mcp_fixture_resources(json_t *resources)
{
    json_array_append_new(resources, json_pack("{s:s, s:s, s:s}", "uri", "test://static-text",
                                               "name", "static-text", "mimeType", "text/plain"));
    json_array_append_new(resources,
                          json_pack("{s:s, s:s, s:s}", "uri", "test://static-binary", "name",
                                    "static-binary", "mimeType", "image/png"));
}

void mcp_fixture_templates(json_t *templates)
{
    json_array_append_new(templates,
                          json_pack("{s:s, s:s, s:s}", "uriTemplate", "test://template/{id}/data",
                                    "name", "template-data", "mimeType", "application/json"));
}

void mcp_fixture_prompts(json_t *prompts)
{
    json_array_append_new(prompts, json_pack("{s:s, s:s}", "name", "test_simple_prompt",
                                             "description", "A prompt without arguments."));
    json_array_append_new(
        prompts, json_pack("{s:s, s:s, s:[{s:s, s:b}, {s:s, s:b}]}", "name",
                           "test_prompt_with_arguments", "description", "A prompt with two "
                           "arguments.", "arguments", "name", "arg1", "required", 1, "name",
                           "arg2", "required", 1));
    json_array_append_new(
        prompts, json_pack("{s:s, s:s, s:[{s:s, s:b}]}", "name",
                           "test_prompt_with_embedded_resource", "description",
                           "A prompt that embeds a resource.", "arguments", "name", "resourceUri",
                           "required", 1));
    json_array_append_new(prompts, json_pack("{s:s, s:s}", "name", "test_prompt_with_image",
                                             "description", "A prompt with an image."));
}

json_t *mcp_fixture_call(struct mcp_exec *ex, struct mcp_rpc_sess *s, const char *name,
                         json_t *args, const json_t *ptok, mcp_emit_fn emit, void *ectx,
                         struct mcp_fault *f)
{
    (void)s;
    if (strcmp(name, "test_simple_text") == 0)
        return json_pack("{s:[{s:s, s:s}]}", "content", "type", "text", "text",
                         "This is a simple text response for testing.");
    if (strcmp(name, "test_image_content") == 0)
        return json_pack("{s:[{s:s, s:s, s:s}]}", "content", "type", "image", "data", png_b64,
                         "mimeType", "image/png");
    if (strcmp(name, "test_audio_content") == 0)
        return json_pack("{s:[{s:s, s:s, s:s}]}", "content", "type", "audio", "data", wav_b64,
                         "mimeType", "audio/wav");
    if (strcmp(name, "test_embedded_resource") == 0)
        return json_pack("{s:[{s:s, s:{s:s, s:s, s:s}}]}", "content", "type", "resource",
                         "resource", "uri", "test://embedded-resource", "mimeType", "text/plain",
                         "text", "This is an embedded resource content.");
    if (strcmp(name, "test_multiple_content_types") == 0)
        return json_pack("{s:[{s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:{s:s, s:s, s:s}}]}",
                         "content", "type", "text", "text", "Multiple content types test:",
                         "type", "image", "data", png_b64, "mimeType", "image/png", "type",
                         "resource", "resource", "uri", "test://mixed-content-resource",
                         "mimeType", "application/json", "text", "{\"test\":\"data\"}");
    if (strcmp(name, "test_tool_with_logging") == 0) {
        const char *msgs[] = {"Tool execution started", "Tool processing data",
                              "Tool execution completed"};
        for (size_t i = 0; i < 3 && emit != NULL; i++)
            emit(ectx, mcp_log_notification("info", "test", msgs[i]));
        return json_pack("{s:[{s:s, s:s}]}", "content", "type", "text", "text",
                         "Tool with logging executed successfully");
    }
    if (strcmp(name, "test_tool_with_progress") == 0) {
        for (int i = 0; i <= 2 && ptok != NULL && emit != NULL; i++)
            emit(ectx, mcp_progress_notification(ptok, i * 50, 100, NULL));
        return json_pack("{s:[{s:s, s:s}]}", "content", "type", "text", "text",
                         "Tool with progress executed successfully");
    }
    if (strcmp(name, "test_sampling") == 0) {
        const char *prompt = json_string_value(json_object_get(args, "prompt"));
        json_t *err = NULL;
        json_t *res = ask_client(
            ex, "sampling/createMessage",
            json_pack("{s:[{s:s, s:{s:s, s:s}}], s:i}", "messages", "role", "user", "content",
                      "type", "text", "text", prompt != NULL ? prompt : "", "maxTokens", 100),
            &err);
        if (res == NULL)
            return err;
        const char *t = json_string_value(
            json_object_get(json_object_get(res, "content"), "text"));
        char buf[1200];
        snprintf(buf, sizeof(buf), "LLM response: %.1000s", t != NULL ? t : "");
        json_decref(res);
        return json_pack("{s:[{s:s, s:s}]}", "content", "type", "text", "text", buf);
    }
    if (strcmp(name, "test_elicitation") == 0) {
        const char *msg = json_string_value(json_object_get(args, "message"));
        return ask_and_show(ex, "elicitation/create",
                            json_pack("{s:s, s:{s:s, s:{s:{s:s, s:s}, s:{s:s, s:s}}, s:[s,s]}}",
                                      "message", msg != NULL ? msg : "", "requestedSchema", "type",
                                      "object", "properties", "username", "type", "string",
                                      "description", "User's response", "email", "type", "string",
                                      "description", "User's email address", "required", "username",
                                      "email"),
                            "User response: ");
    }
    if (strcmp(name, "test_elicitation_sep1034_defaults") == 0) {
        return ask_and_show(
            ex, "elicitation/create",
            json_pack("{s:s, s:{s:s, s:{s:{s:s, s:s}, s:{s:s, s:i}, s:{s:s, s:f}, "
                      "s:{s:s, s:[s,s,s], s:s}, s:{s:s, s:b}}}}",
                      "message", "Please review and update the form fields with defaults",
                      "requestedSchema", "type", "object", "properties", "name", "type", "string",
                      "default", "John Doe", "age", "type", "integer", "default", 30, "score",
                      "type", "number", "default", 95.5, "status", "type", "string", "enum",
                      "active", "inactive", "pending", "default", "active", "verified", "type",
                      "boolean", "default", 1),
            "Elicitation completed: ");
    }
    if (strcmp(name, "test_elicitation_sep1330_enums") == 0) {
        json_t *props = json_pack(
            "{s:{s:s, s:[s,s,s]},"
            " s:{s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]},"
            " s:{s:s, s:[s,s,s], s:[s,s,s]},"
            " s:{s:s, s:{s:s, s:[s,s,s]}},"
            " s:{s:s, s:{s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}}}",
            "untitledSingle", "type", "string", "enum", "option1", "option2", "option3",
            "titledSingle", "type", "string", "oneOf", "const", "value1", "title", "First Option",
            "const", "value2", "title", "Second Option", "const", "value3", "title",
            "Third Option", "legacyEnum", "type", "string", "enum", "opt1", "opt2", "opt3",
            "enumNames", "Option One", "Option Two", "Option Three", "untitledMulti", "type",
            "array", "items", "type", "string", "enum", "option1", "option2", "option3",
            "titledMulti", "type", "array", "items", "anyOf", "const", "value1", "title",
            "First Choice", "const", "value2", "title", "Second Choice", "const", "value3",
            "title", "Third Choice");
        return ask_and_show(ex, "elicitation/create",
                            json_pack("{s:s, s:{s:s, s:o}}", "message",
                                      "Please select options from the enum fields",
                                      "requestedSchema", "type", "object", "properties", props),
                            "Elicitation completed: ");
    }
    if (strcmp(name, "test_error_handling") == 0)
        return json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text",
                         "This tool intentionally returns an error for testing", "isError", 1);
    f->code = MCP_ERR_PARAMS;
    snprintf(f->msg, sizeof(f->msg), "unknown tool: %.100s", name);
    return NULL;
}

json_t *mcp_fixture_read(const char *uri)
{
    if (strcmp(uri, "test://static-text") == 0)
        return json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                         "text/plain", "text", "This is the content of the static text resource.");
    if (strcmp(uri, "test://static-binary") == 0)
        return json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                         "image/png", "blob", png_b64);
    if (strncmp(uri, "test://template/", 16) == 0) {
        const char *id = uri + 16;
        const char *slash = strchr(id, '/');
        if (slash == NULL || strcmp(slash, "/data") != 0 || slash == id || slash - id > 64)
            return NULL;
        char buf[200];
        snprintf(buf, sizeof(buf), "{\"id\":\"%.*s\",\"templateTest\":true,\"data\":\"Data "
                                   "for ID: %.*s\"}",
                 (int)(slash - id), id, (int)(slash - id), id);
        return json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                         "application/json", "text", buf);
    }
    return NULL;
}

json_t *mcp_fixture_prompt_get(const char *name, json_t *args, struct mcp_fault *f)
{
    if (strcmp(name, "test_simple_prompt") == 0)
        return json_pack("{s:[{s:s, s:{s:s, s:s}}]}", "messages", "role", "user", "content",
                         "type", "text", "text", "This is a simple prompt for testing.");
    if (strcmp(name, "test_prompt_with_arguments") == 0) {
        const char *a1 = json_string_value(json_object_get(args, "arg1"));
        const char *a2 = json_string_value(json_object_get(args, "arg2"));
        if (a1 == NULL || a2 == NULL) {
            f->code = MCP_ERR_PARAMS;
            snprintf(f->msg, sizeof(f->msg), "arg1 and arg2 are required strings");
            return NULL;
        }
        char buf[600];
        snprintf(buf, sizeof(buf), "Prompt with arguments: arg1='%.250s', arg2='%.250s'", a1, a2);
        return json_pack("{s:[{s:s, s:{s:s, s:s}}]}", "messages", "role", "user", "content",
                         "type", "text", "text", buf);
    }
    if (strcmp(name, "test_prompt_with_embedded_resource") == 0) {
        const char *uri = json_string_value(json_object_get(args, "resourceUri"));
        if (uri == NULL) {
            f->code = MCP_ERR_PARAMS;
            snprintf(f->msg, sizeof(f->msg), "resourceUri is a required string");
            return NULL;
        }
        return json_pack("{s:[{s:s, s:{s:s, s:{s:s, s:s, s:s}}}, {s:s, s:{s:s, s:s}}]}",
                         "messages", "role", "user", "content", "type", "resource", "resource",
                         "uri", uri, "mimeType", "text/plain", "text",
                         "Embedded resource content for testing.", "role", "user", "content",
                         "type", "text", "text", "Please process the embedded resource above.");
    }
    if (strcmp(name, "test_prompt_with_image") == 0)
        return json_pack("{s:[{s:s, s:{s:s, s:s, s:s}}, {s:s, s:{s:s, s:s}}]}", "messages",
                         "role", "user", "content", "type", "image", "data", png_b64, "mimeType",
                         "image/png", "role", "user", "content", "type", "text", "text",
                         "Please analyze the image above.");
    return NULL;
}
