/* test_compile.c - the security-group compiler against its golden corpus
 * (tests/golden/NAME.in -> NAME.nft), property tests of the interval
 * merging, and the helper modes tests/golden/check-nft.sh drives:
 *   test_compile --render FILE.in          the three tables as nft -f text
 *   test_compile --sync A.in B.in          the transaction from A to B
 *   test_compile --sync-full B.in LISTING  have unknown; LISTING is the
 *                                          kernel's `nft list ruleset`
 *   test_compile --summary FILE.in         "family table set|chain name count"
 * BH_GOLDEN_UPDATE=1 rewrites the .nft files from the compiler. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "model/proto.h"
#include "model/snapshot.h"
#include "policy/compile.h"
#include "snapshot_text.h"

#ifndef BH_GOLDEN_FALLBACK
#define BH_GOLDEN_FALLBACK "tests/golden"  /* relative to the source tree */
#endif

#define FILE_MAX (4 * 1024 * 1024)
#define OUT_MAX (16 * 1024 * 1024)

/* --- the golden input format: tests/unit/snapshot_text.c --- */

static int read_file(const char *path, char **ret)
{
	return snapshot_text_read_file(path, ret);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int r = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		r = -EIO;
	if (fclose(f) != 0)
		r = -EIO;
	return r;
}

static int compile_file(const char *path, struct vpc_nft *ret, char *err, size_t errsize)
{
	struct snapshot_text g;
	int r = snapshot_text_load(path, &g, err, errsize);

	if (r < 0)
		return r;
	r = policy_compile_vpc(&g.snap, g.vpc, ret);
	if (r < 0)
		bh_snprintf(err, errsize, "%s: compile failed: %s", path, strerror(-r));
	snapshot_text_release(&g);
	return r;
}

static int render_all(const struct vpc_nft *v, struct buf *out)
{
	int r = nft_table_render(&v->filter, out);

	if (r == 0)
		r = nft_table_render(&v->nat, out);
	if (r == 0)
		r = nft_table_render(&v->l2, out);
	return r;
}

/* --- a line diff, enough to read a golden mismatch --- */

struct lines {
	const char **at;
	size_t *len;
	size_t count;
};

static int split_lines(const char *text, struct lines *ret)
{
	size_t n = 0, cap = 16;
	const char *p = text;

	ret->at = malloc(cap * sizeof(*ret->at));
	ret->len = malloc(cap * sizeof(*ret->len));
	if (!ret->at || !ret->len)
		return -ENOMEM;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (n == cap) {
			cap *= 2;
			ret->at = realloc(ret->at, cap * sizeof(*ret->at));
			ret->len = realloc(ret->len, cap * sizeof(*ret->len));
			if (!ret->at || !ret->len)
				return -ENOMEM;
		}
		ret->at[n] = p;
		ret->len[n++] = len;
		p += len + (nl ? 1 : 0);
	}
	ret->count = n;
	return 0;
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->at[i], b->at[j], a->len[i]) == 0;
}

/* Longest common subsequence, then "-want"/"+got" with 2 lines of context. */
static void print_diff(const char *name, const char *want, const char *got)
{
	struct lines a = { 0 }, b = { 0 };
	unsigned *lcs = NULL;
	size_t i, j, w;
	char *ops = NULL;
	size_t nops = 0;

	if (split_lines(want, &a) < 0 || split_lines(got, &b) < 0)
		goto out;
	w = b.count + 1;
	if ((a.count + 1) * w > 64u * 1024 * 1024)
		goto out;
	lcs = calloc((a.count + 1) * w, sizeof(*lcs));
	ops = malloc(a.count + b.count + 1);
	if (!lcs || !ops)
		goto out;
	for (i = a.count; i-- > 0;) {
		for (j = b.count; j-- > 0;) {
			if (line_eq(&a, i, &b, j))
				lcs[i * w + j] = lcs[(i + 1) * w + j + 1] + 1;
			else
				lcs[i * w + j] = lcs[(i + 1) * w + j] > lcs[i * w + j + 1] ? lcs[(i + 1) * w + j]
											: lcs[i * w + j + 1];
		}
	}
	for (i = 0, j = 0; i < a.count || j < b.count;) {
		if (i < a.count && j < b.count && line_eq(&a, i, &b, j))
			ops[nops++] = '=', i++, j++;
		else if (j < b.count && (i == a.count || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j]))
			ops[nops++] = '+', j++;
		else
			ops[nops++] = '-', i++;
	}
	fprintf(stderr, "--- %s (expected)\n+++ %s (compiled)\n", name, name);
	for (size_t k = 0, ai = 0, bj = 0; k < nops; k++) {
		bool near = false;

		for (size_t d = (k >= 2 ? k - 2 : 0); d <= k + 2 && d < nops; d++)
			near = near || ops[d] != '=';
		if (ops[k] == '=') {
			if (near)
				fprintf(stderr, " %4zu  %.*s\n", ai + 1, (int)a.len[ai], a.at[ai]);
			else if (k > 0 && ops[k - 1] != '=')
				fprintf(stderr, "@@\n");
			ai++, bj++;
		} else if (ops[k] == '-') {
			fprintf(stderr, "-%4zu  %.*s\n", ai + 1, (int)a.len[ai], a.at[ai]);
			ai++;
		} else {
			fprintf(stderr, "+%4zu  %.*s\n", bj + 1, (int)b.len[bj], b.at[bj]);
			bj++;
		}
	}
out:
	free(lcs);
	free(ops);
	free(a.at);
	free(a.len);
	free(b.at);
	free(b.len);
}

/* --- the golden corpus --- */

static const char *golden_dir(void)
{
	const char *env = getenv("BH_GOLDEN");

	return env && env[0] ? env : BH_GOLDEN_FALLBACK;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_golden_corpus(void **state)
{
	const char *dir = golden_dir(), *update = getenv("BH_GOLDEN_UPDATE");
	struct strlist names = { 0 };
	struct dirent *de;
	int failures = 0;
	DIR *d;
	size_t i;

	(void)state;
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open golden directory %s (set BH_GOLDEN)", dir);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 3 && strcmp(de->d_name + len - 3, ".in") == 0)
			assert_int_equal(strlist_addf(&names, "%.*s", (int)(len - 3), de->d_name), 0);
	}
	closedir(d);
	if (names.count)
		qsort(names.items, names.count, sizeof(*names.items), cmp_name);
	assert_true(names.count >= 10);
	for (i = 0; i < names.count; i++) {
		char in[4096], nft[4096], err[512] = "";
		struct buf out = BUF_INIT(OUT_MAX);
		struct vpc_nft v;
		char *want = NULL;

		bh_snprintf(in, sizeof(in), "%s/%s.in", dir, names.items[i]);
		bh_snprintf(nft, sizeof(nft), "%s/%s.nft", dir, names.items[i]);
		if (compile_file(in, &v, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			failures++;
			continue;
		}
		assert_int_equal(render_all(&v, &out), 0);
		vpc_nft_release(&v);
		if (update && strcmp(update, "1") == 0) {
			assert_int_equal(write_file(nft, buf_str(&out)), 0);
			fprintf(stderr, "updated %s\n", nft);
		} else if (read_file(nft, &want) < 0) {
			fprintf(stderr, "%s: missing (BH_GOLDEN_UPDATE=1 writes it)\n", nft);
			failures++;
		} else if (strcmp(want, buf_str(&out)) != 0) {
			print_diff(names.items[i], want, buf_str(&out));
			failures++;
		}
		free(want);
		buf_release(&out);
	}
	strlist_release(&names);
	if (failures)
		fail_msg("%d golden case(s) differ; BH_GOLDEN_UPDATE=1 rewrites them after review", failures);
}

/* --- properties of the merged sets --- */

static unsigned rng_state = 12345;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

#define U_BITS 9        /* a universe of 512 addresses: 10.0.0.0/23 */
#define U_ADDRS (1u << U_BITS)
#define U_PORTS 40
#define U_BASE 0x0a000000u
#define U_RULES 25

/* One field of a set element: a value or an inclusive range. */
struct span {
	unsigned lo, hi;
};

/* A main-set element "ADDR[/LEN] . PROTO . DPORT . SPORT" (fields 4) or a
 * fallback-set element "ADDR[/LEN] . PROTO" (fields 2); PROTO is a name,
 * a number or a range, the ports numbers or ranges. */
struct elem {
	uint32_t addr;
	unsigned len;
	struct span f[3];
};

static bool parse_span(const char **s, struct span *ret)
{
	char word[16] = "";
	int used = 0;

	if (sscanf(*s, " . %15[a-z0-9]%n", word, &used) != 1)
		return false;
	*s += used;
	if (strcmp(word, "tcp") == 0)
		ret->lo = 6;
	else if (strcmp(word, "udp") == 0)
		ret->lo = 17;
	else if (strcmp(word, "icmp") == 0)
		ret->lo = 1;
	else if (sscanf(word, "%u", &ret->lo) != 1)
		return false;
	ret->hi = ret->lo;
	if (**s == '-') {
		if (sscanf(*s, "-%u%n", &ret->hi, &used) != 1)
			return false;
		*s += used;
	}
	return ret->lo <= ret->hi;
}

static bool parse_elem(const char *s, int fields, struct elem *e)
{
	unsigned a, b, c, d, len = 32;
	int used = 0, k;

	memset(e, 0, sizeof(*e));
	if (sscanf(s, "%u.%u.%u.%u%n", &a, &b, &c, &d, &used) != 4)
		return false;
	s += used;
	if (*s == '/') {
		if (sscanf(s, "/%u%n", &len, &used) != 1)
			return false;
		s += used;
	}
	e->addr = a << 24 | b << 16 | c << 8 | d;
	e->len = len;
	for (k = 0; k < fields - 1; k++) {
		if (!parse_span(&s, &e->f[k]))
			return false;
	}
	return *s == '\0';
}

static bool in_prefix(uint32_t addr, uint32_t net, unsigned len)
{
	return len == 0 || ((addr ^ net) >> (32 - len)) == 0;
}

static bool in_span(const struct span *s, unsigned v)
{
	return s->lo <= v && v <= s->hi;
}

/* A probe of the random rules' universe: what one packet shows the main
 * key (protocol, th dport, th sport) and, for ICMP, its type and code. */
struct probe {
	int proto;
	unsigned dport, sport;
	int port, type, code;  /* the rule-side view */
};

static size_t make_probes(struct probe *p)
{
	static const int others[] = { 47, 58, 200 };
	size_t n = 0;
	int k, t, c;

	for (k = 0; k < U_PORTS; k++) {
		/* the source port (or, for ICMP, the checksum) never matters */
		p[n++] = (struct probe){ 6, (unsigned)k, 40000u + (unsigned)k, k, 0, 0 };
		p[n++] = (struct probe){ 17, (unsigned)k, (unsigned)k * 1000u, k, 0, 0 };
	}
	p[n++] = (struct probe){ 6, 65535, 0, 65535, 0, 0 };
	for (t = 0; t < 6; t++) {
		for (c = 0; c < 4; c++) {
			int type = t == 5 ? 255 : t, code = t == 5 ? 255 : c;

			p[n++] = (struct probe){ 1, (unsigned)(t * 977 + c), (unsigned)(type << 8 | code), 0, type, code };
		}
	}
	for (k = 0; k < 3; k++) {
		p[n++] = (struct probe){ others[k], 0, 0, 0, 0, 0 };
		p[n++] = (struct probe){ others[k], 65535, 1234, 0, 0, 0 };
	}
	return n;
}

/* What the EC2 rule says of a packet from addr (the reference). */
static bool rule_allows(const struct sg_rule *r, uint32_t net, unsigned len, uint32_t addr, const struct probe *p)
{
	if (!in_prefix(addr, net, len))
		return false;
	if (r->proto == BH_PROTO_ALL)
		return true;
	if (r->proto != p->proto)
		return false;
	if (r->proto == BH_PROTO_TCP || r->proto == BH_PROTO_UDP)
		return r->from_port <= p->port && p->port <= r->to_port;
	if (r->proto == BH_PROTO_ICMP && r->from_port >= 0)
		return r->from_port == p->type && (r->to_port < 0 || r->to_port == p->code);
	if (r->proto == BH_PROTO_ICMPV6 && r->from_port >= 0)
		return false;
	return true;
}

static void random_rule(struct sg_rule *rule, int i)
{
	unsigned len = 32 - U_BITS + rnd(U_BITS + 1);
	uint32_t addr = (U_BASE + rnd(U_ADDRS)) & (len ? ~0u << (32 - len) : 0);
	unsigned kind = rnd(10);

	memset(rule, 0, sizeof(*rule));
	bh_snprintf(rule->id, sizeof(rule->id), "sgr-%017x", i);
	bh_strlcpy(rule->group_id, "sg-00000000000000001", sizeof(rule->group_id));
	bh_snprintf(rule->cidr_ipv4, sizeof(rule->cidr_ipv4), "%u.%u.%u.%u/%u", addr >> 24, (addr >> 16) & 255,
		    (addr >> 8) & 255, addr & 255, len);
	rule->from_port = rule->to_port = -1;
	if (kind < 2) {
		rule->proto = BH_PROTO_ALL;
	} else if (kind < 6) {
		rule->proto = rnd(2) ? BH_PROTO_TCP : BH_PROTO_UDP;
		rule->from_port = (int)rnd(U_PORTS);
		rule->to_port = rule->from_port + (int)rnd((unsigned)(U_PORTS - rule->from_port));
		if (rnd(8) == 0)
			rule->to_port = 65535;
	} else if (kind < 8) {
		rule->proto = BH_PROTO_ICMP;
		if (rnd(4)) {
			rule->from_port = rnd(6) == 0 ? 255 : (int)rnd(5);
			rule->to_port = rnd(2) ? -1 : (int)rnd(4);
		}
	} else {
		static const int others[] = { 47, 58, 200 };

		rule->proto = others[rnd(3)];
		if (rule->proto == BH_PROTO_ICMPV6 && rnd(2))
			rule->from_port = (int)rnd(5);  /* an ICMPv6 type: never IPv4 */
	}
}

static const struct nft_set *find_set(const struct nft_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->set_count; i++) {
		if (strcmp(t->sets[i].name, name) == 0)
			return &t->sets[i];
	}
	return NULL;
}

static void read_set(const struct nft_set *set, int fields, struct elem **ret, size_t *ret_count)
{
	size_t k;

	*ret = calloc(set->elements.count + 1, sizeof(**ret));
	assert_non_null(*ret);
	for (k = 0; k < set->elements.count; k++) {
		if (!parse_elem(set->elements.items[k], fields, &(*ret)[k]))
			fail_msg("cannot read element '%s' of %s", set->elements.items[k], set->name);
	}
	*ret_count = set->elements.count;
}

/* Random rules of every kind over a small universe: at every probe the
 * main set holds the packet in exactly one element when the rules allow
 * it and in none otherwise (disjoint, so nft takes it, and exact); the
 * fallback set holds (address, protocol) exactly when the rules allow
 * every packet of a protocol that may be too short for the main key, and
 * never more than the rules allow. */
static void test_random_rules_give_disjoint_exact_sets(void **state)
{
	static struct probe probes[256];
	size_t nprobes = make_probes(probes);
	int iter;

	(void)state;
	for (iter = 0; iter < 150; iter++) {
		struct snapshot_text g;
		struct vpc_nft v;
		struct sg_rule rules[U_RULES];
		uint32_t nets[U_RULES];
		unsigned lens[U_RULES];
		struct elem *main_el, *fb_el;
		size_t main_n, fb_n, k, j;
		int nrules = 1 + (int)rnd(U_RULES), i;
		uint32_t x;
		struct instance *inst;
		struct eni *e;

		memset(&g, 0, sizeof(g));
		bh_strlcpy(g.vpc, "vpc-0000000000000000a", sizeof(g.vpc));
		inst = list_push(&g.snap.instances);
		bh_strlcpy(inst->id, "i-00000000000000001", sizeof(inst->id));
		bh_strlcpy(inst->state, BH_STATE_RUNNING, sizeof(inst->state));
		e = list_push(&g.snap.enis);
		bh_strlcpy(e->id, "eni-00000000000000001", sizeof(e->id));
		bh_strlcpy(e->vpc_id, g.vpc, sizeof(e->vpc_id));
		bh_strlcpy(e->instance_id, inst->id, sizeof(e->instance_id));
		bh_strlcpy(e->private_ip, "10.0.0.10", sizeof(e->private_ip));
		bh_strlcpy(e->mac, "02:00:00:00:00:01", sizeof(e->mac));
		bh_strlcpy(e->group_ids[0], "sg-00000000000000001", sizeof(e->group_ids[0]));
		e->group_count = 1;
		bh_strlcpy(list_push(&g.snap.groups)->id, "sg-00000000000000001", BH_MAX_ID);
		bh_strlcpy(g.snap.groups.items[0].vpc_id, g.vpc, BH_MAX_ID);
		for (i = 0; i < nrules; i++) {
			unsigned a, b, c, d;

			random_rule(&rules[i], i);
			*list_push(&g.snap.rules) = rules[i];
			assert_int_equal(sscanf(rules[i].cidr_ipv4, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &lens[i]), 5);
			nets[i] = a << 24 | b << 16 | c << 8 | d;
		}
		assert_int_equal(policy_compile_vpc(&g.snap, g.vpc, &v), 0);
		assert_non_null(find_set(&v.filter, "g_00000000000000001_in"));
		assert_non_null(find_set(&v.filter, "g_00000000000000001_in_a"));
		read_set(find_set(&v.filter, "g_00000000000000001_in"), 4, &main_el, &main_n);
		read_set(find_set(&v.filter, "g_00000000000000001_in_a"), 2, &fb_el, &fb_n);
		for (x = U_BASE; x < U_BASE + U_ADDRS; x++) {
			for (k = 0; k < nprobes; k++) {
				const struct probe *p = &probes[k];
				bool want = false, any = false, fallback = p->proto != 1 && p->proto != 6 && p->proto != 17;
				size_t hits = 0, fb_hits = 0;

				for (i = 0; i < nrules && !want; i++)
					want = rule_allows(&rules[i], nets[i], lens[i], x, p);
				/* every packet of the protocol, whatever its ports or type */
				for (i = 0; i < nrules && !any; i++) {
					any = in_prefix(x, nets[i], lens[i]) &&
					      (rules[i].proto == BH_PROTO_ALL ||
					       (rules[i].proto == p->proto && rules[i].from_port < 0 &&
						(p->proto != 6 && p->proto != 17)));
				}
				for (j = 0; j < main_n; j++) {
					const struct elem *el = &main_el[j];

					hits += in_prefix(x, el->addr, el->len) && in_span(&el->f[0], (unsigned)p->proto) &&
						in_span(&el->f[1], p->dport) && in_span(&el->f[2], p->sport);
				}
				for (j = 0; j < fb_n; j++)
					fb_hits += in_prefix(x, fb_el[j].addr, fb_el[j].len) &&
						   in_span(&fb_el[j].f[0], (unsigned)p->proto);
				if (hits != (want ? 1u : 0u) || fb_hits > 1 || (fallback && fb_hits != any) ||
				    (fb_hits && !want))
					fail_msg("iteration %d: address %08x protocol %d dport %u sport %u: "
						 "main set %zu elements (want %d), fallback %zu (want %d)",
						 iter, x, p->proto, p->dport, p->sport, hits, want, fb_hits, any);
			}
		}
		free(main_el);
		free(fb_el);
		vpc_nft_release(&v);
		snapshot_text_release(&g);
	}
}

/* Chains and set declarations of two plans are the same: what a rule
 * change may differ in is set elements only. */
static void assert_same_but_elements(const struct nft_table *a, const struct nft_table *b, const char *what)
{
	size_t i, k;

	if (a->chain_count != b->chain_count || a->set_count != b->set_count)
		fail_msg("%s: %zu/%zu chains, %zu/%zu sets", what, a->chain_count, b->chain_count, a->set_count,
			 b->set_count);
	for (i = 0; i < a->set_count; i++) {
		if (strcmp(a->sets[i].name, b->sets[i].name) != 0 || strcmp(a->sets[i].type, b->sets[i].type) != 0)
			fail_msg("%s: set %s became %s", what, a->sets[i].name, b->sets[i].name);
	}
	for (i = 0; i < a->chain_count; i++) {
		const struct nft_chain *x = &a->chains[i], *y = &b->chains[i];

		if (strcmp(x->name, y->name) != 0 || x->rules.count != y->rules.count)
			fail_msg("%s: chain %s changed", what, x->name);
		for (k = 0; k < x->rules.count; k++) {
			if (strcmp(x->rules.items[k], y->rules.items[k]) != 0)
				fail_msg("%s: chain %s: '%s' became '%s'", what, x->name, x->rules.items[k],
					 y->rules.items[k]);
		}
	}
}

/* Authorizing or revoking a rule of any kind (ICMP type and code ones
 * too) changes set elements only, never a chain or a set declaration:
 * the agent's transaction for it is elements, and applies fast. */
static void test_rule_changes_touch_only_elements(void **state)
{
	static const char *const cases[] = { "icmp", "protocols", "three_tier" };
	static const char *const kinds[] = {
		"in icmp 3 4 192.0.2.0/24", "in icmp 8 -1 %s", "in icmp -1 -1 0.0.0.0/0", "out icmp 0 0 10.0.0.0/8",
		"out icmp 11 -1 %s", "in -1 -1 -1 10.0.0.0/8", "in -1 -1 -1 %s", "out -1 -1 -1 0.0.0.0/0",
		"in 47 -1 -1 1.2.3.4/32", "in 255 -1 -1 %s", "in tcp 1 65535 %s", "in udp 53 53 10.1.2.0/24",
		"in icmpv6 128 -1 10.0.0.0/8", "in icmpv6 -1 -1 10.0.0.0/8", "in udp 53 53 2001:db8::/32",
	};
	size_t c, k;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char path[512], err[256];
		struct snapshot_text g;
		struct vpc_nft before;

		bh_snprintf(path, sizeof(path), "%s/%s.in", golden_dir(), cases[c]);
		assert_int_equal(snapshot_text_load(path, &g, err, sizeof(err)), 0);
		assert_int_equal(policy_compile_vpc(&g.snap, g.vpc, &before), 0);
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			const char *group = g.snap.groups.items[0].id;
			const char *peer = g.snap.groups.items[g.snap.groups.count > 1 ? 1 : 0].id;
			char line[256], what[300], spec[128];
			struct vpc_nft after;

			bh_snprintf(spec, sizeof(spec), kinds[k], peer);
			bh_snprintf(line, sizeof(line), "rule %s %s id=sgr-fff%014zx\n", group, spec, k);
			bh_snprintf(what, sizeof(what), "%s + %s", cases[c], line);
			assert_int_equal(snapshot_text_parse(&g, line, "added", err, sizeof(err)), 0);
			snapshot_text_link(&g);
			assert_int_equal(policy_compile_vpc(&g.snap, g.vpc, &after), 0);
			assert_same_but_elements(&before.filter, &after.filter, what);
			vpc_nft_release(&after);
			/* and revoked again */
			g.snap.rules.count--;
			assert_int_equal(policy_compile_vpc(&g.snap, g.vpc, &after), 0);
			assert_same_but_elements(&before.filter, &after.filter, what);
			vpc_nft_release(&after);
		}
		vpc_nft_release(&before);
		snapshot_text_release(&g);
	}
}

/* Many vNICs and groups: every array of the plan grows several times while
 * the compiler holds pointers into it (ASan watches). */
static void test_many_vnics(void **state)
{
	struct snapshot s;
	struct vpc_nft v;
	const struct nft_set *egress;
	size_t i, nic_chains = 0;
	int k;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (k = 0; k < 40; k++) {
		struct security_group *g = list_push(&s.groups);
		struct sg_rule *r;

		bh_snprintf(g->id, sizeof(g->id), "sg-%017x", k);
		bh_strlcpy(g->vpc_id, "vpc-0000000000000000a", sizeof(g->vpc_id));
		r = list_push(&s.rules);
		bh_snprintf(r->id, sizeof(r->id), "sgr-%017x", k);
		bh_strlcpy(r->group_id, g->id, sizeof(r->group_id));
		bh_snprintf(r->ref_group_id, sizeof(r->ref_group_id), "sg-%017x", (k + 1) % 40);
		r->proto = BH_PROTO_TCP;
		r->from_port = 1000 + k;
		r->to_port = 2000 + k;
		r->egress = k % 2;
	}
	for (k = 0; k < 300; k++) {
		struct instance *in = list_push(&s.instances);
		struct eni *e = list_push(&s.enis);

		bh_snprintf(in->id, sizeof(in->id), "i-%017x", k);
		bh_strlcpy(in->state, BH_STATE_RUNNING, sizeof(in->state));
		bh_snprintf(e->id, sizeof(e->id), "eni-%012x00000", k);
		bh_strlcpy(e->vpc_id, "vpc-0000000000000000a", sizeof(e->vpc_id));
		bh_strlcpy(e->instance_id, in->id, sizeof(e->instance_id));
		bh_snprintf(e->private_ip, sizeof(e->private_ip), "10.0.%d.%d", k / 200, 10 + k % 200);
		bh_snprintf(e->mac, sizeof(e->mac), "02:00:00:00:%02x:%02x", k / 256, k % 256);
		bh_snprintf(e->public_ip, sizeof(e->public_ip), "203.0.113.%d", 128 + k % 128);
		bh_snprintf(e->group_ids[0], BH_MAX_ID, "sg-%017x", k % 40);
		bh_snprintf(e->group_ids[1], BH_MAX_ID, "sg-%017x", (k * 7) % 40);
		e->group_count = 2;
		e->source_dest_check = true;
	}
	assert_int_equal(policy_compile_vpc(&s, "vpc-0000000000000000a", &v), 0);
	egress = find_set(&v.filter, "egress_by_if");
	assert_non_null(egress);
	assert_int_equal(egress->elements.count, 300);
	for (i = 0; i < v.filter.chain_count; i++) {
		const struct nft_chain *c = &v.filter.chains[i];

		if (strncmp(c->name, "nic_", 4) != 0)
			continue;
		nic_chains++;
		assert_true(c->rules.count >= 2);
		assert_string_equal(c->rules.items[c->rules.count - 1], "drop");
	}
	assert_int_equal(nic_chains, 600);
	assert_int_equal(v.l2.chain_count, 300);
	/* 128 public addresses for 300 ENIs: each mapped once */
	assert_int_equal(find_set(&v.nat, "public_to_private")->elements.count, 128);
	assert_int_equal(find_set(&v.filter, "has_public")->elements.count, 128);
	vpc_nft_release(&v);
	snapshot_release(&s);
}

/* --- small direct checks --- */

static void test_names(void **state)
{
	char ns[64], ifn[16];

	(void)state;
	vpc_netns_name("vpc-0123456789abcdef0", ns);
	assert_string_equal(ns, "bh-vpc-0123456789abcdef0");
	vpc_netns_name(BH_PUBLIC_NET_ID, ns);
	assert_string_equal(ns, "bh-vpc-public");
	instance_netns_name("i-0123456789abcdef0", ns);
	assert_string_equal(ns, "bh-i-0123456789abcdef0");
	eni_router_ifname("eni-0123456789abcdef0", ifn);
	assert_string_equal(ifn, "bhe0123456789ab");
	igw_router_ifname("vpc-0123456789abcdef0", ifn);
	assert_string_equal(ifn, "bhg0123456789ab");
	igw_internet_ifname("vpc-0123456789abcdef0", ifn);
	assert_string_equal(ifn, "bhx0123456789ab");
	igw_router_ifname(BH_PUBLIC_NET_ID, ifn);
	assert_string_equal(ifn, "bhgpublic");
	/* a malformed id cannot smuggle quotes or spaces into nft text */
	eni_router_ifname("eni-\"; flush ruleset", ifn);
	assert_string_equal(ifn, "bheflushruleset");
}

static void test_bad_vpc_id(void **state)
{
	struct snapshot s;
	struct vpc_nft v;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(policy_compile_vpc(&s, "vpc-\" flush", &v), -EINVAL);
	vpc_nft_release(&v);
	assert_int_equal(policy_compile_vpc(&s, "vpc-0000000000000000a", &v), 0);
	/* an unknown VPC gets the skeleton: base chains, no vNICs */
	assert_int_equal(v.filter.chain_count, 3);
	assert_int_equal(v.l2.chain_count, 0);
	vpc_nft_release(&v);
}

/* --- helper modes for check-nft.sh --- */

static int die(const char *msg)
{
	fprintf(stderr, "test_compile: %s\n", msg);
	return 2;
}

/* The part of a ruleset listing that is `table FAMILY NAME { … }`. */
static char *table_listing(const char *ruleset, const struct nft_table *t)
{
	struct buf head = BUF_INIT(256), out = BUF_INIT(FILE_MAX);
	const char *p, *end;

	if (buf_printf(&head, "table %s %s {\n", t->family, t->name) < 0)
		return NULL;
	p = strstr(ruleset, buf_str(&head));
	buf_release(&head);
	if (!p)
		return buf_detach(&out);
	end = strstr(p, "\n}\n");
	buf_append(&out, p, end ? (size_t)(end - p) + 3 : strlen(p));
	return buf_detach(&out);
}

static int tool_main(int argc, char **argv)
{
	struct buf out = BUF_INIT(OUT_MAX);
	struct vpc_nft a, b;
	char err[512] = "";
	int r = 0;

	if (argc == 3 && strcmp(argv[1], "--render") == 0) {
		if (compile_file(argv[2], &a, err, sizeof(err)) < 0)
			return die(err);
		r = render_all(&a, &out);
		vpc_nft_release(&a);
	} else if (argc == 3 && strcmp(argv[1], "--summary") == 0) {
		const struct nft_table *tables[3] = { &a.filter, &a.nat, &a.l2 };

		if (compile_file(argv[2], &a, err, sizeof(err)) < 0)
			return die(err);
		for (int t = 0; t < 3 && r == 0; t++) {
			for (size_t i = 0; i < tables[t]->set_count && r == 0; i++)
				r = buf_printf(&out, "%s %s set %s %zu\n", tables[t]->family, tables[t]->name,
					       tables[t]->sets[i].name, tables[t]->sets[i].elements.count);
			for (size_t i = 0; i < tables[t]->chain_count && r == 0; i++)
				r = buf_printf(&out, "%s %s chain %s %zu\n", tables[t]->family, tables[t]->name,
					       tables[t]->chains[i].name, tables[t]->chains[i].rules.count);
		}
		vpc_nft_release(&a);
	} else if (argc == 4 && strcmp(argv[1], "--sync") == 0) {
		if (compile_file(argv[2], &a, err, sizeof(err)) < 0)
			return die(err);
		if (compile_file(argv[3], &b, err, sizeof(err)) < 0) {
			vpc_nft_release(&a);
			return die(err);
		}
		r = nft_table_sync(&b.filter, &a.filter, NULL, &out);
		if (r == 0)
			r = nft_table_sync(&b.nat, &a.nat, NULL, &out);
		if (r == 0)
			r = nft_table_sync(&b.l2, &a.l2, NULL, &out);
		vpc_nft_release(&a);
		vpc_nft_release(&b);
	} else if (argc == 4 && strcmp(argv[1], "--sync-full") == 0) {
		const struct nft_table *tables[3] = { &b.filter, &b.nat, &b.l2 };
		char *ruleset = NULL;

		if (read_file(argv[3], &ruleset) < 0)
			return die("cannot read the listing");
		if (compile_file(argv[2], &b, err, sizeof(err)) < 0) {
			free(ruleset);
			return die(err);
		}
		for (int t = 0; t < 3 && r == 0; t++) {
			struct nft_names names = { 0 };
			char *part = table_listing(ruleset, tables[t]);

			r = part ? nft_names_parse(part, &names) : -ENOMEM;
			if (r == 0)
				r = nft_table_sync(tables[t], NULL, &names, &out);
			nft_names_release(&names);
			free(part);
		}
		free(ruleset);
		vpc_nft_release(&b);
	} else {
		return die("usage: test_compile [--render F.in | --summary F.in | --sync A.in B.in | "
			   "--sync-full B.in LISTING]");
	}
	if (r == 0)
		fputs(buf_str(&out), stdout);
	buf_release(&out);
	return r == 0 ? 0 : die(strerror(-r));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_corpus),
		cmocka_unit_test(test_random_rules_give_disjoint_exact_sets),
		cmocka_unit_test(test_rule_changes_touch_only_elements),
		cmocka_unit_test(test_many_vnics),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bad_vpc_id),
	};

	if (argc > 1)
		return tool_main(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
