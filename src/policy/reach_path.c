/* reach_path.c - a packet's walk from router to router: out of the source
 * vNIC, through its VPC router, bh-internet and the far router, and the reply's way back. */
#include "policy/reach_internal.h"

#include <string.h>

#include "model/proto.h"

static void deny(struct rx_eval *e, const char *why)
{
	e->res->allow = false;
	rx_textf(e->res->reason, sizeof(e->res->reason), "%s", why);
}

static void end_at_vnic(const struct reach_index *ix, const struct rx_vnic *v, struct reach_end *end)
{
	rx_textf(end->instance, sizeof(end->instance), "%s", v->inst->id);
	rx_textf(end->vpc, sizeof(end->vpc), "%s", ix->vpcs[v->vpc].id);
	end->external = false;
}

/* The allowing steps, for the one-line reason of an allowed flow. */
static void allow(struct rx_eval *e, const char *how)
{
	const struct reach_step *eg = NULL, *in = NULL;
	char rules[REACH_TEXT] = "";
	size_t i;

	for (i = 0; i < e->res->step_count; i++) {
		const struct reach_step *st = &e->res->steps[i];

		if (st->kind == REACH_STEP_EGRESS && st->rule_id[0])
			eg = st;
		if (st->kind == REACH_STEP_INGRESS && st->rule_id[0])
			in = st;
	}
	if (eg && in)
		rx_textf(rules, sizeof(rules), ": egress %s (%s %s), ingress %s (%s %s)", eg->rule_id, eg->group_id,
			 eg->group_name, in->rule_id, in->group_id, in->group_name);
	else if (in)
		rx_textf(rules, sizeof(rules), ": ingress %s (%s %s)", in->rule_id, in->group_id, in->group_name);
	else if (eg)
		rx_textf(rules, sizeof(rules), ": egress %s (%s %s)", eg->rule_id, eg->group_id, eg->group_name);
	e->res->allow = true;
	rx_textf(e->res->reason, sizeof(e->res->reason), "%s%s", how, rules);
}

/* Rules of t's groups against a packet from `seen` (what t's router sees). */
static bool ingress(struct rx_eval *e, const struct rx_vnic *t, uint32_t seen)
{
	struct reach_step *st = rx_step(e, REACH_STEP_INGRESS, false, "%s", "");

	if (rx_rules_allow(e, t, false, seen, st))
		return true;
	deny(e, st->detail);
	return false;
}

/* The reply from t to `to`: conntrack lets it through every firewall and
 * undoes the NAT, but each router still needs a route for it. src is the
 * original sender (NULL for a host of the internet). */
static void reply(struct rx_eval *e, const struct rx_vnic *t, uint32_t to, const struct rx_vnic *src)
{
	const struct reach_index *ix = e->ix;
	char to_text[BH_IPV4_STR];
	struct reach_step *st;
	struct rx_hop h;
	enum rx_inet_kind k;
	size_t vpc = 0;

	reach_format_addr(to, to_text);
	if (e->flow->forged && src) {
		rx_step(e, REACH_STEP_RETURN_ROUTE, true,
			"the reply goes to the forged address %s, not to %s: the verdict is about delivery one way",
			to_text, src->inst->id);
		allow(e, "delivered one way (forged source)");
		return;
	}
	rx_route_from_vnic(ix, t, to, &h);
	if (h.kind == RX_HOP_VNIC && src && h.vnic == (size_t)(src - ix->vnics)) {
		st = rx_hop_step(e, REACH_STEP_RETURN_ROUTE, true, &h);
		rx_textf(st->detail, sizeof(st->detail), "reply %s -> %s: local route back to %s", e->res->dst.address,
			 to_text, src->inst->id);
		allow(e, "allowed");
		return;
	}
	if (h.kind != RX_HOP_UPLINK) {
		st = rx_hop_step(e, REACH_STEP_RETURN_ROUTE, false, &h);
		rx_textf(st->detail, sizeof(st->detail), "no way back for the reply to %s from %s: %s", to_text, t->inst->id,
			 h.detail);
		deny(e, st->detail);
		return;
	}
	k = rx_route_internet(ix, to, &vpc);
	if ((!src && k == RX_INET_HOST) || (src && k == RX_INET_VPC && vpc == src->vpc)) {
		st = rx_hop_step(e, REACH_STEP_RETURN_ROUTE, true, &h);
		rx_textf(st->detail, sizeof(st->detail), "reply to %s: %s; bh-internet then %s", to_text, h.detail,
			 src ? "routes it back to the uplink of the source's VPC" : "delivers it to its own host");
		allow(e, "allowed");
		return;
	}
	st = rx_hop_step(e, REACH_STEP_RETURN_ROUTE, false, &h);
	rx_textf(st->detail, sizeof(st->detail), "the reply to %s leaves %s, but bh-internet %s", to_text,
		 ix->vpcs[t->vpc].id,
		 k == RX_INET_VPC ? "routes that address to another VPC" : "has no route back to it");
	deny(e, st->detail);
}

/* In through the uplink of VPC w, addressed to dst, from `from`. */
static void enter_vpc(struct rx_eval *e, size_t w, uint32_t from, uint32_t dst, const struct rx_vnic *src)
{
	const struct reach_index *ix = e->ix;
	const struct rx_vpc *vpc = &ix->vpcs[w];
	char dst_text[BH_IPV4_STR];
	struct reach_step *st;
	const struct rx_vnic *t;
	long ti;

	reach_format_addr(dst, dst_text);
	if (vpc->public_net) {
		/* no NAT: the address is the instance's own */
		ti = rx_vnic_at(ix, w, dst);
		if (ti < 0) {
			st = rx_step(e, REACH_STEP_ROUTE, false,
				     "%s: no instance with traffic holds %s (blackhole %s)", vpc->id, dst_text, vpc->cidr);
			deny(e, st->detail);
			return;
		}
		t = &ix->vnics[ti];
		st = rx_step(e, REACH_STEP_ROUTE, true, "%s: local route, %s/32 dev %s is %s (no NAT on the public network)",
			     vpc->id, dst_text, t->ifname, t->inst->id);
	} else {
		ti = rx_vnic_public(ix, w, dst);
		if (ti < 0) {
			st = rx_step(e, REACH_STEP_NAT, false,
				     "%s has no NAT entry for %s: no instance with traffic there keeps that public address",
				     vpc->id, dst_text);
			deny(e, st->detail);
			return;
		}
		t = &ix->vnics[ti];
		st = rx_step(e, REACH_STEP_NAT, true, "DNAT %s -> %s (%s) at the uplink of %s", dst_text,
			     t->eni->private_ip, t->inst->id, vpc->id);
	}
	rx_textf(st->target, sizeof(st->target), "%s", t->inst->id);
	end_at_vnic(ix, t, &e->res->dst);
	if (ingress(e, t, from))
		reply(e, t, from, src);
}

/* In bh-internet with source `from` (already NATed), addressed to dst. */
static void internet(struct rx_eval *e, uint32_t from, uint32_t dst, const struct rx_vnic *src)
{
	const struct reach_index *ix = e->ix;
	char dst_text[BH_IPV4_STR], from_text[BH_IPV4_STR];
	struct reach_step *st;
	size_t w = 0, back = 0;

	reach_format_addr(dst, dst_text);
	reach_format_addr(from, from_text);
	switch (rx_route_internet(ix, dst, &w)) {
	case RX_INET_HOST:
		st = rx_step(e, REACH_STEP_ROUTE, true, "bh-internet: %s is one of its own hosts (%s)", dst_text,
			     BH_INTERNET_CIDR);
		rx_textf(st->destination, sizeof(st->destination), "%s", BH_INTERNET_CIDR);
		rx_textf(st->target, sizeof(st->target), "local");
		e->res->dst.external = true;
		if (!src) {
			allow(e, "both ends are hosts of the simulated internet: delivered inside bh-internet");
			return;
		}
		if (e->flow->forged) {
			rx_step(e, REACH_STEP_RETURN_ROUTE, true,
				"the reply goes to %s, the public address the forged source maps to, not to %s: "
				"the verdict is about delivery one way", from_text, src->inst->id);
			allow(e, "delivered one way (forged source)");
			return;
		}
		if (rx_route_internet(ix, from, &back) == RX_INET_VPC && back == src->vpc) {
			rx_step(e, REACH_STEP_RETURN_ROUTE, true, "reply to %s: bh-internet routes it to the uplink of %s",
				from_text, ix->vpcs[back].id);
			allow(e, "allowed");
		} else {
			st = rx_step(e, REACH_STEP_RETURN_ROUTE, false,
				     "bh-internet has no route back to %s in %s: the reply is lost", from_text,
				     ix->vpcs[src->vpc].id);
			deny(e, st->detail);
		}
		return;
	case RX_INET_VPC:
		st = rx_step(e, REACH_STEP_ROUTE, true, "bh-internet: %s -> the uplink of %s", dst_text, ix->vpcs[w].id);
		if (ix->vpcs[w].public_net)
			rx_textf(st->destination, sizeof(st->destination), "%s", BH_PUBLIC_NET_CIDR);
		else
			rx_textf(st->destination, sizeof(st->destination), "%s/32", dst_text);
		rx_textf(st->target, sizeof(st->target), "%s", ix->vpcs[w].id);
		enter_vpc(e, w, from, dst, src);
		return;
	case RX_INET_NONE:
		break;
	}
	st = rx_step(e, REACH_STEP_ROUTE, false,
		     "bh-internet has no route to %s: it routes its own hosts (%s), the public addresses of VPCs "
		     "with an attached internet gateway, and the public network (%s)",
		     dst_text, BH_INTERNET_CIDR, BH_PUBLIC_NET_CIDR);
	deny(e, st->detail);
}

/* Out of s's VPC through the uplink: has_public, then SNAT. */
static void uplink(struct rx_eval *e, const struct rx_vnic *s, uint32_t saddr, uint32_t daddr)
{
	const struct reach_index *ix = e->ix;
	const struct rx_vpc *vpc = &ix->vpcs[s->vpc];
	char saddr_text[BH_IPV4_STR], pub_text[BH_IPV4_STR];
	size_t pos = RX_MAP_START;
	const struct rx_vnic *holder = NULL;
	struct reach_step *st;
	uint32_t v;

	/* has_public holds the private addresses of the vNICs with a public one */
	while (!holder && rx_map_next(&ix->vnic_by_priv, rx_addr_key(s->vpc, saddr), &pos, &v))
		if (ix->vnics[v].has_pub)
			holder = &ix->vnics[v];
	reach_format_addr(saddr, saddr_text);
	if (!holder) {
		st = rx_step(e, REACH_STEP_NAT, false,
			     "%s has no public address: the uplink of %s lets out only sources with one (has_public)",
			     saddr_text, vpc->id);
		deny(e, st->detail);
		return;
	}
	reach_format_addr(holder->pub, pub_text);
	if (vpc->public_net)
		rx_step(e, REACH_STEP_NAT, true, "the public network has no NAT: %s leaves as itself", saddr_text);
	else
		rx_step(e, REACH_STEP_NAT, true, "SNAT %s -> %s at the uplink of %s", saddr_text, pub_text, vpc->id);
	internet(e, holder->pub, daddr, s);
}

void rx_path_from_vnic(struct rx_eval *e, const struct rx_vnic *s, uint32_t saddr, uint32_t daddr)
{
	const struct reach_index *ix = e->ix;
	struct reach_step *st;
	const struct rx_vnic *t;
	struct rx_hop h;

	rx_route_from_vnic(ix, s, daddr, &h);
	if (h.kind == RX_HOP_SELF) {
		rx_hop_step(e, REACH_STEP_ROUTE, true, &h);
		end_at_vnic(ix, s, &e->res->dst);
		allow(e, "the instance's own address: delivered inside it, no router or firewall on the way");
		return;
	}
	if (h.kind == RX_HOP_ROUTER) {
		/* delivered to the router: its input chain, not the security groups */
		bool echo = e->flow->proto == BH_PROTO_ICMP && e->flow->icmp_type == 8;

		st = rx_hop_step(e, REACH_STEP_ROUTE, echo, &h);
		rx_textf(st->detail + strlen(st->detail), sizeof(st->detail) - strlen(st->detail), "%s",
			 echo ? ": it answers ICMP echo requests; security groups do not apply to the router"
			      : ": it accepts only ICMP echo requests (and replies of its own flows)");
		if (echo)
			allow(e, "the VPC router answers echo requests to its own addresses");
		else
			deny(e, st->detail);
		return;
	}
	if (h.kind == RX_HOP_BLACKHOLE || h.kind == RX_HOP_NO_ROUTE) {
		st = rx_hop_step(e, REACH_STEP_ROUTE, false, &h);
		deny(e, st->detail);
		return;
	}
	rx_hop_step(e, REACH_STEP_ROUTE, true, &h);
	/* egress rules see the destination as the source's router does: before any NAT */
	st = rx_step(e, REACH_STEP_EGRESS, false, "%s", "");
	if (!rx_rules_allow(e, s, true, daddr, st)) {
		deny(e, st->detail);
		return;
	}
	if (h.kind == RX_HOP_UPLINK) {
		uplink(e, s, saddr, daddr);
		return;
	}
	t = &ix->vnics[h.vnic];
	end_at_vnic(ix, t, &e->res->dst);
	if (!ingress(e, t, saddr))
		return;
	if (h.kind == RX_HOP_NEXT_HOP) {
		st = rx_step(e, REACH_STEP_ROUTE, false,
			     "%s receives the packet as next hop, but it is addressed to %s: forwarding it on is up to "
			     "the software in %s (a bulkhead-netns instance does not forward), so it is not delivered",
			     t->inst->id, e->res->dst.address, t->inst->id);
		deny(e, st->detail);
		return;
	}
	reply(e, t, saddr, s);
}

void rx_path_from_internet(struct rx_eval *e, uint32_t saddr, uint32_t daddr)
{
	internet(e, saddr, daddr, NULL);
}
