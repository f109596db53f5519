/* SPDX-License-Identifier: MIT */
/* app.h: application-layer parsers (TLS ClientHello, HTTP request, DHCPv4) that
 * chefs call on a packet's payload (pkt->l7, pkt->l7_len). Unlike the layers in
 * packet.h they are not run for every packet: a chef that wants one calls it.
 *
 * Every parser reads only through buf.h, never allocates, and fills a struct
 * the caller owns. Text fields are NUL-terminated, printable ASCII: any byte
 * outside 0x20..0x7e (and the backslash) is written as "\xHH", so a field can
 * go into a dumpling as it is. A field longer than its buffer is cut at a whole
 * character and its `*_truncated` flag is set.
 *
 * The result structs are the caller's, read directly by plugins: their layout
 * is part of the chef ABI (ND_CHEF_ABI in chef.h; common/abi.c pins it). */
#ifndef ND_APP_H
#define ND_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a parser made of the bytes it was given. */
typedef enum {
    ND_APP_OK = 0,         /* a whole message, `out` filled */
    ND_APP_INCOMPLETE = 1, /* a valid beginning: more bytes are needed */
    ND_APP_NOT_MINE = 2,   /* not this protocol (or not the message asked for) */
    ND_APP_MALFORMED = -1, /* claims to be this protocol but is broken */
} nd_app_rc_t;

/* ---- DNS messages (common/proto/dns.c) ----------------------------------- */

/* One DNS message (RFC 1035 4.1), read question by question, so that a chef
 * sees every question however many there are. Names are in the presentation
 * form of nd_dns_read_name() (packet.h). */
typedef struct {
    const uint8_t *msg; /* the message, not owned */
    size_t len;
    size_t off; /* where the next question starts */
    uint16_t id;
    bool qr;        /* false: query, true: response */
    uint8_t opcode; /* 0 = QUERY */
    uint16_t qdcount;
    unsigned next; /* index of the next question */
} nd_dns_msg_t;

/* Opens the message of `n` bytes at `p` (which must stay valid while `m` is
 * used): ND_APP_OK, or ND_APP_MALFORMED when shorter than the header. */
int nd_dns_msg_open(nd_dns_msg_t *m, const uint8_t *p, size_t n);
/* Reads the next question into `name` (presentation form, ND_DNS_NAME_MAX
 * bytes are always enough) and *qtype, *qclass: ND_APP_OK; ND_APP_NOT_MINE
 * when all qdcount were read; ND_APP_MALFORMED (reason in *why) when the
 * question is broken, after which the message is done. */
int nd_dns_msg_question(nd_dns_msg_t *m, char *name, size_t namelen, uint16_t *qtype,
                        uint16_t *qclass, const char **why);

/* ---- TLS ClientHello (common/proto/tls.c) ------------------------------- */

#define ND_TLS_SNI_MAX 256     /* an escaped host name, NUL included */
#define ND_TLS_MAX_VERSIONS 16 /* supported_versions kept */
#define ND_TLS_MAX_ALPN 8      /* ALPN protocols kept */
#define ND_TLS_ALPN_MAX 64     /* an escaped ALPN protocol, NUL included */
/* The largest record we accept: 2^14 plaintext + 2048 (RFC 8446 5.2). */
#define ND_TLS_MAX_RECORD (5 + 16384 + 2048)

typedef struct {
    uint16_t record_version; /* the record layer's legacy version */
    uint16_t legacy_version; /* ClientHello.legacy_version (client_version) */
    size_t need;             /* bytes of the record (header included): set when
                                the header was read, whatever the result */
    bool has_sni;
    char sni[ND_TLS_SNI_MAX]; /* first host_name entry of server_name (RFC 6066) */
    bool sni_truncated;
    uint8_t nversions; /* supported_versions (RFC 8446 4.2.1), in offered order, GREASE included */
    uint16_t versions[ND_TLS_MAX_VERSIONS];
    bool versions_truncated;
    uint8_t nalpn; /* application_layer_protocol_negotiation (RFC 7301) */
    char alpn[ND_TLS_MAX_ALPN][ND_TLS_ALPN_MAX];
    bool alpn_truncated;
} nd_tls_hello_t;

/* Parses the TLS record that starts at p[0] as a handshake record holding a
 * ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2). The ClientHello must lie in
 * that one record. An SSL 2.0-compatible CLIENT-HELLO (RFC 5246 E.2: a
 * 2-byte header with the high bit set) is read too: record_version 0x0002,
 * legacy_version its version, no extensions. Returns ND_APP_OK, ND_APP_INCOMPLETE (p..n is a good
 * beginning of such a record: call again with more bytes; out->need says how
 * many in all once the 5-byte header is in), ND_APP_NOT_MINE (not a TLS
 * handshake record, or another handshake message) or ND_APP_MALFORMED. */
int nd_tls_client_hello(const uint8_t *p, size_t n, nd_tls_hello_t *out);

/* "TLS 1.2" etc. for 0x0300..0x0304, "GREASE" for RFC 8701 values, else
 * "0xHHHH" written into buf (8 bytes at least). */
const char *nd_tls_version_name(uint16_t v, char *buf, size_t len);
/* True for an RFC 8701 GREASE value (0x0a0a, 0x1a1a, ... 0xfafa). */
bool nd_tls_is_grease(uint16_t v);

/* ---- HTTP/1.x request (common/proto/http.c) ------------------------------ */

#define ND_HTTP_METHOD_MAX 16
#define ND_HTTP_PATH_MAX 1024
#define ND_HTTP_HOST_MAX 256
#define ND_HTTP_UA_MAX 512

typedef struct {
    char method[ND_HTTP_METHOD_MAX]; /* a token (RFC 9110 9.1): GET, PROPFIND, M-SEARCH... */
    char path[ND_HTTP_PATH_MAX];     /* the request target as sent */
    bool path_truncated;
    char version[9]; /* "HTTP/1.0" or "HTTP/1.1" */
    bool has_host;
    char host[ND_HTTP_HOST_MAX];
    bool host_truncated;
    bool has_user_agent;
    char user_agent[ND_HTTP_UA_MAX];
    bool user_agent_truncated;
    bool headers_complete; /* the empty line ending the header was seen */
    size_t head_len;       /* with headers_complete: bytes up to and with that line */
    bool has_content_length;
    uint64_t content_length; /* Content-Length (RFC 9112 6.3), when has_content_length */
    bool body_unknown;       /* chunked, or a bad Content-Length: where the body ends is unknown */
} nd_http_request_t;

/* Parses an HTTP/1.x request line (RFC 9112 3) and the Host and User-Agent
 * headers that follow it in p..n (one TCP segment's payload: headers cut by
 * the segment's end are read as far as they go). A method is any token, but
 * one outside the nine of RFC 9110 / 5789 is taken only with a well-formed
 * request line, so that random bytes are not read as requests. Returns
 * ND_APP_OK when the request line is whole, ND_APP_NOT_MINE when p does not
 * start with a method and a space (or an unknown method with no "HTTP/1.x"
 * line), ND_APP_MALFORMED for a known method with a bad request line,
 * ND_APP_INCOMPLETE when the request line is not yet ended. With
 * headers_complete, the next pipelined request starts after head_len bytes
 * and the body (content_length bytes, unless body_unknown). */
int nd_http_request(const uint8_t *p, size_t n, nd_http_request_t *out);

/* ---- DHCPv4 (common/proto/dhcp.c) ---------------------------------------- */

#define ND_DHCP_HOSTNAME_MAX 256
#define ND_DHCP_CLIENT_ID_MAX 64 /* bytes of option 61 kept */

typedef struct {
    uint8_t op; /* 1 BOOTREQUEST, 2 BOOTREPLY */
    uint8_t htype, hlen;
    uint32_t xid;
    uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
    bool chaddr_is_mac; /* htype 1 and hlen 6: chaddr holds a MAC */
    uint8_t chaddr[16];
    bool is_dhcp;     /* the magic cookie was there (else plain BOOTP) */
    uint8_t msg_type; /* option 53, 0 when absent */
    bool has_hostname;
    char hostname[ND_DHCP_HOSTNAME_MAX]; /* option 12, escaped */
    bool hostname_truncated;
    bool has_requested_ip;
    uint8_t requested_ip[4]; /* option 50 */
    size_t client_id_len;    /* option 61, bytes kept; 0 when absent */
    uint8_t client_id[ND_DHCP_CLIENT_ID_MAX];
    bool client_id_truncated;
} nd_dhcp_t;

/* Parses a BOOTP/DHCPv4 message (RFC 2131, options RFC 2132) from a UDP
 * payload. Options are walked to the end option or the end of the bytes;
 * option overload (52) is not followed. Returns ND_APP_OK, ND_APP_NOT_MINE
 * (bad op, too short for the fixed header) or ND_APP_MALFORMED (an option
 * that runs past the end, a bad option length). */
int nd_dhcp_parse(const uint8_t *p, size_t n, nd_dhcp_t *out);

/* "DISCOVER", "OFFER", ... for option 53 values 1..18, else NULL. */
const char *nd_dhcp_msg_type_name(uint8_t type);

/* ---- Shared ------------------------------------------------------------- */

/* Writes bytes p..n into out (outlen > 0) as printable ASCII, "\xHH" for
 * anything else and for '\\'. Returns true when all of it fit; else out holds
 * as many whole characters as fit. */
bool nd_app_text(const uint8_t *p, size_t n, char *out, size_t outlen);

#endif
