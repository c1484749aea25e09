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

struct elem {
	uint32_t addr;
	unsigned len;
	int proto;
	int lo, hi;
};

/* "10.0.1.0/25 . tcp . 3-9" (fields 3), "… . tcp" (2), "…" (1) */
static bool parse_elem(const char *s, int fields, struct elem *e)
{
	unsigned a, b, c, d, len = 32;
	char proto[16] = "";
	int used = 0;

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
	if (fields >= 2) {
		if (sscanf(s, " . %15[a-z0-9]%n", proto, &used) != 1)
			return false;
		s += used;
		e->proto = strcmp(proto, "tcp") == 0 ? 6 : strcmp(proto, "udp") == 0 ? 17 : -1;
	}
	if (fields == 3) {
		if (sscanf(s, " . %d%n", &e->lo, &used) != 1)
			return false;
		s += used;
		e->hi = e->lo;
		if (*s == '-' && sscanf(s, "-%d%n", &e->hi, &used) == 1)
			s += used;
	}
	return *s == '\0';
}

static void paint(unsigned char *grid, uint32_t addr, unsigned len, int proto, int lo, int hi, bool count)
{
	uint64_t first = addr, last = (uint64_t)addr + ((uint64_t)1 << (32 - len)) - 1, x;
	int pi = proto == 17 ? 1 : 0, p;

	assert_true(first >= U_BASE && last < U_BASE + U_ADDRS);
	for (x = first; x <= last; x++) {
		for (p = lo; p <= hi; p++) {
			unsigned char *cell = &grid[((x - U_BASE) * 2 + (unsigned)pi) * U_PORTS + (unsigned)p];

			if (count)
				assert_true(++*cell == 1);  /* a second element here: overlap */
			else
				*cell = 1;
		}
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

/* Random TCP/UDP rules over a small universe: the _p set must cover
 * exactly the allowed points, each by one element only; _x likewise. */
static void test_random_rules_give_disjoint_exact_sets(void **state)
{
	size_t grid_size = (size_t)U_ADDRS * 2 * U_PORTS;
	unsigned char *want = calloc(grid_size, 1), *got = calloc(grid_size, 1);
	int iter;

	(void)state;
	assert_non_null(want);
	assert_non_null(got);
	for (iter = 0; iter < 150; iter++) {
		struct snapshot_text g;
		struct vpc_nft v;
		const struct nft_set *p, *x;
		int rules = 1 + (int)rnd(25), i;
		size_t k;
		struct sg_rule *rule;
		struct instance *inst;
		struct eni *e;

		memset(&g, 0, sizeof(g));
		memset(want, 0, grid_size);
		memset(got, 0, grid_size);
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
		for (i = 0; i < rules; i++) {
			unsigned len = 32 - U_BITS + rnd(U_BITS + 1);
			uint32_t addr = (U_BASE + rnd(U_ADDRS)) & (len ? ~0u << (32 - len) : 0);
			int lo = (int)rnd(U_PORTS), hi = lo + (int)rnd((unsigned)(U_PORTS - lo));
			int proto = rnd(5) == 0 ? BH_PROTO_ALL : rnd(2) ? BH_PROTO_TCP : BH_PROTO_UDP;

			rule = list_push(&g.snap.rules);
			bh_snprintf(rule->id, sizeof(rule->id), "sgr-%017x", i);
			bh_strlcpy(rule->group_id, "sg-00000000000000001", sizeof(rule->group_id));
			bh_snprintf(rule->cidr_ipv4, sizeof(rule->cidr_ipv4), "%u.%u.%u.%u/%u", addr >> 24,
				    (addr >> 16) & 255, (addr >> 8) & 255, addr & 255, len);
			rule->proto = proto;
			rule->from_port = proto == BH_PROTO_ALL ? -1 : lo;
			rule->to_port = proto == BH_PROTO_ALL ? -1 : hi;
			if (proto == BH_PROTO_ALL) {
				paint(want, addr, len, 6, 0, U_PORTS - 1, false);
				paint(want, addr, len, 17, 0, U_PORTS - 1, false);
			} else {
				paint(want, addr, len, proto, lo, hi, false);
			}
		}
		assert_int_equal(policy_compile_vpc(&g.snap, g.vpc, &v), 0);
		p = find_set(&v.filter, "g_00000000000000001_in_p");
		x = find_set(&v.filter, "g_00000000000000001_in_x");
		assert_non_null(p);
		assert_non_null(x);
		/* _x elements are disjoint among themselves; paint them on a
		 * scratch grid, then the _p elements that _x does not cover. */
		for (k = 0; k < x->elements.count; k++) {
			struct elem el;

			assert_true(parse_elem(x->elements.items[k], 1, &el));
			paint(got, el.addr, el.len, 6, 0, U_PORTS - 1, true);
			paint(got, el.addr, el.len, 17, 0, U_PORTS - 1, true);
		}
		{
			unsigned char *pgrid = calloc(grid_size, 1);

			assert_non_null(pgrid);
			for (k = 0; k < p->elements.count; k++) {
				struct elem el;

				if (!parse_elem(p->elements.items[k], 3, &el))
					fail_msg("cannot read element '%s'", p->elements.items[k]);
				paint(pgrid, el.addr, el.len, el.proto, el.lo, el.hi, true);
			}
			for (k = 0; k < grid_size; k++)
				got[k] = got[k] || pgrid[k];
			free(pgrid);
		}
		if (memcmp(want, got, grid_size) != 0)
			fail_msg("iteration %d: the sets do not allow exactly what the rules allow", iter);
		vpc_nft_release(&v);
		snapshot_text_release(&g);
	}
	free(want);
	free(got);
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
		cmocka_unit_test(test_many_vnics),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bad_vpc_id),
	};

	if (argc > 1)
		return tool_main(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
