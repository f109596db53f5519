/* wire.h: small helpers for reading the two-frame messages of docs/protocol.md
 * off raw libzmq sockets. */
#ifndef ND_WIRE_H
#define ND_WIRE_H

/* Reads and drops the remaining frames of a multi-frame message already being
 * received on `sock` (a peer that sent more frames than the protocol has).
 * Returns how many frames it dropped. */
int nd_wire_drain(void *sock);

#endif
