/* nft_plan.h - nftables state as plain data: tables of named sets, maps and
 * chains, each a sorted list of text lines. Rendered whole for golden
 * tests, or turned into the one transaction that moves the kernel from
 * what it has to what it should have. Pure: no I/O. */
#ifndef BH_NFT_PLAN_H
#define BH_NFT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

#define BH_NFT_NAME 64
#define BH_NFT_SPEC 160

struct strlist {
	char **items;
	size_t count;
	size_t cap;
};

void strlist_release(struct strlist *l);
int strlist_add(struct strlist *l, const char *s);           /* copies s */
int strlist_addf(struct strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strlist_sort_unique(struct strlist *l);                 /* byte order, duplicates dropped */
bool strlist_contains(const struct strlist *l, const char *s); /* linear; l may be NULL */

/* A named set or map. elements are the element texts exactly as nft
 * takes them inside `{ }`, e.g. "10.0.0.0/8 . tcp . 80-90" or
 * "\"bhe0123456789ab\" : jump nic_0123456789abcdef0_in"; kept sorted and
 * unique so that two plans compare line by line. */
struct nft_set {
	char name[BH_NFT_NAME];
	bool is_map;
	char type[BH_NFT_SPEC];   /* "ipv4_addr . inet_proto . inet_service" or, for maps, "ifname : verdict" */
	char flags[32];           /* "interval" or "" */
	struct strlist elements;
};

/* A chain; hook is the base-chain spec without braces, e.g.
 * "type filter hook forward priority filter; policy drop;", or "" for a
 * regular chain. rules are in order (never sorted). */
struct nft_chain {
	char name[BH_NFT_NAME];
	char hook[BH_NFT_SPEC];
	struct strlist rules;
};

struct nft_table {
	char family[8];           /* "inet", "ip", "netdev" */
	char name[BH_NFT_NAME];   /* "bulkhead", "bulkhead_nat", "bulkhead_l2" */
	struct nft_set *sets;     /* sorted by name */
	size_t set_count, set_cap;
	struct nft_chain *chains; /* sorted by name */
	size_t chain_count, chain_cap;
};

void nft_table_init(struct nft_table *t, const char *family, const char *name);
void nft_table_release(struct nft_table *t);
/* Add (or find) a set/chain by name; NULL when out of memory or a name or
 * spec is too long. The pointer is valid until the next add to the same
 * table (the array may move). */
struct nft_set *nft_table_set(struct nft_table *t, const char *name, bool is_map, const char *type,
			      const char *flags);
struct nft_chain *nft_table_chain(struct nft_table *t, const char *name, const char *hook);
/* Sort sets and chains by name and every set's elements. */
void nft_table_finish(struct nft_table *t);

/* The whole table as `nft -f` text, deterministic (golden files). */
int nft_table_render(const struct nft_table *t, struct buf *out);

/* The commands that take the kernel from `have` to `want`, for one
 * transaction (nft -f / nft_run_cmd_from_buffer). have NULL means "unknown":
 * then every object is (re)declared with `add`, every set and chain is
 * flushed and refilled - atomically, inside the one transaction, so no
 * packet sees a half state - and objects named in existing_* that `want`
 * lacks are deleted. Never flushes or deletes the table. Order: `add
 * table` (idempotent), add new sets and chains (and base chains whose hook
 * text changed: a policy change), change elements (deletions first), rewrite
 * changed chains (flush + all rules), flush removed chains, delete removed
 * sets and maps (a map's verdicts hold chains; `delete set` takes maps,
 * `flush set` does not), delete removed chains. Objects named in existing
 * are removed in either mode when want lacks them. Writes nothing when
 * equal. A set's type, flags and kind (set/map) must not change under one
 * name: -EINVAL. Appends to out. */
struct nft_names {
	struct strlist sets;    /* names of sets and maps present in the kernel table */
	struct strlist chains;  /* names of chains present in the kernel table */
};
int nft_table_sync(const struct nft_table *want, const struct nft_table *have,
		   const struct nft_names *existing, struct buf *out);

/* Parse the output of `nft list table FAMILY NAME` (text) into the names of
 * its sets, maps and chains (for nft_table_sync with have == NULL). */
int nft_names_parse(const char *listing, struct nft_names *ret);
void nft_names_release(struct nft_names *n);

#endif
