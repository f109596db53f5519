/* SPDX-License-Identifier: MIT */
/* monitor.h: ZeroMQ socket monitors, read one way everywhere: the eater's and
 * the gateway's hub connection, the hub's kitchens' and eaters' sockets. */
#ifndef ND_MONITOR_H
#define ND_MONITOR_H

#include <stddef.h>

/* Starts monitoring `sock` (raw libzmq) for `events` (ZMQ_EVENT_* bits): a
 * PAIR socket of context `ctx`, linger 0, connected to a fresh inproc
 * endpoint. Returns it, or NULL with err set. */
void *nd_monitor_open(void *ctx, void *sock, int events, char *err, size_t errlen);

/* Reads one event, both of its frames (event and value, then the endpoint),
 * from monitor `mon`; `flags` 0 waits, ZMQ_DONTWAIT does not. Returns its
 * ZMQ_EVENT_* number, or 0 when none came (or on an error). */
unsigned nd_monitor_read(void *mon, int flags);

/* Stops monitoring `sock` and closes *mon_p (when set), setting it to NULL. */
void nd_monitor_close(void *sock, void **mon_p);

#endif
