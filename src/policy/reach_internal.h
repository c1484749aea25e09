/* reach_internal.h - the reference evaluator's index and the pieces its
 * files share: the address-keyed maps, vNICs, groups, rules, route tables. */
#ifndef BH_REACH_INTERNAL_H
#define BH_REACH_INTERNAL_H

#include <stdarg.h>

#include "policy/reach.h"

/* --- a multimap from 64-bit keys to item indexes (reach_map.c) --- */

struct rx_slot {
	uint64_t key;
	uint32_t val;
	bool used;
};

struct rx_map {
	struct rx_slot *slots;
	size_t cap;  /* a power of two, at least twice the number of entries */
};

#define RX_MAP_START ((size_t)-1)
#define RX_UPLINK_ROUTER_ADDR 0xa9fe0001u  /* 169.254.0.1, the VPC side of an uplink (docs/dataplane.md) */

/* Room for n entries; 0 or -ENOMEM. */
int rx_map_init(struct rx_map *m, size_t n);
void rx_map_release(struct rx_map *m);
/* Add key -> val (keys may repeat; the map never fills past its sizing). */
void rx_map_put(struct rx_map *m, uint64_t key, uint32_t val);
/* Walk the values under key in insertion order: start with *pos =
 * RX_MAP_START; false when there are no more. */
bool rx_map_next(const struct rx_map *m, uint64_t key, size_t *pos, uint32_t *ret_val);
uint64_t rx_hash_str(const char *s);
static inline uint64_t rx_addr_key(size_t vpc, uint32_t addr)
{
	return (uint64_t)vpc << 32 | addr;
}

/* --- the index --- */

struct rx_vpc {
	const char *id;               /* BH_PUBLIC_NET_ID for the shared public network */
	const char *cidr;
	bool cidr_ok;                 /* a valid IPv4 prefix: the priority-100 rule exists */
	uint32_t net, mask;
	bool public_net;
	const struct internet_gateway *igw;  /* the attached one, or NULL */
	bool uplink;                  /* the public network, or an attached gateway */
};

enum rx_peer { RX_PEER_CIDR, RX_PEER_GROUP };

/* A rule that can match IPv4 traffic; malformed ones are left out. */
struct rx_rule {
	const struct sg_rule *rule;
	enum rx_peer peer;
	uint32_t net, mask;           /* RX_PEER_CIDR */
	unsigned prefix;
	long peer_group;              /* RX_PEER_GROUP: group index, -1 when it names none */
};

struct rx_group {
	const struct security_group *sg;
	size_t vpc;                   /* index into vpcs, or SIZE_MAX when its VPC is unknown */
	size_t first[2], count[2];    /* rules by direction: [0] ingress, [1] egress */
};

/* An ENI with traffic: a pending or running instance, well formed, its
 * interface name its own (docs/dataplane.md). */
struct rx_vnic {
	const struct eni *eni;
	const struct instance *inst;
	size_t vpc;
	long rtb;                     /* its subnet's route table, -1 for none */
	uint32_t priv;
	uint32_t pub;                 /* kept public address (public network: priv) */
	bool has_pub;
	size_t groups[BH_MAX_ENI_GROUPS];
	size_t group_count;
	char ifname[16];              /* bhe + 12 digits of the ENI id */
};

enum rx_target {
	RX_TARGET_UPLINK,             /* an internet gateway attached to the table's VPC */
	RX_TARGET_VNIC,               /* an instance or ENI with traffic in the same VPC */
	RX_TARGET_BLACKHOLE,
};

struct rx_route {
	const struct route *route;
	uint32_t net, mask;
	unsigned prefix;
	enum rx_target target;
	size_t vnic;                  /* RX_TARGET_VNIC */
	const char *why;              /* RX_TARGET_BLACKHOLE: why it is one */
};

struct rx_rtb {
	const struct route_table *rtb;
	size_t vpc;                   /* SIZE_MAX when its VPC is unknown */
	size_t first, count;          /* routes, longest prefix first */
};

struct reach_index {
	const struct snapshot *s;
	struct rx_vpc *vpcs;
	size_t vpc_count;
	struct rx_group *groups;
	size_t group_count;
	struct rx_rule *rules;
	size_t rule_count;
	struct rx_vnic *vnics;
	size_t vnic_count;
	struct rx_rtb *rtbs;
	size_t rtb_count;
	struct rx_route *routes;
	size_t route_count;
	long *inst_vnic;              /* per snapshot instance: its vNIC, or -1 */
	const char **inst_why;        /* per snapshot instance: why it has none */
	long *eni_vnic;               /* per snapshot ENI: its vNIC, or -1 */
	long *subnet_rtb;             /* per snapshot subnet: its route table, or -1 */
	struct rx_map vpc_by_id, group_by_id, inst_by_id, eni_by_id, subnet_by_id;
	struct rx_map vnic_by_priv;   /* rx_addr_key(vpc, private) -> vNIC */
	struct rx_map vnic_by_pub;    /* rx_addr_key(vpc, kept public) -> vNIC: the NAT map */
	struct rx_map inet_by_pub;    /* public address -> the VPC bh-internet routes it to */
	struct rx_map router_addr;    /* rx_addr_key(vpc, address) of the VPC router's own addresses */
};

/* Lookups; -1 (or NULL) when absent. */
long rx_vpc_find(const struct reach_index *ix, const char *vpc_id);  /* "" is the public network */
long rx_eni_find(const struct reach_index *ix, const char *id);
long rx_subnet_find(const struct reach_index *ix, const char *id);
long rx_group_find(const struct reach_index *ix, const char *id);
long rx_instance_find(const struct reach_index *ix, const char *id);
long rx_vnic_at(const struct reach_index *ix, size_t vpc, uint32_t priv);      /* the /32 route's vNIC */
long rx_vnic_public(const struct reach_index *ix, size_t vpc, uint32_t pub);   /* DNAT */
bool rx_vnic_in_group(const struct rx_vnic *v, size_t group);

int rx_index_rules(struct reach_index *ix);   /* reach_rules.c: groups' rules; 0 or -ENOMEM */
/* reach_route.c: route tables and their targets (which need the vNICs),
 * and each subnet's table; 0 or -ENOMEM. */
int rx_index_routes(struct reach_index *ix);

/* --- one evaluation --- */

struct rx_eval {
	const struct reach_index *ix;
	const struct reach_flow *flow;
	struct reach_result *res;
};

/* reach.c: 0, or -EINVAL with res->reason saying what is out of range. */
int rx_flow_check(const struct reach_flow *f, struct reach_result *res);

/* Append a step; the detail is printf-formatted and truncated to fit. */
struct reach_step *rx_step(struct rx_eval *e, enum reach_step_kind kind, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void rx_textf(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* reach_rules.c: the first rule of v's groups in that direction that lets
 * the flow through with peer address `peer`; fills the step's group and
 * rule fields and detail. True when one does. */
bool rx_rules_allow(struct rx_eval *e, const struct rx_vnic *v, bool egress, uint32_t peer,
		    struct reach_step *step);
bool rx_rule_matches_flow(const struct rx_rule *r, const struct reach_flow *f);
void rx_rule_describe(const struct reach_index *ix, const struct rx_rule *r, char *ret, size_t size);

/* reach_route.c: where a VPC router sends a packet from vNIC v to dst. */
enum rx_hop_kind {
	RX_HOP_SELF,        /* v's own address: never leaves the instance */
	RX_HOP_ROUTER,      /* an address of the VPC router itself */
	RX_HOP_VNIC,        /* the local route: the vNIC that holds dst */
	RX_HOP_NEXT_HOP,    /* a route table route to an instance or ENI */
	RX_HOP_UPLINK,      /* out to bh-internet */
	RX_HOP_BLACKHOLE,
	RX_HOP_NO_ROUTE,
};

struct rx_hop {
	enum rx_hop_kind kind;
	size_t vnic;                  /* RX_HOP_VNIC, RX_HOP_NEXT_HOP */
	long rtb;                     /* the route table consulted, -1 for none */
	const struct rx_route *route; /* the route taken from it, or NULL */
	char detail[REACH_TEXT];
	char destination[BH_CIDR_STR];
	char target[BH_MAX_ID];
};

void rx_route_from_vnic(const struct reach_index *ix, const struct rx_vnic *v, uint32_t dst, struct rx_hop *ret);

/* Is addr inside the IPv4 prefix cidr_text (false for a malformed one)? */
bool rx_addr_in(uint32_t addr, const char *cidr_text);

enum rx_inet_kind { RX_INET_HOST, RX_INET_VPC, RX_INET_NONE };
/* Where bh-internet sends dst: one of its own hosts, the uplink of a VPC
 * (*ret_vpc), or nowhere. */
enum rx_inet_kind rx_route_internet(const struct reach_index *ix, uint32_t dst, size_t *ret_vpc);

/* reach_path.c: the walk of a packet from a source vNIC sending from
 * saddr (its own or a forged address), or from a host of the internet. */
void rx_path_from_vnic(struct rx_eval *e, const struct rx_vnic *s, uint32_t saddr, uint32_t daddr);
void rx_path_from_internet(struct rx_eval *e, uint32_t saddr, uint32_t daddr);

/* A step's route fields from a hop. */
struct reach_step *rx_hop_step(struct rx_eval *e, enum reach_step_kind kind, bool ok, const struct rx_hop *h);

#endif
