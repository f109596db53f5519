/* fuzz_dumpling.c: libFuzzer target for the dumpling decoder and validator:
 * any bytes as a body; an accepted one must convert to JSON (the same text
 * through jansson and through json_text.c) and survive a msgpack re-encode and
 * decode unchanged. */
#include <jansson.h>
#include <msgpack.h>
#include <string.h>

#include "fuzz.h"
#include "netdumplings/dumpling.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
