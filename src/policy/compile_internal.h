/* compile_internal.h - what the compiler's files share: one VPC's vNICs,
 * groups and rules as read from the snapshot, and the helpers around them. */
#ifndef BH_POLICY_COMPILE_INTERNAL_H
#define BH_POLICY_COMPILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/snapshot.h"
#include "policy/nft_plan.h"

/* A vNIC that gets traffic: an ENI of this VPC whose instance is pending or
 * running, with a well-formed id, MAC and address. */
struct vnic {
	const struct eni *eni;
	char ifname[16];
	char mac[BH_MAC_STR];
	char ip[BH_IPV4_STR];
	char public_ip[BH_IPV4_STR];  /* "" when none */
	const char *groups[BH_MAX_ENI_GROUPS];  /* valid groups of this VPC, sorted, unique */
	size_t group_count;
};

/* (group, vNIC) pairs sorted by group id: who is a member of what. */
struct membership {
	const char *group_id;
	size_t vnic;
};

/* One compilation: the snapshot and what compile.c read from it for one
 * VPC. Everything points into the snapshot, which must outlive it. */
struct compile {
	const struct snapshot *s;
	const char *vpc_id;
	bool public_net;
	struct vnic *vnics;           /* sorted by ENI id */
	size_t vnic_count;
	struct membership *members;
	size_t member_count;
	const char **groups;          /* used by some vNIC, sorted */
	size_t group_count;
	const struct sg_rule **rules; /* rules of used groups, sorted by group */
	size_t rule_count;
};

/* --- compile.c --- */

/* A dotted-quad IPv4 address (no prefix) into host byte order. 0, or
 * -EINVAL for NULL, "" or anything cidr_parse refuses. */
int compile_parse_ipv4(const char *s, uint32_t *ret);

/* An address in host byte order as dotted-quad text. */
void compile_format_addr(uint32_t a, char ret[BH_IPV4_STR]);

/* The part of a resource id after its first '-' ("0123…" of "sg-0123…"),
 * or the whole id when it has none; used in chain and set names. */
const char *compile_id_hex(const char *id);

/* Add (or find) chain_name with hook and append rules, a NULL-terminated
 * list, in order. 0 or -ENOMEM. */
int compile_add_rules(struct nft_table *t, const char *chain_name, const char *hook,
		      const char *const *rules);

/* Declare the set `uplinks` (type ifname) in t, holding the VPC's
 * internet-facing interface while it has one: always on the public
 * network, otherwise while an internet gateway is attached. 0 or -ENOMEM. */
int compile_add_uplinks(const struct compile *c, struct nft_table *t);

/* --- compile_groups.c --- */

/* The sets g_<hex>_<in|out> (address . protocol . th dport . th sport)
 * and g_<hex>_<in|out>_a (address . protocol, for datagrams too short for
 * the first) of one used group, from its rules[0..n) (sorted by id); all
 * four even when empty, as the vNIC chains name them. 0 or -ENOMEM. */
int compile_emit_group(const struct compile *c, struct nft_table *t, const char *group_id,
		       const struct sg_rule *const *rules, size_t n);

/* --- compile_l2nat.c --- */

/* Table ip bulkhead_nat: 1:1 NAT of each vNIC's public address on the
 * uplink (none on the public network). 0 or -ENOMEM. */
int compile_build_nat(const struct compile *c, struct nft_table *t);

/* Table netdev bulkhead_l2: one anti-spoofing ingress chain per vNIC.
 * 0 or -ENOMEM. */
int compile_build_l2(const struct compile *c, struct nft_table *t);

#endif
