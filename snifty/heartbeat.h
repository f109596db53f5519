/* SPDX-License-Identifier: MIT */
/* heartbeat.h: nd-snifty's heartbeat: a "$kitchen/<name>" control message to
 * the hub every second with the kitchen's identity and counters
 * (docs/protocol.md, "Control messages"). */
#ifndef SN_HEARTBEAT_H
#define SN_HEARTBEAT_H

#include <pcap/pcap.h>
#include <stdbool.h>

#include "capture.h"
#include "netdumplings/kitchen.h"
#include "netdumplings/packet.h"
#include "publish.h"

/* Seconds between heartbeats. */
#define SN_HEARTBEAT_INTERVAL 1.0

typedef struct sn_heartbeat sn_heartbeat_t;

typedef struct {
    const char *kitchen_name;
    const char *interface; /* live capture, or NULL */
    const char *file;      /* capture file, or NULL */
    const char *filter;
    double poke_interval;
    const sn_capture_opts_t *capture; /* live capture, or NULL */
} sn_heartbeat_info_t;

/* Returns a heartbeat that reads its counters from `pcap`, `kitchen`, `dstats`
 * and `pub` (all borrowed: they must outlive it), or NULL when out of memory.
 * The boot id (128 random bits) is made here: one per run of the kitchen. */
sn_heartbeat_t *sn_heartbeat_new(const sn_heartbeat_info_t *info, pcap_t *pcap,
                                 nd_kitchen_t *kitchen, const nd_dissect_stats_t *dstats,
                                 sn_pub_t *pub);
/* Sends a last heartbeat (if the hub listens), then frees. */
void sn_heartbeat_destroy(sn_heartbeat_t **self_p);

/* Sends a heartbeat when one is due: every SN_HEARTBEAT_INTERVAL seconds, and
 * at once when the hub (again) listens. Cheap when none is due: call it often. */
void sn_heartbeat_tick(sn_heartbeat_t *self);

/* The boot id, 32 hex digits. */
const char *sn_heartbeat_boot_id(const sn_heartbeat_t *self);

#endif
