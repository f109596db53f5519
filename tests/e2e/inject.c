/* inject.c: a test tool that plays a hostile kitchen: it connects to a hub's
 * in port and sends malformed messages (wrong frame counts, bad bodies, a
 * topic that lies, control traffic) around one valid dumpling, so that
 * e2e.hub_invalid can check what the hub drops and counts.
 * usage: nd-test-inject ENDPOINT */
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "netdumplings/dumpling.h"
#include "netdumplings/log.h"
#include "netdumplings/payload.h"

static int s_send(void *sock, const char *const *frames, const size_t *lens, int n)
{
    for (int i = 0; i < n; i++)
        if (zmq_send(sock, frames[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
            return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: nd-test-inject ENDPOINT\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_XPUB);
    int linger = 5000;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(sock, argv[1]) != 0) {
        fprintf(stderr, "connect %s: %s\n", argv[1], zmq_strerror(zmq_errno()));
        return 1;
    }
    /* Wait (10 s at most) for the hub's subscription, as nd-snifty does. */
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 10000) != 1) {
        fprintf(stderr, "no subscription from the hub\n");
        return 1;
    }
    char sub[16];
    zmq_recv(sock, sub, sizeof sub, 0);

    nd_payload_t *p = nd_payload_new();
    nd_dumpling_meta_t meta = {.chef = "InjectChef",
                               .kitchen = "inject_kitchen",
                               .driver = ND_DRIVER_PACKET,
                               .creation_time = 1e12,
                               .sequence = 1};
    nd_dumpling_begin(p, &meta);
    nd_pl_map(p);
    nd_pl_kv_str(p, "hello", "world");
    nd_pl_end(p);
    const char *why = NULL;
    if (nd_dumpling_finish(p, &why) != 0) {
        fprintf(stderr, "cannot build: %s\n", why);
        return 1;
    }
    const char *body = (const char *)nd_pl_data(p);
    size_t blen = nd_pl_size(p);
    const char *topic = "InjectChef/inject_kitchen";

    int rc = 0;
    /* 1. one frame; 2. three frames; 3. garbage body; 4. a topic that lies;
     * 5. a truncated body; 6. control traffic; 7. the valid one. */
    const char *f1[] = {topic};
    size_t l1[] = {strlen(topic)};
    rc |= s_send(sock, f1, l1, 1);
    const char *f2[] = {topic, body, "extra"};
    size_t l2[] = {strlen(topic), blen, 5};
    rc |= s_send(sock, f2, l2, 3);
    const char *f3[] = {topic, "\xc1\xff garbage"};
    size_t l3[] = {strlen(topic), 10};
    rc |= s_send(sock, f3, l3, 2);
    const char *f4[] = {"OtherChef/inject_kitchen", body};
    size_t l4[] = {strlen("OtherChef/inject_kitchen"), blen};
    rc |= s_send(sock, f4, l4, 2);
    const char *f5[] = {topic, body};
    size_t l5[] = {strlen(topic), blen / 2};
    rc |= s_send(sock, f5, l5, 2);
    const char *f6[] = {"$heartbeat/inject_kitchen", "{}"};
    size_t l6[] = {strlen("$heartbeat/inject_kitchen"), 2};
    rc |= s_send(sock, f6, l6, 2);
    const char *f7[] = {topic, body};
    size_t l7[] = {strlen(topic), blen};
    rc |= s_send(sock, f7, l7, 2);

    nd_payload_destroy(&p);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc ? 1 : 0;
}
