/* SPDX-License-Identifier: MIT */
/* served.h: a kitchen for tests that drive built-in chefs: every dumpling it
 * serves must decode, and is kept as "chef driver payload-json". Needs
 * cmocka.h, jansson.h, builtin.h and kitchen.h first. */
#ifndef ND_TEST_SERVED_H
#define ND_TEST_SERVED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every dumpling served, as "chef driver payload-json", one per line. */
typedef struct {
    char *lines[64];
    size_t count;
} s_served_t;

static int s_serve(void *arg, const char *topic, size_t topic_len, const uint8_t *body,
                   size_t body_len)
{
    s_served_t *served = arg;
    nd_dumpling_t d;
    char err[256];
    nd_dumpling_init(&d);
    int rc = nd_dumpling_decode(&d, body, body_len, err, sizeof err);
    if (rc != 0)
        fail_msg("a chef's dumpling does not decode: %s", err);
    assert_true(nd_dumpling_topic_matches(&d, topic, topic_len));
    json_t *payload = nd_msgpack_to_json(&d.payload);
    assert_non_null(payload);
    char *text = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    assert_non_null(text);
    assert_true(served->count < sizeof served->lines / sizeof served->lines[0]);
    size_t len = strlen(d.chef) + strlen(text) + 32;
    char *line = malloc(len);
    assert_non_null(line);
    snprintf(line, len, "%s %s %s", d.chef, nd_driver_name(d.driver), text);
    served->lines[served->count++] = line;
    free(text);
    json_decref(payload);
    nd_dumpling_release(&d);
    return 0;
}

static void s_served_clear(s_served_t *served)
{
    for (size_t i = 0; i < served->count; i++)
        free(served->lines[i]);
    served->count = 0;
}

/* A kitchen with one built-in chef and the given --chef-opt specs (NULL-ended). */
static nd_kitchen_t *s_kitchen(s_served_t *served, const char *chef, const char *const *opts)
{
    char err[256] = "";
    nd_kitchen_t *k = nd_kitchen_new("test", s_serve, served, err, sizeof err);
    if (!k)
        fail_msg("nd_kitchen_new: %s", err);
    for (size_t i = 0; opts && opts[i]; i++)
        if (nd_kitchen_chef_opt(k, opts[i], err, sizeof err) != 0)
            fail_msg("chef opt %s: %s", opts[i], err);
    const nd_chef_def_t *def = nd_builtin_chef(chef);
    assert_non_null(def);
    if (nd_kitchen_add_chef(k, def, err, sizeof err) != 0)
        fail_msg("add %s: %s", chef, err);
    return k;
}

#endif
