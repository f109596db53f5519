/* SPDX-License-Identifier: MIT */
/* fuzz_msgpack_json.c: libFuzzer target for nd_msgpack_to_json() on any value
 * msgpack_unpack() accepts (not only what the dumpling decoder lets through):
 * it must return JSON or NULL, never crash; for a value the decoder accepts
 * as a payload it must return JSON, and nd_msgpack_json_text() the same text.
 * nd_msgpack_unpack_one() gets the same bytes. */
#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "netdumplings/dumpling.h"

/* A dumpling body up to its payload value: {"metadata": {...}, "payload": */
static const char s_head[] = "\x82\xa8metadata\x84\xa4"
                             "chef\xa1"
                             "C\xa7kitchen\xa1K\xa6"
                             "driver\xa6packet\xad"
                             "creation_time\x01\xa7payload";

/* True when the dumpling decoder accepts the value as a payload. */
static bool s_decoder_accepts(const uint8_t *value, size_t len)
{
    size_t head = sizeof s_head - 1;
    uint8_t *body = malloc(head + len);
    ND_FUZZ_CHECK(body, "out of memory");
    memcpy(body, s_head, head);
    memcpy(body + head, value, len);
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    char err[256];
    bool ok = nd_dumpling_decode(&d, body, head + len, err, sizeof err) == 0;
    nd_dumpling_release(&d);
    free(body);
    return ok;
}

/* msgpack-c allocates a container's declared element count before reading
 * them, so a 5-byte input claiming 4 billion elements would be a 64 GB malloc:
 * libFuzzer would report the library, not our code. Skip inputs whose headers
 * declare more elements than there are bytes left (each element takes one),
 * as the dumpling decoder does before msgpack-c ever sees a body. */
static uint64_t s_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static bool s_plausible(const uint8_t *b, size_t len)
{
    uint64_t owed = 1;
    size_t pos = 0;
    while (owed > 0 && pos < len) {
        uint8_t c = b[pos];
        size_t left = len - pos;
        uint64_t size = 1; /* bytes of this token, header included */
        uint64_t kids = 0; /* elements it opens */
        size_t w = 0;      /* width of a length that follows the type byte */
        if (c >= 0x80 && c <= 0x8f) {
            kids = 2u * (c & 0x0f);
        } else if (c >= 0x90 && c <= 0x9f) {
            kids = c & 0x0f;
        } else if (c >= 0xa0 && c <= 0xbf) {
            size = 1u + (c & 0x1f);
        } else if (c == 0xc4 || c == 0xd9 || c == 0xc7) {
            w = 1;
        } else if (c == 0xc5 || c == 0xda || c == 0xc8) {
            w = 2;
        } else if (c == 0xc6 || c == 0xdb || c == 0xc9) {
            w = 4;
        } else if (c == 0xcc || c == 0xd0) {
            size = 2;
        } else if (c == 0xcd || c == 0xd1) {
            size = 3;
        } else if (c == 0xca || c == 0xce || c == 0xd2) {
            size = 5;
        } else if (c == 0xcb || c == 0xcf || c == 0xd3) {
            size = 9;
        } else if (c >= 0xd4 && c <= 0xd8) {
            size = 2u + (1u << (c - 0xd4)); /* fixext: type byte + 1..16 */
        } else if (c >= 0xdc && c <= 0xdf) {
            size = c == 0xdc || c == 0xde ? 3 : 5;
            if (left < size)
                return false;
            kids = s_be(b + pos + 1, (size_t)size - 1) * (c >= 0xde ? 2u : 1u);
        }
        if (w) {
            if (left < 1 + w)
                return false;
            size = 1u + w + s_be(b + pos + 1, w) + (c >= 0xc7 && c <= 0xc9);
        }
        if (size > left)
            return false;
        pos += (size_t)size;
        owed = owed - 1 + kids;
        if (owed > len - pos)
            return false;
    }
    return true;
}

/* The value's canonical msgpack bytes (compared rather than the objects:
 * msgpack_object_equal() finds NaN unequal to itself). */
static void s_pack(const msgpack_object *o, msgpack_sbuffer *sb)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    ND_FUZZ_CHECK(msgpack_pack_object(&pk, *o) == 0, "re-encode failed");
}

/* nd_msgpack_unpack_one(), what the hub unpacks control messages with, takes
 * the same bytes: it must never crash, and what it accepts must be what
 * msgpack_unpack() reads as one value filling the input. */
static void s_unpack_one(const uint8_t *data, size_t size)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    char err[128] = "";
    if (nd_msgpack_unpack_one(&u, data, size, err, sizeof err) < 0) {
        ND_FUZZ_CHECK(err[0], "nd_msgpack_unpack_one refused without a reason");
        msgpack_unpacked_destroy(&u);
        return;
    }
    msgpack_zone *zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
    ND_FUZZ_CHECK(zone, "out of memory");
    size_t off = 0;
    msgpack_object o;
    ND_FUZZ_CHECK(msgpack_unpack((const char *)data, size, &off, zone, &o) ==
                          MSGPACK_UNPACK_SUCCESS &&
                      off == size,
                  "nd_msgpack_unpack_one accepted what is not one msgpack value");
    msgpack_sbuffer a, b;
    s_pack(&u.data, &a);
    s_pack(&o, &b);
    ND_FUZZ_CHECK(a.size == b.size && memcmp(a.data, b.data, a.size) == 0,
                  "nd_msgpack_unpack_one and msgpack_unpack read different values");
    msgpack_sbuffer_destroy(&a);
    msgpack_sbuffer_destroy(&b);
    msgpack_zone_free(zone);
    msgpack_unpacked_destroy(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_unpack_one(data, size);
    if (!s_plausible(data, size))
        return 0;
    msgpack_zone *zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
    ND_FUZZ_CHECK(zone, "out of memory");
    size_t off = 0;
    msgpack_object o;
    msgpack_unpack_return rc = msgpack_unpack((const char *)data, size, &off, zone, &o);
    if (rc == MSGPACK_UNPACK_SUCCESS || rc == MSGPACK_UNPACK_EXTRA_BYTES) {
        json_t *j = nd_msgpack_to_json(&o);
        char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        ND_FUZZ_CHECK(!j || text, "json_dumps failed on what nd_msgpack_to_json made");
        /* dumpling.h: every value the decoder accepts has a JSON form, and
         * json_text.c writes the very same text for it. */
        if (s_decoder_accepts(data, off)) {
            ND_FUZZ_CHECK(j, "a payload the decoder accepts has no JSON form");
            nd_strbuf_t fast = {0};
            ND_FUZZ_CHECK(nd_msgpack_json_text(&o, &fast) == 0,
                          "nd_msgpack_json_text failed where jansson wrote\n%s", text);
            ND_FUZZ_CHECK(fast.len == strlen(text) && memcmp(fast.data, text, fast.len) == 0,
                          "nd_msgpack_json_text and jansson differ:\n%s\n%s", fast.data, text);
            nd_strbuf_release(&fast);
        }
        free(text);
        json_decref(j);
    }
    msgpack_zone_free(zone);
    return 0;
}
