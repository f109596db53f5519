/* SPDX-License-Identifier: MIT */
/* curve.c: CURVE for the ZeroMQ sockets: czmq certificates (zcert), client and
 * server socket options, and the hub's authenticator, a ZAP handler thread
 * (RFC 27) checking client keys against an allow folder and counting refusals.
 *
 * Why not czmq's zauth: it serves the ZAP endpoint of czmq's own context,
 * while the hub uses a plain libzmq context; it reports no counts; and its
 * certificate store asserts (aborts) on two files holding the same key. */
#include "netdumplings/curve.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <czmq.h>
#include <zmq.h>

#include "netdumplings/address.h"
#include "netdumplings/err.h"
#include "netdumplings/log.h"

#define S_KEY_TXT 41 /* Z85 of 32 bytes plus NUL */

/* ---- clients ----------------------------------------------------------- */

static struct {
    const char *server_key_file, *secret_file; /* from nd_curve_client_option */
    bool configured;                           /* setup ran (options or environment) */
    bool enabled;
    char server_public[S_KEY_TXT];
    char public[S_KEY_TXT];
    char secret[S_KEY_TXT];
} s_client;

/* Loads a certificate; `need_secret` asks for the secret key too. */
static int s_load(const char *file, bool need_secret, char pub[S_KEY_TXT], char sec[S_KEY_TXT],
                  char *err, size_t errlen)
{
    if (access(file, R_OK) != 0)
        return nd_errf(err, errlen, "cannot read certificate '%s': %s", file, strerror(errno));
    zcert_t *cert = zcert_load(file);
    if (!cert)
        return nd_errf(err, errlen, "'%s' is not a certificate (make one with nd-keygen)", file);
    snprintf(pub, S_KEY_TXT, "%s", zcert_public_txt(cert));
    if (sec)
        snprintf(sec, S_KEY_TXT, "%s", zcert_secret_txt(cert));
    zcert_destroy(&cert);
    /* zcert gives forty '0's for a missing secret key. */
    if (need_secret && strspn(sec, "0") == strlen(sec))
        return nd_errf(err, errlen, "'%s' holds no secret key: give the NAME.key_secret file",
                       file);
    return 0;
}

bool nd_curve_client_option(int opt, const char *arg)
{
    if (opt == ND_CURVE_OPT_SERVER_KEY)
        s_client.server_key_file = arg;
    else if (opt == ND_CURVE_OPT_SECRET)
        s_client.secret_file = arg;
    else
        return false;
    return true;
}

int nd_curve_client_setup(const char *server_key_file, const char *secret_file, char *err,
                          size_t errlen)
{
    if (!server_key_file)
        server_key_file = s_client.server_key_file;
    if (!secret_file)
        secret_file = s_client.secret_file;
    if (!server_key_file || !*server_key_file)
        server_key_file = getenv("ND_CURVE_SERVER_KEY");
    if (!secret_file || !*secret_file)
        secret_file = getenv("ND_CURVE_SECRET");
    if (server_key_file && !*server_key_file)
        server_key_file = NULL;
    if (secret_file && !*secret_file)
        secret_file = NULL;
    s_client.configured = true;
    s_client.enabled = false;
    if (!server_key_file && !secret_file)
        return 0;
    if (!server_key_file || !secret_file)
        return nd_errf(err, errlen,
                       "CURVE needs both the hub's public key (--curve-server-key) and this "
                       "program's own certificate (--curve-secret)");
    if (s_load(server_key_file, false, s_client.server_public, NULL, err, errlen) != 0 ||
        s_load(secret_file, true, s_client.public, s_client.secret, err, errlen) != 0)
        return -1;
    s_client.enabled = true;
    return 0;
}

bool nd_curve_client_enabled(void)
{
    return s_client.enabled;
}

int nd_curve_client_apply(void *sock, char *err, size_t errlen)
{
    if (!s_client.configured && nd_curve_client_setup(NULL, NULL, err, errlen) != 0)
        return -1;
    if (!s_client.enabled)
        return 0;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, s_client.server_public, 40) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, s_client.public, 40) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, s_client.secret, 40) != 0)
        return nd_errf(err, errlen, "cannot set CURVE keys: %s", zmq_strerror(errno));
    return 0;
}

/* ---- the hub: server sockets ------------------------------------------ */

int nd_curve_server_apply(void *sock, const char *secret_file, const char *domain, char *err,
                          size_t errlen)
{
    char pub[S_KEY_TXT], sec[S_KEY_TXT];
    if (s_load(secret_file, true, pub, sec, err, errlen) != 0)
        return -1;
    int one = 1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 40) != 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) != 0)
        return nd_errf(err, errlen, "cannot make the socket a CURVE server: %s",
                       zmq_strerror(errno));
    memset(sec, 0, sizeof sec);
    return 0;
}

/* ---- the hub: the authenticator --------------------------------------- */

struct nd_curve_auth {
    void *rep;
    char *dir;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    /* The allow list, owned by the thread. */
    char (*keys)[S_KEY_TXT];
    size_t nkeys;
    uint64_t signature; /* of the folder's contents at the last load */
    bool loaded;
    nd_ratelimit_t refuse_rl[3]; /* per side, so that one side's flood hides no other */
    atomic_uint_fast64_t allowed, refused_in, refused_out, refused_other, allowed_keys, reloads;
};

static uint64_t s_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

/* A fingerprint of the folder: names, sizes and mtimes of its files. Cheap
 * enough to take on every handshake, and it changes on any add, remove or edit. */
static uint64_t s_signature(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 1;
    uint64_t h = 0, sum = 0;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        uint64_t fh = 1469598103934665603ULL;
        for (const char *p = e->d_name; *p; p++)
            fh = (fh ^ (unsigned char)*p) * 1099511628211ULL;
        fh = s_mix(fh, (uint64_t)st.st_size);
        fh = s_mix(fh, (uint64_t)st.st_mtim.tv_sec);
        fh = s_mix(fh, (uint64_t)st.st_mtim.tv_nsec);
        sum += fh; /* order-free: readdir order may change */
        h ^= fh;
    }
    closedir(d);
    return s_mix(h, sum) | 2;
}

static void s_reload(nd_curve_auth_t *self, uint64_t sig)
{
    free(self->keys);
    self->keys = NULL;
    self->nkeys = 0;
    size_t cap = 0;
    DIR *d = opendir(self->dir);
    if (!d) {
        nd_warn("CURVE allow folder %s: %s (every client is refused)", self->dir, strerror(errno));
    } else {
        struct dirent *e;
        char path[4096];
        while ((e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (e->d_name[0] == '.' || (len >= 7 && strcmp(e->d_name + len - 7, "_secret") == 0))
                continue;
            snprintf(path, sizeof path, "%s/%s", self->dir, e->d_name);
            struct stat st;
            if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            /* zcert_load prefers PATH_secret when present: read the public file
             * only, through zconfig, so that a copied secret changes nothing. */
            zconfig_t *root = zconfig_load(path);
            const char *pub = root ? zconfig_get(root, "/curve/public-key", NULL) : NULL;
            if (!pub || strlen(pub) != 40) {
                nd_warn("CURVE allow folder: %s is not a certificate, ignored", path);
                zconfig_destroy(&root);
                continue;
            }
            if (self->nkeys == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                char(*n)[S_KEY_TXT] = realloc(self->keys, ncap * sizeof *n);
                if (!n) {
                    zconfig_destroy(&root);
                    break;
                }
                self->keys = n;
                cap = ncap;
            }
            snprintf(self->keys[self->nkeys++], S_KEY_TXT, "%s", pub);
            zconfig_destroy(&root);
        }
        closedir(d);
    }
    self->signature = sig;
    self->loaded = true;
    atomic_store(&self->allowed_keys, self->nkeys);
    atomic_fetch_add(&self->reloads, 1);
    nd_info("CURVE allow folder %s: %zu certificate(s)", self->dir, self->nkeys);
}

static bool s_allowed(nd_curve_auth_t *self, const char *key)
{
    uint64_t sig = s_signature(self->dir);
    if (!self->loaded || sig != self->signature)
        s_reload(self, sig);
    for (size_t i = 0; i < self->nkeys; i++)
        if (strcmp(self->keys[i], key) == 0)
            return true;
    return false;
}

/* Copies a frame as a C string (truncated to cap - 1). */
static void s_frame_str(zmq_msg_t *m, char *out, size_t cap)
{
    size_t n = zmq_msg_size(m);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, zmq_msg_data(m), n);
    out[n] = '\0';
}

static void s_send_str(void *sock, const char *s, bool more)
{
    zmq_send(sock, s, strlen(s), more ? ZMQ_SNDMORE : 0);
}

/* One ZAP request: version, request id, domain, address, identity,
 * mechanism, credentials... */
static void s_handle(nd_curve_auth_t *self)
{
    enum { MAXF = 8 };
    zmq_msg_t f[MAXF];
    int n = 0;
    bool more = true;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, self->rep, 0) < 0) {
            zmq_msg_close(&m);
            break;
        }
        more = zmq_msg_more(&m);
        if (n < MAXF)
            f[n++] = m;
        else
            zmq_msg_close(&m);
    }
    char version[8] = "", reqid[64] = "", domain[64] = "", address[64] = "", mech[16] = "";
    char key[S_KEY_TXT] = "";
    if (n >= 6) {
        s_frame_str(&f[0], version, sizeof version);
        s_frame_str(&f[2], domain, sizeof domain);
        s_frame_str(&f[3], address, sizeof address);
        nd_host_unmap(address); /* an IPv4 peer of a dual-stack socket, as IPv4 */
        s_frame_str(&f[5], mech, sizeof mech);
    }
    if (n >= 7 && strcmp(mech, "CURVE") == 0 && zmq_msg_size(&f[6]) == 32)
        zmq_z85_encode(key, zmq_msg_data(&f[6]), 32);
    bool ok = key[0] && s_allowed(self, key);
    if (ok) {
        atomic_fetch_add(&self->allowed, 1);
        nd_debug("CURVE client %.8s... from %s allowed on %s", key, address, domain);
    } else {
        if (strcmp(domain, ND_CURVE_DOMAIN_IN) == 0)
            atomic_fetch_add(&self->refused_in, 1);
        else if (strcmp(domain, ND_CURVE_DOMAIN_OUT) == 0)
            atomic_fetch_add(&self->refused_out, 1);
        else
            atomic_fetch_add(&self->refused_other, 1);
        int side = strcmp(domain, ND_CURVE_DOMAIN_IN) == 0    ? 0
                   : strcmp(domain, ND_CURVE_DOMAIN_OUT) == 0 ? 1
                                                              : 2;
        nd_log_limited(&self->refuse_rl[side], 10, ND_LOG_WARN,
                       "refused an unauthorized %s connection from %s (mechanism %s, key %s): "
                       "not in the CURVE allow folder",
                       strcmp(domain, ND_CURVE_DOMAIN_IN) == 0    ? "kitchen"
                       : strcmp(domain, ND_CURVE_DOMAIN_OUT) == 0 ? "eater"
                                                                  : domain,
                       address[0] ? address : "?", mech[0] ? mech : "?", key[0] ? key : "none");
    }
    /* The reply echoes the version and request id frames as they came. */
    if (n >= 2) {
        zmq_send(self->rep, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(self->rep, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
    } else {
        s_send_str(self->rep, "1.0", true);
        s_send_str(self->rep, reqid, true);
    }
    s_send_str(self->rep, ok ? "200" : "400", true);
    s_send_str(self->rep, ok ? "OK" : "not allowed", true);
    s_send_str(self->rep, ok ? key : "", true);
    s_send_str(self->rep, "", false);
    for (int i = 0; i < n; i++)
        zmq_msg_close(&f[i]);
    (void)version;
}

static void *s_thread(void *arg)
{
    nd_curve_auth_t *self = arg;
    while (!atomic_load(&self->stop)) {
        zmq_pollitem_t it = {self->rep, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll(&it, 1, 100);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ETERM)
                break;
            continue;
        }
        if (it.revents & ZMQ_POLLIN)
            s_handle(self);
    }
    return NULL;
}

nd_curve_auth_t *nd_curve_auth_new(void *ctx, const char *allow_dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(allow_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        nd_errf(err, errlen, "--curve-allow '%s' is not a folder", allow_dir);
        return NULL;
    }
    nd_curve_auth_t *self = calloc(1, sizeof *self);
    if (!self || !(self->dir = strdup(allow_dir))) {
        free(self);
        nd_errf(err, errlen, "out of memory");
        return NULL;
    }
    int linger = 0;
    if (!(self->rep = zmq_socket(ctx, ZMQ_REP)) ||
        zmq_setsockopt(self->rep, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(self->rep, "inproc://zeromq.zap.01") != 0) {
        nd_errf(err, errlen, "cannot start the CURVE authenticator: %s", zmq_strerror(errno));
        nd_curve_auth_destroy(&self);
        return NULL;
    }
    s_reload(self, s_signature(self->dir));
    if (pthread_create(&self->thread, NULL, s_thread, self) != 0) {
        nd_errf(err, errlen, "cannot start the CURVE authenticator thread");
        nd_curve_auth_destroy(&self);
        return NULL;
    }
    self->started = true;
    return self;
}

void nd_curve_auth_destroy(nd_curve_auth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    nd_curve_auth_t *self = *self_p;
    if (self->started) {
        atomic_store(&self->stop, true);
        pthread_join(self->thread, NULL);
    }
    if (self->rep)
        zmq_close(self->rep);
    free(self->keys);
    free(self->dir);
    free(self);
    *self_p = NULL;
}

void nd_curve_auth_stats(nd_curve_auth_t *self, nd_curve_auth_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (!self)
        return;
    out->allowed = atomic_load(&self->allowed);
    out->refused_in = atomic_load(&self->refused_in);
    out->refused_out = atomic_load(&self->refused_out);
    out->refused_other = atomic_load(&self->refused_other);
    out->allowed_keys = atomic_load(&self->allowed_keys);
    out->reloads = atomic_load(&self->reloads);
}

/* ---- keys -------------------------------------------------------------- */

int nd_curve_keygen(const char *base, const char *name, char *err, size_t errlen)
{
    char secret[4096];
    snprintf(secret, sizeof secret, "%s_secret", base);
    if (access(base, F_OK) == 0 || access(secret, F_OK) == 0)
        return nd_errf(err, errlen, "'%s' or '%s' already exists: not overwriting", base, secret);
    zcert_t *cert = zcert_new();
    if (!cert)
        return nd_errf(err, errlen, "cannot make a key pair");
    if (name)
        zcert_set_meta(cert, "name", "%s", name);
    /* The secret must never exist readable by others, not even for a moment. */
    mode_t old = umask(077);
    int rc = zcert_save(cert, base);
    umask(old);
    zcert_destroy(&cert);
    if (rc != 0 || chmod(secret, 0600) != 0 || chmod(base, 0644) != 0)
        return nd_errf(err, errlen, "cannot write '%s': %s", base, strerror(errno));
    return 0;
}
