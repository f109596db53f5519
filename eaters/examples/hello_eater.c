/* SPDX-License-Identifier: MIT */
/* hello_eater.c: a complete C eater to start from: it connects to the hub
 * (nd-shifty), asks for the dumplings of the chefs named on the command line
 * (all when none), and prints one line per dumpling with its payload as JSON.
 * docs/writing-eaters.md ("In C") walks through it.
 *
 *     cc -o hello_eater hello_eater.c $(pkg-config --cflags --libs netdumplings)
 *     ./hello_eater [--hub tcp://HOST:11349] [--count N] [CHEF...]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netdumplings/cli.h>
#include <netdumplings/eater.h>

typedef struct {
    long wanted; /* stop after this many dumplings; 0: never */
    long seen;
} hello_t;

static void on_connect(nd_eater_t *eater, void *arg)
{
    (void)eater, (void)arg;
    fprintf(stderr, "hello_eater: connected to the hub\n");
}

static void on_connection_lost(nd_eater_t *eater, void *arg)
{
    (void)eater, (void)arg;
    fprintf(stderr, "hello_eater: lost the hub, reconnecting\n");
}

/* `d` is valid only during the call: copy what you keep. */
static int on_dumpling(nd_eater_t *eater, const nd_dumpling_t *d, void *arg)
{
    (void)eater;
    hello_t *self = arg;
    json_t *payload = nd_msgpack_to_json(&d->payload);
    char *text = payload ? json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    printf("%s from %s (%s): %s\n", d->chef, d->kitchen, nd_driver_name(d->driver),
           text ? text : "?");
    fflush(stdout);
    free(text);
    json_decref(payload);
    self->seen++;
    return self->wanted && self->seen >= self->wanted; /* non-zero: stop */
}

int main(int argc, char **argv)
{
    const char *hub = ND_HUB_OUT_DEFAULT;
    hello_t self = {0, 0};
    const char *chefs[16];
    size_t nchefs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--hub") == 0 && i + 1 < argc) {
            hub = argv[++i];
        } else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
            if (nd_parse_long(argv[++i], 1, 1000000000, &self.wanted) < 0) {
                fprintf(stderr, "hello_eater: --count wants a number\n");
                return ND_EXIT_USAGE;
            }
        } else if (argv[i][0] != '-' && nchefs < 16) {
            chefs[nchefs++] = argv[i];
        } else {
            fprintf(stderr, "usage: hello_eater [--hub ENDPOINT] [--count N] [CHEF...]\n");
            return ND_EXIT_USAGE;
        }
    }

    nd_eater_config_t config = {
        .hub = hub,
        .eater_name = "hello_eater",
        .chefs = nchefs ? chefs : NULL, /* the hub filters by chef */
        .nchefs = nchefs,
    };
    nd_eater_callbacks_t cb = {
        .on_connect = on_connect,
        .on_dumpling = on_dumpling,
        .on_connection_lost = on_connection_lost,
    };
    char err[256];
    nd_eater_t *eater = nd_eater_new(&config, &cb, &self, err, sizeof err);
    if (!eater) {
        fprintf(stderr, "hello_eater: %s\n", err);
        return ND_EXIT_USAGE;
    }
    static volatile sig_atomic_t stop = 0;
    nd_signals_install(&stop); /* Ctrl-C ends the loop cleanly */
    int rc = nd_eater_run(eater, &stop, -1);
    nd_eater_stats_t stats;
    nd_eater_stats(eater, &stats);
    fprintf(stderr, "hello_eater: %llu dumplings, %llu missed\n",
            (unsigned long long)stats.received, (unsigned long long)stats.gaps);
    nd_eater_destroy(&eater);
    return rc < 0 ? ND_EXIT_RUNTIME : ND_EXIT_OK;
}
