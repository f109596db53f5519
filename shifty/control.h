/* SPDX-License-Identifier: MIT */
/* control.h: the hub's reading of "$" control messages from the in port:
 * kitchen heartbeats ("$kitchen/<name>") and gateway heartbeats
 * ("$gateway/<name>"), decoded from untrusted msgpack into fixed structs, and
 * written back into SystemStatusChef (docs/protocol.md, "Control messages"). */
#ifndef SH_CONTROL_H
#define SH_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdumplings/cli.h"
#include "netdumplings/payload.h"

#define SH_MAX_CHEFS 64
#define SH_STR 256
/* The largest counter taken from a heartbeat: 2^53 - 1, exact as a double. */
#define SH_UINT_MAX 9007199254740991ULL

/* One entry of a kitchen heartbeat's "topics" table. */
typedef struct {
    char chef[ND_NAME_MAX + 1];
    uint64_t sequence;
} sh_topic_seq_t;

/* What a kitchen says about itself in its heartbeat. */
typedef struct {
    char kitchen_name[ND_NAME_MAX + 1];
    char interface[SH_STR];
    char source[16];
    char filter[1024];
    char chefs[SH_MAX_CHEFS][ND_NAME_MAX + 1];
    size_t nchefs;
    double poke_interval;
    char hostname[SH_STR];
    uint64_t pid;
    char version[64];
    double start_time;
    char boot_id[65];
    double heartbeat_interval;
    uint64_t heartbeat_seq;
    double time;
    uint64_t packets, ps_recv, ps_drop, ps_ifdrop, malformed;
    uint64_t dumplings_made, dumplings_sent, send_failures, sequence;
    /* The chefs' TCP stream reassemblers (reasm.h), summed. */
    uint64_t reasm_segments, reasm_out_of_order, reasm_gaps, reasm_dropped_bytes, reasm_cap_hits;
    uint64_t reasm_evicted, reasm_timeouts, reasm_memory, reasm_memory_peak;
    uint64_t buffer_size_mib, snaplen; /* live capture; 0 for a file */
    bool immediate;
    /* "topics": the last topic_sequence sent on each "<chef>/<kitchen>";
     * an entry above `sequence` is impossible and left out (counted). */
    sh_topic_seq_t topics[SH_MAX_CHEFS];
    size_t ntopics;
    uint64_t topics_refused;
} sh_kitchen_info_t;

/* The WebSocket eaters a gateway lists in its heartbeat, at most this many:
 * the list is untrusted and the hub keeps it in a fixed table. */
#define SH_MAX_GW_EATERS 256

/* One WebSocket eater behind a gateway: the id of its "$eater/<name>/<id>"
 * registration, its name, the address of its own connection to the gateway. */
typedef struct {
    char id[ND_NAME_MAX + 1];
    char eater_name[ND_NAME_MAX + 1];
    char host[64]; /* an IPv4 or IPv6 address, checked with inet_pton */
    uint64_t port;
    double connected_since; /* epoch seconds, 0 when not given */
} sh_gw_eater_t;

/* What a gateway says about itself in its heartbeat. */
typedef struct {
    char gateway_name[ND_NAME_MAX + 1];
    char hostname[SH_STR];
    uint64_t pid;
    char version[64];
    double start_time;
    char boot_id[65];
    double heartbeat_interval;
    uint64_t heartbeat_seq;
    double time;
    uint64_t clients, clients_lag_closed, dumplings_lag_dropped, dumplings_out;
    sh_gw_eater_t eaters[SH_MAX_GW_EATERS]; /* "eaters": the valid entries, sorted by id */
    size_t neaters;
} sh_gateway_info_t;

/* Kitchens an eater's heartbeat lists that the hub keeps, at most. */
#define SH_MAX_EATER_KITCHENS 64

typedef struct {
    char kitchen[ND_NAME_MAX + 1];
    uint64_t received, lost;
} sh_eater_kitchen_t;

/* What a native eater (or the gateway for itself) says in its
 * "$eater/<name>/<id>" heartbeat on the in port: what it received and lost. */
typedef struct {
    char eater_name[ND_NAME_MAX + 1];
    char eater_id[ND_NAME_MAX + 1];
    uint64_t pid;
    char version[64];
    double start_time;
    double heartbeat_interval;
    uint64_t heartbeat_seq;
    double time;
    uint64_t received, lost, invalid, suspicious;
    sh_eater_kitchen_t kitchens[SH_MAX_EATER_KITCHENS];
    size_t nkitchens;
} sh_eater_info_t;

int sh_eater_info_decode(sh_eater_info_t *out, const char *name, const char *id, const void *body,
                         size_t len, char *err, size_t errlen);
void sh_eater_info_pack(nd_payload_t *p, const sh_eater_info_t *info);

/* Decode a heartbeat body. Unknown keys are ignored, known keys of the wrong
 * type keep their zero value, counters are capped at SH_UINT_MAX, strings are cut to fit and
 * anything but printable ASCII becomes '?' (they go into SystemStatusChef as they are). The name in
 * the body must be valid and equal to `name` (the topic's), and boot_id must be there. Returns 0,
 * or -1 with err set. */
int sh_kitchen_info_decode(sh_kitchen_info_t *out, const char *name, const void *body, size_t len,
                           char *err, size_t errlen);
int sh_gateway_info_decode(sh_gateway_info_t *out, const char *name, const void *body, size_t len,
                           char *err, size_t errlen);

/* The entry of `info` for the eater registered as "$eater/<name>/<id>", or NULL. */
const sh_gw_eater_t *sh_gateway_info_eater(const sh_gateway_info_t *info, const char *name,
                                           const char *id);

/* Writes the "$sent/<kitchen>" table the hub publishes to eaters after each
 * kitchen heartbeat: {"kitchen", "boot_id", "sequence", "topics": {chef: n}}. */
void sh_kitchen_sent_pack(nd_payload_t *p, const sh_kitchen_info_t *info);

/* Write every field as "key": value pairs into the open map in `p`; a
 * gateway's "eaters" list is not repeated (its entries show in dumpling_eaters). */
void sh_kitchen_info_pack(nd_payload_t *p, const sh_kitchen_info_t *info);
void sh_gateway_info_pack(nd_payload_t *p, const sh_gateway_info_t *info);

#endif
