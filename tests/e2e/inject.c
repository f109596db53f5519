/* SPDX-License-Identifier: MIT */
/* inject.c: a test tool that plays a hostile kitchen: it connects to a hub's
 * in port and sends malformed messages (wrong frame counts, bad bodies, a
 * topic that lies, control traffic) around one valid dumpling, so that
 * e2e.hub_invalid can check what the hub drops and counts.
 * usage: nd-test-inject ENDPOINT [hostile N | oversize BYTES]
 *   hostile N: N random messages, then bodies of the wrong types, names that
 *     break the rules, empty frames; prints "invalid COUNT" (security.hostile).
 *   oversize BYTES: one dumpling-shaped message of BYTES bytes, then waits for
 *     the hub to cut the connection; exit 0 when it did.
 * With ND_CURVE_SERVER_KEY and ND_CURVE_SECRET set it talks CURVE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "netdumplings/curve.h"
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

/* Sends two frames, topic and body. */
static int s_send2(void *sock, const char *topic, const void *body, size_t blen)
{
    const char *f[] = {topic, body};
    size_t l[] = {strlen(topic), blen};
    return s_send(sock, f, l, 2);
}

/* A body built with the payload writer, outside the dumpling rules. */
static int s_send_built(void *sock, const char *topic, nd_payload_t *p)
{
    return s_send2(sock, topic, nd_pl_data(p), nd_pl_size(p));
}

/* A metadata map with one field of the caller's choosing written by `odd`. */
static void s_meta(nd_payload_t *p, const char *chef, const char *kitchen, int odd)
{
    nd_payload_reset(p);
    nd_pl_map(p);
    nd_pl_key(p, "metadata");
    nd_pl_map(p);
    if (odd == 1)
        nd_pl_kv_int(p, "chef", 5); /* a number where a name goes */
    else
        nd_pl_kv_str(p, "chef", chef);
    nd_pl_kv_str(p, "kitchen", kitchen);
    if (odd == 2)
        nd_pl_kv_str(p, "creation_time", "yesterday");
    else
        nd_pl_kv_double(p, "creation_time", 1e12);
    nd_pl_kv_str(p, "driver", odd == 3 ? "bogus" : "packet");
    nd_pl_end(p);
    if (odd != 4) { /* 4: no payload at all */
        nd_pl_key(p, "payload");
        nd_pl_map(p);
        nd_pl_kv_str(p, "hello", "world");
        nd_pl_end(p);
    }
    nd_pl_end(p);
}

/* Everything a hostile peer might send; returns how many messages, all invalid. */
static int s_hostile(void *sock, long n)
{
    int count = 0;
    srand(7);
    char buf[512];
    for (long i = 0; i < n; i++) {
        int frames = 1 + rand() % 4;
        const char *f[4];
        size_t l[4];
        char data[4][128];
        for (int k = 0; k < frames; k++) {
            l[k] = (size_t)(rand() % 128);
            for (size_t b = 0; b < l[k]; b++)
                data[k][b] = (char)(rand() & 0xff);
            f[k] = data[k];
        }
        if (l[0] > 0 && data[0][0] == '$')
            data[0][0] = 'x'; /* control traffic is not the point here */
        if (s_send(sock, f, l, frames) == 0)
            count++;
    }
    nd_payload_t *p = nd_payload_new();
    const char *topic = "InjectChef/inject_kitchen";
    /* Wrong types. */
    nd_payload_reset(p);
    nd_pl_array(p);
    nd_pl_int(p, 1);
    nd_pl_end(p);
    count += s_send_built(sock, topic, p) == 0;
    nd_payload_reset(p);
    nd_pl_map(p);
    nd_pl_kv_str(p, "metadata", "not a map");
    nd_pl_kv_int(p, "payload", 1);
    nd_pl_end(p);
    count += s_send_built(sock, topic, p) == 0;
    for (int odd = 1; odd <= 4; odd++) {
        s_meta(p, "InjectChef", "inject_kitchen", odd);
        count += s_send_built(sock, odd == 1 ? "5/inject_kitchen" : topic, p) == 0;
    }
    /* Names that break the rules, with topics that match them. */
    const char *bad[][2] = {
        {"bad name!", "inject_kitchen"},
        {"InjectChef", "a/b"},
        {"", "inject_kitchen"},
        {"InjectChef", "k1234567890123456789012345678901234567890123456789012345678901234"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_meta(p, bad[i][0], bad[i][1], 0);
        snprintf(buf, sizeof buf, "%s/%s", bad[i][0], bad[i][1]);
        count += s_send_built(sock, buf, p) == 0;
    }
    /* Empty frames, and a valid body under an empty topic. */
    count += s_send2(sock, topic, "", 0) == 0;
    s_meta(p, "InjectChef", "inject_kitchen", 0);
    count += s_send2(sock, "", nd_pl_data(p), nd_pl_size(p)) == 0;
    /* Five frames. */
    const char *f5[] = {topic, "a", "b", "c", "d"};
    size_t l5[] = {strlen(topic), 1, 1, 1, 1};
    count += s_send(sock, f5, l5, 5) == 0;
    nd_payload_destroy(&p);
    return count;
}

/* Sends BYTES bytes and waits (10 s at most) for the hub to disconnect us. */
static int s_oversize(void *ctx, void *sock, long bytes)
{
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    if (zmq_socket_monitor(sock, "inproc://inject-mon", ZMQ_EVENT_DISCONNECTED) != 0 ||
        zmq_connect(mon, "inproc://inject-mon") != 0)
        return 1;
    char *big = malloc((size_t)bytes);
    if (!big)
        return 1;
    memset(big, 'A', (size_t)bytes);
    int rc = s_send2(sock, "InjectChef/inject_kitchen", big, (size_t)bytes);
    free(big);
    if (rc != 0)
        return 1;
    zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
    rc = zmq_poll(&it, 1, 10000) == 1 ? 0 : 1;
    printf("%s\n", rc == 0 ? "disconnected" : "still connected");
    zmq_socket_monitor(sock, NULL, 0);
    zmq_close(mon);
    return rc;
}

int main(int argc, char **argv)
{
    long arg = 0;
    if ((argc != 2 && argc != 4) ||
        (argc == 4 && ((strcmp(argv[2], "hostile") != 0 && strcmp(argv[2], "oversize") != 0) ||
                       (arg = atol(argv[3])) <= 0))) {
        fprintf(stderr, "usage: nd-test-inject ENDPOINT [hostile N | oversize BYTES]\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_XPUB);
    int linger = 5000;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    char err[256];
    if (nd_curve_client_apply(sock, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
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
    if (argc == 4) {
        int rc;
        if (strcmp(argv[2], "hostile") == 0) {
            int n = s_hostile(sock, arg);
            printf("invalid %d\n", n);
            rc = n > 0 ? 0 : 1;
        } else {
            rc = s_oversize(ctx, sock, arg);
        }
        zmq_close(sock);
        zmq_ctx_term(ctx);
        return rc;
    }

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
