/* SPDX-License-Identifier: MIT */
/* cli.h: what every netdumplings program shares on its command line: exit codes,
 * --version, names, numbers, and SIGINT/SIGTERM handling. */
#ifndef ND_CLI_H
#define ND_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define ND_EXIT_OK 0
#define ND_EXIT_RUNTIME 1
#define ND_EXIT_USAGE 2

/* The fixed ports (docs/protocol.md). */
#define ND_PORT_HUB_IN 11347
#define ND_PORT_GATEWAY 11348
#define ND_PORT_HUB_OUT 11349

/* A number as a string literal, e.g. ND_STR(ND_PORT_HUB_IN) is "11347". */
#define ND_STR_(x) #x
#define ND_STR(x) ND_STR_(x)

/* The default endpoints of the hub's two ports, from the ports above: kitchens
 * (and heartbeats) publish to the in port, eaters subscribe to the out port. */
#define ND_HUB_IN_DEFAULT "tcp://localhost:" ND_STR(ND_PORT_HUB_IN)
#define ND_HUB_OUT_DEFAULT "tcp://localhost:" ND_STR(ND_PORT_HUB_OUT)

#define ND_NAME_MAX 64

/* The first call of every program's main(): names the program in log lines
 * (logging at ND_LOG_INFO until its options say otherwise), in usage errors
 * and in getopt_long's own messages (argv[0] becomes `prog`), so that every
 * line before and during option parsing carries the right name. */
void nd_cli_start(int argc, char **argv, const char *prog);
/* The name nd_cli_start() was given ("netdumplings" before). */
const char *nd_cli_prog(void);

/* A usage error, the one format of every program: "PROG: message" and
 * "Try 'PROG --help' for more information." on stderr. nd_usage returns
 * ND_EXIT_USAGE; nd_usage_error exits with it. */
int nd_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void nd_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The library's version string, e.g. "0.1.0". */
const char *nd_version(void);

/* Prints "PROG (netdumplings) VERSION" plus library versions on stdout. */
void nd_print_version(const char *prog);

/* True when `name` is 1..64 chars of [A-Za-z0-9_.-] (chef and kitchen names). */
bool nd_name_valid(const char *name);
bool nd_name_validn(const char *name, size_t len);

/* -v/--verbose (once more detail per -v) and -q/--quiet (errors only), read
 * into *level, an nd_log_level_t. Returns true when `opt` was one of them. */
bool nd_cli_verbosity(int opt, int *level);
/* The end of every usage error: "Try 'PROG --help' for more information." on
 * stderr (PROG NULL: nd_cli_prog()). Returns ND_EXIT_USAGE. */
int nd_cli_try_help(const char *prog);
/* After getopt_long: refuses an argument it left (argv[first] on, first being
 * optind), saying so as a usage error (PROG NULL: nd_cli_prog()).
 * Returns 0, or ND_EXIT_USAGE. */
int nd_cli_no_operands(int argc, char **argv, int first, const char *prog);

/* Parses a whole decimal number in [min, max]. Returns 0, or -1 on anything else. */
int nd_parse_long(const char *s, long min, long max, long *out);
int nd_parse_double(const char *s, double min, double max, double *out);

/* A fresh boot id for this run of a program (its heartbeats carry it, so that
 * a restart is told from a pause): 128 random bits as 32 hex digits. Falls
 * back to the time and pid when getrandom() fails. */
#define ND_BOOT_ID_LEN 32
void nd_boot_id(char out[ND_BOOT_ID_LEN + 1]);

/* Installs SIGINT/SIGTERM handlers that set *flag (and ignores SIGPIPE). czmq's
 * own handler is switched off so that the program sees the signal itself. */
void nd_signals_install(volatile sig_atomic_t *flag);

/* Reads an environment variable as the default of a flag: returns its value,
 * or `fallback` when unset or empty. */
const char *nd_env_or(const char *var, const char *fallback);

/* Configuration from the environment. For every long option in `opts`
 * (except help, version and *-list actions) a set variable
 * ND_<NAME> (upper case, '-' as '_': --kitchen-name is ND_KITCHEN_NAME) becomes
 * "--name=value" placed before the real arguments, so that flags win. Flags
 * without a value take 1/0/true/false/yes/no/on/off (false uses the --no-NAME
 * option when there is one; a number repeats the flag, e.g. ND_VERBOSE=2). The
 * options named in the comma-separated `lists` are repeatable: their variable is
 * a comma-separated list, one argument each. An option given on the command
 * line makes its variable ignored. On success *argc and *argv are replaced
 * (the new vector lives until exit) and 0 is returned; on a bad value an error
 * naming the variable is reported (nd_usage) and -1 returned: exit with ND_EXIT_USAGE. If the
 * program later exits with ND_EXIT_USAGE while parsing such an argument, a line
 * names the variable it came from. Call it once, before getopt_long. */
struct option;
int nd_cli_env(int *argc, char ***argv, const struct option *opts, const char *lists);

/* The line every --help prints about the above. */
#define ND_CLI_ENV_HELP                                                                            \
    "Every option can also be set as ND_<OPTION> (e.g. ND_HUB, ND_KITCHEN_NAME); flags win.\n"

#endif
