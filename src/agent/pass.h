/* pass.h - one reconcile pass: from the store's snapshot to the kernel, in
 * the order docs/dataplane.md gives, and what it has to remember between
 * passes. The loop around it is agent.c. */
#ifndef BH_AGENT_PASS_H
#define BH_AGENT_PASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/nft_apply.h"

struct store;

/* What outlives a pass. */
struct agent_memory {
	struct store *store;
	struct nft_cache nft;     /* the nftables plans applied, by namespace */
	uint64_t noted_revision;  /* plan notes are logged once per revision */
	/* The next pass re-declares every VPC's tables from a listing, as
	 * after a restart: the applied plan is only a memory, and this is how
	 * a table changed or deleted behind the agent's back gets repaired. */
	bool redeclare;
};

/* Load the snapshot, plan, and make the kernel match; report the
 * instances whose kernel side was already in place when the pass looked.
 * *ret_revision is the snapshot's revision, *ret_changed whether anything
 * was changed (another pass should then look), *ret_failed whether
 * something could not be done. 0, or -errno when nothing could be
 * planned (the snapshot did not load). */
int agent_pass(struct agent_memory *m, uint64_t *ret_revision, bool *ret_changed, bool *ret_failed);

/* text as one line for a key="…" log field: newlines as \n, quotes and
 * backslashes escaped, control bytes as spaces; cut to size. */
void agent_log_text(const char *text, char *ret, size_t size);

#endif
