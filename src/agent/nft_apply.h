/* nft_apply.h - one nftables transaction per VPC namespace, run with
 * libnftables in a child that has entered the namespace, computed against
 * the plan last applied there or, when that is unknown (a restart, a
 * failed apply), against the names a listing of the namespace shows. */
#ifndef BH_AGENT_NFT_APPLY_H
#define BH_AGENT_NFT_APPLY_H

#include <stdbool.h>

#include "lib/buf.h"
#include "policy/compile.h"

#define NFT_ERROR_MAX (16 * 1024)  /* bytes of nft's error text kept */
/* Where a re-declaration's record is kept (one file per namespace), so a
 * restarted agent can tell that the tables it finds are what it declared. */
#define NFT_RECORD_DIR "/run/bulkhead-agent"

/* The plans last applied, by namespace. */
struct nft_applied {
	char netns[64];
	struct vpc_nft plan;
};
struct nft_cache {
	struct nft_applied *items;
	size_t count, cap;
};

void nft_cache_release(struct nft_cache *c);
bool nft_cache_has(const struct nft_cache *c, const char *netns);
/* Does the plan applied in netns hook a netdev chain to device ifname? */
bool nft_cache_has_device(const struct nft_cache *c, const char *netns, const char *ifname);
/* Forget what was applied in netns: the next apply lists it first. */
void nft_cache_forget(struct nft_cache *c, const char *netns);

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

/* Remove every record (bulkhead agent --cleanup). */
void nft_records_clear(void);

#endif
