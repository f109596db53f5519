/* SPDX-License-Identifier: MIT */
/* heartbeat.c: nd-snifty's heartbeat (see heartbeat.h). Periodic, not a
 * one-shot hello, so that a hub that starts (or restarts) later, or misses one
 * message, still learns about the kitchen within a second. */
#include "heartbeat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "netdumplings/cli.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/log.h"
#include "netdumplings/payload.h"

struct sn_heartbeat {
    sn_heartbeat_info_t info;
    pcap_t *pcap;
    nd_kitchen_t *kitchen;
    const nd_dissect_stats_t *dstats;
    sn_pub_t *pub;
    nd_payload_t *pl;
    char topic[ND_NAME_MAX + 16];
    char boot_id[ND_BOOT_ID_LEN + 1];
    char hostname[256];
    double start_time; /* epoch seconds */
    double next;       /* monotonic */
    bool was_ready;
    uint64_t seq; /* heartbeats sent, this one included */
};

sn_heartbeat_t *sn_heartbeat_new(const sn_heartbeat_info_t *info, pcap_t *pcap,
                                 nd_kitchen_t *kitchen, const nd_dissect_stats_t *dstats,
                                 sn_pub_t *pub)
{
    sn_heartbeat_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    if (!(self->pl = nd_payload_new())) {
        free(self);
        return NULL;
    }
    self->info = *info;
    self->pcap = pcap;
    self->kitchen = kitchen;
    self->dstats = dstats;
    self->pub = pub;
    snprintf(self->topic, sizeof self->topic, "$kitchen/%s", info->kitchen_name);
    nd_boot_id(self->boot_id);
    if (gethostname(self->hostname, sizeof self->hostname) != 0)
        snprintf(self->hostname, sizeof self->hostname, "unknown");
    self->hostname[sizeof self->hostname - 1] = '\0';
    self->start_time = nd_now();
    self->next = nd_monotonic();
    nd_debug("boot id %s", self->boot_id);
    return self;
}

void sn_heartbeat_destroy(sn_heartbeat_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    /* The final counters, so that the hub sees the last sequence number (and
     * counts what is missing) before the kitchen goes quiet. */
    (*self_p)->next = 0;
    sn_heartbeat_tick(*self_p);
    nd_payload_destroy(&(*self_p)->pl);
    free(*self_p);
    *self_p = NULL;
}

const char *sn_heartbeat_boot_id(const sn_heartbeat_t *self)
{
    return self->boot_id;
}

/* "topics": the last topic_sequence given on each chef's topic
 * "<chef>/<kitchen>". Like "sequence", every dumpling up to it was handed to
 * the socket before this heartbeat, so an eater (through the hub's "$sent/"
 * table) counts what it never got at the end of a stream. */
static void s_build_topics(sn_heartbeat_t *self, nd_payload_t *p)
{
    nd_pl_key(p, "topics");
    nd_pl_map(p);
    for (size_t i = 0; i < nd_kitchen_chef_count(self->kitchen); i++)
        nd_pl_kv_uint(p, nd_kitchen_chef(self->kitchen, i)->name,
                      nd_kitchen_topic_sequence(self->kitchen, i));
    nd_pl_end(p);
}

static void s_build(sn_heartbeat_t *self)
{
    nd_payload_t *p = self->pl;
    nd_kitchen_stats_t ks;
    nd_kitchen_stats(self->kitchen, &ks);
    /* Kernel counters exist for a live capture only; a file reports zeros. */
    struct pcap_stat ps = {0};
    bool have_ps = !self->info.file && self->pcap && pcap_stats(self->pcap, &ps) == 0;
    nd_payload_reset(p);
    nd_pl_map(p);
    nd_pl_kv_str(p, "kitchen_name", self->info.kitchen_name);
    nd_pl_kv_str(p, "interface", self->info.file ? self->info.file : self->info.interface);
    nd_pl_kv_str(p, "source", self->info.file ? "file" : "live");
    nd_pl_kv_str(p, "filter", self->info.filter);
    nd_pl_key(p, "chefs");
    nd_pl_array(p);
    for (size_t i = 0; i < nd_kitchen_chef_count(self->kitchen); i++)
        nd_pl_str(p, nd_kitchen_chef(self->kitchen, i)->name);
    nd_pl_end(p);
    nd_pl_kv_double(p, "poke_interval", self->info.poke_interval);
    nd_pl_kv_str(p, "hostname", self->hostname);
    nd_pl_kv_uint(p, "pid", (uint64_t)getpid());
    nd_pl_kv_str(p, "version", nd_version());
    nd_pl_kv_double(p, "start_time", self->start_time);
    nd_pl_kv_str(p, "boot_id", self->boot_id);
    nd_pl_kv_double(p, "heartbeat_interval", SN_HEARTBEAT_INTERVAL);
    nd_pl_kv_uint(p, "heartbeat_seq", self->seq);
    nd_pl_kv_double(p, "time", nd_now());
    nd_pl_kv_uint(p, "packets", self->dstats->packets);
    nd_pl_kv_uint(p, "ps_recv", have_ps ? ps.ps_recv : 0);
    nd_pl_kv_uint(p, "ps_drop", have_ps ? ps.ps_drop : 0);
    nd_pl_kv_uint(p, "ps_ifdrop", have_ps ? ps.ps_ifdrop : 0);
    if (self->info.capture) {
        nd_pl_kv_uint(p, "buffer_size_mib", (uint64_t)self->info.capture->buffer_mib);
        nd_pl_kv_uint(p, "snaplen", (uint64_t)self->info.capture->snaplen);
        nd_pl_kv_bool(p, "immediate", self->info.capture->immediate);
    }
    nd_pl_kv_uint(p, "malformed", self->dstats->malformed);
    nd_pl_kv_uint(p, "dumplings_made", ks.dumplings);
    nd_pl_kv_uint(p, "dumplings_sent", sn_pub_sent(self->pub));
    nd_pl_kv_uint(p, "send_failures", sn_pub_failed(self->pub));
    /* Every dumpling up to this number was handed to the socket before this
     * heartbeat, on the same ordered connection: the hub counts any of them
     * it has not seen as lost. */
    nd_pl_kv_uint(p, "sequence", ks.sequence);
    s_build_topics(self, p);
    nd_reasm_stats_t rs;
    nd_kitchen_reasm_stats(self->kitchen, &rs);
    nd_pl_kv_uint(p, "reasm_segments", rs.segments);
    nd_pl_kv_uint(p, "reasm_out_of_order", rs.out_of_order);
    nd_pl_kv_uint(p, "reasm_gaps", rs.gaps);
    nd_pl_kv_uint(p, "reasm_dropped_bytes", rs.dropped_bytes);
    nd_pl_kv_uint(p, "reasm_cap_hits", rs.cap_hits);
    nd_pl_kv_uint(p, "reasm_evicted", rs.evicted);
    nd_pl_kv_uint(p, "reasm_timeouts", rs.timeouts);
    nd_pl_kv_uint(p, "reasm_memory", rs.memory);
    nd_pl_kv_uint(p, "reasm_memory_peak", rs.memory_peak);
    nd_pl_end(p);
}

void sn_heartbeat_tick(sn_heartbeat_t *self)
{
    if (!self || !self->pub)
        return;
    double now = nd_monotonic();
    bool ready = sn_pub_ready(self->pub);
    bool arrived = ready && !self->was_ready;
    self->was_ready = ready;
    if (!ready || (!arrived && now < self->next))
        return;
    self->next += SN_HEARTBEAT_INTERVAL;
    if (self->next <= now || arrived)
        self->next = now + SN_HEARTBEAT_INTERVAL;
    self->seq++;
    s_build(self);
    if (nd_pl_error(self->pl)) {
        nd_error("cannot build a heartbeat: %s", nd_pl_error(self->pl));
        return;
    }
    if (sn_pub_send_control(self->pub, self->topic, strlen(self->topic), nd_pl_data(self->pl),
                            nd_pl_size(self->pl)) != 0)
        nd_debug("heartbeat %llu not sent: %s", (unsigned long long)self->seq, zmq_strerror(errno));
}
