/* snapshot.h - the whole desired state of a host at one store revision,
 * every tenant's at once: what the agent reads and what the policy
 * compiler and the reference evaluator take as input. Pure data. */
#ifndef BH_SNAPSHOT_H
#define BH_SNAPSHOT_H

#include <stdint.h>

#include "model/resources.h"

/* The shared public network is not a tenant VPC: instances launched without
 * a subnet land in it, each with a public address, and only security groups
 * separate them. It is modelled as a VPC with this id and CIDR. */
#define BH_PUBLIC_NET_ID "vpc-public"
#define BH_PUBLIC_NET_CIDR "198.51.100.0/24"   /* TEST-NET-2: public addresses of the public network */
#define BH_ELASTIC_IP_POOL "203.0.113.128/25"  /* TEST-NET-3, upper half: Elastic IPs */
#define BH_INTERNET_CIDR "203.0.113.0/25"      /* TEST-NET-3, lower half: hosts of the simulated internet */

struct snapshot {
	uint64_t revision;
	struct vpc_list vpcs;
	struct subnet_list subnets;
	struct sg_list groups;
	struct sg_rule_list rules;
	struct instance_list instances;
	struct eni_list enis;
	struct route_table_list route_tables;
	struct route_list routes;
	struct rtb_association_list associations;
	struct igw_list igws;
	struct address_list addresses;
};

void snapshot_release(struct snapshot *s);

/* Lookups by id (linear; snapshots are small enough, and callers that loop
 * build their own indexes). NULL when absent. */
const struct vpc *snapshot_vpc(const struct snapshot *s, const char *id);
const struct subnet *snapshot_subnet(const struct snapshot *s, const char *id);
const struct security_group *snapshot_group(const struct snapshot *s, const char *id);
const struct instance *snapshot_instance(const struct snapshot *s, const char *id);
const struct eni *snapshot_eni(const struct snapshot *s, const char *id);
const struct internet_gateway *snapshot_vpc_igw(const struct snapshot *s, const char *vpc_id);

/* The route table a subnet uses: its explicit association, else its VPC's main table. */
const struct route_table *snapshot_subnet_route_table(const struct snapshot *s, const char *subnet_id);

#endif
