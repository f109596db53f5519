/* SPDX-License-Identifier: MIT */
/* fuzz_packet.c: libFuzzer target for packet dissection and every built-in
 * chef: the first input byte picks the link type (fuzz.h), the rest is the
 * packet; each dumpling a chef makes must decode as valid and convert to JSON. */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "builtin.h"
#include "fuzz.h"
#include "netdumplings/dumpling.h"
#include "netdumplings/kitchen.h"
#include "netdumplings/log.h"
#include "netdumplings/packet.h"

/* Chefs keep state between packets (tables, counters), and a hostile stream is
 * a sequence of packets, so one kitchen lives for the whole run; it is poked
 * every S_POKE_EVERY inputs, and after any input whose first byte matches
 * S_POKE_MASK/S_POKE_BITS, so that an input can ask for a poke itself and crashes in
 * interval handlers replay from a single file. */
#define S_POKE_EVERY 256
/* First byte: bits 0-4 link type, bit 6 truncated, and bit 7 set with bits
 * 3-5 clear asks for a poke: one random input in 16, as a poke serves whole
 * tables and costs as much as dozens of packets. */
#define S_POKE_MASK 0xb8
#define S_POKE_BITS 0x80
/* Claims a wire length larger than the capture, as a snaplen would. */
#define S_TRUNCATED_BIT 0x40

static nd_kitchen_t *s_kitchen;
static nd_dumpling_t s_dumpling;
static uint64_t s_inputs;

/* The kitchen's serve callback: what the hub would receive. */
static int s_serve(void *arg, const char *topic, size_t topic_len, const uint8_t *body,
                   size_t body_len)
{
    char err[256] = "";
    ND_FUZZ_CHECK(nd_dumpling_decode(&s_dumpling, body, body_len, err, sizeof err) == 0,
                  "chef %.*s made an invalid dumpling: %s", (int)topic_len, topic, err);
    ND_FUZZ_CHECK(nd_dumpling_topic_matches(&s_dumpling, topic, topic_len),
                  "topic %.*s does not match the body", (int)topic_len, topic);
    for (int seconds = 0; seconds < 2; seconds++)
        free(nd_fuzz_dumpling_json(&s_dumpling, seconds));
    return 0;
}

static void s_setup(void)
{
    /* Hostile input makes chefs and the kitchen warn at line rate. */
    nd_log_setup("fuzz_packet", ND_LOG_ERROR);
    nd_dumpling_init(&s_dumpling);
    char err[256] = "";
    s_kitchen = nd_kitchen_new("fuzz", s_serve, NULL, err, sizeof err);
    ND_FUZZ_CHECK(s_kitchen, "%s", err);
    for (size_t i = 0; nd_builtin_chefs[i]; i++) {
        /* Small tables: eviction then runs all the time, and a poke (which
         * serves a whole table) stays cheap. Chefs without the option ignore it. */
        static const char *const small[] = {"max_names=64", "max_hosts=64", "quic_flows=8"};
        for (size_t o = 0; o < sizeof small / sizeof small[0]; o++) {
            char spec[128];
            snprintf(spec, sizeof spec, "%s:%s", nd_builtin_chefs[i]->name, small[o]);
            ND_FUZZ_CHECK(nd_kitchen_chef_opt(s_kitchen, spec, err, sizeof err) == 0, "%s", err);
        }
        ND_FUZZ_CHECK(nd_kitchen_add_chef(s_kitchen, nd_builtin_chefs[i], err, sizeof err) == 0,
                      "%s", err);
    }
}

/* What packet.h promises about any dissected packet, malformed or not. */
static void s_check_packet(const nd_packet_t *pkt, const uint8_t *data, size_t len)
{
    ND_FUZZ_CHECK(!pkt->malformed || pkt->malformed_reason, "malformed without a reason");
    ND_FUZZ_CHECK(pkt->vlan_count <= 2, "vlan_count %u", pkt->vlan_count);
    ND_FUZZ_CHECK((uint64_t)pkt->layers < ((uint64_t)1 << ND_L__COUNT), "unknown layer bits %#x",
                  pkt->layers);
    ND_FUZZ_CHECK(pkt->encap_depth <= ND_MAX_ENCAP, "encap_depth %u", pkt->encap_depth);
    ND_FUZZ_CHECK(memchr(pkt->tunnel, '\0', sizeof pkt->tunnel), "tunnel not terminated");
    if (pkt->l7_len)
        ND_FUZZ_CHECK(pkt->l7 >= data && pkt->l7_len <= len &&
                          pkt->l7 - data <= (long)(len - pkt->l7_len),
                      "l7 outside the packet");
    if (ND_HAS(pkt, ND_L_DNS)) {
        ND_FUZZ_CHECK(pkt->dns.nquestions <= ND_DNS_MAX_QUESTIONS, "nquestions %u",
                      pkt->dns.nquestions);
        for (unsigned i = 0; i < pkt->dns.nquestions; i++)
            ND_FUZZ_CHECK(memchr(pkt->dns.q[i].name, '\0', ND_DNS_NAME_MAX),
                          "question %u name not terminated", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > UINT32_MAX)
        return 0;
    if (!s_kitchen)
        s_setup();
    uint8_t pick = data[0];
    int linktype = nd_fuzz_linktypes[pick & (ND_FUZZ_NLINKTYPES - 1)];
    const uint8_t *bytes = data + 1;
    uint32_t caplen = (uint32_t)(size - 1);
    uint32_t wirelen = pick & S_TRUNCATED_BIT ? caplen + 1500 : caplen;

    /* A clock that moves on: 10 ms per input from a fixed start. */
    s_inputs++;
    struct timeval tv = {.tv_sec = (time_t)(1764115200 + s_inputs / 100),
                         .tv_usec = (suseconds_t)(s_inputs % 100) * 10000};
    nd_packet_t pkt;
    ND_FUZZ_CHECK(nd_packet_dissect(&pkt, linktype, bytes, caplen, wirelen, &tv) == 0,
                  "link type %d refused", linktype);
    s_check_packet(&pkt, bytes, caplen);
    nd_kitchen_packet(s_kitchen, &pkt);
    if ((pick & S_POKE_MASK) == S_POKE_BITS || s_inputs % S_POKE_EVERY == 0)
        nd_kitchen_poke(s_kitchen, pkt.ts);

    nd_kitchen_stats_t st;
    nd_kitchen_stats(s_kitchen, &st);
    ND_FUZZ_CHECK(st.invalid == 0, "a chef wrote an invalid payload (see the log above)");
    return 0;
}
