/* SPDX-License-Identifier: MIT */
/* rows.c - the store row readers of rows.h. */
#include "rows.h"

const char *row_str(const json_t *row, const char *key)
{
    const char *s = json_string_value(json_object_get(row, key));
    return s ? s : "";
}

long long row_int(const json_t *row, const char *key)
{
    return (long long)json_integer_value(json_object_get(row, key));
}

json_t *row_str_or_null(const json_t *row, const char *key)
{
    const char *s = json_string_value(json_object_get(row, key));
    return s ? json_string(s) : json_null();
}

json_t *row_time(const json_t *row, const char *key)
{
    return srv_time_json((int64_t)row_int(row, key));
}

json_t *row_time_or_null(const json_t *row, const char *key)
{
    return json_is_integer(json_object_get(row, key)) ? row_time(row, key) : json_null();
}

int rows_render(struct req *r, const json_t *rows, row_render_fn fn, json_t **out)
{
    *out = json_array();
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (!*out || json_array_append_new(*out, fn(row)) != 0) {
            json_decref(*out);
            *out = NULL;
            return req_fail(r, 500, 0, "Out of memory");
        }
    }
    return *out ? 0 : req_fail(r, 500, 0, "Out of memory");
}
