/* SPDX-License-Identifier: MIT */
/* fastio/endpoints_intel.h - endpoint rows of search (api §4.2, §8.5; docs/server.md
 * "Intelligence"). Same row format as fastio/endpoints.h, which appends this list to
 * FASTIO_ENDPOINT_LIST. Ids 165..174 are this area's; 167..174 are free. */
#ifndef FASTIO_ENDPOINTS_INTEL_H
#define FASTIO_ENDPOINTS_INTEL_H

#define FASTIO_ENDPOINTS_INTEL(X, P)                                                               \
    X(STORAGE_SEARCH, 165, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/search/", "files",     \
      "Search a workspace's files: their text when intelligence is on, else their names.",        \
      P("workspace_id", ID, REQ, PATH, NULL, "Workspace id or folder_name.")                       \
      P("search", STRING, REQ, BODY, NULL, "What to look for, 2-1000 characters.")                 \
      P("files_scope", STRING, OPT, BODY, NULL,                                                    \
        "Only these files: nodeId[:versionId] joined by ',' (at most 100).")                      \
      P("folders_scope", STRING, OPT, BODY, NULL,                                                  \
        "Only files under these folders: nodeId[:depth] joined by ',' (at most 100).")            \
      P("limit", INT, OPT, BODY, NULL, "Files to return, 1-500 (default 100; 10 with details).")  \
      P("offset", INT, OPT, BODY, NULL, "Files to skip.")                                          \
      P("details", BOOL, OPT, BODY, NULL, "true: each hit carries the full node.")                 \
      P("output", ENUM, OPT, BODY, "terse|standard|full",                                          \
        "Snippet length: terse about 200 bytes, standard about 600 (default), full passage."))    \
    X(WORKSPACE_SEARCH, 166, GET, QUERY, BEARER, SAFE, "/workspace/{}/search/", "buckets",         \
      "Search a workspace across files, metadata and comments (one bucket each).",                \
      P("workspace_id", ID, REQ, PATH, NULL, "Workspace id or folder_name.")                       \
      P("search", STRING, REQ, BODY, NULL, "What to look for, 1-1024 characters, not blank.")      \
      P("files_limit", INT, OPT, BODY, NULL, "Files to return, 1-100 (default 25).")               \
      P("files_offset", INT, OPT, BODY, NULL, "Files to skip.")                                    \
      P("metadata_limit", INT, OPT, BODY, NULL, "Metadata hits to return, 1-100 (default 25).")    \
      P("metadata_offset", INT, OPT, BODY, NULL, "Metadata hits to skip.")                         \
      P("comments_limit", INT, OPT, BODY, NULL, "Comments to return, 1-100 (default 25).")         \
      P("comments_offset", INT, OPT, BODY, NULL, "Comments to skip."))

#endif
