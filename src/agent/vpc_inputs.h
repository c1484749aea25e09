/* vpc_inputs.h - the snapshot rows each VPC's compile can read, as one byte
 * string per VPC, so a new revision recompiles only the VPCs it touched. */
#ifndef BH_AGENT_VPC_INPUTS_H
#define BH_AGENT_VPC_INPUTS_H

#include <stddef.h>

#include "lib/buf.h"
#include "model/snapshot.h"

/* items[i] belongs to snapshot vpcs.items[i]; items[vpcs.count] to
 * BH_PUBLIC_NET_ID. Two equal strings mean policy_compile_vpc reads the
 * same rows, so gives the same tables. A row goes to every VPC whose
 * compile may read it: the VPC's own row, its subnets, groups and ENIs,
 * the rules of its groups, the instances and addresses its ENIs name
 * (by ENI or by instance), its internet gateway, its route tables with
 * their routes and associations. Each row is its tag and its raw bytes
 * (lists are zero-filled when pushed, so equal fields mean equal bytes;
 * a stray byte only costs a compile). */
struct vpc_inputs {
	struct buf *items;
	size_t count;
};

/* 0, or -ENOMEM (ret is then empty). */
int vpc_inputs_build(const struct snapshot *s, struct vpc_inputs *ret);
void vpc_inputs_release(struct vpc_inputs *v);
/* The inputs of vpc_id (or BH_PUBLIC_NET_ID) in v, built from s; NULL
 * when v is empty or s has no such VPC. */
struct buf *vpc_inputs_find(struct vpc_inputs *v, const struct snapshot *s, const char *vpc_id);

#endif
