/* reach_who.c - who can reach an instance on a protocol and port: every
 * other instance the evaluator allows, and the CIDRs that admit the internet. */
#include "policy/reach_internal.h"

#include <errno.h>
#include <string.h>

static int push_instance(struct reach_source_list *l, const struct rx_vnic *s, const struct rx_vnic *t,
			 const struct reach_result *res)
{
	struct reach_source *src;
	size_t i;

	for (i = 0; i < res->step_count; i++) {
		const struct reach_step *st = &res->steps[i];

		if (st->kind != REACH_STEP_INGRESS || !st->ok)
			continue;
		src = list_push(l);
		if (!src)
			return -ENOMEM;
		src->kind = REACH_SOURCE_INSTANCE;
		rx_textf(src->instance, sizeof(src->instance), "%s", s->inst->id);
		/* what t's rules saw: the private address in its own VPC, else the public one */
		reach_format_addr(s->vpc == t->vpc ? s->priv : s->pub, src->address);
		rx_textf(src->group_id, sizeof(src->group_id), "%s", st->group_id);
		rx_textf(src->group_name, sizeof(src->group_name), "%s", st->group_name);
		rx_textf(src->rule_id, sizeof(src->rule_id), "%s", st->rule_id);
		return 0;
	}
	return 0;
}

/* Does bh-internet's route for t's public address lead to t? */
static bool public_leads_to(const struct reach_index *ix, const struct rx_vnic *t)
{
	size_t vpc = 0;

	if (!t->has_pub || rx_route_internet(ix, t->pub, &vpc) != RX_INET_VPC || vpc != t->vpc)
		return false;
	if (ix->vpcs[vpc].public_net)
		return rx_vnic_at(ix, vpc, t->pub) == t - ix->vnics;
	return rx_vnic_public(ix, vpc, t->pub) == t - ix->vnics;
}

/* The address a reply to rule r's CIDR is routed for: one inside the
 * simulated internet when the CIDR covers it (the demo's host), else the
 * CIDR's first address. */
static uint32_t cidr_probe(const struct rx_rule *r)
{
	uint32_t host;

	if (reach_parse_addr("203.0.113.10", &host) == 0 && (host & r->mask) == r->net)
		return host;
	return r->net;
}

static int push_cidrs(struct rx_eval *e, const struct rx_vnic *t, struct reach_source_list *l)
{
	const struct reach_index *ix = e->ix;
	size_t i, k;

	if (!public_leads_to(ix, t))
		return 0;
	for (i = 0; i < t->group_count; i++) {
		const struct rx_group *g = &ix->groups[t->groups[i]];

		for (k = g->first[0]; k < g->first[0] + g->count[0]; k++) {
			const struct rx_rule *r = &ix->rules[k];
			struct reach_source *src;
			struct rx_hop h;

			if (r->peer != RX_PEER_CIDR || !rx_rule_matches_flow(r, e->flow))
				continue;
			rx_route_from_vnic(ix, t, cidr_probe(r), &h);
			if (h.kind != RX_HOP_UPLINK)
				continue;
			src = list_push(l);
			if (!src)
				return -ENOMEM;
			src->kind = REACH_SOURCE_CIDR;
			rx_textf(src->cidr, sizeof(src->cidr), "%s", r->rule->cidr_ipv4);
			rx_textf(src->group_id, sizeof(src->group_id), "%s", g->sg->id);
			rx_textf(src->group_name, sizeof(src->group_name), "%s", g->sg->name);
			rx_textf(src->rule_id, sizeof(src->rule_id), "%s", r->rule->id);
		}
	}
	return 0;
}

int reach_who(const struct reach_index *ix, const struct reach_flow *flow, struct reach_source_list *ret,
	      char reason[REACH_TEXT])
{
	struct reach_result res;
	struct reach_flow f = *flow;
	struct rx_eval e = { .ix = ix, .flow = flow, .res = &res };
	const struct rx_vnic *t;
	long ti;
	size_t i;
	int r = 0;

	reason[0] = '\0';
	ti = flow->to_instance ? rx_instance_find(ix, flow->to_instance) : -1;
	if (ti < 0) {
		rx_textf(reason, REACH_TEXT, "no instance %s", flow->to_instance ? flow->to_instance : "(none)");
		return -ENOENT;
	}
	if (ix->inst_vnic[ti] < 0) {
		rx_textf(reason, REACH_TEXT, "%s is %s: %s, so nothing reaches it", flow->to_instance,
			 ix->s->instances.items[ti].state, ix->inst_why[ti]);
		return 0;
	}
	f.from_instance = flow->to_instance;
	f.forged = false;
	r = rx_flow_check(&f, &res);
	if (r < 0) {
		rx_textf(reason, REACH_TEXT, "%s", res.reason);
		return r;
	}
	t = &ix->vnics[ix->inst_vnic[ti]];
	for (i = 0; i < ix->vnic_count && r == 0; i++) {
		const struct rx_vnic *s = &ix->vnics[i];

		if (s == t)
			continue;
		f.from_instance = s->inst->id;
		r = reach_evaluate(ix, &f, &res);
		if (r == 0 && res.allow && strcmp(res.dst.instance, t->inst->id) == 0)
			r = push_instance(ret, s, t, &res);
	}
	if (r == 0)
		r = push_cidrs(&e, t, ret);
	if (r < 0) {
		list_release(ret);
		return r;
	}
	if (!ret->count)
		rx_textf(reason, REACH_TEXT, "no instance and no address of the internet can reach %s this way", t->inst->id);
	return 0;
}
