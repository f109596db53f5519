/* SPDX-License-Identifier: MIT */
/* dhcp.c: BOOTP (RFC 951) and DHCPv4 (RFC 2131) messages with the options
 * (RFC 2132) a "who joined" view needs: message type (53), host name (12),
 * requested address (50) and client identifier (61). */
#include <string.h>

#include "netdumplings/app.h"
#include "netdumplings/buf.h"

#define S_FIXED 236 /* op .. file, RFC 2131 2 */
#define S_MAGIC 0x63825363u

const char *nd_dhcp_msg_type_name(uint8_t type)
{
    /* RFC 2132 9.6, RFC 3203, RFC 4388, RFC 6926. */
    static const char *const names[] = {NULL,
                                        "DISCOVER",
                                        "OFFER",
                                        "REQUEST",
                                        "DECLINE",
                                        "ACK",
                                        "NAK",
                                        "RELEASE",
                                        "INFORM",
                                        "FORCERENEW",
                                        "LEASEQUERY",
                                        "LEASEUNASSIGNED",
                                        "LEASEUNKNOWN",
                                        "LEASEACTIVE",
                                        "BULKLEASEQUERY",
                                        "LEASEQUERYDONE",
                                        "ACTIVELEASEQUERY",
                                        "LEASEQUERYSTATUS",
                                        "TLS"};
    return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}

int nd_dhcp_parse(const uint8_t *p, size_t n, nd_dhcp_t *out)
{
    memset(out, 0, sizeof *out);
    if (!p || n < S_FIXED)
        return ND_APP_NOT_MINE;
    nd_buf_t b = nd_buf(p, n);
    out->op = nd_buf_u8(&b);
    out->htype = nd_buf_u8(&b);
    out->hlen = nd_buf_u8(&b);
    nd_buf_skip(&b, 1); /* hops */
    if (out->op != 1 && out->op != 2)
        return ND_APP_NOT_MINE;
    out->xid = nd_buf_be32(&b);
    nd_buf_skip(&b, 4); /* secs, flags */
    nd_buf_copy(&b, out->ciaddr, 4);
    nd_buf_copy(&b, out->yiaddr, 4);
    nd_buf_copy(&b, out->siaddr, 4);
    nd_buf_copy(&b, out->giaddr, 4);
    nd_buf_copy(&b, out->chaddr, 16);
    out->chaddr_is_mac = out->htype == 1 && out->hlen == 6;
    nd_buf_skip(&b, 64 + 128); /* sname, file */
    if (b.err)
        return ND_APP_NOT_MINE;
    if (nd_buf_left(&b) < 4 || nd_buf_be32(&b) != S_MAGIC)
        return ND_APP_OK; /* BOOTP: vendor area without options */
    out->is_dhcp = true;

    /* Every option consumes at least one byte, so the walk ends. */
    while (nd_buf_left(&b) > 0) {
        uint8_t code = nd_buf_u8(&b);
        if (code == 0) /* pad */
            continue;
        if (code == 255) /* end */
            break;
        uint8_t len = nd_buf_u8(&b);
        nd_buf_t o = nd_buf_sub(&b, len);
        if (b.err)
            return ND_APP_MALFORMED;
        switch (code) {
        case 53:
            if (len != 1)
                return ND_APP_MALFORMED;
            if (out->msg_type)
                break;
            out->msg_type = nd_buf_u8(&o);
            break;
        case 12:
            if (len < 1)
                return ND_APP_MALFORMED;
            if (out->has_hostname) /* the first one counts, as for the others */
                break;
            out->has_hostname = true;
            out->hostname_truncated =
                !nd_app_text(o.data, o.len, out->hostname, sizeof out->hostname);
            break;
        case 50:
            if (len != 4)
                return ND_APP_MALFORMED;
            if (out->has_requested_ip)
                break;
            out->has_requested_ip = true;
            nd_buf_copy(&o, out->requested_ip, 4);
            break;
        case 61:
            if (len < 2)
                return ND_APP_MALFORMED;
            if (out->client_id_len)
                break;
            out->client_id_len = len < ND_DHCP_CLIENT_ID_MAX ? len : ND_DHCP_CLIENT_ID_MAX;
            out->client_id_truncated = len > ND_DHCP_CLIENT_ID_MAX;
            memcpy(out->client_id, o.data, out->client_id_len);
            break;
        default:
            break;
        }
    }
    return ND_APP_OK;
}
