/* early.h - security-group changes applied before the agent's full pass:
 * the filter tables of the VPC namespaces, straight from a new snapshot. */
#ifndef BH_AGENT_EARLY_H
#define BH_AGENT_EARLY_H

#include "agent/pass.h"

/* Load the store's snapshot, compile every VPC namespace the agent has
 * applied a plan to whose snapshot rows (vpc_inputs.h) are not those that
 * plan was compiled from, and where only the filter table differs from that
 * plan (a rule, a group's members, a vNIC's groups: no vNIC, NAT or L2
 * change, which need links made in order) commit the difference at once.
 * The full pass that follows finds it in place. Failures are logged and
 * left to that pass. */
void agent_apply_filters_early(struct agent_memory *m);

#endif
