/* SPDX-License-Identifier: MIT */
/* list_folder.c - list a workspace folder named by its path, every page of it.
 *
 *   usage: list_folder WORKSPACE [PATH]
 *
 * PATH is a folder path such as /reports/2026 (default "/", the top folder). Prints one line per
 * node: its type, its size in bytes and its name. FASTIO_API_BASE and FASTIO_API_KEY as in
 * upload_file.c.
 *
 * Build: cc list_folder.c $(pkg-config --cflags --libs fastio) */
#include <stdio.h>
#include <stdlib.h>

#include <fastio/fastio.h>

/* Print one page of nodes. The node objects are JSON (jansson's json_t, which fastio.h
 * includes): id, name, type ("file" or "folder"), size, ... */
static void print_nodes(json_t *nodes)
{
    size_t i;
    json_t *node;
    json_array_foreach(nodes, i, node)
    {
        json_t *size = json_object_get(node, "size");
        printf("%-6s %12lld  %s\n", json_string_value(json_object_get(node, "type")),
               json_is_integer(size) ? (long long)json_integer_value(size) : 0LL,
               json_string_value(json_object_get(node, "name")));
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s WORKSPACE [PATH]\n", argv[0]);
        return 2;
    }
    const char *workspace = argv[1], *path = argc == 3 ? argv[2] : "/";

    if (fastio_global_init() != FASTIO_OK)
        return 1;
    struct fastio_config cfg;
    fastio_config_init(&cfg);
    const char *base = getenv("FASTIO_API_BASE");
    cfg.base_url = base != NULL ? base : "http://127.0.0.1:8787/current";
    cfg.token = getenv("FASTIO_API_KEY");
    struct fastio_error err;
    struct fastio_client *client = fastio_client_new(&cfg, &err);
    if (client == NULL) {
        fprintf(stderr, "client: %s\n", err.message);
        fastio_global_cleanup();
        return 1;
    }

    int rc = 0;
    /* The API lists folders by id; fastio_storage_resolve() walks the path from the top folder
     * and gives the id of the node it names ("root" for "/"). */
    char *folder = NULL;
    if (fastio_storage_resolve(client, workspace, path, &folder, NULL, &err) != FASTIO_OK) {
        fprintf(stderr, "%s: %s\n", path, err.message); /* names what was not found, and where */
        rc = 1;
    }

    /* A listing comes in pages: pass each page's cursor back until there is none. */
    struct fastio_list_opts opts = {.sort_by = "name", .sort_dir = "asc", .page_size = 100};
    char *cursor = NULL;
    for (int page = 0; rc == 0 && page < 100000; page++) {
        json_t *nodes = NULL;
        char *next = NULL;
        opts.cursor = cursor;
        if (fastio_storage_list(client, workspace, folder, &opts, &nodes, &next, &err) !=
            FASTIO_OK) {
            fprintf(stderr, "list: %s\n", err.message);
            rc = 1;
        } else {
            print_nodes(nodes);
        }
        json_decref(nodes);
        fastio_free(cursor);
        cursor = next;
        if (cursor == NULL) /* the last page */
            break;
    }
    fastio_free(cursor);
    fastio_free(folder);
    fastio_client_free(client);
    fastio_global_cleanup();
    return rc;
}
