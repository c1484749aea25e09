/* reach.c - the reference evaluator's entry: checks a flow, resolves its
 * source and destination (instance ids to addresses) and starts the walk. */
#include "policy/reach_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/proto.h"

/* --- text --- */

void rx_textf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;

	/* display text: truncation is acceptable, never an overflow */
	va_start(ap, fmt);
	vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

struct reach_step *rx_step(struct rx_eval *e, enum reach_step_kind kind, bool ok, const char *fmt, ...)
{
	struct reach_result *res = e->res;
	struct reach_step *st;
	va_list ap;

	/* the longest path is shorter than REACH_MAX_STEPS; past it the last
	 * step is reused rather than failing the whole evaluation */
	if (res->step_count < REACH_MAX_STEPS)
		res->step_count++;
	st = &res->steps[res->step_count - 1];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->ok = ok;
	va_start(ap, fmt);
	vsnprintf(st->detail, sizeof(st->detail), fmt, ap);
	va_end(ap);
	return st;
}

const char *reach_step_name(enum reach_step_kind kind)
{
	switch (kind) {
	case REACH_STEP_ANTISPOOF: return "antispoof";
	case REACH_STEP_ROUTE: return "route";
	case REACH_STEP_EGRESS: return "egress";
	case REACH_STEP_NAT: return "nat";
	case REACH_STEP_INGRESS: return "ingress";
	case REACH_STEP_RETURN_ROUTE: return "return-route";
	}
	return "?";
}

void reach_format_addr(uint32_t addr, char ret[BH_IPV4_STR])
{
	rx_textf(ret, BH_IPV4_STR, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff);
}

int reach_parse_addr(const char *s, uint32_t *ret)
{
	struct in_addr a;

	/* inet_pton takes exactly four decimal parts, no octal, no shorthand */
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ret = ntohl(a.s_addr);
	return 0;
}

void reach_format_flow(const struct reach_flow *f, char *ret, size_t size)
{
	if (f->proto == BH_PROTO_ALL)
		rx_textf(ret, size, "all traffic");
	else if (f->proto == BH_PROTO_TCP)
		rx_textf(ret, size, "tcp/%d", f->port);
	else if (f->proto == BH_PROTO_UDP)
		rx_textf(ret, size, "udp/%d", f->port);
	else if (f->proto == BH_PROTO_ICMP)
		rx_textf(ret, size, "icmp type %d code %d", f->icmp_type, f->icmp_code);
	else
		rx_textf(ret, size, "protocol %d", f->proto);
}

/* --- the entry --- */

int rx_flow_check(const struct reach_flow *f, struct reach_result *res)
{
	if (f->proto < BH_PROTO_ALL || f->proto > 255)
		rx_textf(res->reason, sizeof(res->reason), "protocol %d is not -1 (all) or 0..255", f->proto);
	else if ((f->proto == BH_PROTO_TCP || f->proto == BH_PROTO_UDP) && (f->port < 0 || f->port > 65535))
		rx_textf(res->reason, sizeof(res->reason), "port %d is not 0..65535", f->port);
	else if (f->proto == BH_PROTO_ICMP &&
		 (f->icmp_type < 0 || f->icmp_type > 255 || f->icmp_code < 0 || f->icmp_code > 255))
		rx_textf(res->reason, sizeof(res->reason), "ICMP type and code must be 0..255");
	else if (!f->from_instance && !rx_addr_in(f->from_addr, BH_INTERNET_CIDR))
		rx_textf(res->reason, sizeof(res->reason),
			 "FROM: an address source must be a host of the simulated internet (%s); name an instance by its id",
			 BH_INTERNET_CIDR);
	else if (f->forged && !f->from_instance)
		rx_textf(res->reason, sizeof(res->reason), "a forged source address needs an instance as FROM");
	else
		return 0;
	return -EINVAL;
}

/* The end an instance without a vNIC would be. */
static void end_at_instance(const struct instance *inst, struct reach_end *end)
{
	rx_textf(end->instance, sizeof(end->instance), "%s", inst->id);
	rx_textf(end->vpc, sizeof(end->vpc), "%s", inst->vpc_id);
}

static void deny_at_route(struct rx_eval *e, const char *target, const char *why)
{
	struct reach_step *st = rx_step(e, REACH_STEP_ROUTE, false, "%s", why);

	rx_textf(st->target, sizeof(st->target), "%s", target);
	e->res->allow = false;
	rx_textf(e->res->reason, sizeof(e->res->reason), "%s", why);
}

/* The address an instance is sent to from s (NULL: from the internet):
 * its private one from its own VPC, its public one from elsewhere. Fills
 * the destination end; false with why when it cannot be addressed. */
static bool dst_address(struct rx_eval *e, long ti, const struct rx_vnic *s, uint32_t *ret, char *why, size_t size)
{
	const struct reach_index *ix = e->ix;
	const struct instance *in = &ix->s->instances.items[ti];
	const struct rx_vnic *t;

	end_at_instance(in, &e->res->dst);
	if (ix->inst_vnic[ti] < 0) {
		rx_textf(why, size, "destination %s is %s: %s, so nothing reaches it", in->id, in->state,
			 ix->inst_why[ti]);
		return false;
	}
	t = &ix->vnics[ix->inst_vnic[ti]];
	rx_textf(e->res->dst.vpc, sizeof(e->res->dst.vpc), "%s", ix->vpcs[t->vpc].id);
	if (s && s->vpc == t->vpc) {
		*ret = t->priv;
	} else if (t->has_pub) {
		*ret = t->pub;
	} else {
		reach_format_addr(t->priv, e->res->dst.address);
		rx_textf(why, size, "%s has no public address, and %s is not in its VPC %s: nothing outside %s can address it",
			 in->id, s ? s->inst->id : "the internet", ix->vpcs[t->vpc].id, ix->vpcs[t->vpc].id);
		return false;
	}
	reach_format_addr(*ret, e->res->dst.address);
	return true;
}

int reach_evaluate(const struct reach_index *ix, const struct reach_flow *flow, struct reach_result *res)
{
	struct rx_eval e = { .ix = ix, .flow = flow, .res = res };
	const struct rx_vnic *s = NULL;
	long si = -1, ti = -1;
	uint32_t saddr = flow->from_addr, daddr = flow->to_addr;
	char why[REACH_TEXT] = "";
	bool dst_ok = true;
	int r;

	memset(res, 0, sizeof(*res));
	r = rx_flow_check(flow, res);
	if (r < 0)
		return r;
	if (flow->from_instance && (si = rx_instance_find(ix, flow->from_instance)) < 0) {
		rx_textf(res->reason, sizeof(res->reason), "FROM: no instance %s", flow->from_instance);
		return -ENOENT;
	}
	if (flow->to_instance && (ti = rx_instance_find(ix, flow->to_instance)) < 0) {
		rx_textf(res->reason, sizeof(res->reason), "TO: no instance %s", flow->to_instance);
		return -ENOENT;
	}
	/* both ends first, so that every answer names them */
	if (si >= 0) {
		end_at_instance(&ix->s->instances.items[si], &res->src);
		if (ix->inst_vnic[si] >= 0) {
			s = &ix->vnics[ix->inst_vnic[si]];
			rx_textf(res->src.vpc, sizeof(res->src.vpc), "%s", ix->vpcs[s->vpc].id);
			saddr = flow->forged ? flow->forged_addr : s->priv;
		}
	} else {
		res->src.external = true;
	}
	reach_format_addr(saddr, res->src.address);
	if (ti >= 0) {
		dst_ok = dst_address(&e, ti, s, &daddr, why, sizeof(why));
	} else {
		reach_format_addr(daddr, res->dst.address);
		/* an address of the internet's hosts, unless a VPC holds it (the walk says) */
		res->dst.external = rx_addr_in(daddr, BH_INTERNET_CIDR);
	}
	if (si >= 0 && !s) {
		const struct instance *in = &ix->s->instances.items[si];

		rx_textf(why, sizeof(why), "source %s is %s: %s, so nothing leaves it", in->id, in->state,
			 ix->inst_why[si]);
		deny_at_route(&e, in->id, why);
		return 0;
	}
	if (s && flow->forged && flow->forged_addr != s->priv) {
		char forged[BH_IPV4_STR];
		struct reach_step *st;

		reach_format_addr(flow->forged_addr, forged);
		if (s->eni->source_dest_check) {
			st = rx_step(&e, REACH_STEP_ANTISPOOF, false,
				     "%s sends from %s, not its own %s: dropped on %s (SourceDestCheck on: IPv4 only "
				     "from the vNIC's address)", s->inst->id, forged, s->eni->private_ip, s->ifname);
			rx_textf(res->reason, sizeof(res->reason), "%s", st->detail);
			return 0;
		}
		rx_step(&e, REACH_STEP_ANTISPOOF, true,
			"SourceDestCheck is off on %s: %s may send from %s (the reply goes to %s, so the verdict "
			"is about delivery one way)", s->eni->id, s->inst->id, forged, forged);
	}
	if (!dst_ok) {
		deny_at_route(&e, flow->to_instance, why);
		return 0;
	}
	if (s)
		rx_path_from_vnic(&e, s, saddr, daddr);
	else
		rx_path_from_internet(&e, saddr, daddr);
	return 0;
}
