/* reach_route.c - where routers send a packet: a VPC router (local route,
 * then the subnet's route table) and bh-internet (its hosts, public addresses). */
#include "policy/reach_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* --- route tables --- */

static int cmp_route(const void *a, const void *b)
{
	const struct rx_route *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix > y->prefix ? -1 : 1;
	/* equal prefixes: the first in the snapshot is the one the kernel has */
	return x->route < y->route ? -1 : x->route > y->route;
}

/* What a route leads to, from its table's VPC (docs/api.md "Routing"). */
static void route_target(const struct reach_index *ix, const struct rx_rtb *t, struct rx_route *rr)
{
	const struct route *rt = rr->route;
	const struct internet_gateway *igw = t->vpc != SIZE_MAX ? ix->vpcs[t->vpc].igw : NULL;
	long eni = -1, inst;

	rr->target = RX_TARGET_BLACKHOLE;
	if (rt->gateway_id[0]) {
		if (igw && strcmp(rt->gateway_id, igw->id) == 0)
			rr->target = RX_TARGET_UPLINK;
		else if (strncmp(rt->gateway_id, "igw-", 4) == 0)
			rr->why = "that internet gateway is not attached to this VPC";
		else
			rr->why = "bulkhead has no such gateway";
		return;
	}
	if (rt->eni_id[0]) {
		eni = rx_eni_find(ix, rt->eni_id);
	} else if (rt->instance_id[0]) {
		inst = rx_instance_find(ix, rt->instance_id);
		eni = inst >= 0 ? rx_eni_find(ix, ix->s->instances.items[inst].eni_id) : -1;
	} else {
		rr->why = "the route has no target";
		return;
	}
	if (eni < 0) {
		rr->why = "its target no longer exists";
	} else if (ix->eni_vnic[eni] < 0) {
		rr->why = "its target has no vNIC (only a pending or running instance has one)";
	} else if (ix->vnics[ix->eni_vnic[eni]].vpc != t->vpc) {
		rr->why = "its target is in another VPC";
	} else {
		rr->target = RX_TARGET_VNIC;
		rr->vnic = (size_t)ix->eni_vnic[eni];
	}
}

/* The table a subnet uses: its explicit association, else its VPC's main
 * association, else the table created as main. The first association
 * naming the subnet decides, even when its table is gone. */
static int subnet_tables(struct reach_index *ix, const struct rx_map *rtb_by_id)
{
	const struct snapshot *s = ix->s;
	long *main_assoc = calloc(ix->vpc_count, sizeof(*main_assoc));
	long *main_flag = calloc(ix->vpc_count, sizeof(*main_flag));
	bool *decided = calloc(s->subnets.count + 1, sizeof(*decided));
	size_t i, pos;
	uint32_t t;
	int r = -ENOMEM;

	ix->subnet_rtb = calloc(s->subnets.count + 1, sizeof(*ix->subnet_rtb));
	if (!main_assoc || !main_flag || !decided || !ix->subnet_rtb)
		goto out;
	for (i = 0; i < ix->vpc_count; i++)
		main_assoc[i] = main_flag[i] = -1;
	for (i = 0; i < ix->rtb_count; i++)
		if (ix->rtbs[i].rtb->is_main && ix->rtbs[i].vpc != SIZE_MAX && main_flag[ix->rtbs[i].vpc] < 0)
			main_flag[ix->rtbs[i].vpc] = (long)i;
	for (i = 0; i < s->subnets.count; i++)
		ix->subnet_rtb[i] = -1;
	for (i = 0; i < s->associations.count; i++) {
		const struct rtb_association *a = &s->associations.items[i];
		long sn = a->subnet_id[0] ? rx_subnet_find(ix, a->subnet_id) : -1;
		long found = -1;

		pos = RX_MAP_START;
		while (found < 0 && rx_map_next(rtb_by_id, rx_hash_str(a->route_table_id), &pos, &t))
			if (strcmp(ix->rtbs[t].rtb->id, a->route_table_id) == 0)
				found = (long)t;
		if (sn >= 0 && !decided[sn]) {
			decided[sn] = true;
			ix->subnet_rtb[sn] = found;
		} else if (!a->subnet_id[0] && a->is_main && found >= 0 && ix->rtbs[found].vpc != SIZE_MAX &&
			   main_assoc[ix->rtbs[found].vpc] < 0) {
			main_assoc[ix->rtbs[found].vpc] = found;
		}
	}
	for (i = 0; i < s->subnets.count; i++) {
		long vpc = rx_vpc_find(ix, s->subnets.items[i].vpc_id);

		if (decided[i] || vpc < 0 || !s->subnets.items[i].vpc_id[0])
			continue;
		ix->subnet_rtb[i] = main_assoc[vpc] >= 0 ? main_assoc[vpc] : main_flag[vpc];
	}
	r = 0;
out:
	free(main_assoc);
	free(main_flag);
	free(decided);
	return r;
}

int rx_index_routes(struct reach_index *ix)
{
	const struct snapshot *s = ix->s;
	struct rx_map rtb_by_id = { 0 };
	long *owner = calloc(s->routes.count + 1, sizeof(*owner));
	size_t i, pos, fill;
	uint32_t t;
	int r = -ENOMEM;

	ix->rtbs = calloc(s->route_tables.count + 1, sizeof(*ix->rtbs));
	ix->routes = calloc(s->routes.count + 1, sizeof(*ix->routes));
	if (!owner || !ix->rtbs || !ix->routes || rx_map_init(&rtb_by_id, s->route_tables.count) < 0)
		goto out;
	for (i = 0; i < s->route_tables.count; i++) {
		const struct route_table *rtb = &s->route_tables.items[i];
		long vpc = rtb->vpc_id[0] ? rx_vpc_find(ix, rtb->vpc_id) : -1;

		ix->rtbs[i] = (struct rx_rtb){ .rtb = rtb, .vpc = vpc < 0 ? SIZE_MAX : (size_t)vpc };
		rx_map_put(&rtb_by_id, rx_hash_str(rtb->id), (uint32_t)i);
	}
	ix->rtb_count = s->route_tables.count;
	/* IPv4 routes other than `local` (the priority-100 rule), by table */
	for (i = 0; i < s->routes.count; i++) {
		const struct route *rt = &s->routes.items[i];
		struct cidr c;

		owner[i] = -1;
		if (strcmp(rt->gateway_id, "local") == 0 || cidr_parse(rt->destination, AF_INET, NULL, &c, NULL) < 0)
			continue;
		pos = RX_MAP_START;
		while (owner[i] < 0 && rx_map_next(&rtb_by_id, rx_hash_str(rt->route_table_id), &pos, &t))
			if (strcmp(ix->rtbs[t].rtb->id, rt->route_table_id) == 0)
				owner[i] = (long)t;
		if (owner[i] >= 0)
			ix->rtbs[owner[i]].count++;
	}
	for (i = 0, fill = 0; i < ix->rtb_count; i++) {
		ix->rtbs[i].first = fill;
		fill += ix->rtbs[i].count;
		ix->rtbs[i].count = 0;
	}
	for (i = 0; i < s->routes.count; i++) {
		struct rx_rtb *tb;
		struct rx_route *rr;
		struct cidr c;

		if (owner[i] < 0)
			continue;
		tb = &ix->rtbs[owner[i]];
		rr = &ix->routes[tb->first + tb->count++];
		cidr_parse(s->routes.items[i].destination, AF_INET, NULL, &c, NULL);
		rr->route = &s->routes.items[i];
		rr->prefix = c.prefix;
		rr->net = (uint32_t)c.addr[0] << 24 | (uint32_t)c.addr[1] << 16 | (uint32_t)c.addr[2] << 8 | c.addr[3];
		rr->mask = c.prefix ? ~(uint32_t)0 << (32 - c.prefix) : 0;
		route_target(ix, tb, rr);
	}
	ix->route_count = fill;
	for (i = 0; i < ix->rtb_count; i++)
		if (ix->rtbs[i].count > 1)
			qsort(ix->routes + ix->rtbs[i].first, ix->rtbs[i].count, sizeof(*ix->routes), cmp_route);
	r = subnet_tables(ix, &rtb_by_id);
	for (i = 0; r == 0 && i < ix->vnic_count; i++) {
		long sn = ix->vnics[i].eni->subnet_id[0] ? rx_subnet_find(ix, ix->vnics[i].eni->subnet_id) : -1;

		ix->vnics[i].rtb = sn >= 0 ? ix->subnet_rtb[sn] : -1;
	}
out:
	free(owner);
	rx_map_release(&rtb_by_id);
	return r;
}

/* --- a VPC router --- */

static void route_target_text(const struct route *rt, char ret[BH_MAX_ID])
{
	rx_textf(ret, BH_MAX_ID, "%s",
		 rt->gateway_id[0] ? rt->gateway_id : rt->eni_id[0] ? rt->eni_id : rt->instance_id[0] ? rt->instance_id : "blackhole");
}

static void table_lookup(const struct reach_index *ix, const struct rx_vnic *v, uint32_t dst, const char *dst_text,
			 struct rx_hop *h)
{
	const struct rx_rtb *t = &ix->rtbs[v->rtb];
	size_t i;

	for (i = t->first; i < t->first + t->count; i++) {
		const struct rx_route *rr = &ix->routes[i];

		if ((dst & rr->mask) != rr->net)
			continue;
		h->route = rr;
		rx_textf(h->destination, sizeof(h->destination), "%s", rr->route->destination);
		route_target_text(rr->route, h->target);
		if (rr->target == RX_TARGET_UPLINK) {
			h->kind = RX_HOP_UPLINK;
			rx_textf(h->detail, sizeof(h->detail), "%s: %s -> %s (attached): out the uplink of %s to bh-internet",
				 t->rtb->id, h->destination, h->target, ix->vpcs[v->vpc].id);
		} else if (rr->target == RX_TARGET_VNIC) {
			h->kind = RX_HOP_NEXT_HOP;
			h->vnic = rr->vnic;
			rx_textf(h->detail, sizeof(h->detail), "%s: %s -> %s: next hop %s at %s", t->rtb->id, h->destination,
				 h->target, ix->vnics[rr->vnic].inst->id, ix->vnics[rr->vnic].eni->private_ip);
		} else {
			h->kind = RX_HOP_BLACKHOLE;
			rx_textf(h->detail, sizeof(h->detail), "%s: %s -> %s is a blackhole for %s: %s", t->rtb->id,
				 h->destination, h->target, dst_text, rr->why);
		}
		return;
	}
	h->kind = RX_HOP_NO_ROUTE;
	rx_textf(h->detail, sizeof(h->detail), "%s: no route matches %s (no route out of %s)", t->rtb->id, dst_text,
		 ix->vpcs[v->vpc].id);
}

void rx_route_from_vnic(const struct reach_index *ix, const struct rx_vnic *v, uint32_t dst, struct rx_hop *h)
{
	const struct rx_vpc *vpc = &ix->vpcs[v->vpc];
	char dst_text[BH_IPV4_STR];
	size_t pos = RX_MAP_START;
	uint32_t owner;
	long t;

	memset(h, 0, sizeof(*h));
	h->rtb = v->rtb;
	reach_format_addr(dst, dst_text);
	if (dst == v->priv) {
		h->kind = RX_HOP_SELF;
		rx_textf(h->destination, sizeof(h->destination), "%s/32", dst_text);
		rx_textf(h->target, sizeof(h->target), "local");
		rx_textf(h->detail, sizeof(h->detail), "%s is %s's own address: the packet never leaves the instance",
			 dst_text, v->inst->id);
		return;
	}
	if (rx_map_next(&ix->router_addr, rx_addr_key(v->vpc, dst), &pos, &owner)) {
		/* the local table comes first: the router's own addresses */
		h->kind = RX_HOP_ROUTER;
		rx_textf(h->destination, sizeof(h->destination), "%s/32", dst_text);
		rx_textf(h->target, sizeof(h->target), "local");
		rx_textf(h->detail, sizeof(h->detail), "%s is an address of the router of %s itself", dst_text, vpc->id);
		return;
	}
	if (vpc->cidr_ok && (dst & vpc->mask) == vpc->net) {
		/* rule priority 100: the VPC's own addresses, main table */
		rx_textf(h->destination, sizeof(h->destination), "%s", vpc->cidr);
		rx_textf(h->target, sizeof(h->target), "local");
		t = rx_vnic_at(ix, v->vpc, dst);
		if (t >= 0) {
			h->kind = RX_HOP_VNIC;
			h->vnic = (size_t)t;
			rx_textf(h->detail, sizeof(h->detail), "local route: %s is in %s's CIDR %s; %s/32 dev %s is %s",
				 dst_text, vpc->id, vpc->cidr, dst_text, ix->vnics[t].ifname, ix->vnics[t].inst->id);
		} else {
			h->kind = RX_HOP_BLACKHOLE;
			rx_textf(h->detail, sizeof(h->detail),
				 "%s is in %s's CIDR %s, but no instance with traffic holds it (blackhole)", dst_text,
				 vpc->id, vpc->cidr);
		}
		return;
	}
	if (vpc->public_net) {
		h->kind = RX_HOP_UPLINK;
		rx_textf(h->destination, sizeof(h->destination), "0.0.0.0/0");
		rx_textf(h->target, sizeof(h->target), "uplink");
		rx_textf(h->detail, sizeof(h->detail),
			 "the public network's default route: %s leaves through its uplink to bh-internet", dst_text);
		return;
	}
	h->kind = RX_HOP_NO_ROUTE;
	if (v->rtb < 0)
		rx_textf(h->detail, sizeof(h->detail), "%s's subnet has no route table: nothing but %s leaves %s",
			 v->inst->id, vpc->cidr, vpc->id);
	else if (ix->rtbs[v->rtb].vpc != v->vpc)
		rx_textf(h->detail, sizeof(h->detail), "%s's route table %s belongs to another VPC: no route to %s",
			 v->inst->id, ix->rtbs[v->rtb].rtb->id, dst_text);
	else
		table_lookup(ix, v, dst, dst_text, h);
}

/* --- bh-internet --- */

bool rx_addr_in(uint32_t addr, const char *cidr_text)
{
	struct cidr c;
	uint32_t net, mask;

	if (cidr_parse(cidr_text, AF_INET, NULL, &c, NULL) < 0)
		return false;
	net = (uint32_t)c.addr[0] << 24 | (uint32_t)c.addr[1] << 16 | (uint32_t)c.addr[2] << 8 | c.addr[3];
	mask = c.prefix ? ~(uint32_t)0 << (32 - c.prefix) : 0;
	return (addr & mask) == net;
}

enum rx_inet_kind rx_route_internet(const struct reach_index *ix, uint32_t dst, size_t *ret_vpc)
{
	size_t pos = RX_MAP_START;
	uint32_t v;

	/* its own prefix sits on lo: local, ahead of every other route */
	if (rx_addr_in(dst, BH_INTERNET_CIDR))
		return RX_INET_HOST;
	if (rx_map_next(&ix->inet_by_pub, dst, &pos, &v)) {
		*ret_vpc = v;
		return RX_INET_VPC;
	}
	if (rx_addr_in(dst, BH_PUBLIC_NET_CIDR)) {
		*ret_vpc = 0;
		return RX_INET_VPC;
	}
	return RX_INET_NONE;
}

struct reach_step *rx_hop_step(struct rx_eval *e, enum reach_step_kind kind, bool ok, const struct rx_hop *h)
{
	struct reach_step *st = rx_step(e, kind, ok, "%s", h->detail);

	if (!st)
		return NULL;
	rx_textf(st->destination, sizeof(st->destination), "%s", h->destination);
	rx_textf(st->target, sizeof(st->target), "%s", h->target);
	if (h->rtb >= 0)
		rx_textf(st->route_table, sizeof(st->route_table), "%s", e->ix->rtbs[h->rtb].rtb->id);
	return st;
}
