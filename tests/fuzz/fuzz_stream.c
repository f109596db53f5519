/* SPDX-License-Identifier: MIT */
/* fuzz_stream.c: libFuzzer target for the TCP segment tracker (stream.h):
 * the input is a sequence of segments, 8 bytes each (flow 0-15 and the SYN
 * bit, seq, payload length, capture-time step), fed to one small table, so
 * that out-of-order, overlapping, retransmitted and far-jumping segments,
 * restarts and evictions all meet. Checks that the counters add up and that
 * a segment just read is never read again. */
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "netdumplings/stream.h"

static uint8_t s_payload[65535];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nd_stream_t *st = nd_stream_new(8); /* fewer than the flows: evictions too */
    ND_FUZZ_CHECK(st != NULL, "out of memory");
    nd_packet_t pkt;
    double ts = 0;
    for (size_t o = 0; o + 8 <= size; o += 8) {
        const uint8_t *r = data + o;
        memset(&pkt, 0, sizeof pkt);
        pkt.layers = 1u << ND_L_IPV4 | 1u << ND_L_TCP;
        pkt.src.family = pkt.dst.family = AF_INET;
        pkt.src.bytes[3] = r[0] & 0x0f;
        pkt.sport = 1000;
        pkt.dport = 80;
        pkt.tcp_flags = r[0] & 0x10 ? 0x02 : 0x18;
        pkt.tcp_seq = (uint32_t)r[1] << 24 | (uint32_t)r[2] << 16 | (uint32_t)r[3] << 8 | r[4];
        pkt.l7_len = (size_t)r[5] << 8 | r[6];
        pkt.l7 = s_payload;
        ts += r[7] == 0xff ? ND_STREAM_IDLE + 1 : r[7] / 16.0;
        pkt.ts = ts;
        bool fresh = nd_stream_fresh(st, &pkt);
        ND_FUZZ_CHECK(!fresh || pkt.l7_len > 0, "a segment without payload was fresh");
        /* The same segment again, straight away, is a retransmission. */
        if (fresh && !(pkt.tcp_flags & 0x02))
            ND_FUZZ_CHECK(!nd_stream_fresh(st, &pkt), "a segment was read twice");
    }
    nd_stream_stats_t s = nd_stream_stats(st);
    ND_FUZZ_CHECK(s.retransmitted + s.filled <= s.segments, "counters do not add up");
    nd_stream_destroy(&st);
    return 0;
}
