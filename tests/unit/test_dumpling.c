/* SPDX-License-Identifier: MIT */
/* test_dumpling.c: the dumpling body (dumpling.h): the seed's example end to
 * end, bodies encoded by hand from the msgpack spec, every rejection the
 * decoder makes, truncation at every length, and JSON conversion. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netdumplings/dumpling.h"

/* ---- Counting allocations: the decoder must not allocate once warm. */
#include "count_allocs.h"

/* The seed's example (docs: netdumplings-overview.rst), with valid names:
 * "chef name" and "kitchen name" have spaces, which names may not. */
static const char *s_seed_json =
    "{\"metadata\": {\"chef\": \"chef_name\", \"kitchen\": \"kitchen_name\","
    " \"creation_time\": 1459632453037.908, \"driver\": \"packet\"},"
    " \"payload\": {\"lookup\": {\"hostname\": \"srirachamadness.com\"}}}";

static void s_write_seed(nd_payload_t *p, uint64_t sequence)
{
    nd_dumpling_meta_t meta = {.chef = "chef_name",
                               .kitchen = "kitchen_name",
                               .driver = ND_DRIVER_PACKET,
                               .creation_time = 1459632453037.908,
                               .sequence = sequence};
    assert_int_equal(nd_dumpling_begin(p, &meta), 0);
    nd_pl_map(p);
    nd_pl_key(p, "lookup");
    nd_pl_map(p);
    nd_pl_kv_str(p, "hostname", "srirachamadness.com");
    nd_pl_end(p);
    nd_pl_end(p);
    const char *why = "unset";
    assert_int_equal(nd_dumpling_finish(p, &why), 0);
    assert_null(why);
}

static void s_assert_json(json_t *got, const char *want_text)
{
    json_error_t jerr;
    json_t *want = json_loads(want_text, 0, &jerr);
    assert_non_null(want);
    assert_non_null(got);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_PRESERVE_ORDER | JSON_COMPACT);
        fprintf(stderr, "got:  %s\nwant: %s\n", g, want_text);
        free(g);
        fail();
    }
    json_decref(want);
}

static void test_seed_example(void **state)
{
    nd_payload_t *p = nd_payload_new();
    s_write_seed(p, 0);
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    char err[128] = "";
    assert_int_equal(nd_dumpling_decode(&d, nd_pl_data(p), nd_pl_size(p), err, sizeof err), 0);
    assert_string_equal(d.chef, "chef_name");
    assert_string_equal(d.kitchen, "kitchen_name");
    assert_int_equal(d.driver, ND_DRIVER_PACKET);
    assert_true(d.creation_time == 1459632453037.908);
    assert_false(d.has_sequence);
    assert_true(nd_dumpling_topic_matches(&d, "chef_name/kitchen_name", 22));

    json_t *j = nd_dumpling_to_json(&d, false);
    s_assert_json(j, s_seed_json);
    /* Key order and number text, as an eater sees them. */
    char *text = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT);
    assert_string_equal(text, "{\"metadata\":{\"chef\":\"chef_name\",\"kitchen\":\"kitchen_name\","
                              "\"creation_time\":1459632453037.908,\"driver\":\"packet\"},"
                              "\"payload\":{\"lookup\":{\"hostname\":\"srirachamadness.com\"}}}");
    free(text);
    json_decref(j);

    /* netdumplings 0.5 eaters want seconds. */
    j = nd_dumpling_to_json(&d, true);
    s_assert_json(j, "{\"metadata\": {\"chef\": \"chef_name\", \"kitchen\": \"kitchen_name\","
                     " \"creation_time\": 1459632453.037908, \"driver\": \"packet\"},"
                     " \"payload\": {\"lookup\": {\"hostname\": \"srirachamadness.com\"}}}");
    text = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT);
    assert_non_null(strstr(text,
                           "{\"metadata\":{\"chef\":\"chef_name\",\"kitchen\":\"kitchen_name\","
                           "\"creation_time\":1459632453.0379"));
    free(text);
    json_decref(j);
    nd_dumpling_release(&d);
    nd_payload_destroy(&p);
}

static void test_sequence(void **state)
{
    nd_payload_t *p = nd_payload_new();
    s_write_seed(p, 42);
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    assert_int_equal(nd_dumpling_decode(&d, nd_pl_data(p), nd_pl_size(p), NULL, 0), 0);
    assert_true(d.has_sequence);
    assert_int_equal(d.sequence, 42);
    json_t *j = nd_dumpling_to_json(&d, false);
    char *text = json_dumps(json_object_get(j, "metadata"), JSON_PRESERVE_ORDER | JSON_COMPACT);
    assert_string_equal(text, "{\"chef\":\"chef_name\",\"kitchen\":\"kitchen_name\","
                              "\"creation_time\":1459632453037.908,\"driver\":\"packet\","
                              "\"sequence\":42}");
    free(text);
    json_decref(j);
    nd_dumpling_release(&d);
    nd_payload_destroy(&p);
}

/* Every kind of value the builder writes comes back as the JSON written here by
 * hand. */
static void test_round_trip_all_types(void **state)
{
    nd_payload_t *p = nd_payload_new();
    nd_dumpling_meta_t meta = {.chef = "PacketCountChef",
                               .kitchen = "lab.host-1",
                               .driver = ND_DRIVER_INTERVAL,
                               .creation_time = 1764126643123.5,
                               .sequence = UINT64_MAX};
    assert_int_equal(nd_dumpling_begin(p, &meta), 0);
    nd_pl_map(p);
    nd_pl_key(p, "packet_counts");
    nd_pl_map(p);
    nd_pl_kv_uint(p, "Ethernet", 10);
    nd_pl_kv_uint(p, "IP", 0);
    nd_pl_end(p);
    nd_pl_kv_int(p, "neg", -1234567890123);
    nd_pl_kv_double(p, "half", 0.5);
    nd_pl_kv_bool(p, "yes", true);
    nd_pl_kv_bool(p, "no", false);
    nd_pl_kv_null(p, "nothing");
    nd_pl_kv_str(p, "notes", NULL);
    nd_pl_kv_str(p, "text", "d\xc3\xa9j\xc3\xa0 \"vu\"\n\xf0\x9f\xa5\x9f");
    nd_pl_key(p, "list");
    nd_pl_array(p);
    nd_pl_int(p, 1);
    nd_pl_array(p);
    nd_pl_end(p);
    nd_pl_map(p);
    nd_pl_end(p);
    nd_pl_end(p);
    nd_pl_end(p);
    assert_int_equal(nd_dumpling_finish(p, NULL), 0);

    nd_dumpling_t d;
    nd_dumpling_init(&d);
    char err[128] = "";
    assert_int_equal(nd_dumpling_decode(&d, nd_pl_data(p), nd_pl_size(p), err, sizeof err), 0);
    assert_int_equal(d.sequence, UINT64_MAX);
    json_t *j = nd_dumpling_to_json(&d, false);
    s_assert_json(j, "{\"metadata\": {\"chef\": \"PacketCountChef\", \"kitchen\": \"lab.host-1\","
                     " \"creation_time\": 1764126643123.5, \"driver\": \"interval\","
                     " \"sequence\": 18446744073709551615.0},"
                     " \"payload\": {\"packet_counts\": {\"Ethernet\": 10, \"IP\": 0},"
                     " \"neg\": -1234567890123, \"half\": 0.5, \"yes\": true, \"no\": false,"
                     " \"nothing\": null, \"notes\": null,"
                     " \"text\": \"d\\u00e9j\\u00e0 \\\"vu\\\"\\n\\ud83e\\udd5f\","
                     " \"list\": [1, [], {}]}}");
    json_decref(j);
    nd_dumpling_release(&d);
    nd_payload_destroy(&p);
}

/* A body as Python's msgpack.packb() writes it (fixmap, fixstr, float 64),
 * typed in byte by byte from the spec: not produced by any of our code.
 * {"metadata": {"chef": "A", "kitchen": "k-1", "creation_time": 1.5,
 *               "driver": "interval", "x": [1, 2]},
 *  "payload": [1, -1, "\u00e9", null, true, {1: "one", -5: false}, 2.5]} */
static const uint8_t s_python_body[] = {
    0x82,                                                                /* fixmap 2 */
    0xa8, 'm',  'e',  't',  'a',  'd',  'a',  't',  'a',                 /* "metadata" */
    0x85,                                                                /* fixmap 5 */
    0xa4, 'c',  'h',  'e',  'f',  0xa1, 'A',                             /* "chef": "A" */
    0xa7, 'k',  'i',  't',  'c',  'h',  'e',  'n',  0xa3, 'k', '-', '1', /* "kitchen": "k-1" */
    0xad, 'c',  'r',  'e',  'a',  't',  'i',  'o',  'n',  '_', 't', 'i',
    'm',  'e',                                           /* "creation_time" */
    0xcb, 0x3f, 0xf8, 0,    0,    0,    0,    0,    0,   /* 1.5 */
    0xa6, 'd',  'r',  'i',  'v',  'e',  'r',             /* "driver" */
    0xa8, 'i',  'n',  't',  'e',  'r',  'v',  'a',  'l', /* "interval" */
    0xa1, 'x',  0x92, 0x01, 0x02,                        /* "x": [1, 2] */
    0xa7, 'p',  'a',  'y',  'l',  'o',  'a',  'd',       /* "payload" */
    0x97,                                                /* fixarray 7 */
    0x01, 0xff, 0xa2, 0xc3, 0xa9, 0xc0, 0xc3,            /* 1 -1 "é" nil true */
    0x82, 0x01, 0xa3, 'o',  'n',  'e',  0xfb, 0xc2,      /* {1: "one", -5: false} */
    0xcb, 0x40, 0x04, 0,    0,    0,    0,    0,    0,   /* 2.5 */
};

static void test_python_body(void **state)
{
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    char err[128] = "";
    int rc = nd_dumpling_decode(&d, s_python_body, sizeof s_python_body, err, sizeof err);
    if (rc)
        fprintf(stderr, "decode: %s\n", err);
    assert_int_equal(rc, 0);
    assert_string_equal(d.chef, "A");
    assert_string_equal(d.kitchen, "k-1");
    assert_int_equal(d.driver, ND_DRIVER_INTERVAL);
    assert_true(d.creation_time == 1.5);
    assert_true(nd_dumpling_topic_matches(&d, "A/k-1", 5));
    assert_false(nd_dumpling_topic_matches(&d, "A/k-12", 6));
    assert_false(nd_dumpling_topic_matches(&d, "A/k-", 4));
    assert_false(nd_dumpling_topic_matches(&d, "A.k-1", 5));
    assert_false(nd_dumpling_topic_matches(&d, "B/k-1", 5));
    json_t *j = nd_dumpling_to_json(&d, false);
    s_assert_json(j,
                  "{\"metadata\": {\"chef\": \"A\", \"kitchen\": \"k-1\", \"creation_time\": 1.5,"
                  " \"driver\": \"interval\", \"x\": [1, 2]},"
                  " \"payload\": [1, -1, \"\\u00e9\", null, true, {\"1\": \"one\", \"-5\": false},"
                  " 2.5]}");
    json_decref(j);
    nd_dumpling_release(&d);
}

/* ---- Bodies for the rejection cases, written with msgpack-c's own packer. */

typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} s_enc_t;

static void s_enc_init(s_enc_t *e)
{
    msgpack_sbuffer_init(&e->sb);
    msgpack_packer_init(&e->pk, &e->sb, msgpack_sbuffer_write);
}

static void s_str(s_enc_t *e, const char *s)
{
    msgpack_pack_str_with_body(&e->pk, s, strlen(s));
}

/* Which part of a good body to spoil. */
typedef enum {
    S_GOOD,
    S_ROOT_ARRAY,
    S_ROOT_SCALAR,
    S_NO_METADATA,
    S_NO_PAYLOAD,
    S_EXTRA_TOP_KEY,
    S_TWO_METADATA,
    S_METADATA_NOT_MAP,
    S_METADATA_INT_KEY,
    S_CHEF_NOT_STRING,
    S_CHEF_BAD_NAME,
    S_CHEF_EMPTY,
    S_CHEF_TOO_LONG,
    S_KITCHEN_BAD_NAME,
    S_NO_CHEF,
    S_NO_KITCHEN,
    S_NO_DRIVER,
    S_NO_TIME,
    S_DRIVER_OTHER,
    S_DRIVER_INT,
    S_TIME_STRING,
    S_TIME_NAN,
    S_TIME_INF,
    S_SEQUENCE_NEGATIVE,
    S_SEQUENCE_STRING,
    S_CHEF_TWICE,
    S_META_EXTRA_BIN,
    S_PAYLOAD_BIN,
    S_PAYLOAD_EXT,
    S_PAYLOAD_BAD_UTF8,
    S_PAYLOAD_BAD_UTF8_KEY,
    S_PAYLOAD_NIL_KEY,
    S_PAYLOAD_FLOAT_KEY,
    S_PAYLOAD_ARRAY_KEY,
    S_PAYLOAD_DEEP,
    S_TRAILING,
    S__COUNT
} s_spoil_t;

static void s_metadata(s_enc_t *e, s_spoil_t s)
{
    if (s == S_METADATA_NOT_MAP) {
        s_str(e, "chef=x");
        return;
    }
    int n = 5 - (s == S_NO_CHEF) - (s == S_NO_KITCHEN) - (s == S_NO_DRIVER) - (s == S_NO_TIME) +
            (s == S_METADATA_INT_KEY) + (s == S_CHEF_TWICE) + (s == S_META_EXTRA_BIN);
    msgpack_pack_map(&e->pk, (size_t)n);
    if (s != S_NO_CHEF) {
        s_str(e, "chef");
        if (s == S_CHEF_NOT_STRING)
            msgpack_pack_int(&e->pk, 7);
        else if (s == S_CHEF_BAD_NAME)
            s_str(e, "chef name");
        else if (s == S_CHEF_EMPTY)
            s_str(e, "");
        else if (s == S_CHEF_TOO_LONG)
            s_str(e, "C1234567890123456789012345678901234567890123456789012345678901234"); /* 65 */
        else
            s_str(e, "DNSLookupChef");
    }
    if (s != S_NO_KITCHEN) {
        s_str(e, "kitchen");
        s_str(e, s == S_KITCHEN_BAD_NAME ? "kitchen/1" : "default");
    }
    if (s != S_NO_TIME) {
        s_str(e, "creation_time");
        if (s == S_TIME_STRING)
            s_str(e, "1459632453037");
        else if (s == S_TIME_NAN)
            msgpack_pack_double(&e->pk, NAN);
        else if (s == S_TIME_INF)
            msgpack_pack_double(&e->pk, INFINITY);
        else
            msgpack_pack_double(&e->pk, 1459632453037.908);
    }
    if (s != S_NO_DRIVER) {
        s_str(e, "driver");
        if (s == S_DRIVER_INT)
            msgpack_pack_int(&e->pk, 0);
        else
            s_str(e, s == S_DRIVER_OTHER ? "timer" : "packet");
    }
    s_str(e, "sequence");
    if (s == S_SEQUENCE_NEGATIVE)
        msgpack_pack_int(&e->pk, -3);
    else if (s == S_SEQUENCE_STRING)
        s_str(e, "3");
    else
        msgpack_pack_uint64(&e->pk, 3);
    if (s == S_METADATA_INT_KEY) {
        msgpack_pack_int(&e->pk, 1);
        msgpack_pack_int(&e->pk, 1);
    }
    if (s == S_CHEF_TWICE) {
        s_str(e, "chef");
        s_str(e, "OtherChef");
    }
    if (s == S_META_EXTRA_BIN) {
        s_str(e, "extra");
        msgpack_pack_bin_with_body(&e->pk, "ab", 2);
    }
}

static void s_payload(s_enc_t *e, s_spoil_t s)
{
    msgpack_pack_map(&e->pk, 2);
    s_str(e, "hostname");
    s_str(e, "example.com");
    switch (s) {
    case S_PAYLOAD_BIN:
        s_str(e, "raw");
        msgpack_pack_bin_with_body(&e->pk, "\x01\x02", 2);
        break;
    case S_PAYLOAD_EXT:
        s_str(e, "raw");
        msgpack_pack_ext_with_body(&e->pk, "\x01\x02", 2, 5);
        break;
    case S_PAYLOAD_BAD_UTF8:
        s_str(e, "raw");
        s_str(e, "caf\xe9"); /* Latin-1, not UTF-8 */
        break;
    case S_PAYLOAD_BAD_UTF8_KEY:
        s_str(e, "caf\xe9");
        s_str(e, "x");
        break;
    case S_PAYLOAD_NIL_KEY:
        msgpack_pack_nil(&e->pk);
        s_str(e, "x");
        break;
    case S_PAYLOAD_FLOAT_KEY:
        msgpack_pack_double(&e->pk, 1.5);
        s_str(e, "x");
        break;
    case S_PAYLOAD_ARRAY_KEY:
        msgpack_pack_array(&e->pk, 0);
        s_str(e, "x");
        break;
    case S_PAYLOAD_DEEP:
        s_str(e, "deep");
        for (int i = 0; i < 40; i++)
            msgpack_pack_array(&e->pk, 1);
        msgpack_pack_int(&e->pk, 1);
        break;
    default:
        s_str(e, "when");
        msgpack_pack_double(&e->pk, 1459632453.5);
        break;
    }
}

static void s_body(s_enc_t *e, s_spoil_t s)
{
    s_enc_init(e);
    if (s == S_ROOT_ARRAY) {
        msgpack_pack_array(&e->pk, 2);
        s_metadata(e, S_GOOD);
        s_payload(e, S_GOOD);
        return;
    }
    if (s == S_ROOT_SCALAR) {
        s_str(e, "metadata");
        return;
    }
    int n = 2 - (s == S_NO_METADATA) - (s == S_NO_PAYLOAD) + (s == S_EXTRA_TOP_KEY) +
            (s == S_TWO_METADATA);
    msgpack_pack_map(&e->pk, (size_t)n);
    if (s != S_NO_METADATA) {
        s_str(e, "metadata");
        s_metadata(e, s);
    }
    if (s != S_NO_PAYLOAD) {
        s_str(e, "payload");
        s_payload(e, s);
    }
    if (s == S_EXTRA_TOP_KEY) {
        s_str(e, "dessert");
        s_str(e, "mochi");
    }
    if (s == S_TWO_METADATA) {
        s_str(e, "metadata");
        s_metadata(e, S_GOOD);
    }
    if (s == S_TRAILING)
        msgpack_pack_nil(&e->pk);
}

static void test_good_body(void **state)
{
    s_enc_t e;
    s_body(&e, S_GOOD);
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    char err[128] = "";
    assert_int_equal(nd_dumpling_decode(&d, e.sb.data, e.sb.size, err, sizeof err), 0);
    assert_string_equal(d.chef, "DNSLookupChef");
    assert_string_equal(d.kitchen, "default");
    assert_true(d.has_sequence);
    assert_int_equal(d.sequence, 3);
    json_t *j = nd_dumpling_to_json(&d, false);
    s_assert_json(j, "{\"metadata\": {\"chef\": \"DNSLookupChef\", \"kitchen\": \"default\","
                     " \"creation_time\": 1459632453037.908, \"driver\": \"packet\","
                     " \"sequence\": 3},"
                     " \"payload\": {\"hostname\": \"example.com\", \"when\": 1459632453.5}}");
    json_decref(j);
    nd_dumpling_release(&d);
    msgpack_sbuffer_destroy(&e.sb);
}

/* The reason each spoilt body is refused, in part. */
static const char *const s_reasons[S__COUNT] = {
    [S_ROOT_ARRAY] = "not a map",
    [S_ROOT_SCALAR] = "not a map",
    [S_NO_METADATA] = "no metadata",
    [S_NO_PAYLOAD] = "no payload",
    [S_EXTRA_TOP_KEY] = "other than metadata and payload",
    [S_TWO_METADATA] = "twice",
    [S_METADATA_NOT_MAP] = "metadata is not a map",
    [S_METADATA_INT_KEY] = "metadata key is not a string",
    [S_CHEF_NOT_STRING] = "chef is not a string",
    [S_CHEF_BAD_NAME] = "chef is not a valid name",
    [S_CHEF_EMPTY] = "chef is not a valid name",
    [S_CHEF_TOO_LONG] = "chef is not a valid name",
    [S_KITCHEN_BAD_NAME] = "kitchen is not a valid name",
    [S_NO_CHEF] = "no chef",
    [S_NO_KITCHEN] = "no kitchen",
    [S_NO_DRIVER] = "no driver",
    [S_NO_TIME] = "no creation_time",
    [S_DRIVER_OTHER] = "driver",
    [S_DRIVER_INT] = "driver",
    [S_TIME_STRING] = "creation_time is not a number",
    [S_TIME_NAN] = "creation_time is not finite",
    [S_TIME_INF] = "creation_time is not finite",
    [S_SEQUENCE_NEGATIVE] = "sequence is not an unsigned",
    [S_SEQUENCE_STRING] = "sequence is not an unsigned",
    [S_CHEF_TWICE] = "chef twice",
    [S_META_EXTRA_BIN] = "metadata: binary",
    [S_PAYLOAD_BIN] = "payload: binary",
    [S_PAYLOAD_EXT] = "payload: extension",
    [S_PAYLOAD_BAD_UTF8] = "payload: string is not valid UTF-8",
    [S_PAYLOAD_BAD_UTF8_KEY] = "payload: map key is not valid UTF-8",
    [S_PAYLOAD_NIL_KEY] = "payload: map key is neither",
    [S_PAYLOAD_FLOAT_KEY] = "payload: map key is neither",
    [S_PAYLOAD_ARRAY_KEY] = "payload: map key is neither",
    [S_PAYLOAD_DEEP] = "deep",
    [S_TRAILING] = "trailing",
};

static void test_rejections(void **state)
{
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    for (int s = S_GOOD + 1; s < S__COUNT; s++) {
        s_enc_t e;
        s_body(&e, (s_spoil_t)s);
        char err[128] = "";
        int rc = nd_dumpling_decode(&d, e.sb.data, e.sb.size, err, sizeof err);
        if (rc != -1 || !strstr(err, s_reasons[s]))
            fprintf(stderr, "case %d: rc %d, err \"%s\", want \"%s\"\n", s, rc, err, s_reasons[s]);
        assert_int_equal(rc, -1);
        assert_non_null(strstr(err, s_reasons[s]));
        /* A failed decode leaves nothing that looks like a dumpling. */
        assert_null(nd_dumpling_to_json(&d, false));
        msgpack_sbuffer_destroy(&e.sb);
    }
    char err[128] = "";
    assert_int_equal(nd_dumpling_decode(&d, "", 0, err, sizeof err), -1);
    assert_true(err[0] != '\0');
    assert_int_equal(nd_dumpling_decode(&d, "\xc1", 1, err, sizeof err), -1); /* never used */
    assert_int_equal(nd_dumpling_decode(&d, "\x82", 1, NULL, 0), -1);         /* no err buffer */
    /* Headers claiming far more elements than there are bytes: refused before
     * msgpack-c would reserve room for 4 billion of them. */
    uint8_t huge[64];
    memset(huge, 0xc0, sizeof huge);
    memcpy(huge, "\xdd\xff\xff\xff\xff", 5);
    assert_int_equal(nd_dumpling_decode(&d, huge, sizeof huge, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));
    memcpy(huge, "\x81\xa7payload\xdf\x10\x00\x00\x00", 14);
    assert_int_equal(nd_dumpling_decode(&d, huge, sizeof huge, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));
    memcpy(huge, "\xdb\xff\xff\xff\xf0", 5); /* str 32 longer than the body */
    assert_int_equal(nd_dumpling_decode(&d, huge, sizeof huge, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));
    nd_dumpling_release(&d);
}

/* Every proper prefix of a valid body is an error, never a crash. */
static void test_truncated_everywhere(void **state)
{
    nd_payload_t *p = nd_payload_new();
    s_write_seed(p, 7);
    size_t len = nd_pl_size(p);
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    for (size_t n = 0; n < len; n++) {
        /* A copy of exactly n bytes, so that a read past it is caught by ASan. */
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, nd_pl_data(p), n);
        char err[128] = "";
        assert_int_equal(nd_dumpling_decode(&d, cut, n, err, sizeof err), -1);
        assert_true(err[0] != '\0');
        free(cut);
    }
    assert_int_equal(nd_dumpling_decode(&d, nd_pl_data(p), len, NULL, 0), 0);
    nd_dumpling_release(&d);
    nd_payload_destroy(&p);
}

/* Random corruption of a valid body: any outcome but a crash; what is accepted
 * must also convert to JSON. */
static void test_corrupted(void **state)
{
    nd_payload_t *p = nd_payload_new();
    s_write_seed(p, 7);
    size_t len = nd_pl_size(p);
    uint8_t *copy = malloc(len);
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    srand(12345);
    for (int i = 0; i < 20000; i++) {
        memcpy(copy, nd_pl_data(p), len);
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; f++)
            copy[(size_t)rand() % len] = (uint8_t)rand();
        if (nd_dumpling_decode(&d, copy, len, NULL, 0) == 0) {
            json_t *j = nd_dumpling_to_json(&d, false);
            assert_non_null(j);
            json_decref(j);
        }
    }
    free(copy);
    nd_dumpling_release(&d);
    nd_payload_destroy(&p);
}

static void test_json_numbers(void **state)
{
    s_enc_t e;
    s_enc_init(&e);
    msgpack_pack_array(&e.pk, 7);
    msgpack_pack_double(&e.pk, NAN);
    msgpack_pack_double(&e.pk, INFINITY);
    msgpack_pack_double(&e.pk, -INFINITY);
    msgpack_pack_uint64(&e.pk, UINT64_MAX);
    msgpack_pack_int64(&e.pk, INT64_MIN);
    msgpack_pack_uint64(&e.pk, (uint64_t)INT64_MAX);
    msgpack_pack_float(&e.pk, 0.25f);
    msgpack_zone z;
    msgpack_zone_init(&z, 1024);
    msgpack_object o;
    size_t off = 0;
    assert_int_equal(msgpack_unpack(e.sb.data, e.sb.size, &off, &z, &o), MSGPACK_UNPACK_SUCCESS);
    json_t *j = nd_msgpack_to_json(&o);
    assert_non_null(j);
    assert_true(json_is_null(json_array_get(j, 0)));
    assert_true(json_is_null(json_array_get(j, 1)));
    assert_true(json_is_null(json_array_get(j, 2)));
    assert_true(json_is_real(json_array_get(j, 3)));
    assert_true(json_real_value(json_array_get(j, 3)) == 18446744073709551615.0);
    assert_true(json_is_integer(json_array_get(j, 4)));
    assert_true(json_integer_value(json_array_get(j, 4)) == INT64_MIN);
    assert_true(json_integer_value(json_array_get(j, 5)) == INT64_MAX);
    assert_true(json_real_value(json_array_get(j, 6)) == 0.25);
    json_decref(j);
    msgpack_zone_destroy(&z);
    msgpack_sbuffer_destroy(&e.sb);
}

/* What the builder can nest, the decoder takes. */
static void test_builder_depth_decodes(void **state)
{
    nd_payload_t *p = nd_payload_new();
    nd_dumpling_meta_t meta = {.chef = "c", .kitchen = "k", .driver = ND_DRIVER_INTERVAL};
    assert_int_equal(nd_dumpling_begin(p, &meta), 0);
    int n = 0;
    while (nd_pl_array(p) == 0)
        n++;
    assert_int_equal(n, ND_PL_MAX_DEPTH - 1); /* the body's own map is one level */
    nd_dumpling_begin(p, &meta);
    for (int i = 0; i < n; i++)
        nd_pl_array(p);
    for (int i = 0; i < n; i++)
        nd_pl_end(p);
    assert_int_equal(nd_dumpling_finish(p, NULL), 0);
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    char err[128] = "";
    assert_int_equal(nd_dumpling_decode(&d, nd_pl_data(p), nd_pl_size(p), err, sizeof err), 0);
    assert_int_equal(d.driver, ND_DRIVER_INTERVAL);
    nd_dumpling_release(&d);
    nd_payload_destroy(&p);
}

static void test_begin_finish_errors(void **state)
{
    nd_payload_t *p = nd_payload_new();
    nd_dumpling_meta_t meta = {.chef = "chef name", .kitchen = "k"};
    const char *why = NULL;
    assert_int_equal(nd_dumpling_begin(p, &meta), -1);
    nd_pl_int(p, 1);
    assert_int_equal(nd_dumpling_finish(p, &why), -1);
    assert_non_null(why);

    meta.chef = "c";
    meta.kitchen = "";
    assert_int_equal(nd_dumpling_begin(p, &meta), -1);
    meta.kitchen = "k";
    meta.driver = (nd_driver_t)7;
    assert_int_equal(nd_dumpling_begin(p, &meta), -1);
    meta.driver = ND_DRIVER_PACKET;

    /* No payload. */
    assert_int_equal(nd_dumpling_begin(p, &meta), 0);
    why = NULL;
    assert_int_equal(nd_dumpling_finish(p, &why), -1);
    assert_non_null(why);
    /* A container left open. */
    nd_dumpling_begin(p, &meta);
    nd_pl_map(p);
    assert_int_equal(nd_dumpling_finish(p, &why), -1);
    assert_non_null(strstr(why, "open"));
    /* Invalid UTF-8 in the payload. */
    nd_dumpling_begin(p, &meta);
    nd_pl_str(p, "\xc0\xaf");
    assert_int_equal(nd_dumpling_finish(p, &why), -1);
    assert_non_null(strstr(why, "UTF-8"));
    /* Finish without begin. */
    nd_payload_reset(p);
    assert_int_equal(nd_dumpling_finish(p, NULL), -1);
    /* A scalar payload is fine. */
    nd_dumpling_begin(p, &meta);
    nd_pl_null(p);
    assert_int_equal(nd_dumpling_finish(p, &why), 0);
    nd_payload_destroy(&p);
}

static void test_topic(void **state)
{
    char buf[16];
    assert_int_equal(nd_topic(buf, sizeof buf, "ARPChef", "home"), 12);
    assert_string_equal(buf, "ARPChef/home");
    assert_int_equal(nd_topic(buf, sizeof buf, "PacketCountChef", "home"), -1);
    assert_int_equal(nd_topic(buf, 13, "ARPChef", "home"), 12);
    assert_int_equal(nd_topic(buf, 12, "ARPChef", "home"), -1);
    assert_string_equal(nd_driver_name(ND_DRIVER_PACKET), "packet");
    assert_string_equal(nd_driver_name(ND_DRIVER_INTERVAL), "interval");
}

/* Decoding reuses one zone; the second body's fields replace the first's. */
static void test_reuse_and_no_alloc(void **state)
{
#if S_COUNT_ALLOCS
    long at_start = s_allocs;
#endif
    nd_payload_t *a = nd_payload_new();
#if S_COUNT_ALLOCS
    /* Valgrind replaces even the executable's malloc: then the counter sees
     * nothing and the check below cannot be made. */
    bool counting = s_allocs > at_start;
#endif
    s_write_seed(a, 1);
    nd_dumpling_t d;
    nd_dumpling_init(&d);
    assert_int_equal(nd_dumpling_decode(&d, nd_pl_data(a), nd_pl_size(a), NULL, 0), 0);
    assert_int_equal(d.sequence, 1);
    assert_int_equal(nd_dumpling_decode(&d, s_python_body, sizeof s_python_body, NULL, 0), 0);
    assert_false(d.has_sequence);
    assert_string_equal(d.chef, "A");
#if S_COUNT_ALLOCS
    long before = s_allocs;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(nd_dumpling_decode(&d, nd_pl_data(a), nd_pl_size(a), NULL, 0), 0);
        assert_int_equal(nd_dumpling_decode(&d, s_python_body, sizeof s_python_body, NULL, 0), 0);
    }
    if (counting)
        assert_int_equal(s_allocs - before, 0);
    else
        fprintf(stderr, "note: malloc is not ours here (valgrind?): allocations not counted\n");
#endif
    nd_dumpling_release(&d);
    nd_payload_destroy(&a);
}

/* Control messages (heartbeats, federation frames) go through
 * nd_msgpack_unpack_one: a header claiming billions of elements must be refused
 * before msgpack-c reserves memory for them. */
static void test_unpack_one(void **state)
{
    (void)state;
    char err[128];
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    const uint8_t huge_array[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(nd_msgpack_unpack_one(&u, huge_array, sizeof huge_array, err, sizeof err), -1);
    const uint8_t huge_map[] = {0xdf, 0x7f, 0xff, 0xff, 0xff, 0xc0};
    assert_int_equal(nd_msgpack_unpack_one(&u, huge_map, sizeof huge_map, err, sizeof err), -1);
    const uint8_t trailing[] = {0x81, 0xa1, 'a', 0x01, 0x02};
    assert_int_equal(nd_msgpack_unpack_one(&u, trailing, sizeof trailing, err, sizeof err), -1);
    assert_int_equal(nd_msgpack_unpack_one(&u, trailing, 0, err, sizeof err), -1);
    assert_int_equal(nd_msgpack_unpack_one(&u, trailing, 4, err, sizeof err), 0);
    assert_int_equal(u.data.type, MSGPACK_OBJECT_MAP);
    assert_int_equal(u.data.via.map.size, 1);
    assert_int_equal(u.data.via.map.ptr[0].val.via.u64, 1);
    msgpack_unpacked_destroy(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_example),
        cmocka_unit_test(test_sequence),
        cmocka_unit_test(test_round_trip_all_types),
        cmocka_unit_test(test_python_body),
        cmocka_unit_test(test_good_body),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_corrupted),
        cmocka_unit_test(test_json_numbers),
        cmocka_unit_test(test_builder_depth_decodes),
        cmocka_unit_test(test_begin_finish_errors),
        cmocka_unit_test(test_topic),
        cmocka_unit_test(test_reuse_and_no_alloc),
        cmocka_unit_test(test_unpack_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
