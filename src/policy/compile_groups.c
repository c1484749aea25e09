/* compile_groups.c - one security group's rules into its nft sets and
 * chains, per direction: peers as prefixes, rules sorted by what carries them. */
#include "compile_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "model/proto.h"
#include "policy/intervals.h"

#define PORT_MAX 65535
#define ICMP_FIELD_MAX 255
#define VERDICT_EGRESS "goto ingress_dispatch"
#define VERDICT_INGRESS "accept"

/* --- prefixes and protocols as text --- */

static int parse_prefix(const char *s, struct prefix *ret)
{
	struct cidr c;

	if (cidr_parse(s, AF_INET, NULL, &c, NULL) < 0)
		return -EINVAL;
	ret->addr = (uint32_t)c.addr[0] << 24 | (uint32_t)c.addr[1] << 16 | (uint32_t)c.addr[2] << 8 | c.addr[3];
	ret->len = c.prefix;
	return 0;
}

/* nft prints a /32 as the bare address; so do we. */
static void format_prefix(const struct prefix *p, char ret[BH_CIDR_STR])
{
	char a[BH_IPV4_STR];

	compile_format_addr(p->addr, a);
	if (p->len == 32)
		bh_strlcpy(ret, a, BH_CIDR_STR);
	else
		bh_snprintf(ret, BH_CIDR_STR, "%s/%u", a, p->len);
}

/* Names where nft and people agree on them, numbers otherwise. */
static void format_proto(int proto, char ret[8])
{
	if (proto == BH_PROTO_TCP)
		bh_strlcpy(ret, "tcp", 8);
	else if (proto == BH_PROTO_UDP)
		bh_strlcpy(ret, "udp", 8);
	else if (proto == BH_PROTO_ICMP)
		bh_strlcpy(ret, "icmp", 8);
	else
		bh_snprintf(ret, 8, "%d", proto);
}

/* --- one direction of one group --- */

struct direction {
	struct box_list ports;   /* tcp/udp with a port range: _p */
	struct box_list protos;  /* one protocol, any port: _a */
	struct box_list all;     /* every protocol: _x */
	struct box_list icmp;    /* ICMP with a type (and code): rules */
};

static void direction_release(struct direction *d)
{
	box_list_release(&d->ports);
	box_list_release(&d->protos);
	box_list_release(&d->all);
	box_list_release(&d->icmp);
}

/* The peer of a rule as prefixes: its CIDR, or the addresses of the peer
 * group's vNICs in this VPC (none elsewhere). IPv6 peers give nothing:
 * rules with cidr_ipv6 are stored and listed by the API but not compiled,
 * as no instance has an IPv6 address yet and the forward chain drops all
 * IPv6 (policy drop, no rule matches it). */
static int rule_peers(const struct compile *c, const struct sg_rule *rule, struct prefix **ret, size_t *ret_count)
{
	struct membership key = { rule->ref_group_id, 0 };
	struct prefix *p;
	size_t i, lo, hi, n = 0;

	*ret = NULL;
	*ret_count = 0;
	if (rule->cidr_ipv4[0]) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		if (parse_prefix(rule->cidr_ipv4, p) < 0) {
			free(p);
			return 0;
		}
		*ret = p;
		*ret_count = 1;
		return 0;
	}
	if (!rule->ref_group_id[0])
		return 0;
	p = calloc(c->vnic_count + 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	/* members are sorted by group: find the first of this one */
	lo = 0;
	hi = c->member_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(c->members[mid].group_id, key.group_id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < c->member_count && strcmp(c->members[i].group_id, key.group_id) == 0; i++) {
		uint32_t a;

		if (compile_parse_ipv4(c->vnics[c->members[i].vnic].ip, &a) == 0)
			p[n++] = (struct prefix){ a, 32 };
	}
	*ret = p;
	*ret_count = n;
	return 0;
}

/* Sort one rule into the set or rule list that carries it. Rules that
 * cannot match IPv4 or are malformed add nothing (fail closed). */
static int direction_add(struct direction *d, const struct sg_rule *rule, const struct prefix *peers, size_t n)
{
	struct box_list *to = NULL;
	struct box b = { .proto = rule->proto, .lo = 0, .hi = 0 };
	size_t i;
	int r = 0;

	if (rule->proto == BH_PROTO_ALL) {
		to = &d->all;
	} else if (rule->proto == BH_PROTO_TCP || rule->proto == BH_PROTO_UDP) {
		if (rule->from_port < 0 || rule->to_port > PORT_MAX || rule->from_port > rule->to_port)
			return 0;
		to = &d->ports;
		b.lo = rule->from_port;
		b.hi = rule->to_port;
	} else if (rule->proto == BH_PROTO_ICMP && rule->from_port >= 0) {
		if (rule->from_port > ICMP_FIELD_MAX || rule->to_port < -1 || rule->to_port > ICMP_FIELD_MAX)
			return 0;
		to = &d->icmp;
		b.lo = rule->from_port;
		b.hi = rule->to_port;
	} else if (rule->proto == BH_PROTO_ICMPV6 && rule->from_port >= 0) {
		return 0;  /* an ICMPv6 type never matches an IPv4 packet */
	} else if (rule->proto >= 0 && rule->proto <= 255) {
		to = &d->protos;
	} else {
		return 0;
	}
	for (i = 0; i < n && r == 0; i++) {
		b.pfx = peers[i];
		r = box_list_push(to, &b);
	}
	return r;
}

static int cmp_icmp(const void *a, const void *b)
{
	const struct box *x = a, *y = b;

	if (x->lo != y->lo)
		return (x->lo > y->lo) - (x->lo < y->lo);
	if (x->hi != y->hi)
		return (x->hi > y->hi) - (x->hi < y->hi);
	return prefix_cmp(&x->pfx, &y->pfx);
}

/* One rule per ICMP (type, code), its peers merged into one match. */
static int icmp_rules(struct box_list *icmp, const char *addr_key, const char *verdict, struct strlist *rules)
{
	struct buf match = BUF_INIT(1024 * 1024);
	size_t i, j, k, n;
	int r = 0;

	if (icmp->count)
		qsort(icmp->items, icmp->count, sizeof(*icmp->items), cmp_icmp);
	for (i = 0; i < icmp->count && r == 0; i = j) {
		struct box *run = &icmp->items[i];
		struct prefix *p;

		for (j = i + 1; j < icmp->count; j++) {
			if (icmp->items[j].lo != run->lo || icmp->items[j].hi != run->hi)
				break;
		}
		p = calloc(j - i, sizeof(*p));
		if (!p) {
			r = -ENOMEM;
			break;
		}
		for (k = 0; k < j - i; k++)
			p[k] = run[k].pfx;
		n = prefixes_aggregate(p, j - i);
		buf_reset(&match);
		if (n > 1 || p[0].len > 0)
			r = buf_printf(&match, "ip %s %s", addr_key, n > 1 ? "{ " : "");
		for (k = 0; k < n && r == 0 && (n > 1 || p[0].len > 0); k++) {
			char text[BH_CIDR_STR];

			format_prefix(&p[k], text);
			r = buf_printf(&match, "%s%s", k ? ", " : "", text);
		}
		if (r == 0 && n > 1)
			r = buf_puts(&match, " }");
		if (r == 0 && match.len)
			r = buf_putc(&match, ' ');
		if (r == 0 && run->hi >= 0)
			r = strlist_addf(rules, "%sicmp type %d icmp code %d %s", buf_str(&match), run->lo, run->hi,
					 verdict);
		else if (r == 0)
			r = strlist_addf(rules, "%sicmp type %d %s", buf_str(&match), run->lo, verdict);
		free(p);
	}
	buf_release(&match);
	return r;
}

static int fill_set(struct nft_table *t, const char *name, const char *type, const struct box_list *boxes,
		    int fields)
{
	struct nft_set *set = nft_table_set(t, name, false, type, "interval");
	size_t i;
	int r = 0;

	if (!set)
		return -ENOMEM;
	for (i = 0; i < boxes->count && r == 0; i++) {
		const struct box *b = &boxes->items[i];
		char addr[BH_CIDR_STR], proto[8];

		format_prefix(&b->pfx, addr);
		format_proto(b->proto, proto);
		if (fields == 1)
			r = strlist_add(&set->elements, addr);
		else if (fields == 2)
			r = strlist_addf(&set->elements, "%s . %s", addr, proto);
		else if (b->lo == b->hi)
			r = strlist_addf(&set->elements, "%s . %s . %d", addr, proto, b->lo);
		else
			r = strlist_addf(&set->elements, "%s . %s . %d-%d", addr, proto, b->lo, b->hi);
	}
	return r;
}

/* Sets g_<sg>_<dir>_{p,a,x} and chain g_<sg>_<dir>. The three set rules
 * are always there, even for empty sets, so that a membership or rule
 * change is an element change, never a chain rewrite. */
static int emit_direction(struct nft_table *t, const char *hex, bool egress, struct direction *d)
{
	const char *dir = egress ? "out" : "in";
	const char *key = egress ? "daddr" : "saddr";
	const char *verdict = egress ? VERDICT_EGRESS : VERDICT_INGRESS;
	struct box_list p = { 0 }, a = { 0 }, x = { 0 };
	struct nft_chain *chain;
	char name[BH_NFT_NAME];
	int r;

	r = ports_disjoint(&d->ports, &p);
	if (r == 0)
		r = addresses_disjoint(&d->protos, true, &a);
	if (r == 0)
		r = addresses_disjoint(&d->all, false, &x);
	if (r == 0) {
		bh_snprintf(name, sizeof(name), "g_%s_%s_p", hex, dir);
		r = fill_set(t, name, "ipv4_addr . inet_proto . inet_service", &p, 3);
	}
	if (r == 0) {
		bh_snprintf(name, sizeof(name), "g_%s_%s_a", hex, dir);
		r = fill_set(t, name, "ipv4_addr . inet_proto", &a, 2);
	}
	if (r == 0) {
		bh_snprintf(name, sizeof(name), "g_%s_%s_x", hex, dir);
		r = fill_set(t, name, "ipv4_addr", &x, 1);
	}
	if (r < 0)
		goto out;
	bh_snprintf(name, sizeof(name), "g_%s_%s", hex, dir);
	chain = nft_table_chain(t, name, "");
	if (!chain) {
		r = -ENOMEM;
		goto out;
	}
	r = strlist_addf(&chain->rules, "ip %s . meta l4proto . th dport @%s_p %s", key, name, verdict);
	if (r == 0)
		r = strlist_addf(&chain->rules, "ip %s . meta l4proto @%s_a %s", key, name, verdict);
	if (r == 0)
		r = strlist_addf(&chain->rules, "ip %s @%s_x %s", key, name, verdict);
	if (r == 0)
		r = icmp_rules(&d->icmp, key, verdict, &chain->rules);
out:
	box_list_release(&p);
	box_list_release(&a);
	box_list_release(&x);
	return r;
}

int compile_emit_group(const struct compile *c, struct nft_table *t, const char *group_id,
		       const struct sg_rule *const *rules, size_t n)
{
	struct direction in = { 0 }, out = { 0 };
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		struct prefix *peers;
		size_t count;

		r = rule_peers(c, rules[i], &peers, &count);
		if (r == 0)
			r = direction_add(rules[i]->egress ? &out : &in, rules[i], peers, count);
		free(peers);
	}
	if (r == 0)
		r = emit_direction(t, compile_id_hex(group_id), false, &in);
	if (r == 0)
		r = emit_direction(t, compile_id_hex(group_id), true, &out);
	direction_release(&in);
	direction_release(&out);
	return r;
}
