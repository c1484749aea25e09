/* compile.c - the security-group compiler: one VPC's vNICs, groups and
 * rules from a snapshot into the three nftables tables of its router
 * namespace, laid out as docs/dataplane.md describes. */
#include "compile.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/ids.h"
#include "model/proto.h"

#define PORT_MAX 65535
#define ICMP_FIELD_MAX 255
#define VERDICT_EGRESS "goto ingress_dispatch"
#define VERDICT_INGRESS "accept"

/* --- addresses and the interval arithmetic that keeps sets legal --- */

/* An IPv4 prefix in host byte order, host bits zero. */
struct prefix {
	uint32_t addr;
	unsigned len;
};

/* One allowed (address, protocol, port range) box of a group's rules. For
 * ICMP type rules lo/hi carry the type and the code (-1: any code). */
struct box {
	struct prefix pfx;
	int proto;
	int lo, hi;
};

struct box_list {
	struct box *items;
	size_t count, cap;
};

static uint32_t prefix_mask(unsigned len)
{
	return len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
}

static bool prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	return outer->len <= inner->len && (inner->addr & prefix_mask(outer->len)) == outer->addr;
}

static int cmp_prefix(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

/* Make p[0..n) the fewest prefixes covering the same addresses: drop the
 * ones inside others, join sibling halves. Sorted; returns the new count.
 * The result is pairwise disjoint, which is what interval sets need. */
static size_t prefixes_aggregate(struct prefix *p, size_t n)
{
	size_t i, top = 0;

	if (n == 0)
		return 0;
	qsort(p, n, sizeof(*p), cmp_prefix);
	for (i = 0; i < n; i++) {
		/* Sorted by address then length, a prefix inside an earlier
		 * one is inside the last one kept (kept ones are disjoint). */
		if (top > 0 && prefix_contains(&p[top - 1], &p[i]))
			continue;
		p[top++] = p[i];
		while (top >= 2) {
			struct prefix *a = &p[top - 2], *b = &p[top - 1];
			uint32_t bit;

			if (a->len != b->len || a->len == 0)
				break;
			bit = (uint32_t)1 << (32 - a->len);
			if ((a->addr & bit) || (a->addr ^ b->addr) != bit)
				break;
			a->len--;
			top--;
		}
	}
	return top;
}

static int box_push(struct box_list *l, const struct box *b)
{
	if (l->count == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct box *p = realloc(l->items, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->items = p;
		l->cap = ncap;
	}
	l->items[l->count++] = *b;
	return 0;
}

static void box_list_release(struct box_list *l)
{
	free(l->items);
	l->items = NULL;
	l->count = l->cap = 0;
}

static int cmp_box_addr(const void *a, const void *b)
{
	const struct box *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return cmp_prefix(&x->pfx, &y->pfx);
}

static int cmp_box_ports(const void *a, const void *b)
{
	const struct box *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return cmp_prefix(&x->pfx, &y->pfx);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static bool prefixes_equal(const struct prefix *a, size_t an, const struct prefix *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an * sizeof(*a)) == 0);
}

static int emit_ports(struct box_list *out, int proto, const struct prefix *p, size_t n, int lo, int hi)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		struct box b = { .pfx = p[i], .proto = proto, .lo = lo, .hi = hi };

		r = box_push(out, &b);
	}
	return r;
}

/* The boxes b[0..n) of one protocol all lie inside b[0]'s prefix. Cut the
 * port axis at every range boundary; on each piece the covering prefixes,
 * aggregated; equal neighbours joined. The results are pairwise disjoint:
 * pieces do not share ports, and one piece's prefixes do not nest. */
static int split_cluster(const struct box *b, size_t n, struct box_list *out)
{
	struct prefix *cur = NULL, *prev = NULL, *tmp;
	size_t i, k, npts = 0, curn, prevn = 0;
	int *pts = NULL, prev_lo = 0, prev_hi = -2, r = 0;

	if (n == 1)
		return box_push(out, &b[0]);
	pts = calloc(2 * n, sizeof(*pts));
	cur = calloc(n, sizeof(*cur));
	prev = calloc(n, sizeof(*prev));
	if (!pts || !cur || !prev) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		pts[npts++] = b[i].lo;
		pts[npts++] = b[i].hi + 1;
	}
	qsort(pts, npts, sizeof(*pts), cmp_int);
	for (k = 0; k + 1 < npts && r == 0; k++) {
		int lo = pts[k], hi = pts[k + 1] - 1;

		if (pts[k + 1] == pts[k])
			continue;
		curn = 0;
		for (i = 0; i < n; i++) {
			if (b[i].lo <= lo && hi <= b[i].hi)
				cur[curn++] = b[i].pfx;
		}
		curn = prefixes_aggregate(cur, curn);
		if (prev_hi + 1 == lo && prefixes_equal(prev, prevn, cur, curn)) {
			prev_hi = hi;
			continue;
		}
		r = emit_ports(out, b[0].proto, prev, prevn, prev_lo, prev_hi);
		tmp = prev;
		prev = cur;
		cur = tmp;
		prevn = curn;
		prev_lo = lo;
		prev_hi = hi;
	}
	if (r == 0)
		r = emit_ports(out, b[0].proto, prev, prevn, prev_lo, prev_hi);
out:
	free(pts);
	free(cur);
	free(prev);
	return r;
}

/* Turn port boxes (any overlap) into pairwise disjoint ones covering the
 * same (address, protocol, port) points: nft refuses a concatenated
 * interval element whose first or last point lies in another element.
 * Boxes under different maximal prefixes never meet, so the port axis is
 * cut per maximal prefix only; then prefixes that share a protocol and a
 * port range are aggregated once more. */
static int ports_disjoint(struct box_list *in, struct box_list *ret)
{
	struct box_list pieces = { 0 };
	size_t i, j;
	int r = 0;

	if (in->count)
		qsort(in->items, in->count, sizeof(*in->items), cmp_box_addr);
	for (i = 0; i < in->count && r == 0; i = j) {
		const struct box *head = &in->items[i];

		for (j = i + 1; j < in->count; j++) {
			if (in->items[j].proto != head->proto || !prefix_contains(&head->pfx, &in->items[j].pfx))
				break;
		}
		r = split_cluster(head, j - i, &pieces);
	}
	if (pieces.count)
		qsort(pieces.items, pieces.count, sizeof(*pieces.items), cmp_box_ports);
	for (i = 0; i < pieces.count && r == 0; i = j) {
		struct box *run = &pieces.items[i];
		struct prefix *p;
		size_t n, k;

		for (j = i + 1; j < pieces.count; j++) {
			if (pieces.items[j].proto != run->proto || pieces.items[j].lo != run->lo ||
			    pieces.items[j].hi != run->hi)
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
		r = emit_ports(ret, run->proto, p, n, run->lo, run->hi);
		free(p);
	}
	box_list_release(&pieces);
	return r;
}

/* Per protocol (or one run when by_proto is false), the aggregated prefixes
 * of boxes b[0..n), sorted by protocol; ret gets lo = hi = 0. */
static int addresses_disjoint(struct box_list *in, bool by_proto, struct box_list *ret)
{
	size_t i, j, k, n;
	int r = 0;

	if (in->count)
		qsort(in->items, in->count, sizeof(*in->items), cmp_box_addr);
	for (i = 0; i < in->count && r == 0; i = j) {
		struct prefix *p;

		for (j = i + 1; j < in->count; j++) {
			if (by_proto && in->items[j].proto != in->items[i].proto)
				break;
		}
		p = calloc(j - i, sizeof(*p));
		if (!p)
			return -ENOMEM;
		for (k = 0; k < j - i; k++)
			p[k] = in->items[i + k].pfx;
		n = prefixes_aggregate(p, j - i);
		r = emit_ports(ret, by_proto ? in->items[i].proto : BH_PROTO_ALL, p, n, 0, 0);
		free(p);
	}
	return r;
}

/* --- reading the snapshot --- */

static int parse_ipv4(const char *s, uint32_t *ret)
{
	char text[BH_CIDR_STR];
	struct cidr c;

	if (!s || !s[0] || bh_snprintf(text, sizeof(text), "%s/32", s) < 0)
		return -EINVAL;
	if (cidr_parse(text, AF_INET, NULL, &c, NULL) < 0)
		return -EINVAL;
	*ret = (uint32_t)c.addr[0] << 24 | (uint32_t)c.addr[1] << 16 | (uint32_t)c.addr[2] << 8 | c.addr[3];
	return 0;
}

static int parse_prefix(const char *s, struct prefix *ret)
{
	struct cidr c;

	if (cidr_parse(s, AF_INET, NULL, &c, NULL) < 0)
		return -EINVAL;
	ret->addr = (uint32_t)c.addr[0] << 24 | (uint32_t)c.addr[1] << 16 | (uint32_t)c.addr[2] << 8 | c.addr[3];
	ret->len = c.prefix;
	return 0;
}

static void format_addr(uint32_t a, char ret[BH_IPV4_STR])
{
	bh_snprintf(ret, BH_IPV4_STR, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* nft prints a /32 as the bare address; so do we. */
static void format_prefix(const struct prefix *p, char ret[BH_CIDR_STR])
{
	char a[BH_IPV4_STR];

	format_addr(p->addr, a);
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

/* "02:ab:…" with six pairs of hex digits, lower-cased; nothing else may
 * reach nft text. */
static bool mac_normalise(const char *s, char ret[BH_MAC_STR])
{
	size_t i;

	if (strnlen(s, BH_MAC_STR) != BH_MAC_STR - 1)
		return false;
	for (i = 0; i < BH_MAC_STR - 1; i++) {
		char c = s[i];

		if (i % 3 == 2) {
			if (c != ':')
				return false;
		} else if (c >= 'A' && c <= 'F') {
			c = (char)(c - 'A' + 'a');
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
		ret[i] = c;
	}
	ret[BH_MAC_STR - 1] = '\0';
	return true;
}

/* The shared public network's objects may carry its id or no VPC at all. */
static bool in_vpc(const char *obj_vpc, const char *vpc_id)
{
	return strcmp(obj_vpc[0] ? obj_vpc : BH_PUBLIC_NET_ID, vpc_id) == 0;
}

static const char *id_hex(const char *id)
{
	const char *dash = strchr(id, '-');

	return dash ? dash + 1 : id;
}

/* --- the vNICs and groups of one VPC --- */

struct vnic {
	const struct eni *eni;
	char ifname[16];
	char mac[BH_MAC_STR];
	char ip[BH_IPV4_STR];
	char public_ip[BH_IPV4_STR];  /* "" when none */
	const char *groups[BH_MAX_ENI_GROUPS];  /* valid groups of this VPC, sorted, unique */
	size_t group_count;
};

/* (group, vNIC) pairs sorted by group id: who is a member of what. */
struct membership {
	const char *group_id;
	size_t vnic;
};

struct compile {
	const struct snapshot *s;
	const char *vpc_id;
	bool public_net;
	struct vnic *vnics;           /* sorted by ENI id */
	size_t vnic_count;
	struct membership *members;
	size_t member_count;
	const char **groups;          /* used by some vNIC, sorted */
	size_t group_count;
	const struct sg_rule **rules; /* rules of used groups, sorted by group */
	size_t rule_count;
};

static void compile_release(struct compile *c)
{
	free(c->vnics);
	free(c->members);
	free(c->groups);
	free(c->rules);
}

/* An EIP association takes the place of the address given at launch. */
static const char *eni_public_ip(const struct snapshot *s, const struct eni *e)
{
	size_t i;

	for (i = 0; i < s->addresses.count; i++) {
		const struct address *a = &s->addresses.items[i];

		if (!a->association_id[0])
			continue;
		if (strcmp(a->eni_id, e->id) == 0 ||
		    (!a->eni_id[0] && e->instance_id[0] && strcmp(a->instance_id, e->instance_id) == 0))
			return a->public_ip;
	}
	return e->public_ip;
}

static bool instance_has_traffic(const struct instance *i)
{
	return strcmp(i->state, BH_STATE_PENDING) == 0 || strcmp(i->state, BH_STATE_RUNNING) == 0;
}

static int cmp_vnic(const void *a, const void *b)
{
	return strcmp(((const struct vnic *)a)->eni->id, ((const struct vnic *)b)->eni->id);
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Fill v from e, or return false: anything malformed gets no vNIC, and so
 * no traffic (fail closed), without taking the rest of the VPC down. */
static bool vnic_from_eni(const struct compile *c, const struct eni *e, struct vnic *v)
{
	const struct instance *inst;
	const char *pub;
	uint32_t addr;
	size_t g, k;

	memset(v, 0, sizeof(*v));
	if (!in_vpc(e->vpc_id, c->vpc_id) || !id_is_valid(e->id, "eni"))
		return false;
	inst = snapshot_instance(c->s, e->instance_id);
	if (!inst || !instance_has_traffic(inst))
		return false;
	if (parse_ipv4(e->private_ip, &addr) < 0 || !mac_normalise(e->mac, v->mac))
		return false;
	v->eni = e;
	eni_router_ifname(e->id, v->ifname);
	format_addr(addr, v->ip);
	pub = c->public_net ? e->private_ip : eni_public_ip(c->s, e);
	if (parse_ipv4(pub, &addr) == 0)
		format_addr(addr, v->public_ip);
	for (g = 0; g < e->group_count && g < BH_MAX_ENI_GROUPS; g++) {
		const struct security_group *sg;

		if (!id_is_valid(e->group_ids[g], "sg"))
			continue;
		sg = snapshot_group(c->s, e->group_ids[g]);
		if (!sg || !in_vpc(sg->vpc_id, c->vpc_id))
			continue;
		for (k = 0; k < v->group_count; k++) {
			if (strcmp(v->groups[k], sg->id) == 0)
				break;
		}
		if (k == v->group_count)
			v->groups[v->group_count++] = sg->id;
	}
	qsort(v->groups, v->group_count, sizeof(v->groups[0]), cmp_str_ptr);
	return true;
}

static int collect_vnics(struct compile *c)
{
	const struct snapshot *s = c->s;
	size_t i, j, n = 0;

	c->vnics = calloc(s->enis.count + 1, sizeof(*c->vnics));
	if (!c->vnics)
		return -ENOMEM;
	for (i = 0; i < s->enis.count; i++) {
		if (vnic_from_eni(c, &s->enis.items[i], &c->vnics[n]))
			n++;
	}
	qsort(c->vnics, n, sizeof(*c->vnics), cmp_vnic);
	/* Two ENIs whose ids share 12 digits would share an interface name;
	 * the first keeps it, the other gets no traffic rather than a vmap
	 * the kernel refuses for the whole VPC. */
	c->vnic_count = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < c->vnic_count; j++) {
			if (strcmp(c->vnics[j].ifname, c->vnics[i].ifname) == 0)
				break;
		}
		if (j == c->vnic_count)
			c->vnics[c->vnic_count++] = c->vnics[i];
	}
	/* One address, one NAT mapping: an ENI whose public address (or, with
	 * one, private address) an earlier ENI already has is private only,
	 * so has_public never lets out a flow that NAT cannot carry. */
	for (i = 0; i < c->vnic_count; i++) {
		struct vnic *v = &c->vnics[i];

		for (j = 0; j < i && v->public_ip[0]; j++) {
			const struct vnic *w = &c->vnics[j];

			if (w->public_ip[0] && (strcmp(w->public_ip, v->public_ip) == 0 || strcmp(w->ip, v->ip) == 0))
				v->public_ip[0] = '\0';
		}
	}
	return 0;
}

static int cmp_membership(const void *a, const void *b)
{
	const struct membership *x = a, *y = b;
	int r = strcmp(x->group_id, y->group_id);

	if (r)
		return r;
	return (x->vnic > y->vnic) - (x->vnic < y->vnic);
}

static int cmp_rule_ptr(const void *a, const void *b)
{
	const struct sg_rule *x = *(const struct sg_rule *const *)a, *y = *(const struct sg_rule *const *)b;
	int r = strcmp(x->group_id, y->group_id);

	return r ? r : strcmp(x->id, y->id);
}

static bool is_used_group(const struct compile *c, const char *id)
{
	return bsearch(&id, c->groups, c->group_count, sizeof(*c->groups), cmp_str_ptr) != NULL;
}

static int collect_groups(struct compile *c)
{
	const struct snapshot *s = c->s;
	size_t i, g, n = 0;

	c->members = calloc(c->vnic_count * BH_MAX_ENI_GROUPS + 1, sizeof(*c->members));
	c->groups = calloc(c->vnic_count * BH_MAX_ENI_GROUPS + 1, sizeof(*c->groups));
	c->rules = calloc(s->rules.count + 1, sizeof(*c->rules));
	if (!c->members || !c->groups || !c->rules)
		return -ENOMEM;
	for (i = 0; i < c->vnic_count; i++) {
		for (g = 0; g < c->vnics[i].group_count; g++) {
			c->members[c->member_count++] = (struct membership){ c->vnics[i].groups[g], i };
			c->groups[n++] = c->vnics[i].groups[g];
		}
	}
	qsort(c->members, c->member_count, sizeof(*c->members), cmp_membership);
	qsort(c->groups, n, sizeof(*c->groups), cmp_str_ptr);
	for (i = 0; i < n; i++) {
		if (c->group_count == 0 || strcmp(c->groups[c->group_count - 1], c->groups[i]) != 0)
			c->groups[c->group_count++] = c->groups[i];
	}
	for (i = 0; i < s->rules.count; i++) {
		if (is_used_group(c, s->rules.items[i].group_id))
			c->rules[c->rule_count++] = &s->rules.items[i];
	}
	qsort(c->rules, c->rule_count, sizeof(*c->rules), cmp_rule_ptr);
	return 0;
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

		if (parse_ipv4(c->vnics[c->members[i].vnic].ip, &a) == 0)
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
		r = box_push(to, &b);
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
	return cmp_prefix(&x->pfx, &y->pfx);
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

static int emit_group(const struct compile *c, struct nft_table *t, const char *group_id,
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
		r = emit_direction(t, id_hex(group_id), false, &in);
	if (r == 0)
		r = emit_direction(t, id_hex(group_id), true, &out);
	direction_release(&in);
	direction_release(&out);
	return r;
}

/* --- the three tables --- */

static int add_rules(struct nft_table *t, const char *chain_name, const char *hook, const char *const *rules)
{
	struct nft_chain *chain = nft_table_chain(t, chain_name, hook);
	int r = 0;

	if (!chain)
		return -ENOMEM;
	for (; *rules && r == 0; rules++)
		r = strlist_add(&chain->rules, *rules);
	return r;
}

/* The public network always has its uplink; a VPC has one while an
 * internet gateway is attached. */
static bool vpc_has_uplink(const struct compile *c)
{
	return c->public_net || snapshot_vpc_igw(c->s, c->vpc_id) != NULL;
}

static int add_uplinks(const struct compile *c, struct nft_table *t)
{
	struct nft_set *set = nft_table_set(t, "uplinks", false, "ifname", "");
	char ifname[16];

	if (!set)
		return -ENOMEM;
	if (!vpc_has_uplink(c))
		return 0;
	igw_router_ifname(c->vpc_id, ifname);
	return strlist_addf(&set->elements, "\"%s\"", ifname);
}

static int build_filter(const struct compile *c, struct nft_table *t)
{
	static const char *const forward[] = {
		"ct state established,related accept",  /* return traffic, ICMP errors of allowed flows */
		"ct state invalid drop",
		"iifname vmap @egress_by_if",            /* from a vNIC: its egress rules */
		"iifname @uplinks goto ingress_dispatch", /* from the internet: ingress rules only */
		"drop",                                  /* any other interface: fail closed */
		NULL,
	};
	static const char *const dispatch[] = {
		"oifname vmap @ingress_by_if",
		"oifname @uplinks ip saddr @has_public accept",
		"drop",
		NULL,
	};
	static const char *const input[] = {
		"ct state established,related accept",
		"icmp type echo-request accept",
		NULL,
	};
	struct nft_set *egress, *ingress, *public;
	size_t i, j, g;
	int r;

	r = add_uplinks(c, t);
	if (r == 0)
		r = add_rules(t, "forward", "type filter hook forward priority filter; policy drop;", forward);
	if (r == 0)
		r = add_rules(t, "ingress_dispatch", "", dispatch);
	if (r == 0)
		r = add_rules(t, "input", "type filter hook input priority filter; policy drop;", input);
	if (r < 0)
		return r;
	/* The vNIC loop below adds only chains, so set pointers stay valid
	 * through it. */
	if (!nft_table_set(t, "egress_by_if", true, "ifname : verdict", "") ||
	    !nft_table_set(t, "ingress_by_if", true, "ifname : verdict", "") ||
	    !nft_table_set(t, "has_public", false, "ipv4_addr", ""))
		return -ENOMEM;
	/* finding adds nothing, so the three pointers stay valid together */
	egress = nft_table_set(t, "egress_by_if", true, "", "");
	ingress = nft_table_set(t, "ingress_by_if", true, "", "");
	public = nft_table_set(t, "has_public", false, "", "");
	for (i = 0; i < c->vnic_count && r == 0; i++) {
		const struct vnic *v = &c->vnics[i];
		const char *hex = id_hex(v->eni->id);
		char in[BH_NFT_NAME], out[BH_NFT_NAME];
		struct nft_chain *chain;

		bh_snprintf(in, sizeof(in), "nic_%s_in", hex);
		bh_snprintf(out, sizeof(out), "nic_%s_out", hex);
		/* one chain at a time: adding the next may move the array */
		chain = nft_table_chain(t, in, "");
		for (g = 0; chain && g < v->group_count && r == 0; g++)
			r = strlist_addf(&chain->rules, "jump g_%s_in", id_hex(v->groups[g]));
		if (chain && r == 0)
			r = strlist_add(&chain->rules, "drop");
		chain = chain ? nft_table_chain(t, out, "") : NULL;
		for (g = 0; chain && g < v->group_count && r == 0; g++)
			r = strlist_addf(&chain->rules, "jump g_%s_out", id_hex(v->groups[g]));
		if (chain && r == 0)
			r = strlist_add(&chain->rules, "drop");
		if (!chain)
			return -ENOMEM;
		if (r == 0)
			r = strlist_addf(&ingress->elements, "\"%s\" : jump %s", v->ifname, in);
		if (r == 0)
			r = strlist_addf(&egress->elements, "\"%s\" : jump %s", v->ifname, out);
		if (r == 0 && v->public_ip[0])
			r = strlist_add(&public->elements, v->ip);
	}
	for (i = 0, j = 0; i < c->group_count && r == 0; i++) {
		size_t start;

		while (j < c->rule_count && strcmp(c->rules[j]->group_id, c->groups[i]) < 0)
			j++;
		start = j;
		while (j < c->rule_count && strcmp(c->rules[j]->group_id, c->groups[i]) == 0)
			j++;
		r = emit_group(c, t, c->groups[i], c->rules + start, j - start);
	}
	return r;
}

static int build_nat(const struct compile *c, struct nft_table *t)
{
	static const char *const pre[] = { "iifname @uplinks dnat to ip daddr map @public_to_private", NULL };
	static const char *const post[] = { "oifname @uplinks snat to ip saddr map @private_to_public", NULL };
	struct nft_set *to_private, *to_public;
	size_t i;
	int r;

	r = add_uplinks(c, t);
	if (r == 0)
		r = add_rules(t, "prerouting", "type nat hook prerouting priority dstnat; policy accept;", pre);
	if (r == 0)
		r = add_rules(t, "postrouting", "type nat hook postrouting priority srcnat; policy accept;", post);
	if (r < 0)
		return r;
	if (!nft_table_set(t, "public_to_private", true, "ipv4_addr : ipv4_addr", "") ||
	    !nft_table_set(t, "private_to_public", true, "ipv4_addr : ipv4_addr", ""))
		return -ENOMEM;
	/* finding adds nothing, so both pointers stay valid together */
	to_private = nft_table_set(t, "public_to_private", true, "", "");
	to_public = nft_table_set(t, "private_to_public", true, "", "");
	/* The public network's addresses are public already: no NAT. */
	for (i = 0; i < c->vnic_count && r == 0 && !c->public_net; i++) {
		const struct vnic *v = &c->vnics[i];

		if (!v->public_ip[0])
			continue;
		r = strlist_addf(&to_private->elements, "%s : %s", v->public_ip, v->ip);
		if (r == 0)
			r = strlist_addf(&to_public->elements, "%s : %s", v->ip, v->public_ip);
	}
	return r;
}

/* One ingress base chain per vNIC on its router-side interface: the
 * instance may send only as itself. Everything not accepted (IPv6,
 * VLAN tags, other ethertypes) meets the drop policy. */
static int build_l2(const struct compile *c, struct nft_table *t)
{
	size_t i;
	int r = 0;

	for (i = 0; i < c->vnic_count && r == 0; i++) {
		const struct vnic *v = &c->vnics[i];
		char name[BH_NFT_NAME], hook[BH_NFT_SPEC];
		struct nft_chain *chain;

		bh_snprintf(name, sizeof(name), "nic_%s", id_hex(v->eni->id));
		bh_snprintf(hook, sizeof(hook),
			    "type filter hook ingress device \"%s\" priority -500; policy drop;", v->ifname);
		chain = nft_table_chain(t, name, hook);
		if (!chain)
			return -ENOMEM;
		r = strlist_addf(&chain->rules, "ether saddr != %s drop", v->mac);
		/* ARP only as itself: no replies for a neighbour's address. */
		if (r == 0)
			r = strlist_addf(&chain->rules,
					 "arp htype 1 arp ptype ip arp hlen 6 arp plen 4 arp saddr ether %s arp saddr ip %s accept",
					 v->mac, v->ip);
		if (r == 0)
			r = strlist_add(&chain->rules, "udp sport 67 drop");  /* no DHCP server */
		if (r == 0 && v->eni->source_dest_check)
			r = strlist_addf(&chain->rules, "ip saddr %s accept", v->ip);
		else if (r == 0)
			r = strlist_add(&chain->rules, "meta protocol ip accept");
	}
	return r;
}

void vpc_nft_init(struct vpc_nft *v)
{
	nft_table_init(&v->filter, "inet", "bulkhead");
	nft_table_init(&v->nat, "ip", "bulkhead_nat");
	nft_table_init(&v->l2, "netdev", "bulkhead_l2");
}

void vpc_nft_release(struct vpc_nft *v)
{
	nft_table_release(&v->filter);
	nft_table_release(&v->nat);
	nft_table_release(&v->l2);
}

int policy_compile_vpc(const struct snapshot *s, const char *vpc_id, struct vpc_nft *ret)
{
	struct compile c = { .s = s, .vpc_id = vpc_id };
	struct vpc_nft v;
	int r;

	vpc_nft_init(&v);
	if (!s || !vpc_id || !ret) {
		r = -EINVAL;
		goto out;
	}
	c.public_net = strcmp(vpc_id, BH_PUBLIC_NET_ID) == 0;
	if (!c.public_net && !id_is_valid(vpc_id, "vpc")) {
		r = -EINVAL;
		goto out;
	}
	r = collect_vnics(&c);
	if (r == 0)
		r = collect_groups(&c);
	if (r == 0)
		r = build_filter(&c, &v.filter);
	if (r == 0)
		r = build_nat(&c, &v.nat);
	if (r == 0)
		r = build_l2(&c, &v.l2);
	if (r == 0) {
		nft_table_finish(&v.filter);
		nft_table_finish(&v.nat);
		nft_table_finish(&v.l2);
	}
out:
	compile_release(&c);
	if (r < 0) {
		vpc_nft_release(&v);
		vpc_nft_init(&v);
	}
	if (ret)
		*ret = v;
	return r;
}
