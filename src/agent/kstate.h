/* kstate.h - the network state of one namespace as plain data (links, IPv4
 * addresses, routes, rules): read from the kernel over rtnetlink, and in
 * the same shape the agent's plan says what it should be. */
#ifndef BH_AGENT_KSTATE_H
#define BH_AGENT_KSTATE_H

#include <net/if.h>
#include <stdbool.h>

#include "model/resources.h"

#define DP_NETNS_NAME 64

/* A link. The plan fills peer* for a veth pair made from this side (the
 * peer is created in peer_netns and renamed there); owner names the
 * instance whose readiness depends on the item ("" for none). */
struct dp_link {
	char name[IFNAMSIZ];
	bool up;
	char mac[BH_MAC_STR];  /* kernel: its address; plan: "" unless it must be this one */
	char peer[IFNAMSIZ];
	char peer_netns[DP_NETNS_NAME];
	char peer_mac[BH_MAC_STR];
	char owner[BH_MAX_ID];
};

/* An IPv4 address, "10.0.1.1/32", on a link. */
struct dp_addr {
	char ifname[IFNAMSIZ];
	char cidr[BH_CIDR_STR];
	char owner[BH_MAX_ID];
};

/* An IPv4 route. type is RTN_UNICAST, RTN_BLACKHOLE or another RTN_*;
 * dst is always a prefix ("0.0.0.0/0" for default). Routes the kernel
 * makes for addresses (proto kernel) and the local table are not read. */
struct dp_route {
	unsigned table;
	int type;
	char dst[BH_CIDR_STR];
	char via[BH_IPV4_STR];
	char dev[IFNAMSIZ];
	char src[BH_IPV4_STR];
	bool onlink;
	char owner[BH_MAX_ID];
};

/* An IPv4 policy rule: priority, optional input interface and
 * destination, and the table it looks up. The kernel's three default
 * rules are not read; foreign marks a rule with a selector or action the
 * agent never makes (it can only be deleted). */
struct dp_rule {
	unsigned priority;
	char iif[IFNAMSIZ];
	char dst[BH_CIDR_STR];
	unsigned table;
	bool foreign;
	char owner[BH_MAX_ID];
};

BH_DEFINE_LIST(dp_link_list, struct dp_link);
BH_DEFINE_LIST(dp_addr_list, struct dp_addr);
BH_DEFINE_LIST(dp_route_list, struct dp_route);
BH_DEFINE_LIST(dp_rule_list, struct dp_rule);

struct ns_state {
	struct dp_link_list links;
	struct dp_addr_list addrs;
	struct dp_route_list routes;
	struct dp_rule_list rules;
};

void ns_state_release(struct ns_state *s);

const struct dp_link *ns_state_link(const struct ns_state *s, const char *name);

/* Canonical texts, also the arguments of the `ip` command that makes the
 * item: "[blackhole ]DST[ via GW][ dev DEV][ onlink][ src SRC] table N",
 * "priority P[ iif DEV][ to DST] lookup N", "CIDR dev DEV". Two items are
 * the same when their texts are equal. */
#define DP_KEY_MAX 192
void dp_route_key(const struct dp_route *r, char ret[DP_KEY_MAX]);
void dp_rule_key(const struct dp_rule *r, char ret[DP_KEY_MAX]);
void dp_addr_key(const struct dp_addr *a, char ret[DP_KEY_MAX]);

/* Read namespace netns's state (NULL: the caller's own namespace) into
 * ret, which the caller zeroes first. 0, -ENOENT when there is no such
 * namespace, or -errno; on error ret is released. */
int kstate_read(const char *netns, struct ns_state *ret);

#endif
