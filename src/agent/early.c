/* early.c - a new revision's security groups in the kernel before the
 * full pass: one filter-table transaction per VPC namespace that needs it. */
#include "agent/early.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "agent/nft_apply.h"
#include "agent/vpc_inputs.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "model/snapshot.h"
#include "policy/compile.h"
#include "store/store.h"

static long elapsed_us(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000);
}

static size_t count_lines(const struct buf *b)
{
	const char *s = buf_str(b);
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* What filter_early did with a VPC's plan. */
enum early_result {
	EARLY_LEFT,     /* left to the full pass: NAT or L2 changed, or nft failed */
	EARLY_SAME,     /* want is the plan applied: nothing to do */
	EARLY_APPLIED,  /* the filter table's difference is committed */
};

/* Bring one VPC namespace's filter table to want, if nothing else of its
 * tables changed since the plan last applied there. */
static enum early_result filter_early(struct agent_memory *m, const struct nft_applied *have,
				      const char *netns, struct vpc_nft *want)
{
	struct buf others = BUF_INIT(1024 * 1024), diff = BUF_INIT(64 * 1024 * 1024);
	struct buf err = BUF_INIT(NFT_ERROR_MAX);
	struct timespec t0;
	enum early_result done = EARLY_LEFT;
	bool changed;
	long diff_us;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = nft_table_sync(&want->nat, &have->plan.nat, NULL, &others);
	if (r == 0)
		r = nft_table_sync(&want->l2, &have->plan.l2, NULL, &others);
	if (r == 0 && others.len == 0)
		r = nft_table_sync(&want->filter, &have->plan.filter, NULL, &diff);
	if (r == 0 && others.len == 0 && diff.len == 0)
		done = EARLY_SAME;
	if (r < 0 || others.len || diff.len == 0)
		goto out;
	diff_us = elapsed_us(&t0);
	/* NAT and L2 as applied: the filter table's difference is all of it */
	r = nft_apply_diff(&m->nft, netns, want, buf_str(&diff), &changed, &err);
	if (r < 0) {
		char text[1024];

		agent_log_text(buf_str(&err), text, sizeof(text));
		/* the pass that follows lists the namespace and tries again */
		log_event(LOG_LEVEL_WARN, "event=nft_early_error netns=%s error=\"%s\"", netns, text);
		goto out;
	}
	log_event(LOG_LEVEL_INFO, "event=nft_applied netns=%s early=1 commands=%zu bytes=%zu diff_ms=%ld ms=%ld",
		  netns, count_lines(&diff), diff.len, diff_us / 1000, elapsed_us(&t0) / 1000);
	done = EARLY_APPLIED;
out:
	buf_release(&others);
	buf_release(&diff);
	buf_release(&err);
	return done;
}

/* Why: the full pass reads every namespace's links, addresses and routes
 * before it gets to nftables, hundreds of milliseconds at a thousand
 * vNICs, while a rule or a membership change is a few set elements. And
 * only the VPCs whose compiler inputs changed are compiled: a change is
 * one tenant's, and compiling them all costs tens of milliseconds. */
void agent_apply_filters_early(struct agent_memory *m)
{
	struct snapshot snap = { 0 };
	struct vpc_inputs inputs = { 0 };
	struct timespec t0, t1;
	struct vpc_nft want;
	long load_ms, inputs_us, compile_us = 0;
	char netns[64];
	size_t i, applied = 0, compiled = 0;
	bool known;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (m->nft.count == 0 || store_snapshot_load(m->store, &snap) < 0)
		return;  /* nothing applied yet, or the pass will say why */
	load_ms = elapsed_us(&t0) / 1000;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* without them every VPC is compiled, as if each had changed */
	known = vpc_inputs_build(&snap, &inputs) == 0;
	inputs_us = elapsed_us(&t1);
	for (i = 0; i <= snap.vpcs.count; i++) {
		const char *vpc_id = i < snap.vpcs.count ? snap.vpcs.items[i].id : BH_PUBLIC_NET_ID;
		const struct nft_applied *have;
		enum early_result done;
		int r;

		vpc_netns_name(vpc_id, netns);
		have = nft_cache_get(&m->nft, netns);
		if (!have || (known && nft_cache_inputs_match(&m->nft, netns, &inputs.items[i])))
			continue;
		vpc_nft_init(&want);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		r = policy_compile_vpc(&snap, vpc_id, &want);
		compile_us += elapsed_us(&t1);
		compiled++;
		done = r == 0 ? filter_early(m, have, netns, &want) : EARLY_LEFT;
		applied += done == EARLY_APPLIED;
		/* the plan now in the cache is what these inputs compile to */
		if (known && done != EARLY_LEFT)
			nft_cache_note_inputs(&m->nft, netns, &inputs.items[i]);
		vpc_nft_release(&want);
	}
	log_event(applied ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG,
		  "event=filters_early revision=%llu namespaces=%zu load_ms=%ld compile_ms=%ld ms=%ld compiled=%zu "
		  "inputs_ms=%ld",
		  (unsigned long long)snap.revision, applied, load_ms, compile_us / 1000, elapsed_us(&t0) / 1000,
		  compiled, inputs_us / 1000);
	vpc_inputs_release(&inputs);
	snapshot_release(&snap);
}
