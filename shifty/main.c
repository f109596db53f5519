/* SPDX-License-Identifier: MIT */
/* main.c: nd-shifty's command line; the hub itself is in hub.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "hub.h"
#include "netdumplings/address.h"
#include "netdumplings/cli.h"
#include "netdumplings/log.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "Usage: nd-shifty [OPTION]...\n"
            "The netdumplings hub: kitchens (nd-snifty) connect to the in port, eaters\n"
            "(nd-print, nd-gateway, ...) to the out port. Every valid dumpling is forwarded;\n"
            "invalid ones are dropped and counted. Every --status-freq seconds the hub\n"
            "publishes a SystemStatusChef dumpling (kitchen: --name).\n"
            "\n"
            "  -a, --address ADDR      address to bind both ports on: an IPv4 or IPv6\n"
            "                          address ([brackets] optional), a host or interface\n"
            "                          name (each of its addresses), or * (default): every\n"
            "                          address, IPv4 and IPv6\n"
            "      --in-port PORT      port kitchens publish to, ZeroMQ XSUB (default %d)\n"
            "      --out-port PORT     port eaters subscribe to, ZeroMQ XPUB (default %d)\n"
            "  -f, --status-freq SECS  seconds between SystemStatusChef dumplings (default 5)\n"
            "  -N, --name NAME         the hub's kitchen name in its own dumplings\n"
            "                          (default nd-shifty)\n"
            "      --kitchen-timeout SECS  forget a kitchen (or gateway) not heard from for\n"
            "                          SECS (default 3: three missed heartbeats)\n"
            "      --out-hwm N         advanced: dumplings queued per eater before the hub\n"
            "                          drops for that eater (default 100000). Each queued\n"
            "                          dumpling costs the hub ~0.3-0.5 KiB while an eater\n"
            "                          lags: ~40-65 MiB at the default, ~15 MiB at 10000,\n"
            "                          which drops sooner when an eater stalls (eaters see\n"
            "                          the loss as sequence gaps)\n"
            "      --curve-secret FILE the hub's secret certificate (nd-keygen): both ports\n"
            "                          use CURVE encryption and authentication\n"
            "      --curve-allow DIR   with --curve-secret: folder of the public certificates\n"
            "                          of allowed kitchens and eaters, re-read when it changes\n"
            "      --max-message BYTES largest message a kitchen may send; a bigger one\n"
            "                          disconnects it (default 1048576; 0: no limit)\n"
            "      --upstream ENDPOINT federation: forward every valid dumpling and kitchen\n"
            "                          heartbeat to a central hub's in port, e.g.\n"
            "                          tcp://central:%d or tcp://[2001:db8::1]:%d\n"
            "                          (docs/protocol.md, Federation)\n"
            "  -v, --verbose           more log lines (repeat for more)\n"
            "  -q, --quiet             errors only\n"
            "  -h, --help              show this help and exit\n"
            "      --version           show the version and exit\n"
            "\n" ND_CLI_ENV_HELP "\n"
            "SystemStatusChef counts: total_dumplings_in = valid dumplings received from\n"
            "kitchens; total_dumplings_out = dumplings published to the eaters' socket\n"
            "(forwarded ones plus the hub's own earlier status dumplings), each counted once\n"
            "however many eaters receive it (ZeroMQ does the fan-out);\n"
            "invalid_dumplings_in = messages dropped as invalid; total_dumplings_lost =\n"
            "dumplings kitchens made that never reached the hub (sequence gaps). See\n"
            "docs/protocol.md for every key. Exit status: 0 on\n"
            "SIGINT/SIGTERM, 1 on a runtime error (e.g. port in use), 2 on a usage error.\n",
            ND_PORT_HUB_IN, ND_PORT_HUB_OUT, ND_PORT_HUB_IN, ND_PORT_HUB_IN);
}

int main(int argc, char **argv)
{
    enum {
        OPT_IN_PORT = 256,
        OPT_OUT_PORT,
        OPT_KITCHEN_TIMEOUT,
        OPT_OUT_HWM,
        OPT_UPSTREAM,
        OPT_CURVE_SECRET,
        OPT_CURVE_ALLOW,
        OPT_MAX_MESSAGE,
        OPT_VERSION
    };
    static const struct option opts[] = {
        {"address", required_argument, NULL, 'a'},
        {"in-port", required_argument, NULL, OPT_IN_PORT},
        {"out-port", required_argument, NULL, OPT_OUT_PORT},
        {"status-freq", required_argument, NULL, 'f'},
        {"name", required_argument, NULL, 'N'},
        {"kitchen-timeout", required_argument, NULL, OPT_KITCHEN_TIMEOUT},
        {"out-hwm", required_argument, NULL, OPT_OUT_HWM},
        {"upstream", required_argument, NULL, OPT_UPSTREAM},
        {"curve-secret", required_argument, NULL, OPT_CURVE_SECRET},
        {"curve-allow", required_argument, NULL, OPT_CURVE_ALLOW},
        {"max-message", required_argument, NULL, OPT_MAX_MESSAGE},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    sh_config_t config = {
        .address = "*",
        .in_port = ND_PORT_HUB_IN,
        .out_port = ND_PORT_HUB_OUT,
        .name = "nd-shifty",
        .status_freq = 5,
        .kitchen_timeout = 3,
        .max_message = 1L << 20,
    };
    int level = ND_LOG_INFO;
    long port;
    int c;
    nd_cli_start(argc, argv, "nd-shifty");
    /* ND_<OPTION> variables first, so that flags win. */
    if (nd_cli_env(&argc, &argv, opts, NULL) != 0)
        return ND_EXIT_USAGE;
    while ((c = getopt_long(argc, argv, "a:f:N:vqh", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            config.address = optarg;
            break;
        case OPT_IN_PORT:
        case OPT_OUT_PORT:
            if (nd_parse_long(optarg, 1, 65535, &port) != 0)
                return nd_usage("invalid port '%s' (1-65535)", optarg);
            if (c == OPT_IN_PORT)
                config.in_port = (int)port;
            else
                config.out_port = (int)port;
            break;
        case 'f':
            if (nd_parse_double(optarg, 0.01, 86400, &config.status_freq) != 0)
                return nd_usage("invalid --status-freq '%s' (seconds, 0.01-86400)", optarg);
            break;
        case 'N':
            if (!nd_name_valid(optarg))
                return nd_usage("invalid hub name '%s' (1-64 chars of [A-Za-z0-9_.-])", optarg);
            config.name = optarg;
            break;
        case OPT_KITCHEN_TIMEOUT:
            if (nd_parse_double(optarg, 0.1, 86400, &config.kitchen_timeout) != 0)
                return nd_usage("invalid --kitchen-timeout '%s' (seconds, 0.1-86400)", optarg);
            break;
        case OPT_OUT_HWM: {
            long hwm;
            if (nd_parse_long(optarg, 1, 100000000L, &hwm) != 0)
                return nd_usage("invalid --out-hwm '%s' (1-100000000)", optarg);
            config.out_hwm = (int)hwm;
            break;
        }
        case OPT_CURVE_SECRET:
            config.curve_secret = optarg;
            break;
        case OPT_CURVE_ALLOW:
            config.curve_allow = optarg;
            break;
        case OPT_MAX_MESSAGE:
            if (nd_parse_long(optarg, 0, 1L << 30, &config.max_message) != 0)
                return nd_usage("invalid --max-message '%s' (bytes, 0-1073741824)", optarg);
            break;
        case OPT_UPSTREAM:
            config.upstream = *optarg ? optarg : NULL;
            break;
        case 'h':
            s_usage(stdout);
            return ND_EXIT_OK;
        case OPT_VERSION:
            nd_print_version("nd-shifty");
            return ND_EXIT_OK;
        default:
            if (nd_cli_verbosity(c, &level))
                break;
            return nd_cli_try_help(NULL);
        }
    }
    if (nd_cli_no_operands(argc, argv, optind, NULL) != 0)
        return ND_EXIT_USAGE;
    char err[512];
    if (nd_address_check(config.address, err, sizeof err) != 0 ||
        (config.upstream &&
         nd_endpoint_check(config.upstream, "--upstream", ND_PORT_HUB_IN, err, sizeof err) != 0))
        return nd_usage("%s", err);
    if (config.in_port == config.out_port)
        return nd_usage("--in-port and --out-port must differ (both %d)", config.in_port);
    if (!config.curve_secret != !config.curve_allow)
        return nd_usage("--curve-secret and --curve-allow go together (docs/security.md)");
    nd_log_setup("nd-shifty", (nd_log_level_t)level);

    static volatile sig_atomic_t stop = 0;
    nd_signals_install(&stop);
    sh_hub_t *hub = sh_hub_new(&config, err, sizeof err);
    if (!hub) {
        nd_error("%s", err);
        return ND_EXIT_RUNTIME;
    }
    int rc = sh_hub_run(hub, &stop);
    sh_hub_destroy(&hub);
    return rc == 0 ? ND_EXIT_OK : ND_EXIT_RUNTIME;
}
