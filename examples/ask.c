/* SPDX-License-Identifier: MIT */
/* ask.c - ask a question about a workspace's files and print the answer with its sources.
 *
 *   usage: ask WORKSPACE QUESTION
 *
 * WORKSPACE is a workspace id or folder_name whose intelligence is on (its files are indexed);
 * the answer comes from them, each [n] in its text tied to a cited file, version, page and
 * snippet. The server and the key come from the environment: FASTIO_API_BASE (default the local
 * fastio-server, http://127.0.0.1:8787/current) and FASTIO_API_KEY. Exits 0 with an answer, 3
 * when the assistant found nothing or asked back, 1 on an error.
 *
 * Build: cc ask.c $(pkg-config --cflags --libs fastio)
 *        or find_package(fastio) + target_link_libraries(... fastio::fastio) in CMake. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fastio/ai.h>
#include <fastio/fastio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s WORKSPACE QUESTION\n", argv[0]);
        return 2;
    }

    /* Once per process, before any other call. */
    if (fastio_global_init() != FASTIO_OK) {
        fprintf(stderr, "cannot initialise libfastio\n");
        return 1;
    }
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

    /* A question is a zero-filled struct: a new chat over the whole workspace. fastio_ai_ask
     * sends it and waits (an activity long-poll, not a busy loop) for the answer, at most 60 s. */
    struct fastio_ai_question q;
    memset(&q, 0, sizeof(q));
    q.workspace = argv[1];
    q.question = argv[2];
    struct fastio_ai_answer *a = NULL;
    int rc = 0;
    enum fastio_status st = fastio_ai_ask(client, &q, 60000, &a, &err);
    if (st != FASTIO_OK) {
        fprintf(stderr, "ask: %s (%s, HTTP %ld, code %ld)\n", err.message,
                fastio_status_name(err.status), err.http_status, err.api_code);
        rc = 1;
    } else if (strcmp(a->state, "complete") != 0) {
        /* errored (a->error says why) or needs_input (a->clarification asks back) */
        fprintf(stderr, "%s: %s\n", a->state, a->error[0] ? a->error : a->clarification);
        rc = strcmp(a->state, "errored") == 0 ? 1 : 3;
    } else {
        printf("%s\n", a->text);
        if (a->n_citations == 0)
            rc = 3; /* an answer that cites nothing: the workspace does not say */
        for (size_t i = 0; i < a->n_citations; i++) {
            const struct fastio_ai_citation *c = &a->citations[i];
            printf("[%zu] %s (node %s, version %s)\n", i + 1, c->name[0] ? c->name : "?",
                   c->node_id, c->version_id);
            for (size_t j = 0; j < c->n_entries; j++) {
                if (c->entries[j].page > 0)
                    printf("    page %d: %s\n", c->entries[j].page, c->entries[j].snippet);
                else
                    printf("    %s\n", c->entries[j].snippet);
            }
        }
    }
    fastio_ai_answer_free(a);
    fastio_client_free(client);
    fastio_global_cleanup();
    return rc;
}
