/* SPDX-License-Identifier: MIT */
/* loss.h: counting the dumplings an eater never got, per kitchen, from the
 * per-topic sequence numbers ("topic_sequence") of the dumplings it receives
 * and the hub's "$sent/<kitchen>" tables of the last number sent on each
 * topic (docs/protocol.md, "Loss between the hub and an eater"). The eater
 * library and the gateway use it; it reads untrusted input and never counts
 * a negative or overflowing loss. */
#ifndef ND_LOSS_H
#define ND_LOSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdumplings/dumpling.h"

typedef struct nd_loss nd_loss_t;

/* Which topics the eater subscribes to: all chefs (chefs NULL) or these. */
nd_loss_t *nd_loss_new(const char *const *chefs, size_t nchefs);
void nd_loss_destroy(nd_loss_t **self_p);

/* A dumpling the eater received (of a kitchen it wants). Returns the
 * dumplings newly counted as lost before it. */
uint64_t nd_loss_dumpling(nd_loss_t *self, const nd_dumpling_t *d);

/* The body of a "$sent/<kitchen>" message (`kitchen` from its topic).
 * Returns the dumplings newly counted as lost (the tail of its streams). A
 * body that does not decode, or claims impossible numbers, is counted in
 * `suspicious` and changes nothing. */
uint64_t nd_loss_sent(nd_loss_t *self, const char *kitchen, const void *body, size_t len);

/* The hub's welcome on the eater's registration topic: when it registered
 * the eater, on the hub's clock (epoch seconds). */
void nd_loss_joined(nd_loss_t *self, double registered);

typedef struct {
    uint64_t received;   /* dumplings counted (with or without sequence numbers) */
    uint64_t lost;       /* never received, from gaps and "$sent/" tables */
    uint64_t suspicious; /* tables or numbers that cannot be right, ignored */
    uint64_t restarts;   /* kitchens seen to restart (numbering started again) */
} nd_loss_totals_t;

void nd_loss_totals(const nd_loss_t *self, nd_loss_totals_t *out);

/* The kitchens heard of, 0 .. nd_loss_kitchen_count() - 1. */
size_t nd_loss_kitchen_count(const nd_loss_t *self);
const char *nd_loss_kitchen(const nd_loss_t *self, size_t i, uint64_t *received, uint64_t *lost);

#endif
