/* SPDX-License-Identifier: MIT */
/* test_proto_util.h: helpers shared by the test_proto_*.c unit tests: read one
 * packet of a shared capture, and dissect a packet cut at every length. */
#ifndef TEST_PROTO_UTIL_H
#define TEST_PROTO_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "netdumplings/packet.h"

/* The nd_packet_t is 4 KB and over: keep it off the test stack. */
static nd_packet_t t_pkt;
static uint8_t t_data[65536];

/* Reads packet `n` (1-based, as tshark numbers frames) of ND_PCAPS/`file` into
 * t_data and dissects it into t_pkt. Returns the caplen. */
static inline uint32_t t_load(const char *file, int n)
{
    char path[1024], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/%s", ND_PCAPS, file);
    pcap_t *p = pcap_open_offline(path, err);
    if (!p)
        fail_msg("%s: %s", path, err);
    struct pcap_pkthdr *h;
    const u_char *d;
    int i = 0, rc;
    uint32_t caplen = 0;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        if (++i == n) {
            caplen = h->caplen < sizeof t_data ? h->caplen : (uint32_t)sizeof t_data;
            memcpy(t_data, d, caplen);
            assert_int_equal(
                nd_packet_dissect(&t_pkt, pcap_datalink(p), t_data, caplen, h->len, &h->ts), 0);
            break;
        }
    }
    pcap_close(p);
    if (i != n)
        fail_msg("%s has no packet %d", file, n);
    return caplen;
}

/* Dissects `data` cut to every length from 0 to `len`: none may crash (the
 * sanitizers watch), none may show a layer the whole packet lacks, and every
 * cut below `min_whole` bytes must be malformed or lack a layer. The copy
 * into a buffer of exactly the cut length lets ASan catch any over-read. */
static inline void t_sweep(int linktype, const uint8_t *data, size_t len, size_t min_whole)
{
    static nd_packet_t whole, cut;
    assert_int_equal(nd_packet_dissect(&whole, linktype, data, (uint32_t)len, (uint32_t)len, NULL),
                     0);
    for (size_t n = 0; n <= len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, data, n);
        assert_int_equal(nd_packet_dissect(&cut, linktype, copy, (uint32_t)n, (uint32_t)len, NULL),
                         0);
        free(copy); /* only the layer bits are checked below */
        if (cut.layers & ~whole.layers)
            fail_msg("cut at %zu of %zu has layers %#x, whole has %#x", n, len, cut.layers,
                     whole.layers);
        if (n < min_whole && !cut.malformed && cut.layers == whole.layers)
            fail_msg("cut at %zu of %zu: all layers and not malformed", n, len);
        if (cut.malformed)
            assert_non_null(cut.malformed_reason);
    }
}

#endif
