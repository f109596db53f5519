/* SPDX-License-Identifier: MIT */
/* wire.h: small helpers for reading the two-frame messages of docs/protocol.md
 * off raw libzmq sockets. */
#ifndef ND_WIRE_H
#define ND_WIRE_H

/* Reads and drops the remaining frames of a multi-frame message already being
 * received on `sock` (a peer that sent more frames than the protocol has).
 * Returns how many frames it dropped. */
int nd_wire_drain(void *sock);

/* Reads one message from an XPUB socket (a kitchen's, or a site hub's link to
 * its central hub) without waiting: the peer's subscription news. Returns 1 for
 * a subscribe, -1 for an unsubscribe, 0 for anything else, and ND_WIRE_NONE
 * when nothing is waiting. */
#define ND_WIRE_NONE (-2)
int nd_wire_xpub_event(void *sock);

#endif
