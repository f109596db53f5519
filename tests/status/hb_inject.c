/* SPDX-License-Identifier: MIT */
/* hb_inject.c: a test tool that plays a hostile kitchen and gateway towards a
 * hub's in port: heartbeats that must be refused (not msgpack, not a map, no
 * boot_id, a name that lies, a bad topic, wrong frame counts, too big, too
 * deep) and one accepted heartbeat full of junk (bytes that are not ASCII,
 * wrong types, bad chef names, huge counters) that the hub must show cleaned.
 * With NAME and ID, also an accepted gateway heartbeat ("evilgw") whose
 * "eaters" list is mostly junk and too long, with one good entry claiming the
 * eater registered as "$eater/NAME/ID" at 2001:db8::7 port 4242.
 * Prints the number of refused messages it sent on stdout.
 * usage: nd-test-hb-inject ENDPOINT [NAME ID] */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static int s_sent_bad;

static void s_send(void *sock, const char *topic, const void *body, size_t len, int frames, int bad)
{
    zmq_send(sock, topic, strlen(topic), frames > 1 ? ZMQ_SNDMORE : 0);
    for (int i = 1; i < frames; i++)
        zmq_send(sock, body, len, i + 1 < frames ? ZMQ_SNDMORE : 0);
    s_sent_bad += bad;
}

static void s_str(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

#define KEY(pk, k) s_str(pk, k, strlen(k))

/* One entry of a gateway's "eaters" list; port < 0 packs a negative int. */
static void s_gw_eater(msgpack_packer *pk, const char *id, const char *name, const char *host,
                       size_t hostlen, long port)
{
    msgpack_pack_map(pk, 4);
    KEY(pk, "id");
    KEY(pk, id);
    KEY(pk, "eater_name");
    KEY(pk, name);
    KEY(pk, "host");
    s_str(pk, host, hostlen);
    KEY(pk, "port");
    msgpack_pack_long(pk, port);
}

#define S_FILLER 400

/* The accepted gateway heartbeat with a hostile "eaters" list. */
static void s_evil_gateway(void *sock, const char *name, const char *id)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    KEY(&pk, "gateway_name");
    KEY(&pk, "evilgw");
    KEY(&pk, "boot_id");
    KEY(&pk, "b");
    KEY(&pk, "eaters");
    msgpack_pack_array(&pk, 9 + S_FILLER);
    msgpack_pack_int(&pk, 5);                          /* not a map */
    s_gw_eater(&pk, id, name, "not-an-ip", 9, 1);      /* host not an address */
    s_gw_eater(&pk, id, name, "10.0.0.1\0x", 10, 1);   /* NUL inside */
    s_gw_eater(&pk, id, name, "10.0.0.2", 8, 70000);   /* port too big */
    s_gw_eater(&pk, id, name, "10.0.0.3", 8, 0);       /* port 0 */
    s_gw_eater(&pk, id, name, "10.0.0.4", 8, -5);      /* negative port */
    s_gw_eater(&pk, "bad/id", name, "10.0.0.5", 8, 1); /* id not a name */
    s_gw_eater(&pk, id, "bad name", "10.0.0.6", 8, 1); /* name not a name */
    msgpack_pack_map(&pk, 5);                          /* the good one */
    KEY(&pk, "id");
    KEY(&pk, id);
    KEY(&pk, "eater_name");
    KEY(&pk, name);
    KEY(&pk, "host");
    KEY(&pk, "2001:db8::7");
    KEY(&pk, "port");
    msgpack_pack_int(&pk, 4242);
    KEY(&pk, "connected_since");
    msgpack_pack_double(&pk, 12.5);
    for (int i = 0; i < S_FILLER; i++) { /* past the hub's bound of 256 */
        char fid[16];
        snprintf(fid, sizeof fid, "f%d", i);
        s_gw_eater(&pk, fid, "filler", "10.1.2.3", 8, 9);
    }
    s_send(sock, "$gateway/evilgw", sb.data, sb.size, 2, 0);
    msgpack_sbuffer_destroy(&sb);
}

/* One heartbeat of kitchen "liar" (boot "b1") saying `seq`, and a topics
 * table of GoodChef: `topic` (and two junk entries when `junk`). */
static void s_liar_hb(void *sock, msgpack_sbuffer *sb, msgpack_packer *pk, uint64_t seq,
                      uint64_t topic, int junk)
{
    msgpack_sbuffer_clear(sb);
    msgpack_pack_map(pk, 4);
    KEY(pk, "kitchen_name");
    KEY(pk, "liar");
    KEY(pk, "boot_id");
    KEY(pk, "b1");
    KEY(pk, "sequence");
    msgpack_pack_uint64(pk, seq);
    KEY(pk, "topics");
    msgpack_pack_map(pk, junk ? 3 : 1);
    KEY(pk, "GoodChef");
    msgpack_pack_uint64(pk, topic);
    if (junk) {
        KEY(pk, "bad chef");
        msgpack_pack_uint64(pk, 1);
        KEY(pk, "Ok");
        KEY(pk, "x");
    }
    s_send(sock, "$kitchen/liar", sb->data, sb->size, 2, 0);
}

/* Impossible sequence numbers (issue 18): accepted heartbeats whose numbers
 * are not believed, each counted once in suspicious_heartbeats, and never a
 * loss: 100, then 50 (backwards), then 100 + 2e9 (absurdly far ahead), then
 * 100 with a topic above it and junk topics. */
static void s_liar(void *sock, msgpack_sbuffer *sb, msgpack_packer *pk)
{
    s_liar_hb(sock, sb, pk, 100, 100, 0);
    s_liar_hb(sock, sb, pk, 50, 10, 0);
    s_liar_hb(sock, sb, pk, 100 + 2000000000ULL, 100, 0);
    s_liar_hb(sock, sb, pk, 100, 101, 1);
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: nd-test-hb-inject ENDPOINT [NAME ID]\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_XPUB);
    int linger = 5000;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(sock, argv[1]) != 0) {
        fprintf(stderr, "connect: %s\n", zmq_strerror(errno));
        return 1;
    }
    /* Wait for the hub's subscription, so that nothing is dropped. */
    char sub[16];
    int timeout = 10000;
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_recv(sock, sub, sizeof sub, 0) < 1) {
        fprintf(stderr, "no subscription from the hub\n");
        return 1;
    }
    msgpack_sbuffer sb;
    msgpack_packer pk;

    /* Refused. */
    s_send(sock, "$kitchen/evil", "\xc1\xc1", 2, 2, 1); /* not msgpack */
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_int(&pk, 1);
    s_send(sock, "$kitchen/evil", sb.data, sb.size, 2, 1); /* not a map */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 1);
    KEY(&pk, "kitchen_name");
    KEY(&pk, "evil");
    s_send(sock, "$kitchen/evil", sb.data, sb.size, 2, 1); /* no boot_id */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 2);
    KEY(&pk, "kitchen_name");
    KEY(&pk, "other");
    KEY(&pk, "boot_id");
    KEY(&pk, "b");
    s_send(sock, "$kitchen/evil", sb.data, sb.size, 2, 1);      /* the name lies */
    s_send(sock, "$kitchen/bad name!", sb.data, sb.size, 2, 1); /* bad topic */
    s_send(sock, "$kitchen/other", sb.data, sb.size, 1, 1);     /* one frame */
    s_send(sock, "$kitchen/other", sb.data, sb.size, 3, 1);     /* three frames */
    s_send(sock, "$kitchen/other", sb.data, sb.size - 1, 2, 1); /* cut short */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 3);
    KEY(&pk, "kitchen_name");
    KEY(&pk, "other");
    KEY(&pk, "boot_id");
    KEY(&pk, "b");
    KEY(&pk, "filter");
    char *big = calloc(1, 70000);
    memset(big, 'x', 69999);
    s_str(&pk, big, 69999);
    free(big);
    s_send(sock, "$kitchen/other", sb.data, sb.size, 2, 1); /* too big */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 3);
    KEY(&pk, "kitchen_name");
    KEY(&pk, "other");
    KEY(&pk, "boot_id");
    KEY(&pk, "b");
    KEY(&pk, "deep");
    for (int i = 0; i < 2000; i++)
        msgpack_pack_array(&pk, 1);
    msgpack_pack_nil(&pk);
    s_send(sock, "$kitchen/other", sb.data, sb.size, 2, 1); /* too deep */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 1);
    KEY(&pk, "gateway_name");
    KEY(&pk, "gw");
    s_send(sock, "$gateway/gw", sb.data, sb.size, 2, 1); /* gateway without boot_id */

    /* Accepted, cleaned. */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 9);
    KEY(&pk, "kitchen_name");
    KEY(&pk, "evil");
    KEY(&pk, "boot_id");
    KEY(&pk, "junk\x01");
    KEY(&pk, "interface");
    s_str(&pk, "\xff\x01\xc3\xa9x", 5);
    KEY(&pk, "chefs");
    msgpack_pack_array(&pk, 4);
    KEY(&pk, "GoodChef");
    msgpack_pack_int(&pk, 5);
    KEY(&pk, "bad chef");
    msgpack_pack_bin(&pk, 2);
    msgpack_pack_bin_body(&pk, "ab", 2);
    KEY(&pk, "pid");
    msgpack_pack_int(&pk, -1);
    KEY(&pk, "poke_interval");
    KEY(&pk, "soon");
    KEY(&pk, "ps_drop");
    msgpack_pack_uint64(&pk, UINT64_MAX);
    KEY(&pk, "sequence");
    msgpack_pack_uint64(&pk, 7);
    msgpack_pack_bin(&pk, 1); /* a key that is not a string */
    msgpack_pack_bin_body(&pk, "k", 1);
    msgpack_pack_nil(&pk);
    s_send(sock, "$kitchen/evil", sb.data, sb.size, 2, 0);
    s_liar(sock, &sb, &pk);
    msgpack_sbuffer_destroy(&sb);
    if (argc == 4)
        s_evil_gateway(sock, argv[2], argv[3]);

    printf("%d\n", s_sent_bad);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return 0;
}
