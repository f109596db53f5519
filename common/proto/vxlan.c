/* SPDX-License-Identifier: MIT */
/* vxlan.c: Virtual eXtensible LAN, RFC 7348: an 8-byte header with a 24-bit
 * network identifier (VNI), then an Ethernet frame. Cloud traffic mirroring
 * delivers copies this way. */
#include "proto.h"

#define S_VXLAN_I 0x08 /* the VNI is valid */

int nd_dissect_vxlan(nd_packet_t *pkt, nd_buf_t *b)
{
    /* Anything else on the port is not VXLAN: it is left as UDP, not
     * called malformed. */
    if (nd_buf_left(b) < 8 + 14 || !(nd_buf_ptr(b)[0] & S_VXLAN_I))
        return 0;
    nd_buf_skip(b, 4);
    uint32_t vni = nd_buf_be32(b) >> 8;
    if (nd_encap_enter(pkt, ND_L_VXLAN, "vxlan", true, vni) < 0)
        return -1;
    return nd_dissect_ether(pkt, b);
}
