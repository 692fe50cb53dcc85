/* SPDX-License-Identifier: MIT */
/* rows.h - reading the row objects the store hands back for rendering (store/README.md: keyed
 * by column, times as integer microseconds, flags as 0/1, absent values as null), and rendering
 * a list of them. One set of helpers so that every handler shapes wire objects from store rows
 * the same way. */
#ifndef SRV_ROWS_H
#define SRV_ROWS_H

#include "server.h"

/* Text of a row key (borrowed from row); "" when absent, null or not a string. */
const char *row_str(const json_t *row, const char *key);
/* Integer of a row key; 0 when absent or not an integer. */
long long row_int(const json_t *row, const char *key);
/* A row key's text, or JSON null when it is not a string; new reference. */
json_t *row_str_or_null(const json_t *row, const char *key);
/* A row key's time (wall microseconds) as the API's time string; new reference. */
json_t *row_time(const json_t *row, const char *key);
/* As row_time, or JSON null when the key is not an integer (a NULL column). */
json_t *row_time_or_null(const json_t *row, const char *key);

/* Render each row of rows (an array, borrowed) with fn into a new array (*out). -1 with a 500
 * set on OOM (fn returns NULL). */
typedef json_t *(*row_render_fn)(const json_t *row);
int rows_render(struct req *r, const json_t *rows, row_render_fn fn, json_t **out);

#endif
