/* SPDX-License-Identifier: MIT */
/* err.c: filling a caller's error buffer (err.h). */
#include "netdumplings/err.h"

#include <stdio.h>

int nd_verrf(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    return -1;
}

int nd_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nd_verrf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
