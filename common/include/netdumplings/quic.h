/* SPDX-License-Identifier: MIT */
/* quic.h: the TLS ClientHello that a QUIC client sends in its Initial packets
 * (RFC 9000 17.2.2, RFC 9001 5; QUIC v2, RFC 9369; drafts 22-34), for chefs
 * that read UDP datagrams (pkt->l7). Initial packets are encrypted with keys
 * anyone can derive from the client's Destination Connection ID: they are
 * decrypted (libcrypto), their CRYPTO frames put back together by offset, and
 * the whole ClientHello handed to the parser of app.h.
 *
 * The state is opaque (no layout in the chef ABI): a bounded table of the
 * connections whose hello is pending or was reported, keyed by the client's
 * Destination Connection ID, so that a hello split over several packets or
 * datagrams is read once it is whole, and a retransmitted one is not
 * reported twice. */
#ifndef ND_QUIC_H
#define ND_QUIC_H

#include <stddef.h>
#include <stdint.h>

#include "netdumplings/app.h"
#include "netdumplings/packet.h"

typedef struct nd_quic nd_quic_t;

/* A table of at most `max_flows` connections (at least 1); a connection
 * unseen for `timeout` seconds of capture time is forgotten, and when the
 * table is full the one seen longest ago makes room. NULL when out of
 * memory. */
nd_quic_t *nd_quic_new(size_t max_flows, double timeout);
void nd_quic_destroy(nd_quic_t **q);

/* Reads the UDP datagram of `pkt` (pkt->l7, its addresses, ports and time)
 * as QUIC packets, coalesced ones included. Returns
 *   ND_APP_OK          a ClientHello was completed: `out` holds it;
 *   ND_APP_INCOMPLETE  client Initial packets were read, the hello is not
 *                      whole yet;
 *   ND_APP_NOT_MINE    no client Initial packet of a known version, or
 *                      nothing new (a hello already reported, a server's
 *                      Initial packet on a known connection);
 *   ND_APP_MALFORMED   an Initial packet that did not decrypt or whose
 *                      contents are broken (counted, see nd_quic_count).
 * Nothing is reported from bytes that did not arrive: a hello is read only
 * when every byte of it came in an authenticated packet. */
int nd_quic_client_hello(nd_quic_t *q, const nd_packet_t *pkt, nd_tls_hello_t *out);

/* What the table has seen: hellos completed, Initial packets that did not
 * decrypt (with the keys of their own Destination Connection ID or of a
 * known connection on the same addresses and ports), and connections given
 * up before their hello was whole (table full, timed out, hello too big). */
typedef enum {
    ND_QUIC_HELLOS = 0,
    ND_QUIC_UNDECRYPTABLE,
    ND_QUIC_GIVEN_UP,
    ND_QUIC__COUNT
} nd_quic_count_t;
uint64_t nd_quic_count(const nd_quic_t *q, nd_quic_count_t which);

#endif
