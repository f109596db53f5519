/* SPDX-License-Identifier: MIT */
/* privs.c: dropping root and capabilities once the capture is open (see
 * privs.h and docs/security.md). Raw capset(2) instead of libcap: clearing all
 * capabilities needs no more than that, and it adds no dependency. */
#define _GNU_SOURCE /* setresuid, setresgid */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "netdumplings/err.h"
#include "netdumplings/log.h"

static int s_clear_capabilities(char *err, size_t errlen)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) != 0)
        return nd_errf(err, errlen, "cannot clear capabilities: %s", strerror(errno));
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return nd_errf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
    return 0;
}

int sn_drop_privileges(const char *user, char *err, size_t errlen)
{
    if (geteuid() != 0 && getuid() != 0) {
        if (user) {
            struct passwd *pw = getpwnam(user);
            if (!pw || pw->pw_uid != geteuid())
                return nd_errf(err, errlen, "--user %s: only root can change user", user);
        }
        return s_clear_capabilities(err, errlen);
    }
    if (!user)
        user = "nobody";
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw)
        return nd_errf(err, errlen, "--user %s: no such user", user);
    if (pw->pw_uid == 0)
        return nd_errf(err, errlen, "--user %s: refusing to keep running as root", user);
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    /* Groups first (they need root), then the gid, then the uid. Only the
     * user's primary group: no supplementary group (e.g. a capture group). */
    if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)
        return nd_errf(err, errlen, "cannot drop privileges to %s: %s", user, strerror(errno));
    /* Make sure there is no way back. */
    if (setuid(0) == 0 || seteuid(0) == 0)
        return nd_errf(err, errlen, "dropped to %s but could become root again", user);
    if (s_clear_capabilities(err, errlen) != 0)
        return -1;
    nd_info("running as %s (uid %u, gid %u) with no capabilities", user, (unsigned)uid,
            (unsigned)gid);
    return 0;
}
