/* SPDX-License-Identifier: MIT */
/* test_chef_module.c: nd_chef_module_load() on real shared objects: a good
 * plugin (the SDK example, and a built-in chef's own source built as a
 * plugin), and every way a file can fail to be one, each with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "netdumplings/chef_module.h"

static char s_err[1024];

static int s_load(const char *path, const nd_chef_def_t *const **chefs, void **h)
{
    s_err[0] = '\0';
    return nd_chef_module_load(path, chefs, h, s_err, sizeof s_err);
}

static void s_refused(const char *path, const char *why)
{
    const nd_chef_def_t *const *chefs = (void *)1;
    void *h = (void *)1;
    assert_int_equal(s_load(path, &chefs, &h), -1);
    assert_null(chefs);
    assert_null(h);
    if (!strstr(s_err, why) || !strstr(s_err, path))
        fail_msg("%s: message \"%s\" lacks \"%s\"", path, s_err, why);
}

static void test_good(void **state)
{
    const nd_chef_def_t *const *chefs;
    void *h;
    assert_int_equal(s_load(ND_HELLO_CHEF, &chefs, &h), 0);
    assert_non_null(h);
    assert_string_equal(chefs[0]->name, "HelloChef");
    assert_int_equal(chefs[0]->abi, ND_CHEF_ABI);
    assert_non_null(chefs[0]->packet);
    assert_null(chefs[1]);
    nd_chef_module_unload(&h);
    assert_null(h);
    nd_chef_module_unload(&h);
    nd_chef_module_unload(NULL);

    /* The same source as the built-in HTTPRequestChef, built as a plugin. */
    assert_int_equal(s_load(ND_HTTP_PLUGIN, &chefs, &h), 0);
    assert_string_equal(chefs[0]->name, "HTTPRequestChef");
    nd_chef_module_unload(&h);
}

static void test_refused(void **state)
{
    char text[] = "/tmp/nd-test-not-a-plugin-XXXXXX";
    int fd = mkstemp(text);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hello\n", 6), 6);
    close(fd);
    s_refused(text, "not a shared object");
    unlink(text);
    s_refused("/nonexistent/chef.so", "No such file");
    s_refused(ND_NO_SYMBOL, "not a netdumplings chef plugin");
    s_refused(ND_ABI_MISMATCH, "chef ABI mismatch");
    s_refused(ND_DEF_ABI, "was built for chef ABI");
    s_refused(ND_EMPTY, "holds no chefs");
    s_refused(ND_BAD_NAME, "invalid name");
    const nd_chef_def_t *const *chefs;
    void *h;
    assert_int_equal(nd_chef_module_load(NULL, &chefs, &h, s_err, sizeof s_err), -1);
    assert_int_equal(nd_chef_module_load("", &chefs, &h, s_err, sizeof s_err), -1);
}

/* A bare file name is the file in the current folder, never searched for in
 * the library path. */
static void test_bare_name(void **state)
{
    const nd_chef_def_t *const *chefs;
    void *h;
    assert_int_equal(s_load("libc.so.6", &chefs, &h), -1);
    assert_non_null(strstr(s_err, "libc.so.6"));
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", ND_HELLO_CHEF);
    char *slash = strrchr(dir, '/');
    assert_non_null(slash);
    *slash = '\0';
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(s_load(slash + 1, &chefs, &h), 0);
    nd_chef_module_unload(&h);
    assert_int_equal(chdir(cwd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_bare_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
