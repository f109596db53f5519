/* SPDX-License-Identifier: MIT */
/* pub_json.c: a test kitchen that publishes whatever dumplings it is told to:
 * JSON lines {"chef": .., "kitchen": .., "driver": "packet"|"interval",
 * "payload": ..} from stdin become real dumplings (msgpack, the kitchen's
 * topic and metadata) on an XPUB connected to a hub's in port. The page tests
 * use it as a rogue kitchen (markup in a plugin-style payload) and as a paced
 * source of a chef mix (the 1,000/s smoke test and the 10,000/s benchmark).
 * Usage: nd-test-pub-json ENDPOINT [RATE [COUNT]]
 *   RATE per second (0, the default: as fast as ZeroMQ takes them); COUNT
 *   dumplings in all, cycling through the lines (default: each line once). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "netdumplings/dumpling.h"
#include "netdumplings/log.h"

typedef struct {
    char *chef, *kitchen;
    nd_driver_t driver;
    json_t *payload;
} s_line_t;

/* Writes a JSON value with the payload writer. */
static void s_write(nd_payload_t *p, json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        nd_pl_map(p);
        json_object_foreach(v, key, item)
        {
            nd_pl_key(p, key);
            s_write(p, item);
        }
        nd_pl_end(p);
        break;
    case JSON_ARRAY:
        nd_pl_array(p);
        json_array_foreach(v, i, item) s_write(p, item);
        nd_pl_end(p);
        break;
    case JSON_STRING:
        nd_pl_strn(p, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        nd_pl_int(p, json_integer_value(v));
        break;
    case JSON_REAL:
        nd_pl_double(p, json_real_value(v));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        nd_pl_bool(p, json_is_true(v));
        break;
    default:
        nd_pl_null(p);
        break;
    }
}

static int s_read(s_line_t **lines, size_t *n)
{
    char buf[65536];
    size_t cap = 0;
    while (fgets(buf, sizeof buf, stdin)) {
        if (buf[0] == '\n' || buf[0] == '#')
            continue;
        json_error_t e;
        json_t *j = json_loads(buf, 0, &e);
        const char *chef = j ? json_string_value(json_object_get(j, "chef")) : NULL;
        const char *kitchen = j ? json_string_value(json_object_get(j, "kitchen")) : NULL;
        const char *driver = j ? json_string_value(json_object_get(j, "driver")) : NULL;
        if (!chef || !kitchen || !json_object_get(j, "payload")) {
            fprintf(stderr, "pub_json: line %zu: not {chef, kitchen, payload}\n", *n + 1);
            json_decref(j);
            return -1;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *lines = realloc(*lines, cap * sizeof **lines);
        }
        s_line_t *l = &(*lines)[(*n)++];
        l->chef = strdup(chef);
        l->kitchen = strdup(kitchen);
        l->driver =
            driver && strcmp(driver, "interval") == 0 ? ND_DRIVER_INTERVAL : ND_DRIVER_PACKET;
        l->payload = json_incref(json_object_get(j, "payload"));
        json_decref(j);
    }
    return *n ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: %s ENDPOINT [RATE [COUNT]] < dumplings.jsonl\n", argv[0]);
        return 2;
    }
    double rate = argc > 2 ? atof(argv[2]) : 0;
    s_line_t *lines = NULL;
    size_t nlines = 0;
    if (s_read(&lines, &nlines) != 0)
        return 2;
    long count = argc > 3 ? atol(argv[3]) : (long)nlines;

    void *ctx = zmq_ctx_new();
    void *pub = zmq_socket(ctx, ZMQ_XPUB);
    int hwm = 0, linger = 10000;
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
    char topic[300];
    double t0 = nd_monotonic();
    for (long i = 0; i < count; i++) {
        /* Paced: every 100 dumplings, wait until the schedule catches up. */
        if (rate > 0 && i % 100 == 0) {
            double ahead = (double)i / rate - (nd_monotonic() - t0);
            if (ahead > 0) {
                struct timespec ts = {(time_t)ahead, (long)((ahead - (double)(time_t)ahead) * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
        const s_line_t *l = &lines[(size_t)i % nlines];
        nd_dumpling_meta_t meta = {l->chef,           l->kitchen,      l->driver,
                                   nd_now() * 1000.0, (uint64_t)i + 1, 0};
        nd_payload_reset(p);
        nd_dumpling_begin(p, &meta);
        s_write(p, l->payload);
        const char *why = NULL;
        if (nd_dumpling_finish(p, &why) != 0) {
            fprintf(stderr, "pub_json: dumpling %ld: %s\n", i + 1, why);
            return 1;
        }
        nd_topic(topic, sizeof topic, l->chef, l->kitchen);
        zmq_send(pub, topic, strlen(topic), ZMQ_SNDMORE);
        zmq_send(pub, nd_pl_data(p), nd_pl_size(p), 0);
    }
    double t = nd_monotonic() - t0;
    fprintf(stderr, "pub_json: sent %ld dumplings in %.3f s\n", count, t);
    nd_payload_destroy(&p);
    for (size_t i = 0; i < nlines; i++) {
        free(lines[i].chef);
        free(lines[i].kitchen);
        json_decref(lines[i].payload);
    }
    free(lines);
    zmq_close(pub);
    zmq_ctx_term(ctx);
    return 0;
}
