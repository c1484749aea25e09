/* links.h - the `ip -batch` commands that take one namespace from the
 * links, addresses, routes and rules it has to the ones it should have,
 * and running them. The diff is pure and unit-tested. */
#ifndef BH_AGENT_LINKS_H
#define BH_AGENT_LINKS_H

#include <stdbool.h>

#include "agent/plan.h"
#include "lib/buf.h"
#include "policy/nft_plan.h"

#define DP_BATCH_MAX (4 * 1024 * 1024)  /* bytes of one namespace's batch */

/* Commands run before the namespace's nftables transaction: remove the
 * links in `stale` (a veth end whose peer is gone, in the way of a new
 * pair), make the veth pairs want has and have lacks, and remake those in
 * `remake` (present here but their peer is gone). New links start down.
 * Owners of links made are added to dirty. 0 or -ENOMEM/-E2BIG. */
int dp_diff_create(const struct ns_want *want, const struct ns_state *have, const struct strlist *remake,
		   const struct strlist *stale, struct buf *out, struct strlist *dirty);

/* Commands run after the nftables transaction: with want->prune, delete
 * the rules, routes, addresses and links have holds beyond want; then set
 * MACs, add addresses, set links up or down, add routes and rules, and
 * last (in any namespace) delete an address want holds on the same link
 * with another prefix, so the address never lapses. A link
 * that is down is brought up only when allow_up (its firewall is in
 * place); one that stays down keeps its owner dirty. Links absent from
 * have are taken as made down by dp_diff_create. Owners of anything
 * missing or wrong are added to dirty. 0 or -ENOMEM/-E2BIG. */
int dp_diff_config(const struct ns_want *want, const struct ns_state *have, bool allow_up, struct buf *out,
		   struct strlist *dirty);

/* Run `ip -n NETNS -force -batch -` with batch as input. 0, or -EIO with
 * ip's messages in err. */
int ip_batch_run(const char *netns, const char *batch, struct buf *err);

#endif
