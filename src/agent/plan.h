/* plan.h - what the kernel should hold, from a snapshot: every bulkhead
 * namespace with its links, addresses, routes, rules and sysctls, as
 * docs/dataplane.md lays them out. Pure: no I/O, tested with unit tests. */
#ifndef BH_AGENT_PLAN_H
#define BH_AGENT_PLAN_H

#include <stdbool.h>

#include "agent/kstate.h"
#include "model/snapshot.h"
#include "policy/nft_plan.h"

#define DP_UPLINK_ROUTER_ADDR "169.254.0.1"  /* bhg…, the VPC side of an uplink */
#define DP_UPLINK_INTERNET_ADDR "169.254.0.2" /* bhx…, its peer in bh-internet */
#define DP_IIF_RULE_PRIORITY 1000             /* iif bhe… lookup <route table> */
#define DP_LOCAL_RULE_PRIORITY 100            /* to <vpc cidr> lookup main */

enum ns_kind { NS_INTERNET, NS_VPC, NS_INSTANCE };

/* A sysctl under /proc/sys, e.g. "net/ipv4/conf/bhe…/proxy_arp". */
struct dp_sysctl {
	char path[128];
	char value[16];
	char owner[BH_MAX_ID];
};
BH_DEFINE_LIST(dp_sysctl_list, struct dp_sysctl);

struct ns_want {
	char name[DP_NETNS_NAME];
	enum ns_kind kind;
	char vpc_id[BH_MAX_ID];        /* NS_VPC: the VPC or BH_PUBLIC_NET_ID */
	char instance_id[BH_MAX_ID];   /* NS_INSTANCE */
	struct ns_state state;         /* links, addresses, routes, rules */
	struct dp_sysctl_list sysctls; /* of the namespace, set when it is made */
	struct dp_sysctl_list if_sysctls; /* of its links, set once they exist */
	bool prune;                    /* remove what it holds beyond state (not inside instances) */
};
BH_DEFINE_LIST(ns_want_list, struct ns_want);

/* An instance as the agent reports it. */
struct dp_instance {
	char id[BH_MAX_ID];
	char state[16];
	char netns[DP_NETNS_NAME];
	char vpc_netns[DP_NETNS_NAME];
	char router_if[IFNAMSIZ];
	bool planned;  /* its namespace and vNIC are in the plan */
};
BH_DEFINE_LIST(dp_instance_list, struct dp_instance);

struct dp_plan {
	struct ns_want_list ns;          /* bh-internet first, then VPCs, then instances */
	struct dp_instance_list instances;
	struct strlist notes;            /* key=value texts on what could not be planned */
};

void dp_plan_release(struct dp_plan *p);

/* Which instance states keep a namespace and vNIC, and which pass traffic. */
bool dp_state_in_kernel(const char *state);
bool dp_state_active(const char *state);

/* Build the plan for s into ret (zeroed by the caller). 0 or -ENOMEM. */
int dp_plan_build(const struct snapshot *s, struct dp_plan *ret);

struct ns_want *dp_plan_ns(const struct dp_plan *p, const char *name);

#endif
