/* SPDX-License-Identifier: MIT */
/* icmp.c: the Internet Control Message Protocol for IPv4, RFC 792: type and
 * code, and the IANA "ICMP Type Numbers" registry as lowercase names. */
#include "proto.h"

#include <stdio.h>

static const char *s_names[] = {
    [0] = "echo-reply",
    [3] = "destination-unreachable",
    [4] = "source-quench",
    [5] = "redirect",
    [6] = "alternate-host-address",
    [8] = "echo-request",
    [9] = "router-advertisement",
    [10] = "router-solicitation",
    [11] = "time-exceeded",
    [12] = "parameter-problem",
    [13] = "timestamp",
    [14] = "timestamp-reply",
    [15] = "information-request",
    [16] = "information-reply",
    [17] = "address-mask-request",
    [18] = "address-mask-reply",
    [30] = "traceroute",
    [31] = "datagram-conversion-error",
    [32] = "mobile-host-redirect",
    [33] = "ipv6-where-are-you",
    [34] = "ipv6-i-am-here",
    [35] = "mobile-registration-request",
    [36] = "mobile-registration-reply",
    [37] = "domain-name-request",
    [38] = "domain-name-reply",
    [39] = "skip",
    [40] = "photuris",
    [41] = "experimental-mobility",
    [42] = "extended-echo-request",
    [43] = "extended-echo-reply",
};

const char *nd_icmp_type_name(uint8_t type, char *buf, size_t len)
{
    if (type < sizeof s_names / sizeof s_names[0] && s_names[type])
        return s_names[type];
    if (buf && len > 0)
        snprintf(buf, len, "type-%u", (unsigned)type);
    return buf;
}

int nd_dissect_icmp(nd_packet_t *pkt, nd_buf_t *b)
{
    /* Type, code and checksum; the rest depends on the type and is not
     * needed by any chef. */
    if (!nd_buf_has(b, 4))
        return nd_packet_malformed(pkt, "icmp: truncated header");
    pkt->icmp_type = nd_buf_u8(b);
    pkt->icmp_code = nd_buf_u8(b);
    nd_buf_skip(b, 2);
    pkt->layers |= 1u << ND_L_ICMP;
    return 0;
}
