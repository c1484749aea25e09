/* vpc_inputs.h - a digest of the snapshot rows each VPC's compile can read,
 * so a new revision recompiles only the VPCs it touched. */
#ifndef BH_AGENT_VPC_INPUTS_H
#define BH_AGENT_VPC_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/snapshot.h"

/* 128 bits over a VPC's rows, each its tag and its raw bytes. Not
 * cryptographic: the rows of a VPC are its own tenant's, and two inputs
 * that collide only leave that VPC to the full pass, which compiles
 * every VPC. Kept instead of the rows themselves, which are megabytes at
 * 10,000 rules. */
struct vpc_digest {
	uint64_t h[2];
};

/* items[i] belongs to snapshot vpcs.items[i]; items[vpcs.count] to
 * BH_PUBLIC_NET_ID. Two equal digests mean policy_compile_vpc reads the
 * same rows, so gives the same tables. A row goes to every VPC whose
 * compile may read it: the VPC's own row, its subnets, groups and ENIs,
 * the rules of its groups, the instances and addresses its ENIs name
 * (by ENI or by instance), its internet gateway, its route tables with
 * their routes and associations. Each row is its tag and its raw bytes
 * (lists are zero-filled when pushed, so equal fields mean equal bytes;
 * a stray byte only costs a compile). */
struct vpc_inputs {
	struct vpc_digest *items;
	size_t count;
};

bool vpc_digest_equal(const struct vpc_digest *a, const struct vpc_digest *b);

/* 0, or -ENOMEM (ret is then empty). */
int vpc_inputs_build(const struct snapshot *s, struct vpc_inputs *ret);
void vpc_inputs_release(struct vpc_inputs *v);
/* The inputs of vpc_id (or BH_PUBLIC_NET_ID) in v, built from s; NULL
 * when v is empty or s has no such VPC. */
const struct vpc_digest *vpc_inputs_find(struct vpc_inputs *v, const struct snapshot *s, const char *vpc_id);

#endif
