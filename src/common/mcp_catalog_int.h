/* SPDX-License-Identifier: MIT */
/* mcp_catalog_int.h - internal to the MCP catalogue (mcp_catalog.h): the lines
 * (mcp_catalog_lines.c), the parameters of an action and the helpers mcp_catalog.c and
 * mcp_catalog_resolve.c share. */
#ifndef FIO_MCP_CATALOG_INT_H
#define FIO_MCP_CATALOG_INT_H

#include "mcp_catalog.h"

extern const struct mcp_tool mcp_cat_tools[];
extern const size_t mcp_cat_n_tools;
extern const struct mcp_action mcp_cat_actions[];
extern const size_t mcp_cat_n_actions;

/* An action exists in this build when it names no row or its row is in the table. */
bool mcp_cat_action_present(const struct mcp_action *a);
/* An action name given by a caller (underscores allowed) against a catalogue name. */
bool mcp_cat_name_eq(const char *given, const char *name);

/* One parameter as the action exposes it. */
struct aparam {
    const struct fastio_param_info *p;
    char name[64]; /* MCP name */
    bool from_row;
};
#define MAX_APARAMS 64
/* The parameters of an action: the row's (exposed ones) then the line's extras; an extra with
 * the name of a row parameter replaces it. Returns the count (<= max). */
size_t mcp_cat_action_params(const struct mcp_tool *t, const struct mcp_action *a,
                             struct aparam *out, size_t max);
/* A required ENUM with a single choice needs no argument: it is filled in. */
bool mcp_cat_single_choice(const struct fastio_param_info *p);

/* Append sep then item to the list in buf (len bytes) at *off; false (the list unchanged) when
 * it does not fit. */
bool mcp_cat_list_add(char *buf, size_t len, size_t *off, const char *sep, const char *item);

#endif
