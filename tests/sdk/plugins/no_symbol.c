/* SPDX-License-Identifier: MIT */
/* no_symbol.c: a shared object that is no chef plugin: it exports no
 * nd_chef_module(). */
int nd_test_not_a_chef(void);
int nd_test_not_a_chef(void)
{
    return 42;
}
