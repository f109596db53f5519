/* SPDX-License-Identifier: MIT */
/* test_client_parse.c: the gateway's reading of a client's query-string
 * filters and first message (gateway/client_parse.c): what is taken, what is
 * refused with which close code and reason, and the strict UTF-8 check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../gateway/client_parse.h"
#include "netdumplings/payload.h"

static const char s_bad_name[] = "filters take names of 1-64 characters [A-Za-z0-9_.-]";

/* Parses `text` as a first message into a fresh filter; returns the code. */
static int s_first(gw_filter_t *f, const char *text, const char **reason)
{
    gw_filter_init(f);
    *reason = NULL;
    return gw_parse_first_message(f, text, strlen(text), reason);
}

static void test_defaults(void **state)
{
    gw_filter_t f;
    gw_filter_init(&f);
    assert_string_equal(f.eater_name, "anonymous");
    assert_false(f.named);
    assert_int_equal(f.nchefs + f.nkitchens, 0);
    assert_true(gw_filter_wants(&f, "DNSLookupChef", "k1")); /* no filter: everything */
    gw_filter_release(&f);
}

static void test_first_full(void **state)
{
    gw_filter_t f;
    const char *why;
    assert_int_equal(
        s_first(&f,
                "{\"eater_name\":\"web\",\"chef_filter\":[\"ARPChef\",\"DNSLookupChef\","
                "\"ARPChef\"],\"kitchen_filter\":[\"k1\"]}",
                &why),
        0);
    assert_null(why);
    assert_string_equal(f.eater_name, "web");
    assert_true(f.named);
    assert_int_equal(f.nchefs, 2); /* the repeated name counts once */
    assert_string_equal(f.chefs[0], "ARPChef");
    assert_string_equal(f.chefs[1], "DNSLookupChef");
    assert_int_equal(f.nkitchens, 1);
    assert_true(gw_filter_wants(&f, "ARPChef", "k1"));
    assert_false(gw_filter_wants(&f, "ARPChef", "k2"));
    assert_false(gw_filter_wants(&f, "PacketCountChef", "k1"));
    gw_filter_release(&f);
}

static void test_first_optional_keys(void **state)
{
    gw_filter_t f;
    const char *why;
    assert_int_equal(s_first(&f, "{}", &why), 0);
    assert_string_equal(f.eater_name, "anonymous");
    gw_filter_release(&f);
    /* One name without brackets, null for "no filter", a name that is kept
     * but is not a valid hub name (so not registered). */
    assert_int_equal(s_first(&f,
                             "{\"eater_name\":\"my page\",\"chef_filter\":\"ARPChef\","
                             "\"kitchen_filter\":null}",
                             &why),
                     0);
    assert_string_equal(f.eater_name, "my page");
    assert_false(f.named);
    assert_int_equal(f.nchefs, 1);
    assert_int_equal(f.nkitchens, 0);
    gw_filter_release(&f);
}

static void test_first_refused(void **state)
{
    static const struct {
        const char *text;
        const char *reason;
    } cases[] = {
        {"hello, gateway", "first message must be a JSON object"},
        {"[1,2,3]", "first message must be a JSON object"},
        {"{\"eater_name\":\"a\",\"eater_name\":\"b\"}", "first message must be a JSON object"},
        {"{\"eater_name\":7}", "eater_name must be a string of at most 64 characters"},
        {"{\"eater_name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
         "eater_name must be a string of at most 64 characters"},
        {"{\"chef_filter\":\"<script>\"}", s_bad_name},
        {"{\"chef_filter\":{}}", "chef_filter and kitchen_filter must be arrays of names"},
        {"{\"kitchen_filter\":7}", "chef_filter and kitchen_filter must be arrays of names"},
        {"{\"eater_name\":\"x\",\"chef_filter\":[\"<script>\"]}",
         "filters take at most 16 names of 1-64 characters [A-Za-z0-9_.-]"},
        {"{\"kitchen_filter\":[\"k\",1]}",
         "filters take at most 16 names of 1-64 characters [A-Za-z0-9_.-]"},
        {"{\"chef_filter\":[\"a\\u0000b\"]}", "first message must be a JSON object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gw_filter_t f;
        const char *why;
        assert_int_equal(s_first(&f, cases[i].text, &why), GW_CLOSE_BAD_FIRST);
        assert_non_null(why);
        assert_string_equal(why, cases[i].reason);
        gw_filter_release(&f);
    }
}

static void test_first_too_many(void **state)
{
    char text[1024];
    size_t n = (size_t)snprintf(text, sizeof text, "{\"chef_filter\":[");
    for (int i = 0; i < GW_MAX_FILTER; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s\"c%d\"", i ? "," : "", i);
    snprintf(text + n, sizeof text - n, "]}");
    gw_filter_t f;
    const char *why;
    assert_int_equal(s_first(&f, text, &why), 0); /* 16 is the most */
    assert_int_equal(f.nchefs, GW_MAX_FILTER);
    gw_filter_release(&f);
    snprintf(text + n, sizeof text - n, ",\"c99\"]}");
    assert_int_equal(s_first(&f, text, &why), GW_CLOSE_BAD_FIRST);
    gw_filter_release(&f);
}

static void test_query(void **state)
{
    gw_filter_t f;
    gw_filter_init(&f);
    const char *why = NULL;
    assert_int_equal(gw_parse_query_arg(&f, "chef=ARPChef", &why), 0);
    assert_int_equal(gw_parse_query_arg(&f, "chef=PacketCountChef", &why), 0);
    assert_int_equal(gw_parse_query_arg(&f, "kitchen=k1", &why), 0);
    assert_int_equal(gw_parse_query_arg(&f, "token=whatever", &why), 0); /* guard.c's */
    assert_int_equal(gw_parse_query_arg(&f, "chefs=<x>", &why), 0);      /* not ours */
    assert_null(why);
    assert_int_equal(f.nchefs, 2);
    assert_int_equal(f.nkitchens, 1);
    /* The first message adds to what the query string gave. */
    const char *more = "{\"chef_filter\":[\"ARPChef\",\"DNSLookupChef\"]}";
    assert_int_equal(gw_parse_first_message(&f, more, strlen(more), &why), 0);
    assert_int_equal(f.nchefs, 3);
    assert_int_equal(gw_parse_query_arg(&f, "chef=<script>", &why), GW_CLOSE_BAD_FIRST);
    assert_string_equal(why, s_bad_name);
    why = NULL;
    assert_int_equal(gw_parse_query_arg(&f, "kitchen=", &why), GW_CLOSE_BAD_FIRST);
    assert_string_equal(why, s_bad_name);
    gw_filter_release(&f);
    assert_int_equal(f.nchefs, 0);
}

/* creation_time's unit per client: ?time_unit= and the first message's key;
 * anything but "ms" or "s" is refused with 4000. */
static void test_time_unit(void **state)
{
    static const char bad[] = "time_unit must be \"ms\" or \"s\"";
    gw_filter_t f;
    const char *why = NULL;
    gw_filter_init(&f);
    assert_int_equal(f.time_unit, 0); /* the gateway's --time-unit */
    assert_int_equal(gw_parse_query_arg(&f, "time_unit=s", &why), 0);
    assert_int_equal(f.time_unit, 's');
    assert_int_equal(gw_parse_query_arg(&f, "time_unit=ms", &why), 0);
    assert_int_equal(f.time_unit, 'm');
    const char *refused[] = {"time_unit=", "time_unit=S", "time_unit=seconds", "time_unit=s "};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        why = NULL;
        assert_int_equal(gw_parse_query_arg(&f, refused[i], &why), GW_CLOSE_BAD_FIRST);
        assert_string_equal(why, bad);
    }
    gw_filter_release(&f);

    assert_int_equal(s_first(&f, "{\"time_unit\": \"s\"}", &why), 0);
    assert_int_equal(f.time_unit, 's');
    gw_filter_release(&f);
    assert_int_equal(s_first(&f, "{\"eater_name\": \"old\", \"time_unit\": \"ms\"}", &why), 0);
    assert_int_equal(f.time_unit, 'm');
    gw_filter_release(&f);
    const char *bad_first[] = {"{\"time_unit\": \"minutes\"}", "{\"time_unit\": 1000}",
                               "{\"time_unit\": null}", "{\"time_unit\": \"s \"}"};
    for (size_t i = 0; i < sizeof bad_first / sizeof bad_first[0]; i++) {
        assert_int_equal(s_first(&f, bad_first[i], &why), GW_CLOSE_BAD_FIRST);
        assert_string_equal(why, bad);
        gw_filter_release(&f);
    }
}

/* ?batch=1|0 (the query string only); anything else is refused with 4000. */
static void test_batch(void **state)
{
    (void)state;
    gw_filter_t f;
    const char *why = NULL;
    gw_filter_init(&f);
    assert_false(f.batch);
    assert_int_equal(gw_parse_query_arg(&f, "batch=1", &why), 0);
    assert_true(f.batch);
    assert_int_equal(gw_parse_query_arg(&f, "batch=0", &why), 0);
    assert_false(f.batch);
    const char *refused[] = {"batch=", "batch=2", "batch=yes", "batch=1 ", "batch=01"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        why = NULL;
        assert_int_equal(gw_parse_query_arg(&f, refused[i], &why), GW_CLOSE_BAD_FIRST);
        assert_string_equal(why, "batch must be 0 or 1");
    }
    assert_false(f.batch);
    gw_filter_release(&f);
}

static void test_utf8(void **state)
{
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"plain", true},
        {"caf\xc3\xa9", true},
        {"\xe2\x82\xac \xf0\x9f\x98\x80", true},
        {"\xf4\x8f\xbf\xbf", true},        /* U+10FFFF */
        {"{\xc3\x28\xed\xa0\x80}", false}, /* hostile.js's frame */
        {"\xc3", false},                   /* cut short */
        {"\xc0\xaf", false},               /* overlong '/' */
        {"\xe0\x80\xaf", false},           /* overlong */
        {"\xed\xa0\x80", false},           /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", false},       /* past U+10FFFF */
        {"\xff", false},
        {"\x80", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(nd_utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].ok);
    assert_true(nd_utf8_valid("", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_first_full),
        cmocka_unit_test(test_first_optional_keys),
        cmocka_unit_test(test_first_refused),
        cmocka_unit_test(test_first_too_many),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_time_unit),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
