/* reach.h - the reference evaluator: can a packet get from A to B, and its
 * reply back, by the semantics of docs/reach.md (EC2's, on bulkhead's data
 * plane). The specification the kernel is tested against: it shares no
 * code with the nft compiler. Pure: no I/O. */
#ifndef BH_REACH_H
#define BH_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/resources.h"
#include "model/snapshot.h"

#define REACH_TEXT 512       /* a step's detail, the one-line reason */
#define REACH_MAX_STEPS 16   /* the longest path (a hairpin) takes 10 */

/* Everything one query needs, built once per snapshot: instances, vNICs
 * by address, groups with their rules, route tables per subnet, public
 * addresses. Refers into the snapshot, which must outlive it. */
struct reach_index;

/* 0, -ENOMEM. *ret is NULL on error. */
int reach_index_build(const struct snapshot *s, struct reach_index **ret);
void reach_index_free(struct reach_index *ix);

/* Does the snapshot hold an instance with this id (in any state)? */
bool reach_index_has_instance(const struct reach_index *ix, const char *id);

/* One flow. Addresses are IPv4 in host byte order. */
struct reach_flow {
	const char *from_instance;  /* an instance id, or NULL: from_addr is a host of the internet */
	uint32_t from_addr;
	bool forged;                /* the source instance sends from forged_addr instead of its own */
	uint32_t forged_addr;
	const char *to_instance;    /* an instance id, or NULL: to_addr */
	uint32_t to_addr;
	int proto;                  /* BH_PROTO_ALL (every protocol and port) or 0..255 */
	int port;                   /* TCP/UDP destination port, 0..65535 */
	int icmp_type;              /* ICMP: 0..255 */
	int icmp_code;
};

enum reach_step_kind {
	REACH_STEP_ANTISPOOF,
	REACH_STEP_ROUTE,
	REACH_STEP_EGRESS,
	REACH_STEP_NAT,
	REACH_STEP_INGRESS,
	REACH_STEP_RETURN_ROUTE,
};

/* One thing that happens to the packet, in order. The id fields are ""
 * where they do not apply. */
struct reach_step {
	enum reach_step_kind kind;
	bool ok;
	char detail[REACH_TEXT];
	char route_table[BH_MAX_ID];       /* rtb-… */
	char destination[BH_CIDR_STR];     /* the route's prefix */
	char target[BH_MAX_ID];            /* igw-…, i-…, eni-…, local, blackhole, uplink, … */
	char group_id[BH_MAX_ID];          /* the group whose rule decided */
	char group_name[BH_MAX_NAME + 1];
	char rule_id[BH_MAX_ID];           /* sgr-… */
};

struct reach_end {
	char instance[BH_MAX_ID];  /* "" when none */
	char vpc[BH_MAX_ID];       /* "" when none; BH_PUBLIC_NET_ID for the public network */
	char address[BH_IPV4_STR]; /* the packet's source / destination address as sent */
	bool external;             /* a host of the simulated internet */
};

struct reach_result {
	bool allow;                /* the packet is delivered and its reply comes back */
	char reason[REACH_TEXT];   /* one line: what decided */
	struct reach_end src;
	struct reach_end dst;      /* dst.instance: the instance the packet is delivered to */
	struct reach_step steps[REACH_MAX_STEPS];
	size_t step_count;
};

/* Evaluate one flow into ret (overwritten). 0 with a verdict; -ENOENT when
 * an instance id names no instance, -EINVAL for a source address outside
 * the simulated internet (BH_INTERNET_CIDR) or a protocol/port out of
 * range: ret->reason then says which. */
int reach_evaluate(const struct reach_index *ix, const struct reach_flow *flow, struct reach_result *ret);

/* "Who can reach INSTANCE on this protocol and port": every source the
 * evaluator allows, with the ingress rule that admits it. */
enum reach_source_kind { REACH_SOURCE_INSTANCE, REACH_SOURCE_CIDR };

struct reach_source {
	enum reach_source_kind kind;
	char instance[BH_MAX_ID];          /* REACH_SOURCE_INSTANCE */
	char address[BH_IPV4_STR];         /* the source address the destination sees */
	char cidr[BH_CIDR_STR];            /* REACH_SOURCE_CIDR: the rule's peer */
	char group_id[BH_MAX_ID];
	char group_name[BH_MAX_NAME + 1];
	char rule_id[BH_MAX_ID];
};
BH_DEFINE_LIST(reach_source_list, struct reach_source);

/* flow->to_instance names the destination; from_* and forged are ignored.
 * Appends to ret (zeroed by the caller, freed with list_release); reason
 * says why the list is empty when it is. 0, -ENOENT (no such instance),
 * -EINVAL, -ENOMEM. */
int reach_who(const struct reach_index *ix, const struct reach_flow *flow, struct reach_source_list *ret,
	      char reason[REACH_TEXT]);

/* Text helpers shared by the evaluator and its callers. */
const char *reach_step_name(enum reach_step_kind kind);   /* "antispoof", "route", …, "return-route" */
void reach_format_addr(uint32_t addr, char ret[BH_IPV4_STR]);
int reach_parse_addr(const char *s, uint32_t *ret);       /* dotted quad only: 0 or -EINVAL */
void reach_format_flow(const struct reach_flow *f, char *ret, size_t size);  /* "tcp/80", "icmp 8/0", "all" */

#endif
