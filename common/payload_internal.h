/* SPDX-License-Identifier: MIT */
/* payload_internal.h: what dumpling.c needs from payload.c beyond payload.h
 * (not installed, not part of the public API). */
#ifndef ND_PAYLOAD_INTERNAL_H
#define ND_PAYLOAD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdumplings/payload.h"

/* Sets the builder's sticky error (first one wins) without asserting. */
void nd_pl_fail(nd_payload_t *p, const char *why);

/* The innermost open container: elements written so far (pairs for a map),
 * and whether a map there expects a key next. 0 / false when none is open. */
uint32_t nd_pl_open_count(const nd_payload_t *p);
bool nd_pl_open_expects_key(const nd_payload_t *p);

#endif
