/* SPDX-License-Identifier: MIT */
/* icmpv6.c: the Internet Control Message Protocol for IPv6, RFC 4443 (with
 * neighbor discovery, RFC 4861, and MLD, RFC 3810): type and code, and the
 * IANA "ICMPv6 Type Numbers" registry as lowercase names. */
#include "proto.h"

#include <stdio.h>

static const char *s_names[] = {
    [1] = "destination-unreachable",
    [2] = "packet-too-big",
    [3] = "time-exceeded",
    [4] = "parameter-problem",
    [128] = "echo-request",
    [129] = "echo-reply",
    [130] = "multicast-listener-query",
    [131] = "multicast-listener-report",
    [132] = "multicast-listener-done",
    [133] = "router-solicitation",
    [134] = "router-advertisement",
    [135] = "neighbor-solicitation",
    [136] = "neighbor-advertisement",
    [137] = "redirect",
    [138] = "router-renumbering",
    [139] = "node-information-query",
    [140] = "node-information-response",
    [141] = "inverse-neighbor-discovery-solicitation",
    [142] = "inverse-neighbor-discovery-advertisement",
    [143] = "multicast-listener-report-v2",
    [144] = "home-agent-address-discovery-request",
    [145] = "home-agent-address-discovery-reply",
    [146] = "mobile-prefix-solicitation",
    [147] = "mobile-prefix-advertisement",
    [148] = "certification-path-solicitation",
    [149] = "certification-path-advertisement",
    [151] = "multicast-router-advertisement",
    [152] = "multicast-router-solicitation",
    [153] = "multicast-router-termination",
    [154] = "fmipv6",
    [155] = "rpl-control",
    [157] = "duplicate-address-request",
    [158] = "duplicate-address-confirmation",
    [159] = "mpl-control",
    [160] = "extended-echo-request",
    [161] = "extended-echo-reply",
};

const char *nd_icmpv6_type_name(uint8_t type, char *buf, size_t len)
{
    if (type < sizeof s_names / sizeof s_names[0] && s_names[type])
        return s_names[type];
    if (buf && len > 0)
        snprintf(buf, len, "type-%u", (unsigned)type);
    return buf;
}

int nd_dissect_icmpv6(nd_packet_t *pkt, nd_buf_t *b)
{
    if (!nd_buf_has(b, 4))
        return nd_packet_malformed(pkt, "icmpv6: truncated header");
    pkt->icmp_type = nd_buf_u8(b);
    pkt->icmp_code = nd_buf_u8(b);
    nd_buf_skip(b, 2);
    pkt->layers |= 1u << ND_L_ICMPV6;
    return 0;
}
