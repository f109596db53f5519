/* SPDX-License-Identifier: MIT */
/* test_cli_env.c: configuration from the environment (nd_cli_env in cli.h):
 * which ND_* variables become which arguments, where they go, that flags win,
 * and which values are refused. */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netdumplings/cli.h"
#include "netdumplings/log.h"

static const struct option s_opts[] = {
    {"kitchen-name", required_argument, NULL, 'n'},
    {"hub", required_argument, NULL, 'H'},
    {"chef", required_argument, NULL, 'c'},
    {"chef-list", no_argument, NULL, 'l'},
    {"color", no_argument, NULL, 1},
    {"no-color", no_argument, NULL, 2},
    {"stdout", no_argument, NULL, 3},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 4},
    {"version", no_argument, NULL, 5},
    {NULL, 0, NULL, 0},
};

static const char *const s_vars[] = {"ND_KITCHEN_NAME", "ND_HUB",      "ND_CHEF",   "ND_CHEF_LIST",
                                     "ND_COLOR",        "ND_NO_COLOR", "ND_STDOUT", "ND_VERBOSE",
                                     "ND_HELP",         "ND_VERSION"};

static int s_clear(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_vars / sizeof *s_vars; i++)
        unsetenv(s_vars[i]);
    return 0;
}

/* Runs nd_cli_env on the NULL-terminated arguments; returns its result and
 * the new vector joined by spaces in out. */
static int s_run(char *out, size_t size, const char *lists, ...)
{
    static char *argv[32];
    int argc = 0;
    argv[argc++] = "prog";
    va_list ap;
    va_start(ap, lists);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    char **v = argv;
    int rc = nd_cli_env(&argc, &v, s_opts, lists);
    out[0] = '\0';
    for (int i = 1; i < argc; i++) {
        strncat(out, v[i], size - strlen(out) - 2);
        if (i + 1 < argc)
            strcat(out, " ");
    }
    assert_null(v[argc]);
    return rc;
}

static void test_nothing_set(void **state)
{
    (void)state;
    char out[512];
    assert_int_equal(s_run(out, sizeof out, NULL, "-n", "x", NULL), 0);
    assert_string_equal(out, "-n x");
}

static void test_values_go_first(void **state)
{
    (void)state;
    setenv("ND_KITCHEN_NAME", "envk", 1);
    setenv("ND_HUB", "tcp://hub:11347", 1);
    char out[512];
    assert_int_equal(s_run(out, sizeof out, NULL, "-v", NULL), 0);
    assert_string_equal(out, "--kitchen-name=envk --hub=tcp://hub:11347 -v");
}

static void test_flags_win(void **state)
{
    (void)state;
    setenv("ND_KITCHEN_NAME", "envk", 1);
    setenv("ND_HUB", "tcp://env:1", 1);
    setenv("ND_CHEF", "A,B", 1);
    char out[512];
    /* Long, abbreviated, short and clustered forms all count as given. */
    assert_int_equal(s_run(out, sizeof out, "chef", "--kitchen=f", "-vH", "tcp://f:2", "-cC", NULL),
                     0);
    assert_string_equal(out, "--kitchen=f -vH tcp://f:2 -cC");
    /* A value that looks like the option is not the option. */
    assert_int_equal(s_run(out, sizeof out, "chef", "-n", "--hub", NULL), 0);
    assert_string_equal(out, "--hub=tcp://env:1 --chef=A --chef=B -n --hub");
    /* After "--" nothing is an option. */
    assert_int_equal(s_run(out, sizeof out, NULL, "--", "--chef=X", NULL), 0);
    assert_string_equal(out, "--kitchen-name=envk --hub=tcp://env:1 --chef=A,B -- --chef=X");
}

static void test_lists(void **state)
{
    (void)state;
    setenv("ND_CHEF", "DNSLookupChef,ARPChef", 1);
    char out[512];
    assert_int_equal(s_run(out, sizeof out, "chef,kitchen", NULL), 0);
    assert_string_equal(out, "--chef=DNSLookupChef --chef=ARPChef");
    setenv("ND_CHEF", "A,,B", 1);
    assert_int_equal(s_run(out, sizeof out, "chef", NULL), -1);
    setenv("ND_CHEF", "A,", 1);
    assert_int_equal(s_run(out, sizeof out, "chef", NULL), -1);
}

static void test_booleans(void **state)
{
    (void)state;
    char out[512];
    setenv("ND_STDOUT", "yes", 1);
    setenv("ND_VERBOSE", "2", 1);
    setenv("ND_COLOR", "false", 1);
    assert_int_equal(s_run(out, sizeof out, NULL, NULL), 0);
    assert_string_equal(out, "--no-color --stdout --verbose --verbose");
    setenv("ND_STDOUT", "0", 1);
    setenv("ND_VERBOSE", "off", 1);
    setenv("ND_COLOR", "TRUE", 1);
    assert_int_equal(s_run(out, sizeof out, NULL, "--no-color", NULL), 0);
    /* --color from the environment, the later flag wins. */
    assert_string_equal(out, "--color --no-color");
    setenv("ND_STDOUT", "maybe", 1);
    assert_int_equal(s_run(out, sizeof out, NULL, NULL), -1);
}

static void test_actions_skipped(void **state)
{
    (void)state;
    setenv("ND_HELP", "1", 1);
    setenv("ND_VERSION", "1", 1);
    setenv("ND_CHEF_LIST", "1", 1);
    setenv("ND_HUB", "", 1); /* empty: unset */
    char out[512];
    assert_int_equal(s_run(out, sizeof out, NULL, NULL), 0);
    assert_string_equal(out, "");
}

int main(void)
{
    nd_log_setup("test_cli_env", ND_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_nothing_set, s_clear),
        cmocka_unit_test_setup(test_values_go_first, s_clear),
        cmocka_unit_test_setup(test_flags_win, s_clear),
        cmocka_unit_test_setup(test_lists, s_clear),
        cmocka_unit_test_setup(test_booleans, s_clear),
        cmocka_unit_test_setup(test_actions_skipped, s_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
