/* SPDX-License-Identifier: MIT */
/* privs.h: nd-snifty's least privilege: after the capture is open, become an
 * unprivileged user and keep no capabilities (as tcpdump's -Z), before a packet
 * is parsed or a chef plugin is loaded. */
#ifndef SN_PRIVS_H
#define SN_PRIVS_H

#include <stddef.h>

/* Drops to `user`: as root, setgroups/setgid/setuid to it (NULL: "nobody");
 * not as root, `user` must be NULL or the current user. In both cases every
 * capability (e.g. a CAP_NET_RAW given by setcap) is cleared and new ones can
 * never be gained (PR_SET_NO_NEW_PRIVS). Returns 0, or -1 with err set. */
int sn_drop_privileges(const char *user, char *err, size_t errlen);

#endif
