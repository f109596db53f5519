/* SPDX-License-Identifier: MIT */
/* ring.c: a fixed ring of JSON dumplings with sequence numbers. There is one
 * writer (the hub side) and a read position per client (gw_client_t.next_seq),
 * so fan-out never waits for anybody: a client whose position falls behind the
 * oldest held message has lagged, and ws.c closes it (or, for a ?loss=1
 * client, moves it on when told of the eviction). The same shape as
 * libwebsockets' lws_ring with a tail per client, written out in sequence
 * numbers so the lag test is one comparison. */
#include <stdlib.h>
#include <string.h>

#include "gateway.h"

struct gw_ring {
    gw_msg_t *slots;
    size_t capacity;
    uint64_t head; /* next sequence number to write */
    gw_evict_fn *on_evict;
    void *arg;
};

gw_ring_t *gw_ring_new(size_t capacity, gw_evict_fn *on_evict, void *arg)
{
    if (capacity == 0)
        return NULL;
    gw_ring_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->slots = calloc(capacity, sizeof *self->slots);
    if (!self->slots) {
        free(self);
        return NULL;
    }
    self->capacity = capacity;
    self->head = 1;
    self->on_evict = on_evict;
    self->arg = arg;
    return self;
}

void gw_ring_destroy(gw_ring_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_ring_t *self = *self_p;
    for (size_t i = 0; i < self->capacity; i++)
        free(self->slots[i].buf);
    free(self->slots);
    free(self);
    *self_p = NULL;
}

void gw_ring_push(gw_ring_t *self, gw_msg_t *msg)
{
    gw_msg_t *slot = &self->slots[self->head % self->capacity];
    if (self->head > self->capacity && self->on_evict)
        self->on_evict(self->arg, self->head - self->capacity);
    free(slot->buf);
    *slot = *msg;
    msg->buf = NULL;
    self->head++;
}

uint64_t gw_ring_head(const gw_ring_t *self)
{
    return self->head;
}

uint64_t gw_ring_oldest(const gw_ring_t *self)
{
    return self->head > self->capacity ? self->head - self->capacity : 1;
}

const gw_msg_t *gw_ring_get(const gw_ring_t *self, uint64_t seq)
{
    if (seq >= self->head || seq < gw_ring_oldest(self))
        return NULL;
    return &self->slots[seq % self->capacity];
}

size_t gw_ring_capacity(const gw_ring_t *self)
{
    return self->capacity;
}
