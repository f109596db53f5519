/* SPDX-License-Identifier: MIT */
/* err.h: filling a caller's error buffer, the way every call that takes
 * (char *err, size_t errlen) reports why it failed: the library's, the
 * programs' and plugins' alike. */
#ifndef ND_ERR_H
#define ND_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* Formats the reason into err (when err and errlen are given). Returns -1,
 * so that a failing path can `return nd_errf(err, errlen, ...)`. */
int nd_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int nd_verrf(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
