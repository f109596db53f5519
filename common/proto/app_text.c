/* SPDX-License-Identifier: MIT */
/* app_text.c: untrusted application bytes (host names, paths, user agents) as
 * printable ASCII text, shared by the application-layer parsers in app.h. */
#include <stdio.h>

#include "netdumplings/app.h"

bool nd_app_text(const uint8_t *p, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c >= 0x20 && c <= 0x7e && c != '\\') {
            if (o + 1 >= outlen) {
                out[o] = '\0';
                return false;
            }
            out[o++] = (char)c;
        } else {
            /* Escaped rather than dropped, so that two different names never
             * look the same in a dumpling. */
            if (o + 4 >= outlen) {
                out[o] = '\0';
                return false;
            }
            snprintf(out + o, 5, "\\x%02x", c);
            o += 4;
        }
    }
    out[o] = '\0';
    return true;
}
