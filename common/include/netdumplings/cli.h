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

#define ND_NAME_MAX 64

/* The library's version string, e.g. "0.1.0". */
const char *nd_version(void);

/* Prints "PROG (netdumplings) VERSION" plus library versions on stdout. */
void nd_print_version(const char *prog);

/* True when `name` is 1..64 chars of [A-Za-z0-9_.-] (chef and kitchen names). */
bool nd_name_valid(const char *name);
bool nd_name_validn(const char *name, size_t len);

/* Parses a whole decimal number in [min, max]. Returns 0, or -1 on anything else. */
int nd_parse_long(const char *s, long min, long max, long *out);
int nd_parse_double(const char *s, double min, double max, double *out);

/* Installs SIGINT/SIGTERM handlers that set *flag (and ignores SIGPIPE). czmq's
 * own handler is switched off so that the program sees the signal itself. */
void nd_signals_install(volatile sig_atomic_t *flag);

/* Reads an environment variable as the default of a flag: returns its value,
 * or `fallback` when unset or empty. */
const char *nd_env_or(const char *var, const char *fallback);

#endif
