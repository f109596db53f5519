/* SPDX-License-Identifier: MIT */
/* status.h: the keys of the hub's SystemStatusChef payload, in one place
 * (docs/protocol.md, "SystemStatusChef"). The hub writes its status by walking
 * these tables, readers (the gateway, nd-hubstatus, nd-hubdetails) use the
 * ND_ST_* names, and the test unit.schema_docs checks that the tables in
 * docs/protocol.md say the same.
 *
 * Each name is defined once, below; each table row names it by its suffix:
 *
 *     X(SUFFIX, TYPE, DOC)          ND_STATUS_FIELDS, the payload's own keys
 *     X(SUFFIX, TYPE, IN, DOC)      ND_STATUS_ENTRY_FIELDS, the keys of one
 *                                   dumpling_kitchens/eaters/gateways entry,
 *                                   and ND_STATUS_HUB_FIELDS, of its info_from_hub
 *
 * so that the key is ND_ST_##SUFFIX. TYPE is UINT, FLOAT, STR, BOOL, ARRAY or
 * MAP; IN says in which lists' entries the key appears. The rows are in the
 * order the hub writes the keys. Keys of info_from_kitchen, info_from_eater
 * and info_from_gateway are the heartbeats' (docs/protocol.md, "Control
 * messages"), not listed here. */
#ifndef ND_STATUS_H
#define ND_STATUS_H

#define ND_STATUS_CHEF "SystemStatusChef"

/* The payload's keys. */
#define ND_ST_TOTAL_DUMPLINGS_IN "total_dumplings_in"
#define ND_ST_TOTAL_DUMPLINGS_OUT "total_dumplings_out"
#define ND_ST_SERVER_UPTIME "server_uptime"
#define ND_ST_DUMPLING_KITCHEN_COUNT "dumpling_kitchen_count"
#define ND_ST_DUMPLING_EATER_COUNT "dumpling_eater_count"
#define ND_ST_DUMPLING_KITCHENS "dumpling_kitchens"
#define ND_ST_DUMPLING_EATERS "dumpling_eaters"
#define ND_ST_HUB_BOOT_ID "hub_boot_id"
#define ND_ST_HUB_START_TIME "hub_start_time"
#define ND_ST_INVALID_DUMPLINGS_IN "invalid_dumplings_in"
#define ND_ST_CONTROL_MESSAGES_IN "control_messages_in"
#define ND_ST_SUBSCRIPTIONS "subscriptions"
#define ND_ST_TOTAL_DUMPLINGS_LOST "total_dumplings_lost"
#define ND_ST_TOTAL_PS_DROP "total_ps_drop"
#define ND_ST_TOTAL_PS_IFDROP "total_ps_ifdrop"
#define ND_ST_TOTAL_KITCHEN_SEND_FAILURES "total_kitchen_send_failures"
#define ND_ST_TOTAL_KITCHEN_RESTARTS "total_kitchen_restarts"
#define ND_ST_SUSPICIOUS_HEARTBEATS "suspicious_heartbeats"
#define ND_ST_TOTAL_EATER_LOST "total_eater_lost"
#define ND_ST_TOTAL_EATER_RECEIVED "total_eater_received"
#define ND_ST_EATERS_REPORTING "eaters_reporting"
#define ND_ST_TOTAL_GATEWAY_LAG_DROPS "total_gateway_lag_drops"
#define ND_ST_TOTAL_GATEWAY_LAG_CLOSED "total_gateway_lag_closed"
#define ND_ST_DUMPLING_GATEWAY_COUNT "dumpling_gateway_count"
#define ND_ST_DUMPLING_GATEWAYS "dumpling_gateways"
#define ND_ST_KITCHEN_TIMEOUT "kitchen_timeout"
#define ND_ST_HUB_NAME "hub_name"
#define ND_ST_UPSTREAM "upstream"
#define ND_ST_UPSTREAM_CONNECTED "upstream_connected"
#define ND_ST_UPSTREAM_FORWARDED "upstream_forwarded"
#define ND_ST_UPSTREAM_DROPPED "upstream_dropped"
#define ND_ST_FEDERATION_LOOPS_DROPPED "federation_loops_dropped"
#define ND_ST_FEDERATION_HOP_LIMIT_DROPPED "federation_hop_limit_dropped"
#define ND_ST_CURVE "curve"
#define ND_ST_UNAUTHORIZED_CONNECTIONS "unauthorized_connections"
#define ND_ST_UNAUTHORIZED_KITCHENS "unauthorized_kitchens"
#define ND_ST_UNAUTHORIZED_EATERS "unauthorized_eaters"
#define ND_ST_AUTHORIZED_CONNECTIONS "authorized_connections"
#define ND_ST_CURVE_ALLOWED_KEYS "curve_allowed_keys"
#define ND_ST_MAX_MESSAGE "max_message"
#define ND_ST_KITCHEN_DISCONNECTS "kitchen_disconnects"
#define ND_ST_KITCHEN_HANDSHAKE_FAILURES "kitchen_handshake_failures"
#define ND_ST_EATER_HANDSHAKE_FAILURES "eater_handshake_failures"
#define ND_ST_TOTAL_REASM_GAPS "total_reasm_gaps"
#define ND_ST_TOTAL_REASM_DROPPED_BYTES "total_reasm_dropped_bytes"

/* The keys of a list entry. */
#define ND_ST_INFO_FROM_KITCHEN "info_from_kitchen"
#define ND_ST_INFO_FROM_EATER "info_from_eater"
#define ND_ST_INFO_FROM_GATEWAY "info_from_gateway"
#define ND_ST_INFO_FROM_HUB "info_from_hub"

/* The keys of info_from_hub. */
#define ND_ST_HOST "host"
#define ND_ST_PORT "port"
#define ND_ST_CONNECTED_SINCE "connected_since"
#define ND_ST_GATEWAY "gateway"
#define ND_ST_GATEWAY_HOST "gateway_host"
#define ND_ST_GATEWAY_PORT "gateway_port"
#define ND_ST_HEARTBEAT "heartbeat"
#define ND_ST_HEARTBEATS "heartbeats"
#define ND_ST_FIRST_SEEN "first_seen"
#define ND_ST_LAST_HEARTBEAT "last_heartbeat"
#define ND_ST_LAST_SEEN "last_seen"
#define ND_ST_DUMPLINGS "dumplings"
#define ND_ST_DUMPLINGS_LOST "dumplings_lost"
#define ND_ST_LAST_SEQUENCE "last_sequence"
#define ND_ST_RESTARTS "restarts"
#define ND_ST_VIA "via"
#define ND_ST_THROUGH_HUB "through_hub"

/* clang-format off */
#define ND_STATUS_FIELDS(X)                                                                        \
    X(TOTAL_DUMPLINGS_IN, UINT, "valid dumplings received from kitchens since this hub process started") \
    X(TOTAL_DUMPLINGS_OUT, UINT, "dumplings handed to the out socket, this status not included (see below)") \
    X(SERVER_UPTIME, FLOAT, "seconds since this hub process started") \
    X(DUMPLING_KITCHEN_COUNT, UINT, "the length of dumpling_kitchens") \
    X(DUMPLING_EATER_COUNT, UINT, "the length of dumpling_eaters") \
    X(DUMPLING_KITCHENS, ARRAY, "the kitchens listed now: {info_from_kitchen, info_from_hub} each") \
    X(DUMPLING_EATERS, ARRAY, "the eaters listed now: {info_from_eater, info_from_hub} each") \
    X(HUB_BOOT_ID, STR, "32 hex digits (128 random bits), new for every hub process: an eater that sees it change knows the hub restarted") \
    X(HUB_START_TIME, FLOAT, "epoch seconds when this hub process started") \
    X(INVALID_DUMPLINGS_IN, UINT, "messages dropped: wrong frame count, invalid body, topic mismatch, undecodable heartbeats") \
    X(CONTROL_MESSAGES_IN, UINT, "\"$\" messages received on the in port (heartbeats)") \
    X(SUBSCRIPTIONS, UINT, "subscriptions eaters hold at the hub right now") \
    X(TOTAL_DUMPLINGS_LOST, UINT, "dumplings kitchens made that never reached the hub, from sequence gaps (sum of dumplings_lost, including kitchens since forgotten)") \
    X(TOTAL_PS_DROP, UINT, "sum of ps_drop of the kitchens listed now") \
    X(TOTAL_PS_IFDROP, UINT, "sum of ps_ifdrop of the kitchens listed now") \
    X(TOTAL_KITCHEN_SEND_FAILURES, UINT, "sum of send_failures of the kitchens listed now") \
    X(TOTAL_KITCHEN_RESTARTS, UINT, "kitchens that came back with a new boot_id under a known name") \
    X(SUSPICIOUS_HEARTBEATS, UINT, "kitchen heartbeats whose sequence went back or jumped more than 10^9 ahead in one boot (ignored), or whose topics table had entries that cannot be right (left out)") \
    X(TOTAL_EATER_LOST, UINT, "dumplings eaters never got, as their heartbeats say: the eaters listed now, plus the last word of those that left") \
    X(TOTAL_EATER_RECEIVED, UINT, "the same for what they received") \
    X(EATERS_REPORTING, UINT, "eaters listed now whose heartbeat came") \
    X(TOTAL_GATEWAY_LAG_DROPS, UINT, "sum of dumplings_lag_dropped of the gateways listed now") \
    X(TOTAL_GATEWAY_LAG_CLOSED, UINT, "sum of clients_lag_closed of the gateways listed now") \
    X(DUMPLING_GATEWAY_COUNT, UINT, "the length of dumpling_gateways") \
    X(DUMPLING_GATEWAYS, ARRAY, "the gateways listed now: {info_from_gateway, info_from_hub} each") \
    X(KITCHEN_TIMEOUT, FLOAT, "the hub's --kitchen-timeout, seconds") \
    X(HUB_NAME, STR, "the hub's --name (its kitchen name here)") \
    X(UPSTREAM, STR, "--upstream endpoint, \"\" without (see Federation)") \
    X(UPSTREAM_CONNECTED, BOOL, "the central hub listens") \
    X(UPSTREAM_FORWARDED, UINT, "messages (dumplings and kitchen heartbeats) sent upstream") \
    X(UPSTREAM_DROPPED, UINT, "not sent upstream: central hub away, queue full or hop limit") \
    X(FEDERATION_LOOPS_DROPPED, UINT, "messages that came back through this hub (a loop), dropped") \
    X(FEDERATION_HOP_LIMIT_DROPPED, UINT, "messages that went through too many hubs, dropped") \
    X(CURVE, BOOL, "CURVE on (--curve-secret), see security.md") \
    X(UNAUTHORIZED_CONNECTIONS, UINT, "CURVE handshakes refused (kitchens + eaters + other)") \
    X(UNAUTHORIZED_KITCHENS, UINT, "refused on the in port") \
    X(UNAUTHORIZED_EATERS, UINT, "refused on the out port") \
    X(AUTHORIZED_CONNECTIONS, UINT, "CURVE handshakes allowed") \
    X(CURVE_ALLOWED_KEYS, UINT, "public certificates in --curve-allow now") \
    X(MAX_MESSAGE, UINT, "--max-message (0: no limit)") \
    X(KITCHEN_DISCONNECTS, UINT, "connections closed on the in port (an oversized message is one cause: libzmq gives no reason)") \
    X(KITCHEN_HANDSHAKE_FAILURES, UINT, "ZMTP handshakes that failed on the in port") \
    X(EATER_HANDSHAKE_FAILURES, UINT, "ZMTP handshakes that failed on the out port") \
    X(TOTAL_REASM_GAPS, UINT, "sum of reasm_gaps of the kitchens listed now: TCP stream holes their chefs gave up") \
    X(TOTAL_REASM_DROPPED_BYTES, UINT, "sum of reasm_dropped_bytes of the kitchens listed now")

#define ND_STATUS_ENTRY_FIELDS(X) \
    X(INFO_FROM_KITCHEN, MAP, "kitchens", "its latest heartbeat, every key as under `$kitchen/<kitchen_name>` (only kitchen_name for a kitchen that sent no heartbeat)") \
    X(INFO_FROM_EATER, MAP, "eaters", "eater_name and eater_id (from its registration), and every key of its latest heartbeat (`$eater/<eater_name>/<id>`) once one came") \
    X(INFO_FROM_GATEWAY, MAP, "gateways", "its latest heartbeat but for eaters (shown in dumpling_eaters, not twice)") \
    X(INFO_FROM_HUB, MAP, "kitchens, eaters, gateways", "what the hub knows of it: the next table")

#define ND_STATUS_HUB_FIELDS(X) \
    X(HOST, STR, "kitchens, eaters, gateways", "the TCP peer of its connection, numeric IPv4 or IPv6 (see Addresses), as the hub sees it (NAT shows the outside); for a WebSocket eater, its own connection to the gateway") \
    X(PORT, UINT, "kitchens, eaters, gateways", "the peer's port") \
    X(CONNECTED_SINCE, FLOAT, "eaters", "epoch seconds: registered, or connected to the gateway") \
    X(GATEWAY, STR, "eaters", "the gateway_name of the gateway a WebSocket eater came through, \"\" for a native eater") \
    X(GATEWAY_HOST, STR, "eaters", "WebSocket eaters only: the host of the gateway's connection to the hub") \
    X(GATEWAY_PORT, UINT, "eaters", "WebSocket eaters only: its port") \
    X(HEARTBEAT, BOOL, "kitchens", "true once a heartbeat came") \
    X(HEARTBEATS, UINT, "kitchens, eaters, gateways", "heartbeats received") \
    X(FIRST_SEEN, FLOAT, "kitchens, gateways", "epoch seconds: listed") \
    X(LAST_HEARTBEAT, FLOAT, "kitchens, gateways", "epoch seconds: latest heartbeat") \
    X(LAST_SEEN, FLOAT, "kitchens", "epoch seconds: latest dumpling") \
    X(DUMPLINGS, UINT, "kitchens", "valid dumplings received from it") \
    X(DUMPLINGS_LOST, UINT, "kitchens", "sequence numbers it made that never arrived (see below)") \
    X(LAST_SEQUENCE, UINT, "kitchens", "the highest sequence number accounted for") \
    X(RESTARTS, UINT, "kitchens, gateways", "times it came back with a new boot_id") \
    X(VIA, ARRAY, "kitchens", "federation: the hubs its heartbeats came through, first first: [{\"hub\", \"boot_id\", \"from\"}] (from: the host:port that hub had it from, [v6]:port for IPv6, i.e. the kitchen's own address for the first); [] for a kitchen connected to this hub") \
    X(THROUGH_HUB, STR, "kitchens", "the name of the hub it came through last (host and port are that hub's), \"\" when direct")
/* clang-format on */

#endif
