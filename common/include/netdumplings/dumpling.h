/* SPDX-License-Identifier: MIT */
/* dumpling.h: the dumpling on the wire (docs/protocol.md): a msgpack map
 * {"metadata": {"chef", "kitchen", "creation_time", "driver", ...}, "payload": any},
 * sent as two ZeroMQ frames: topic "<chef>/<kitchen>", body. */
#ifndef ND_DUMPLING_H
#define ND_DUMPLING_H

#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "netdumplings/cli.h"
#include "netdumplings/payload.h"

typedef enum { ND_DRIVER_PACKET = 0, ND_DRIVER_INTERVAL = 1 } nd_driver_t;

/* "packet" / "interval". */
const char *nd_driver_name(nd_driver_t driver);

/* The limit the decoder puts on nesting: no map or array may sit inside this
 * many others in the body (the body's own map counts). It is msgpack-c's. */
#define ND_DUMPLING_MAX_DEPTH 32

/* ---- Metadata keys -------------------------------------------------------- */

/* The metadata keys we know, in one table that the writer (nd_dumpling_begin),
 * the decoder, the JSON writers and the tests' reference validator follow,
 * and that docs/protocol.md lists (checked by unit.schema_docs):
 *
 *     X(SUFFIX, MEMBER, TYPE, PRESENCE, DOC)
 *
 * The key is ND_MD_##SUFFIX; MEMBER is the field of nd_dumpling_meta_t and
 * nd_dumpling_t that holds it. TYPE: NAME (a string that is a valid name),
 * DRIVER ("packet" or "interval"), MSTIME (a number, epoch milliseconds:
 * the one key given in seconds to netdumplings 0.5 eaters, a float when
 * written, an integer accepted) or UINT (an unsigned integer, left out when
 * written as 0, its nd_dumpling_t member paired with has_##MEMBER).
 * PRESENCE: REQUIRED or OPTIONAL on input. Rows in the order they are written. */
#define ND_MD_CHEF "chef"
#define ND_MD_KITCHEN "kitchen"
#define ND_MD_CREATION_TIME "creation_time"
#define ND_MD_DRIVER "driver"
#define ND_MD_SEQUENCE "sequence"
#define ND_MD_TOPIC_SEQUENCE "topic_sequence"

/* clang-format off */
#define ND_DUMPLING_META_FIELDS(X) \
    X(CHEF, chef, NAME, REQUIRED, "the chef that made it") \
    X(KITCHEN, kitchen, NAME, REQUIRED, "the kitchen that made it") \
    X(CREATION_TIME, creation_time, MSTIME, REQUIRED, "when it was made, wall clock of the kitchen") \
    X(DRIVER, driver, DRIVER, REQUIRED, "what made the chef make it: a packet or its interval") \
    X(SEQUENCE, sequence, UINT, OPTIONAL, "per kitchen, from 1, +1 for every dumpling it makes") \
    X(TOPIC_SEQUENCE, topic_sequence, UINT, OPTIONAL, "per topic `<chef>/<kitchen>`, from 1, +1 for every dumpling on that topic, for this run of the kitchen")
/* clang-format on */

/* ---- Writing ------------------------------------------------------------ */

typedef struct {
    const char *chef;    /* a valid name */
    const char *kitchen; /* a valid name */
    nd_driver_t driver;
    double creation_time;    /* epoch milliseconds */
    uint64_t sequence;       /* per kitchen, from 1; 0 = leave out */
    uint64_t topic_sequence; /* per topic "<chef>/<kitchen>", from 1; 0 = leave out */
} nd_dumpling_meta_t;

/* Starts a dumpling body in `p` (reset first): writes the outer map and the
 * metadata, and leaves `p` ready for exactly one value: the payload. */
int nd_dumpling_begin(nd_payload_t *p, const nd_dumpling_meta_t *meta);
/* Closes the body. Returns 0, or -1 when the payload was not exactly one
 * balanced value or the builder has an error (`*why` says which). */
int nd_dumpling_finish(nd_payload_t *p, const char **why);

/* Writes the topic "<chef>/<kitchen>" into buf. Returns its length, or -1 if it
 * does not fit. */
int nd_topic(char *buf, size_t len, const char *chef, const char *kitchen);

/* ---- Reading ------------------------------------------------------------ */

typedef struct {
    char chef[ND_NAME_MAX + 1];
    char kitchen[ND_NAME_MAX + 1];
    nd_driver_t driver;
    double creation_time; /* epoch milliseconds */
    bool has_sequence;
    uint64_t sequence;
    bool has_topic_sequence;
    uint64_t topic_sequence;
    msgpack_object metadata; /* the whole metadata map (extra keys included) */
    msgpack_object payload;
    msgpack_unpacked unpacked; /* owns the memory the objects point into */
} nd_dumpling_t;

/* Initialise once, decode many times, release at the end. */
void nd_dumpling_init(nd_dumpling_t *d);
void nd_dumpling_release(nd_dumpling_t *d);

/* Decodes and validates one body: a map with exactly "metadata" and "payload";
 * metadata with string "chef" and "kitchen" (valid names), "driver" "packet" or
 * "interval", numeric "creation_time", optional unsigned "sequence" and
 * "topic_sequence"; a payload
 * that converts to JSON (string or integer map keys, UTF-8 strings, no bin/ext,
 * see ND_DUMPLING_MAX_DEPTH), and no trailing bytes.
 * Strings in the decoded objects point into `body`: keep it until the next decode.
 * Returns 0, or -1 with a short reason in `err`. */
int nd_dumpling_decode(nd_dumpling_t *d, const void *body, size_t len, char *err, size_t errlen);

/* Unpacks exactly one msgpack value that fills all `len` bytes of untrusted
 * input into `u` (msgpack_unpacked_init'ed by the caller, who destroys it).
 * Headers that claim more elements than there are bytes are refused before
 * msgpack-c sees them (it would reserve room for the claimed count). For
 * control messages; dumplings go through nd_dumpling_decode(). Returns 0, or -1
 * with a reason in `err`. */
int nd_msgpack_unpack_one(msgpack_unpacked *u, const void *data, size_t len, char *err,
                          size_t errlen);

/* Validates one body as nd_dumpling_decode does, accepting exactly the same
 * bodies, in one pass over the bytes that builds nothing: fills chef,
 * kitchen, driver, creation_time and sequence, and leaves `metadata`,
 * `payload` and `unpacked` empty. For a hub, which needs no more than that
 * to check and route a dumpling. Returns 0, or -1 with err set. */
int nd_dumpling_scan(nd_dumpling_t *d, const void *body, size_t len, char *err, size_t errlen);

/* Also checks that `topic` is "<chef>/<kitchen>" of the decoded body. */
bool nd_dumpling_topic_matches(const nd_dumpling_t *d, const char *topic, size_t topic_len);

/* ---- JSON --------------------------------------------------------------- */

/* {"metadata": {...every key...}, "payload": ...}. New reference, or NULL.
 * With `seconds`, creation_time is given in seconds (netdumplings 0.5 eaters). */
json_t *nd_dumpling_to_json(const nd_dumpling_t *d, bool seconds);
/* Any msgpack object the decoder accepts, as JSON. New reference, or NULL. */
json_t *nd_msgpack_to_json(const msgpack_object *o);

/* ---- JSON text without jansson (json_text.c) ----------------------------- */

/* A growable text buffer the caller owns: start it zeroed, reuse it (set len
 * to 0 between uses: once warm, writing allocates nothing), release it. The
 * text is NUL-terminated at data[len]. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} nd_strbuf_t;
void nd_strbuf_release(nd_strbuf_t *b);

/* Appends to `out` exactly the text of json_dumps(nd_dumpling_to_json(d, seconds),
 * JSON_COMPACT) (with or without JSON_PRESERVE_ORDER: jansson 2.14 keeps insertion
 * order either way), written straight from the msgpack objects. `d` must come
 * from a successful nd_dumpling_decode (its strings are checked UTF-8).
 * Returns 0, or -1 (out of memory, or no JSON form) with `out` as it was. */
int nd_dumpling_json_text(const nd_dumpling_t *d, bool seconds, nd_strbuf_t *out);
/* The same, and where the value of metadata's "creation_time" went: bytes
 * [*ct_at, *ct_at + *ct_len) of out->data, so that a writer can put the other
 * time unit there (nd_json_creation_time) without converting the dumpling
 * again. *ct_len is 0 when there is no such key. */
int nd_dumpling_json_text_ct(const nd_dumpling_t *d, bool seconds, nd_strbuf_t *out, size_t *ct_at,
                             size_t *ct_len);
/* Appends creation_time `ms` (epoch milliseconds) as that JSON text writes it
 * in seconds (a real, ms / 1000) or in milliseconds (a real). Returns 0 or -1. */
int nd_json_creation_time(double ms, bool seconds, nd_strbuf_t *out);
/* The same for one object the decoder accepted (json_dumps(nd_msgpack_to_json(o),
 * JSON_COMPACT | JSON_ENCODE_ANY)). */
int nd_msgpack_json_text(const msgpack_object *o, nd_strbuf_t *out);

#endif
