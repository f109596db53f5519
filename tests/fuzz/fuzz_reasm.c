/* SPDX-License-Identifier: MIT */
/* fuzz_reasm.c: libFuzzer target for the TCP stream reassembler (reasm.h):
 * the input is a sequence of segments, 10 bytes each (flow 0-7, SYN, RST and
 * expire bits, seq, payload length, capture-time step, what the parser
 * consumes), fed to one reassembler with small caps and a small flow table,
 * so that out-of-order, overlapping, retransmitted and far-jumping segments,
 * huge gaps, held bytes, unconsumed bytes, skips, caps, evictions and
 * timeouts all meet. Checks that the memory held never passes the total cap,
 * that every delivery is within what was asked, and that nothing is held once
 * every flow has timed out. */
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "netdumplings/reasm.h"

#define S_FLOW_BYTES 4096
#define S_TOTAL_BYTES 10000

static uint8_t s_payload[65535];

typedef struct {
    nd_reasm_t *r;
    uint8_t mode;
} s_run_t;

static size_t s_fn(void *arg, const nd_reasm_flow_t *flow, const uint8_t *data, size_t len,
                   unsigned flags)
{
    s_run_t *run = arg;
    (void)flags;
    ND_FUZZ_CHECK(flow->src.family == AF_INET, "a delivery without its flow");
    ND_FUZZ_CHECK(len > 0, "an empty delivery");
    /* Every byte is read: ASan sees any over-read. */
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += data[i];
    (void)sum;
    nd_reasm_stats_t s;
    nd_reasm_stats(run->r, &s);
    ND_FUZZ_CHECK(s.memory <= S_TOTAL_BYTES, "the total cap passed");
    switch (run->mode & 3) {
    case 0:
        return len;
    case 1:
        return 0; /* waits for more: the caps must bound it */
    case 2:
        return len / 2;
    default:
        return len + (size_t)(run->mode >> 2) * 97; /* a body to skip */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nd_reasm_limits_t lim = {4, S_FLOW_BYTES, S_TOTAL_BYTES, 1.0, 30.0};
    s_run_t run = {nd_reasm_new(&lim), 0};
    ND_FUZZ_CHECK(run.r != NULL, "out of memory");
    for (size_t i = 0; i < sizeof s_payload; i++)
        s_payload[i] = (uint8_t)(i * 31);
    nd_packet_t pkt;
    double ts = 0;
    nd_reasm_stats_t s;
    for (size_t o = 0; o + 10 <= size; o += 10) {
        const uint8_t *r = data + o;
        memset(&pkt, 0, sizeof pkt);
        pkt.layers = 1u << ND_L_IPV4 | 1u << ND_L_TCP;
        pkt.src.family = pkt.dst.family = AF_INET;
        pkt.src.bytes[3] = r[0] & 0x07;
        pkt.sport = 1000;
        pkt.dport = 80;
        pkt.tcp_flags = (r[0] & 0x10 ? 0x02 : 0x18) | ((r[0] & 0x60) == 0x60 ? 0x04 : 0);
        pkt.tcp_seq = (uint32_t)r[1] << 24 | (uint32_t)r[2] << 16 | (uint32_t)r[3] << 8 | r[4];
        pkt.l7_len = ((size_t)r[5] << 8 | r[6]) & 0x1fff;
        pkt.l7 = s_payload + (r[4] & 0xff);
        ts += r[7] == 0xff ? 31 : r[7] / 64.0;
        pkt.ts = ts;
        run.mode = r[8];
        nd_reasm_packet(run.r, &pkt, s_fn, &run);
        if (r[9] & 0x80)
            nd_reasm_expire(run.r, ts, s_fn, &run);
        nd_reasm_stats(run.r, &s);
        ND_FUZZ_CHECK(s.memory <= S_TOTAL_BYTES && s.memory_peak <= S_TOTAL_BYTES,
                      "the total cap passed");
    }
    /* Every flow quiet for longer than the idle time: nothing is held. */
    run.mode = 0;
    nd_reasm_expire(run.r, ts + 31, s_fn, &run);
    nd_reasm_stats(run.r, &s);
    ND_FUZZ_CHECK(s.memory == 0, "bytes held after every flow timed out");
    ND_FUZZ_CHECK(s.retransmitted + s.out_of_order <= s.segments, "counters do not add up");
    nd_reasm_destroy(&run.r);
    return 0;
}
