/* SPDX-License-Identifier: MIT */
/* builtin.c: the table of chefs compiled into nd-snifty. */
#include <string.h>

#include "builtin.h"

extern const nd_chef_def_t nd_chef_packet_count;
extern const nd_chef_def_t nd_chef_dns_lookup;
extern const nd_chef_def_t nd_chef_arp;
extern const nd_chef_def_t nd_chef_icmp_count;
extern const nd_chef_def_t nd_chef_tls_client_hello;
extern const nd_chef_def_t nd_chef_http_request;
extern const nd_chef_def_t nd_chef_top_talkers;
extern const nd_chef_def_t nd_chef_dhcp;

const nd_chef_def_t *const nd_builtin_chefs[] = {
    &nd_chef_packet_count,
    &nd_chef_dns_lookup,
    &nd_chef_arp,
    &nd_chef_icmp_count,
    &nd_chef_tls_client_hello,
    &nd_chef_http_request,
    &nd_chef_top_talkers,
    &nd_chef_dhcp,
    NULL,
};

const nd_chef_def_t *nd_builtin_chef(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; nd_builtin_chefs[i]; i++)
        if (strcmp(nd_builtin_chefs[i]->name, name) == 0)
            return nd_builtin_chefs[i];
    return NULL;
}
