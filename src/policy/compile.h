/* compile.h - the security-group compiler: from a snapshot to the nftables
 * tables of one VPC router namespace (filtering, NAT, L2 anti-spoofing).
 * Pure: a function from data to data, tested with golden files. */
#ifndef BH_POLICY_COMPILE_H
#define BH_POLICY_COMPILE_H

#include "model/snapshot.h"
#include "policy/nft_plan.h"

/* The three tables of one router namespace. */
struct vpc_nft {
	struct nft_table filter;  /* inet bulkhead: stateful security groups */
	struct nft_table nat;     /* ip bulkhead_nat: 1:1 NAT of public addresses */
	struct nft_table l2;      /* netdev bulkhead_l2: anti-spoofing per vNIC */
};

void vpc_nft_init(struct vpc_nft *v);
void vpc_nft_release(struct vpc_nft *v);

/* Compile the tables for vpc_id (or BH_PUBLIC_NET_ID). Only ENIs whose
 * instance should have traffic (state pending or running) get a vNIC
 * entry; everything else is dropped by default (fail closed). 0 or
 * -ENOMEM / -EINVAL. *ret is overwritten (not released first) with
 * finished tables, or with empty ones on error; vpc_nft_release it
 * either way. A VPC absent from the snapshot gives the empty skeleton;
 * a malformed ENI, group or rule is left out (no traffic), never an
 * error for the whole VPC. The public network always has its uplink
 * (igw_router_ifname(BH_PUBLIC_NET_ID) = "bhgpublic") and no NAT. */
int policy_compile_vpc(const struct snapshot *s, const char *vpc_id, struct vpc_nft *ret);

/* Kernel names, shared with the agent so both spell them the same way. */
#define BH_NETNS_PREFIX "bh-"
#define BH_INTERNET_NETNS "bh-internet"
void vpc_netns_name(const char *vpc_id, char ret[64]);        /* "bh-vpc-<hex>" / "bh-vpc-public" */
void instance_netns_name(const char *instance_id, char ret[64]); /* "bh-i-<hex>" */
void eni_router_ifname(const char *eni_id, char ret[16]);     /* "bhe" + 12 hex: router side of the vNIC */
void igw_router_ifname(const char *vpc_id, char ret[16]);     /* "bhg" + 12 hex of the VPC: uplink in the VPC ns */
void igw_internet_ifname(const char *vpc_id, char ret[16]);   /* "bhx" + 12 hex of the VPC: its peer in bh-internet */

#endif
