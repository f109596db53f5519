/* SPDX-License-Identifier: MIT */
/* main.c: nd-keygen, which writes a CURVE certificate pair for the hub or a
 * client: NAME.key (the public key, to hand out) and NAME.key_secret (both
 * keys, mode 0600, stays on its host). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "netdumplings/cli.h"
#include "netdumplings/curve.h"
#include "netdumplings/log.h"

static void s_usage(FILE *out)
{
    fprintf(out, "Usage: nd-keygen [OPTION]... NAME\n"
                 "Writes a new CURVE certificate pair for netdumplings: NAME.key, the public\n"
                 "certificate (give it to the hub's --curve-allow folder, or for the hub\n"
                 "itself, to the clients' --curve-server-key), and NAME.key_secret, which holds\n"
                 "the secret key (mode 0600; give it to the program's own --curve-secret).\n"
                 "NAME may include a folder. Existing files are never overwritten.\n"
                 "\n"
                 "  -d, --dir DIR   write the files in DIR (default: the current folder)\n"
                 "  -h, --help      show this help and exit\n"
                 "      --version   show the version and exit\n"
                 "\n"
                 "Exit status: 0 written, 1 could not write, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    enum { OPT_VERSION = 256 };
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL;
    int c;
    nd_cli_start(argc, argv, "nd-keygen");
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'h':
            s_usage(stdout);
            return ND_EXIT_OK;
        case OPT_VERSION:
            nd_print_version("nd-keygen");
            return ND_EXIT_OK;
        default:
            return nd_cli_try_help(NULL);
        }
    }
    if (argc - optind != 1 || !*argv[optind])
        return nd_usage("expected one NAME");
    const char *name = argv[optind];
    char base[4096];
    if (dir)
        snprintf(base, sizeof base, "%s/%s.key", dir, name);
    else
        snprintf(base, sizeof base, "%s.key", name);
    const char *slash = strrchr(name, '/');
    char err[4200];
    if (nd_curve_keygen(base, slash ? slash + 1 : name, err, sizeof err) != 0) {
        nd_error("%s", err);
        return ND_EXIT_RUNTIME;
    }
    printf("%s\n%s_secret\n", base, base);
    return ND_EXIT_OK;
}
