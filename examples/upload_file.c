/* SPDX-License-Identifier: MIT */
/* upload_file.c - upload one local file into a workspace folder with a single libfastio call.
 *
 *   usage: upload_file WORKSPACE LOCAL_FILE [FOLDER]
 *
 * WORKSPACE is a workspace id or folder_name; FOLDER a folder id or a path such as /reports/2026
 * (default: the top folder). The server and the key come from the environment:
 * FASTIO_API_BASE (default the local fastio-server, http://127.0.0.1:8787/current) and
 * FASTIO_API_KEY. Prints the new file's node id.
 *
 * Build: cc upload_file.c $(pkg-config --cflags --libs fastio)
 *        or find_package(fastio) + target_link_libraries(... fastio::fastio) in CMake. */
#include <stdio.h>
#include <stdlib.h>

#include <fastio/fastio.h>
#include <fastio/transfer.h>

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s WORKSPACE LOCAL_FILE [FOLDER]\n", argv[0]);
        return 2;
    }
    const char *workspace = argv[1], *file = argv[2], *folder = argc == 4 ? argv[3] : NULL;

    /* Once per process, before any other call (it sets up libcurl and OpenSSL). */
    if (fastio_global_init() != FASTIO_OK) {
        fprintf(stderr, "cannot initialise libfastio\n");
        return 1;
    }

    /* A client: where the API is and who we are. fastio_config_init() comes first: it fills
     * in the defaults and the struct's size (the library's ABI check). */
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

    /* The one call: chunked, parallel and checksummed as the engine always is; a folder that
     * starts with '/' is looked up by its path first. */
    char *node_id = NULL;
    int rc = 0;
    if (fastio_upload_file(client, workspace, folder, file, &node_id, &err) == FASTIO_OK) {
        printf("%s\n", node_id);
    } else {
        /* err holds the library status, the HTTP status and the API's own error code */
        fprintf(stderr, "upload: %s (%s, HTTP %ld, code %ld)\n", err.message,
                fastio_status_name(err.status), err.http_status, err.api_code);
        rc = 1;
    }
    fastio_free(node_id); /* strings the library hands out are freed with fastio_free() */

    fastio_client_free(client);
    fastio_global_cleanup();
    return rc;
}
