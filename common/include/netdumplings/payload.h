/* SPDX-License-Identifier: MIT */
/* payload.h: build a msgpack value (a dumpling's payload, or a whole dumpling)
 * straight into a reusable buffer, with maps and arrays whose sizes need not be
 * known in advance.
 *
 *     nd_pl_map(p);
 *       nd_pl_key(p, "lookup");
 *       nd_pl_map(p);
 *         nd_pl_kv_str(p, "hostname", "example.com");
 *         nd_pl_kv_double(p, "when", pkt->ts);
 *       nd_pl_end(p);
 *     nd_pl_end(p);
 *
 * Maps and arrays are written with 32-bit headers and patched on nd_pl_end()
 * (valid msgpack, decoded by every implementation). Misuse (a value in a map
 * without a key, a key outside a map, an unbalanced end) sets a sticky error
 * that nd_pl_error() reports and that makes the dumpling be refused; debug
 * builds (no NDEBUG) also assert, so it shows up in the chef's own tests. */
#ifndef ND_PAYLOAD_H
#define ND_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ND_PL_MAX_DEPTH 32

typedef struct nd_payload nd_payload_t;

/* Returns a new empty builder, or NULL when out of memory. Owned by the caller. */
nd_payload_t *nd_payload_new(void);
void nd_payload_destroy(nd_payload_t **self_p);
/* Empties the builder, keeping its memory. */
void nd_payload_reset(nd_payload_t *p);

int nd_pl_map(nd_payload_t *p);
int nd_pl_array(nd_payload_t *p);
int nd_pl_end(nd_payload_t *p);
int nd_pl_key(nd_payload_t *p, const char *key);
int nd_pl_keyn(nd_payload_t *p, const char *key, size_t len);
/* Strings must be UTF-8; invalid UTF-8 is an error (dumplings become JSON). */
int nd_pl_str(nd_payload_t *p, const char *s);
int nd_pl_strn(nd_payload_t *p, const char *s, size_t len);
int nd_pl_int(nd_payload_t *p, int64_t v);
int nd_pl_uint(nd_payload_t *p, uint64_t v);
int nd_pl_double(nd_payload_t *p, double v);
int nd_pl_bool(nd_payload_t *p, bool v);
int nd_pl_null(nd_payload_t *p);

/* Key + value in one call. A NULL string writes null. */
int nd_pl_kv_str(nd_payload_t *p, const char *key, const char *s);
int nd_pl_kv_int(nd_payload_t *p, const char *key, int64_t v);
int nd_pl_kv_uint(nd_payload_t *p, const char *key, uint64_t v);
int nd_pl_kv_double(nd_payload_t *p, const char *key, double v);
int nd_pl_kv_bool(nd_payload_t *p, const char *key, bool v);
int nd_pl_kv_null(nd_payload_t *p, const char *key);

/* Open containers right now (0 when balanced), and values written at depth 0. */
int nd_pl_depth(const nd_payload_t *p);
size_t nd_pl_top_values(const nd_payload_t *p);

/* NULL when all is well, else what went wrong first. */
const char *nd_pl_error(const nd_payload_t *p);

/* The bytes written so far. Valid until the next write or reset. */
const uint8_t *nd_pl_data(const nd_payload_t *p);
size_t nd_pl_size(const nd_payload_t *p);

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
 * U+10FFFF. The one check for every string of a dumpling, the gateway's
 * WebSocket text and a chef's text alike. */
bool nd_utf8_valid(const void *s, size_t len);

#endif
