/* nft_apply.h - one nftables transaction per VPC namespace, computed
 * against the plan last applied there (run with libnftables in the agent,
 * inside the namespace) or, when that is unknown (a restart, a failed
 * apply), against the names a listing shows (run in a forked child). */
#ifndef BH_AGENT_NFT_APPLY_H
#define BH_AGENT_NFT_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/vpc_inputs.h"
#include "lib/buf.h"
#include "policy/compile.h"

#define NFT_ERROR_MAX (16 * 1024)  /* bytes of nft's error text kept */
/* Where a re-declaration's record is kept (one file per namespace), so a
 * restarted agent can tell that the tables it finds are what it declared. */
#define NFT_RECORD_DIR "/run/bulkhead-agent"

/* The plans last applied, by namespace, and what each was compiled from
 * (vpc_inputs.h) while that is known: a new plan forgets it. */
struct nft_applied {
	char netns[64];
	struct vpc_nft plan;
	struct vpc_digest inputs;
	bool inputs_known;
	bool record_stale;  /* a transaction ran since its record in NFT_RECORD_DIR was written */
	uint32_t genid;     /* the nftables generation at which plan is known in place; 0: unknown */
};
struct nft_cache {
	struct nft_applied *items;
	size_t count, cap;
};

void nft_cache_release(struct nft_cache *c);
bool nft_cache_has(const struct nft_cache *c, const char *netns);
/* netns's entry, or NULL; valid until the cache next changes. */
const struct nft_applied *nft_cache_get(const struct nft_cache *c, const char *netns);
/* Does the plan applied in netns hook a netdev chain to device ifname? */
bool nft_cache_has_device(const struct nft_cache *c, const char *netns, const char *ifname);
/* Forget what was applied in netns: the next apply lists it first. */
void nft_cache_forget(struct nft_cache *c, const char *netns);
/* Is netns's applied plan known to be what inputs compile to? */
bool nft_cache_inputs_match(const struct nft_cache *c, const char *netns, const struct vpc_digest *inputs);
/* Note that netns's applied plan is what inputs compile to (no plan
 * cached there: nothing noted). */
void nft_cache_note_inputs(struct nft_cache *c, const char *netns, const struct vpc_digest *inputs);

/* Make sure the filter table and its base chains (policy drop) exist in
 * netns, before any vNIC does: fail closed. Takes the chains' hooks from
 * filter (NULL: the forward and input hooks of docs/dataplane.md). Adds
 * only; never changes what exists. 0 or -errno with nft's text in err. */
int nft_bootstrap(const char *netns, const struct nft_table *filter, struct buf *err);

/* Bring netns's three tables to want in one transaction (nothing is run
 * when they already match the cached plan, nor, with no cached plan, when
 * the namespace's record in NFT_RECORD_DIR shows the tables listed exactly
 * as right after this plan was declared). On success the cache takes
 * want over (want is left empty) and *ret_changed says whether a
 * transaction ran. On failure the cache forgets netns, and err holds
 * nft's text; one retry against a fresh listing is made first. */
int nft_apply(struct nft_cache *c, const char *netns, struct vpc_nft *want, bool *ret_changed, struct buf *err);

/* Rewrite netns's record when a transaction made it stale since (the
 * record is of the tables as declared; a small change leaves them as
 * declared too, and a restart should find that out without re-declaring
 * them). Lists the tables: for after the change is in place, not before.
 * 0 (also when nothing was stale) or -errno with nft's text in err. */
int nft_record_refresh(struct nft_cache *c, const char *netns, struct buf *err);

/* nft_apply with the difference already made: diff is what nft_table_sync
 * gives for the three tables of want against the plan cached for netns
 * ("" when they match). The same outcomes. */
int nft_apply_diff(struct nft_cache *c, const char *netns, struct vpc_nft *want, const char *diff,
		   bool *ret_changed, struct buf *err);

/* Remove every record (bulkhead agent --cleanup). */
void nft_records_clear(void);

#endif
