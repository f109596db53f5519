/* SPDX-License-Identifier: MIT */
/* bench_pub.c: a publisher for the gateway benchmark (tests/gateway/bench.js):
 * connects an XPUB to the hub's in port like a kitchen, waits until the hub has
 * subscribed, then sends N DNSLookupChef dumplings as fast as ZeroMQ takes
 * them, so that the kitchen's capture speed is not what gets measured.
 * Usage: nd-gateway-bench-pub ENDPOINT N [KITCHEN [RATE]] (RATE per second, 0 = flat out) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "netdumplings/dumpling.h"
#include "netdumplings/log.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s ENDPOINT N [KITCHEN]\n", argv[0]);
        return 2;
    }
    long n = atol(argv[2]);
    const char *kitchen = argc > 3 ? argv[3] : "bench";
    double rate = argc > 4 ? atof(argv[4]) : 0;
    void *ctx = zmq_ctx_new();
    void *pub = zmq_socket(ctx, ZMQ_XPUB);
    int hwm = 0, linger = 10000; /* no drops here: the benchmark counts losses downstream */
    zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(pub, argv[1]) != 0) {
        fprintf(stderr, "connect %s: %s\n", argv[1], zmq_strerror(zmq_errno()));
        return 1;
    }
    char sub[256];
    if (zmq_recv(pub, sub, sizeof sub, 0) < 0) /* the hub's subscription */
        return 1;

    nd_payload_t *p = nd_payload_new();
    char topic[160], host[128];
    nd_topic(topic, sizeof topic, "DNSLookupChef", kitchen);
    double t0 = nd_monotonic();
    for (long i = 1; i <= n; i++) {
        /* Paced: every 1000 dumplings, wait until the schedule catches up. */
        if (rate > 0 && i % 1000 == 0) {
            double ahead = (double)i / rate - (nd_monotonic() - t0);
            if (ahead > 0) {
                struct timespec ts = {(time_t)ahead, (long)((ahead - (double)(time_t)ahead) * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
        nd_dumpling_meta_t meta = {"DNSLookupChef",   kitchen,     ND_DRIVER_PACKET,
                                   nd_now() * 1000.0, (uint64_t)i, (uint64_t)i};
        nd_payload_reset(p);
        nd_dumpling_begin(p, &meta);
        snprintf(host, sizeof host, "host%08ld.bench.example.com", i);
        nd_pl_map(p);
        nd_pl_key(p, "lookup");
        nd_pl_map(p);
        nd_pl_kv_str(p, "hostname", host);
        nd_pl_kv_double(p, "when", 1700000000.0 + (double)i / 1000);
        nd_pl_end(p);
        nd_pl_end(p);
        const char *why = NULL;
        if (nd_dumpling_finish(p, &why) != 0) {
            fprintf(stderr, "dumpling: %s\n", why);
            return 1;
        }
        zmq_send(pub, topic, strlen(topic), ZMQ_SNDMORE);
        zmq_send(pub, nd_pl_data(p), nd_pl_size(p), 0);
    }
    double t = nd_monotonic() - t0;
    fprintf(stderr, "sent %ld dumplings in %.3f s (%.0f/s)\n", n, t, (double)n / t);
    nd_payload_destroy(&p);
    zmq_close(pub);
    zmq_ctx_term(ctx);
    return 0;
}
