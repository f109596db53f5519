/* SPDX-License-Identifier: MIT */
/* eater_cli.c: the command-line options every eater program shares, so that
 * nd-print, nd-hubstatus, nd-hubdetails and eaters built on the SDK read -H,
 * -n, -v, -q and the CURVE options the same way. */
#include "netdumplings/eater.h"

#include "netdumplings/address.h"
#include "netdumplings/cli.h"

int nd_eater_option(int opt, const char *arg, nd_eater_config_t *config, int *level)
{
    switch (opt) {
    case 'H': {
        char err[512];
        if (nd_endpoint_check(arg, "hub endpoint", ND_PORT_HUB_OUT, err, sizeof err) != 0) {
            nd_usage("%s", err);
            return -1;
        }
        config->hub = arg;
        return 1;
    }
    case 'n':
        if (!nd_name_valid(arg)) {
            nd_usage("invalid eater name '%s' (1-64 chars of [A-Za-z0-9_.-])", arg);
            return -1;
        }
        config->eater_name = arg;
        return 1;
    case ND_EATER_OPT_HUB_IN:
        config->hub_in = arg;
        return 1;
    default:
        return nd_cli_verbosity(opt, level) || nd_curve_client_option(opt, arg) ? 1 : 0;
    }
}
