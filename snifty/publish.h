/* SPDX-License-Identifier: MIT */
/* publish.h: nd-snifty's connection to the hub: a ZeroMQ XPUB socket that
 * connects to the hub's XSUB, sends every dumpling as two frames (topic, body)
 * and knows whether the hub is listening. Dumplings leave in batches. */
#ifndef SN_PUBLISH_H
#define SN_PUBLISH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sn_pub sn_pub_t;

/* Connects (in the background) to `endpoint`. With `hold`, a dumpling that
 * cannot leave yet (hub not there, queue full) waits until it can or *stop is
 * set: used when reading a file, where nothing must be lost. Without it, such a
 * dumpling is dropped and counted: used for live capture, which must go on.
 * Returns NULL with err set on a bad endpoint. */
sn_pub_t *sn_pub_new(const char *endpoint, bool hold, volatile sig_atomic_t *stop, char *err,
                     size_t errlen);

/* Waits up to `linger` seconds for queued dumplings to leave, then closes. */
void sn_pub_destroy(sn_pub_t **self_p, double linger);

/* The socket, to poll for ZMQ_POLLIN (subscription news) in a caller's loop. */
void *sn_pub_socket(sn_pub_t *self);
/* Reads the subscription messages waiting on the socket. */
void sn_pub_events(sn_pub_t *self);
/* True while the hub is subscribed (connected and listening). */
bool sn_pub_ready(const sn_pub_t *self);
/* Waits until the hub is subscribed, *stop, or `timeout` seconds (< 0: no
 * limit). Says once that it is waiting. Returns true when ready. */
bool sn_pub_wait_ready(sn_pub_t *self, double timeout);

/* Live capture: says, once per absence, that the hub is not there. */
void sn_pub_say_waiting(sn_pub_t *self);

/* An nd_serve_fn: `arg` is the sn_pub_t. Queues the dumpling in a batch,
 * which leaves when it is full or a millisecond old (see sn_pub_flush). */
int sn_pub_serve(void *arg, const char *topic, size_t topic_len, const uint8_t *body,
                 size_t body_len);
/* Hands the batch to libzmq now: call before waiting for anything (a packet,
 * the clock). With `hold`, waits for room or the hub. Returns 0, or -1 if some
 * could not go (counted as failed). */
int sn_pub_flush(sn_pub_t *self);
/* Flushes the batch if its oldest dumpling is a millisecond old: call per
 * packet where packets come without a wait in between (reading a file). */
void sn_pub_tick(sn_pub_t *self);

/* Sends a control message (a heartbeat) if the hub listens, never waiting and
 * not counted with the dumplings. Returns 0, or -1 with errno (EAGAIN: not
 * listening or queue full). */
int sn_pub_send_control(sn_pub_t *self, const char *topic, size_t topic_len, const uint8_t *body,
                        size_t body_len);

uint64_t sn_pub_sent(const sn_pub_t *self);
uint64_t sn_pub_failed(const sn_pub_t *self);

#endif
