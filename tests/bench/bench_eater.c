/* SPDX-License-Identifier: MIT */
/* bench_eater.c: the native eater the benchmark measures with, built on the
 * eater library (eater.h): counts one chef's packet dumplings, takes loss from
 * the library's sequence-gap count, and latency as receive time minus the
 * dumpling's creation_time (same host, same wall clock). Prints one JSON line.
 *
 * It does nothing per dumpling but count and, with --latency, store one
 * number, so that what it measures is the path to it, not itself. */
#include <getopt.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdumplings/cli.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/eater.h"
#include "netdumplings/log.h"

typedef struct {
    const char *chef;
    long count;  /* stop after this many of chef's packet dumplings */
    double idle; /* or when nothing came for this long after the first */
    bool latency;
    bool packet_time; /* latency from the packet's time, not creation_time */
    uint64_t n;       /* chef's packet dumplings */
    uint64_t other;
    double first, last; /* monotonic */
    double *lat;        /* milliseconds */
    size_t nlat, latcap;
    size_t body_bytes; /* of the first counted dumpling, re-encoded */
    int ready_fd;
} be_t;

static volatile sig_atomic_t s_stop = 0;

/* The body's size, re-encoded: msgpack-c writes the smallest form, as the
 * kitchen's encoder does, so this is the size on the wire. */
static size_t s_body_size(const nd_dumpling_t *d)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "metadata", 8);
    msgpack_pack_object(&pk, d->metadata);
    msgpack_pack_str_with_body(&pk, "payload", 7);
    msgpack_pack_object(&pk, d->payload);
    size_t n = sb.size;
    msgpack_sbuffer_destroy(&sb);
    return n;
}

/* The value of `key` in the msgpack map `m`, or NULL. */
static const msgpack_object *s_get(const msgpack_object *m, const char *key)
{
    if (!m || m->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t len = strlen(key);
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == len &&
            memcmp(k->via.str.ptr, key, len) == 0)
            return &m->via.map.ptr[i].val;
    }
    return NULL;
}

/* --packet-time: the captured packet's time, epoch ms, from a DNSLookupChef
 * payload's lookup.when (seconds), or -1. */
static double s_packet_ms(const nd_dumpling_t *d)
{
    const msgpack_object *when = s_get(s_get(&d->payload, "lookup"), "when");
    if (when && when->type == MSGPACK_OBJECT_FLOAT64)
        return when->via.f64 * 1000.0;
    return -1;
}

static int s_on_dumpling(nd_eater_t *eater, const nd_dumpling_t *d, void *arg)
{
    be_t *be = arg;
    if (d->driver != ND_DRIVER_PACKET ||
        (be->chef && strcmp(be->chef, "*") != 0 && strcmp(d->chef, be->chef) != 0)) {
        be->other++;
        return 0;
    }
    double now = nd_monotonic();
    if (!be->n) {
        be->first = now;
        be->body_bytes = s_body_size(d);
    }
    be->last = now;
    be->n++;
    if (be->latency) {
        if (be->nlat == be->latcap) {
            size_t cap = be->latcap ? be->latcap * 2 : 65536;
            double *l = realloc(be->lat, cap * sizeof *l);
            if (!l)
                return 1;
            be->lat = l;
            be->latcap = cap;
        }
        double from = be->packet_time ? s_packet_ms(d) : d->creation_time;
        if (from >= 0)
            be->lat[be->nlat++] = nd_now() * 1000.0 - from;
    }
    return be->count > 0 && (long)be->n >= be->count;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double s_pct(const be_t *be, double p)
{
    if (!be->nlat)
        return 0;
    size_t i = (size_t)(p * (double)(be->nlat - 1) + 0.5);
    return be->lat[i];
}

static void s_usage(FILE *out)
{
    fprintf(out, "Usage: nd-bench-eater [OPTION]...\n"
                 "Counts one chef's packet dumplings from a hub and prints one JSON line:\n"
                 "{received, gaps, invalid, other, seconds, rate, body_bytes, p50_ms, p99_ms,\n"
                 "p999_ms, max_ms}.\n"
                 "  -H, --hub ENDPOINT  the hub's out port (default tcp://localhost:11349)\n"
                 "  -c, --chef NAME     the chef to count (default DNSLookupChef; * for all)\n"
                 "      --count N       stop after N of them\n"
                 "      --idle SECS     stop when none came for SECS after the first (default 3)\n"
                 "      --timeout SECS  stop after SECS in all (default 120)\n"
                 "      --latency       record receive time - creation_time per dumpling\n"
                 "      --packet-time   with --latency: from the captured packet's time\n"
                 "                      instead (DNSLookupChef's lookup.when)\n"
                 "      --ready-file F  write F once a first dumpling came (the hub's\n"
                 "                      status will do): the subscription is in place\n");
}

int main(int argc, char **argv)
{
    enum {
        OPT_COUNT = 256,
        OPT_IDLE,
        OPT_TIMEOUT,
        OPT_LATENCY,
        OPT_PACKET_TIME,
        OPT_READY,
        OPT_HELP
    };
    static const struct option opts[] = {
        {"hub", required_argument, NULL, 'H'},
        {"chef", required_argument, NULL, 'c'},
        {"count", required_argument, NULL, OPT_COUNT},
        {"idle", required_argument, NULL, OPT_IDLE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"latency", no_argument, NULL, OPT_LATENCY},
        {"packet-time", no_argument, NULL, OPT_PACKET_TIME},
        {"ready-file", required_argument, NULL, OPT_READY},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    be_t be = {.chef = "DNSLookupChef", .idle = 3};
    const char *hub = "tcp://localhost:11349";
    const char *ready = NULL;
    double timeout = 120;
    int c;
    nd_log_setup("nd-bench-eater", ND_LOG_WARN);
    while ((c = getopt_long(argc, argv, "H:c:", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            hub = optarg;
            break;
        case 'c':
            be.chef = optarg;
            break;
        case OPT_COUNT:
            if (nd_parse_long(optarg, 1, 1000000000, &be.count) != 0)
                return ND_EXIT_USAGE;
            break;
        case OPT_IDLE:
            if (nd_parse_double(optarg, 0.1, 3600, &be.idle) != 0)
                return ND_EXIT_USAGE;
            break;
        case OPT_TIMEOUT:
            if (nd_parse_double(optarg, 0.1, 86400, &timeout) != 0)
                return ND_EXIT_USAGE;
            break;
        case OPT_LATENCY:
            be.latency = true;
            break;
        case OPT_PACKET_TIME:
            be.packet_time = true;
            break;
        case OPT_READY:
            ready = optarg;
            break;
        case OPT_HELP:
            s_usage(stdout);
            return ND_EXIT_OK;
        default:
            s_usage(stderr);
            return ND_EXIT_USAGE;
        }
    }
    nd_signals_install(&s_stop);
    char err[256];
    nd_eater_config_t config = {.hub = hub, .eater_name = "nd-bench-eater"};
    nd_eater_callbacks_t cb = {.on_dumpling = s_on_dumpling};
    nd_eater_t *eater = nd_eater_new(&config, &cb, &be, err, sizeof err);
    if (!eater) {
        nd_error("%s", err);
        return ND_EXIT_RUNTIME;
    }
    double start = nd_monotonic();
    bool ready_written = false;
    int rc = 0;
    /* Short slices, so that the idle and overall deadlines are looked at. */
    while (!s_stop) {
        rc = nd_eater_run(eater, &s_stop, 0.1);
        if (rc != 0)
            break;
        double now = nd_monotonic();
        if (ready && !ready_written && (be.n || be.other)) {
            /* A dumpling (the hub's status, with a short -f) proves the
             * subscription has reached the hub: from now on nothing the
             * kitchen sends is lost to a slow join. */
            FILE *f = fopen(ready, "w");
            if (f)
                fclose(f);
            ready_written = true;
        }
        if (now - start > timeout || (be.n && now - be.last > be.idle))
            break;
    }
    nd_eater_stats_t st;
    nd_eater_stats(eater, &st);
    double secs = be.n > 1 ? be.last - be.first : 0;
    if (be.latency && be.nlat)
        qsort(be.lat, be.nlat, sizeof *be.lat, s_cmp);
    printf("{\"received\": %llu, \"gaps\": %llu, \"invalid\": %llu, \"other\": %llu, "
           "\"seconds\": %.6f, \"rate\": %.1f, \"body_bytes\": %zu, \"p50_ms\": %.4f, "
           "\"p99_ms\": %.4f, \"p999_ms\": %.4f, \"max_ms\": %.4f}\n",
           (unsigned long long)be.n, (unsigned long long)st.gaps, (unsigned long long)st.invalid,
           (unsigned long long)be.other, secs, secs > 0 ? (double)(be.n - 1) / secs : 0.0,
           be.body_bytes, s_pct(&be, 0.5), s_pct(&be, 0.99), s_pct(&be, 0.999),
           be.nlat ? be.lat[be.nlat - 1] : 0.0);
    free(be.lat);
    nd_eater_destroy(&eater);
    return rc < 0 ? ND_EXIT_RUNTIME : ND_EXIT_OK;
}
