/* SPDX-License-Identifier: MIT */
/* eater.h: the C eater library: connect a SUB socket to the hub's XPUB, have
 * the hub filter by chef, filter by kitchen here, decode and validate every
 * dumpling, count sequence gaps, and reconnect by itself. nd-print,
 * nd-hubstatus and nd-hubdetails are built on it. */
#ifndef ND_EATER_H
#define ND_EATER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <getopt.h>

#include "netdumplings/cli.h"
#include "netdumplings/curve.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/payload.h"

typedef struct nd_eater nd_eater_t;

typedef struct {
    const char *hub;          /* endpoint, default ND_HUB_OUT_DEFAULT (cli.h) */
    const char *eater_name;   /* valid name, default "nd_eater" */
    const char *const *chefs; /* subscribe to these chefs only (NULL: all) */
    size_t nchefs;
    const char *const *kitchens; /* deliver these kitchens only (NULL: all) */
    size_t nkitchens;
    /* The hub's in port, where the eater's heartbeat (what it received and
     * lost) goes every second; NULL: the hub's host, port ND_PORT_HUB_IN. An eater
     * whose heartbeat cannot get there still counts its loss. */
    const char *hub_in;
} nd_eater_config_t;

typedef struct {
    /* The TCP connection to the hub is up (again). May be NULL. */
    void (*on_connect)(nd_eater_t *eater, void *arg);
    /* One valid dumpling; `d` is only valid during the call. Return 0 to go
     * on, non-zero to make nd_eater_run() return. */
    int (*on_dumpling)(nd_eater_t *eater, const nd_dumpling_t *d, void *arg);
    /* The connection to the hub went down; the library keeps retrying. May be NULL. */
    void (*on_connection_lost)(nd_eater_t *eater, void *arg);
    /* `lost` dumplings of `kitchen` were counted lost just now (a gap before a
     * dumpling, or the tail of its streams from the hub's "$sent/" table). May
     * be NULL. */
    void (*on_loss)(nd_eater_t *eater, const char *kitchen, uint64_t lost, void *arg);
} nd_eater_callbacks_t;

/* Returns a connected (or connecting) eater, or NULL with err set. The config's
 * strings are copied. */
nd_eater_t *nd_eater_new(const nd_eater_config_t *config, const nd_eater_callbacks_t *cb, void *arg,
                         char *err, size_t errlen);
void nd_eater_destroy(nd_eater_t **self_p);

/* Runs the receive loop until *stop becomes non-zero, on_dumpling returns
 * non-zero, or `timeout` seconds pass (timeout < 0: no limit). Returns 1 when a
 * callback stopped it, 0 on *stop or timeout, -1 on error. */
int nd_eater_run(nd_eater_t *self, volatile sig_atomic_t *stop, double timeout);

typedef struct {
    uint64_t received;   /* valid dumplings delivered to on_dumpling */
    uint64_t invalid;    /* bodies that failed validation, dropped */
    uint64_t gaps;       /* dumplings lost on the topics subscribed to: gaps in each topic's
                            numbers, and the tails the hub's "$sent/" tables reveal */
    uint64_t suspicious; /* "$sent/" tables or numbers that cannot be right, ignored */
} nd_eater_stats_t;

void nd_eater_stats(const nd_eater_t *self, nd_eater_stats_t *out);

/* The body of an "$eater/<eater_name>/<eater_id>" heartbeat (docs/protocol.md),
 * for a program that sends it for eaters of its own (nd-gateway: for itself
 * and for each WebSocket client); nd_eater_t sends its own with these.
 * nd_eater_heartbeat_begin() writes every key up to the "kitchens" list and
 * opens it; nd_eater_heartbeat_kitchen() adds one; nd_eater_heartbeat_end()
 * closes the list and the map. */
typedef struct {
    const char *eater_name, *eater_id;
    double start_time; /* epoch seconds */
    double interval;   /* seconds between heartbeats */
    uint64_t seq, received, lost, invalid, suspicious;
} nd_eater_heartbeat_t;
void nd_eater_heartbeat_begin(nd_payload_t *p, const nd_eater_heartbeat_t *hb);
void nd_eater_heartbeat_kitchen(nd_payload_t *p, const char *kitchen, uint64_t received,
                                uint64_t lost);
void nd_eater_heartbeat_end(nd_payload_t *p);

/* The per-kitchen counts behind the stats (loss.h); owned by the eater. */
const struct nd_loss *nd_eater_loss(const nd_eater_t *self);

/* ---- Command line ------------------------------------------------------ */

/* The options every eater program shares, for its getopt_long() table:
 * -H/--hub, -n/--eater-name, -v/--verbose, -q/--quiet and the CURVE client
 * options; ND_EATER_SHORTOPTS goes into its short-option string. */
#define ND_EATER_SHORTOPTS "H:n:vq"
enum { ND_EATER_OPT_HUB_IN = 0x2100 };
#define ND_EATER_OPTIONS                                                                           \
    {"hub", required_argument, NULL, 'H'}, {"eater-name", required_argument, NULL, 'n'},           \
        {"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},                    \
        {"hub-in", required_argument, NULL, ND_EATER_OPT_HUB_IN}, ND_CURVE_CLIENT_OPTIONS
/* Their --help lines; `name` is the default --eater-name, a string literal. */
#define ND_EATER_HELP(name)                                                                        \
    "  -H, --hub ENDPOINT      the hub's out port (default " ND_HUB_OUT_DEFAULT ";\n"              \
    "                          IPv6 in brackets: tcp://[2001:db8::1]:" ND_STR(                     \
        ND_PORT_HUB_OUT) ")\n"                                                                     \
                         "  -n, --eater-name NAME   the name the hub knows this eater by "         \
                         "(default " name ")\n"                                                    \
                         "      --hub-in ENDPOINT   where this eater's heartbeat (received, "      \
                         "lost) goes\n"                                                            \
                         "                          (default: the --hub host, port " ND_STR(       \
                             ND_PORT_HUB_IN) ")\n"                                                 \
                                             "  -v, --verbose           more log lines (repeat "   \
                                             "for more)\n"                                         \
                                             "  -q, --quiet             errors "                   \
                                             "only\n" ND_CURVE_CLIENT_HELP

/* Takes one of the shared options into `config` and `*level` (an
 * nd_log_level_t). Returns 1 when it took it, 0 when `opt` is not one of them,
 * -1 on a bad value (reported as a usage error by nd_usage(): exit with
 * ND_EXIT_USAGE). */
int nd_eater_option(int opt, const char *arg, nd_eater_config_t *config, int *level);

#endif
