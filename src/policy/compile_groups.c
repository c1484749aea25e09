/* compile_groups.c - one security group's rules into its two nft sets per
 * direction: peers as prefixes, every rule a disjoint box of one key. */
#include "compile_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "model/proto.h"
#include "policy/intervals.h"

#define PORT_MAX 65535
#define PROTO_MAX 255
#define ICMP_FIELD_MAX 255
#define MAIN_TYPE "ipv4_addr . inet_proto . inet_service . inet_service"
#define FALLBACK_TYPE "ipv4_addr . inet_proto"

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
static void format_proto(int proto, char ret[16])
{
	if (proto == BH_PROTO_TCP)
		bh_strlcpy(ret, "tcp", 16);
	else if (proto == BH_PROTO_UDP)
		bh_strlcpy(ret, "udp", 16);
	else if (proto == BH_PROTO_ICMP)
		bh_strlcpy(ret, "icmp", 16);
	else
		bh_snprintf(ret, 16, "%d", proto);
}

/* --- one direction of one group --- */

/* Every rule of a direction becomes a box on one (address, protocol,
 * port axis) space, the port axis being what the main set's key reads for
 * that protocol: the destination port of TCP and UDP, type << 8 | code of
 * ICMP (the first two bytes of its header, `th sport`), the whole range
 * for any other protocol. */
struct direction {
	struct box_list boxes;   /* one protocol: ports, ICMP type/code, or any */
	struct box_list all;     /* every protocol */
};

static void direction_release(struct direction *d)
{
	box_list_release(&d->boxes);
	box_list_release(&d->all);
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

/* Sort one rule into the boxes that carry it. Rules that cannot match
 * IPv4 or are malformed add nothing (fail closed). */
static int direction_add(struct direction *d, const struct sg_rule *rule, const struct prefix *peers, size_t n)
{
	struct box_list *to = &d->boxes;
	struct box b = { .proto = rule->proto, .lo = 0, .hi = PORT_MAX };
	size_t i;
	int r = 0;

	if (rule->proto == BH_PROTO_ALL) {
		to = &d->all;
	} else if (rule->proto == BH_PROTO_TCP || rule->proto == BH_PROTO_UDP) {
		if (rule->from_port < 0 || rule->to_port > PORT_MAX || rule->from_port > rule->to_port)
			return 0;
		b.lo = rule->from_port;
		b.hi = rule->to_port;
	} else if (rule->proto == BH_PROTO_ICMP && rule->from_port >= 0) {
		if (rule->from_port > ICMP_FIELD_MAX || rule->to_port < -1 || rule->to_port > ICMP_FIELD_MAX)
			return 0;
		/* code -1: every code of the type */
		b.lo = rule->from_port << 8 | (rule->to_port < 0 ? 0 : rule->to_port);
		b.hi = rule->from_port << 8 | (rule->to_port < 0 ? ICMP_FIELD_MAX : rule->to_port);
	} else if (rule->proto == BH_PROTO_ICMPV6 && rule->from_port >= 0) {
		return 0;  /* an ICMPv6 type never matches an IPv4 packet */
	} else if (rule->proto < 0 || rule->proto > PROTO_MAX) {
		return 0;
	}
	for (i = 0; i < n && r == 0; i++) {
		b.pfx = peers[i];
		r = box_list_push(to, &b);
	}
	return r;
}

/* TCP, UDP and ICMP packets too short for the main key are invalid to
 * conntrack and dropped before any group is asked; other protocols may
 * carry fewer than four bytes and need the fallback set. */
static bool proto_has_fallback(int proto)
{
	return proto != BH_PROTO_TCP && proto != BH_PROTO_UDP && proto != BH_PROTO_ICMP;
}

static void format_range(int lo, int hi, char ret[16])
{
	if (lo == hi)
		bh_snprintf(ret, 16, "%d", lo);
	else
		bh_snprintf(ret, 16, "%d-%d", lo, hi);
}

/* Each all-protocol prefix with every protocol range its joins (sorted
 * by prefix, then protocol) leave to it: "ADDR . LO-HI" and tail. */
static int add_all_elements(struct nft_set *set, const struct box_list *all, const struct box_list *joins,
			    const char *tail)
{
	size_t i, j = 0;
	int r = 0;

	for (i = 0; i < all->count && r == 0; i++) {
		const struct prefix *x = &all->items[i].pfx;
		char addr[BH_CIDR_STR], proto[16];
		int next = 0;

		format_prefix(x, addr);
		while (j < joins->count && prefix_cmp(&joins->items[j].pfx, x) < 0)
			j++;
		while (next <= PROTO_MAX && r == 0) {
			bool join = j < joins->count && prefix_cmp(&joins->items[j].pfx, x) == 0;
			int stop = join ? joins->items[j++].proto : PROTO_MAX + 1;

			if (next < stop) {
				if (next == stop - 1)
					format_proto(next, proto);
				else
					format_range(next, stop - 1, proto);
				r = strlist_addf(&set->elements, "%s . %s%s", addr, proto, tail);
			}
			next = stop + 1;
		}
	}
	return r;
}

/* One set of a direction, from the one-protocol boxes and the all-protocol
 * prefixes (all): the main set g_<sg>_<dir> (address . protocol . th
 * dport . th sport) or the fallback set g_<sg>_<dir>_a (address .
 * protocol, only the protocols that have it). Elements are disjoint: nft
 * refuses an interval element whose first or last point lies in another. */
static int fill_set(struct nft_table *t, const char *name, const struct box_list *boxes,
		    const struct box_list *all, bool fallback)
{
	struct box_list in = { 0 }, kept = { 0 }, joins = { 0 }, pieces = { 0 };
	struct nft_set *set;
	size_t i;
	int r = 0;

	set = nft_table_set(t, name, false, fallback ? FALLBACK_TYPE : MAIN_TYPE, "interval");
	if (!set)
		return -ENOMEM;
	for (i = 0; i < boxes->count && r == 0; i++) {
		if (!fallback || proto_has_fallback(boxes->items[i].proto))
			r = box_list_push(&in, &boxes->items[i]);
	}
	if (r == 0)
		r = boxes_around_all(&in, all, 0, PORT_MAX, &kept, &joins);
	for (i = 0; i < joins.count && r == 0; i++)
		r = box_list_push(&kept, &joins.items[i]);
	if (r == 0)
		r = fallback ? addresses_disjoint(&kept, true, &pieces) : ports_disjoint(&kept, &pieces);
	for (i = 0; i < pieces.count && r == 0; i++) {
		const struct box *b = &pieces.items[i];
		char addr[BH_CIDR_STR], proto[16], range[16];

		format_prefix(&b->pfx, addr);
		format_proto(b->proto, proto);
		format_range(b->lo, b->hi, range);
		if (fallback)
			r = strlist_addf(&set->elements, "%s . %s", addr, proto);
		else if (b->proto == BH_PROTO_ICMP)
			r = strlist_addf(&set->elements, "%s . %s . 0-%d . %s", addr, proto, PORT_MAX, range);
		else
			r = strlist_addf(&set->elements, "%s . %s . %s . 0-%d", addr, proto, range, PORT_MAX);
	}
	if (r == 0)
		r = add_all_elements(set, all, &joins, fallback ? "" : " . 0-65535 . 0-65535");
	box_list_release(&in);
	box_list_release(&kept);
	box_list_release(&joins);
	box_list_release(&pieces);
	return r;
}

/* Sets g_<sg>_<dir> and g_<sg>_<dir>_a, both there even when empty, so
 * that a membership or rule change is an element change, never a chain
 * rewrite. The vNIC chains look them up (compile.c). */
static int emit_direction(struct nft_table *t, const char *hex, bool egress, struct direction *d)
{
	const char *dir = egress ? "out" : "in";
	struct box_list all = { 0 };
	char name[BH_NFT_NAME];
	int r;

	r = addresses_disjoint(&d->all, false, &all);
	if (r == 0) {
		bh_snprintf(name, sizeof(name), "g_%s_%s", hex, dir);
		r = fill_set(t, name, &d->boxes, &all, false);
	}
	if (r == 0) {
		bh_snprintf(name, sizeof(name), "g_%s_%s_a", hex, dir);
		r = fill_set(t, name, &d->boxes, &all, true);
	}
	box_list_release(&all);
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
