/* SPDX-License-Identifier: MIT */
/* fuzz_dumpling.c: libFuzzer target for the dumpling decoder and validator:
 * any bytes as a body. The one-pass scan must accept exactly what the
 * reference (msgpack-c's unpacker and a check of its objects,
 * tests/lib/dumpling_ref.c) accepts, with the same metadata; an accepted one
 * must convert to JSON (the same text through jansson and through
 * json_text.c) and survive a msgpack re-encode and decode unchanged. */
#include <jansson.h>
#include <msgpack.h>
#include <string.h>

#include "dumpling_ref.h"
#include "fuzz.h"
#include "netdumplings/dumpling.h"

/* The scan, the decoder and the reference agree on `data`: the same verdict,
 * metadata and JSON text. */
static void s_same_as_reference(const uint8_t *data, size_t size)
{
    nd_dumpling_t r, s, c;
    nd_dumpling_init(&r);
    nd_dumpling_init(&s);
    nd_dumpling_init(&c);
    char er[256] = "", es[256] = "", ec[256] = "";
    int rr = nd_ref_dumpling_decode(&r, data, size, er, sizeof er);
    int rs = nd_dumpling_scan(&s, data, size, es, sizeof es);
    int rc = nd_dumpling_decode(&c, data, size, ec, sizeof ec);
    ND_FUZZ_CHECK(rr == rs && rr == rc, "reference %d (%s), scan %d (%s), decode %d (%s)", rr, er,
                  rs, es, rc, ec);
    if (rr == 0) {
        ND_FUZZ_CHECK(!strcmp(r.chef, s.chef) && !strcmp(r.kitchen, s.kitchen) &&
                          r.driver == s.driver &&
                          !memcmp(&r.creation_time, &s.creation_time, sizeof(double)) &&
                          r.has_sequence == s.has_sequence && r.sequence == s.sequence &&
                          r.has_topic_sequence == s.has_topic_sequence &&
                          r.topic_sequence == s.topic_sequence,
                      "the scan's metadata differs from the reference's");
        nd_strbuf_t jr = {0}, jc = {0};
        ND_FUZZ_CHECK(nd_dumpling_json_text(&r, false, &jr) == 0 &&
                          nd_dumpling_json_text(&c, false, &jc) == 0 && !strcmp(jr.data, jc.data),
                      "decode and reference differ:\n%s\n%s", jr.data, jc.data);
        nd_strbuf_release(&jr);
        nd_strbuf_release(&jc);
    }
    nd_dumpling_release(&r);
    nd_dumpling_release(&s);
    nd_dumpling_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_same_as_reference(data, size);
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    char err[256] = "";
    if (nd_dumpling_decode(&d, data, size, err, sizeof err) < 0) {
        ND_FUZZ_CHECK(err[0], "refused without a reason");
        nd_dumpling_release(&d);
        return 0;
    }
    char *first = nd_fuzz_dumpling_json(&d, false);
    free(nd_fuzz_dumpling_json(&d, true));

    char topic[2 * 64 + 2];
    int n = nd_topic(topic, sizeof topic, d.chef, d.kitchen);
    ND_FUZZ_CHECK(n > 0 && nd_dumpling_topic_matches(&d, topic, (size_t)n), "topic %s", topic);

    /* Re-encoding writes the same values with the smallest headers; the result
     * must decode (into the same, reused decoder) to the same JSON. The texts
     * are compared, not the values: json_equal() looks keys up as C strings,
     * and a key may hold a NUL. */
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ND_FUZZ_CHECK(msgpack_pack_object(&pk, d.unpacked.data) == 0, "re-encode failed");
    ND_FUZZ_CHECK(nd_dumpling_decode(&d, sb.data, sb.size, err, sizeof err) == 0,
                  "the re-encoded dumpling is refused: %s", err);
    char *second = nd_fuzz_dumpling_json(&d, false);
    ND_FUZZ_CHECK(strcmp(first, second) == 0, "the round trip changed the dumpling:\n%s\n%s", first,
                  second);
    free(first);
    free(second);
    msgpack_sbuffer_destroy(&sb);
    nd_dumpling_release(&d);
    return 0;
}
