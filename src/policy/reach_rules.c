/* reach_rules.c - security groups as EC2 defines them: the union of every
 * rule of every group of a vNIC; which rules can match IPv4, and which one lets a flow through. */
#include "policy/reach_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/proto.h"

#define PORT_MAX 65535
#define ICMP_FIELD_MAX 255

/* --- which rules count --- */

/* False for a rule that can never match an IPv4 packet or that is
 * malformed: both are left out of the data plane (fail closed). */
static bool rule_usable(const struct reach_index *ix, const struct sg_rule *sr, struct rx_rule *ret)
{
	struct cidr c;

	memset(ret, 0, sizeof(*ret));
	ret->rule = sr;
	if (sr->proto == BH_PROTO_TCP || sr->proto == BH_PROTO_UDP) {
		if (sr->from_port < 0 || sr->to_port > PORT_MAX || sr->from_port > sr->to_port)
			return false;
	} else if (sr->proto == BH_PROTO_ICMP && sr->from_port >= 0) {
		if (sr->from_port > ICMP_FIELD_MAX || sr->to_port < -1 || sr->to_port > ICMP_FIELD_MAX)
			return false;
	} else if (sr->proto == BH_PROTO_ICMPV6 && sr->from_port >= 0) {
		return false;  /* an ICMPv6 type never matches an IPv4 packet */
	} else if (sr->proto != BH_PROTO_ALL && (sr->proto < 0 || sr->proto > 255)) {
		return false;
	}
	if (sr->cidr_ipv4[0]) {
		if (cidr_parse(sr->cidr_ipv4, AF_INET, NULL, &c, NULL) < 0)
			return false;
		ret->peer = RX_PEER_CIDR;
		ret->prefix = c.prefix;
		ret->net = (uint32_t)c.addr[0] << 24 | (uint32_t)c.addr[1] << 16 | (uint32_t)c.addr[2] << 8 | c.addr[3];
		ret->mask = c.prefix ? ~(uint32_t)0 << (32 - c.prefix) : 0;
		return true;
	}
	if (sr->ref_group_id[0]) {
		/* a group that does not exist has no members: the rule matches no one */
		ret->peer = RX_PEER_GROUP;
		ret->peer_group = rx_group_find(ix, sr->ref_group_id);
		return true;
	}
	return false;  /* IPv6 peers: no instance has an IPv6 address */
}

/* Groups by id, and their usable rules grouped by (group, direction) in
 * the snapshot's order. */
int rx_index_rules(struct reach_index *ix)
{
	const struct snapshot *s = ix->s;
	long *owner = NULL;
	size_t i;
	int r = -ENOMEM;

	ix->groups = calloc(s->groups.count + 1, sizeof(*ix->groups));
	ix->rules = calloc(s->rules.count + 1, sizeof(*ix->rules));
	owner = calloc(s->rules.count + 1, sizeof(*owner));
	if (!ix->groups || !ix->rules || !owner || rx_map_init(&ix->group_by_id, s->groups.count) < 0)
		goto out;
	for (i = 0; i < s->groups.count; i++) {
		const struct security_group *sg = &s->groups.items[i];
		long vpc = rx_vpc_find(ix, sg->vpc_id);

		ix->groups[i].sg = sg;
		ix->groups[i].vpc = vpc < 0 ? SIZE_MAX : (size_t)vpc;
		if (rx_group_find(ix, sg->id) < 0)
			rx_map_put(&ix->group_by_id, rx_hash_str(sg->id), (uint32_t)i);
	}
	ix->group_count = s->groups.count;
	/* count, place each group's runs, then fill them in order */
	for (i = 0; i < s->rules.count; i++) {
		const struct sg_rule *sr = &s->rules.items[i];

		owner[i] = rx_group_find(ix, sr->group_id);
		if (owner[i] >= 0)
			ix->groups[owner[i]].count[sr->egress]++;
	}
	for (i = 0; i < s->groups.count; i++) {
		struct rx_group *g = &ix->groups[i];

		g->first[0] = ix->rule_count;
		ix->rule_count += g->count[0];
		g->first[1] = ix->rule_count;
		ix->rule_count += g->count[1];
		g->count[0] = g->count[1] = 0;
	}
	for (i = 0; i < s->rules.count; i++) {
		const struct sg_rule *sr = &s->rules.items[i];
		struct rx_group *g;
		struct rx_rule rr;

		if (owner[i] < 0 || !rule_usable(ix, sr, &rr))
			continue;
		g = &ix->groups[owner[i]];
		ix->rules[g->first[sr->egress] + g->count[sr->egress]++] = rr;
	}
	r = 0;
out:
	free(owner);
	return r;
}

/* --- matching --- */

bool rx_rule_matches_flow(const struct rx_rule *r, const struct reach_flow *f)
{
	const struct sg_rule *sr = r->rule;

	if (sr->proto == BH_PROTO_ALL)
		return true;
	/* "every protocol" passes only where every protocol is allowed */
	if (f->proto == BH_PROTO_ALL || sr->proto != f->proto)
		return false;
	if (sr->proto == BH_PROTO_TCP || sr->proto == BH_PROTO_UDP)
		return sr->from_port <= f->port && f->port <= sr->to_port;
	if (sr->proto == BH_PROTO_ICMP && sr->from_port >= 0)
		return sr->from_port == f->icmp_type && (sr->to_port < 0 || sr->to_port == f->icmp_code);
	return true;  /* ICMP of any type, ICMPv6 of any type (protocol 58), other protocols */
}

/* A peer group matches the private addresses of its members with traffic
 * in the VPC of the vNIC whose rule it is. */
static bool rule_matches_peer(const struct reach_index *ix, const struct rx_rule *r, size_t vpc, uint32_t addr)
{
	size_t pos = RX_MAP_START;
	uint32_t v;

	if (r->peer == RX_PEER_CIDR)
		return (addr & r->mask) == r->net;
	if (r->peer_group < 0)
		return false;
	while (rx_map_next(&ix->vnic_by_priv, rx_addr_key(vpc, addr), &pos, &v))
		if (rx_vnic_in_group(&ix->vnics[v], (size_t)r->peer_group))
			return true;
	return false;
}

void rx_rule_describe(const struct reach_index *ix, const struct rx_rule *r, char *ret, size_t size)
{
	const struct sg_rule *sr = r->rule;
	const char *dir = sr->egress ? "to" : "from";
	char what[64], peer[BH_CIDR_STR + BH_MAX_ID + BH_MAX_NAME + 16];

	if (sr->proto == BH_PROTO_ALL)
		rx_textf(what, sizeof(what), "all traffic");
	else if ((sr->proto == BH_PROTO_TCP || sr->proto == BH_PROTO_UDP) && sr->from_port == sr->to_port)
		rx_textf(what, sizeof(what), "%s %d", sr->proto == BH_PROTO_TCP ? "tcp" : "udp", sr->from_port);
	else if (sr->proto == BH_PROTO_TCP || sr->proto == BH_PROTO_UDP)
		rx_textf(what, sizeof(what), "%s %d-%d", sr->proto == BH_PROTO_TCP ? "tcp" : "udp", sr->from_port,
			 sr->to_port);
	else if (sr->proto == BH_PROTO_ICMP && sr->from_port >= 0 && sr->to_port >= 0)
		rx_textf(what, sizeof(what), "icmp type %d code %d", sr->from_port, sr->to_port);
	else if (sr->proto == BH_PROTO_ICMP && sr->from_port >= 0)
		rx_textf(what, sizeof(what), "icmp type %d", sr->from_port);
	else if (sr->proto == BH_PROTO_ICMP)
		rx_textf(what, sizeof(what), "icmp (any type)");
	else if (sr->proto == BH_PROTO_ICMPV6)
		rx_textf(what, sizeof(what), "icmpv6 (protocol 58)");
	else
		rx_textf(what, sizeof(what), "protocol %d", sr->proto);
	if (r->peer == RX_PEER_CIDR)
		rx_textf(peer, sizeof(peer), "%s", sr->cidr_ipv4);
	else if (r->peer_group < 0)
		rx_textf(peer, sizeof(peer), "group %s (no such group: no members)", sr->ref_group_id);
	else
		rx_textf(peer, sizeof(peer), "group %s (%s)", sr->ref_group_id,
			 ix->groups[r->peer_group].sg->name);
	rx_textf(ret, size, "%s %s %s", what, dir, peer);
}

static void group_list(const struct reach_index *ix, const struct rx_vnic *v, char *ret, size_t size)
{
	size_t i, len = 0;

	ret[0] = '\0';
	if (!v->group_count)
		rx_textf(ret, size, "(it has no security group)");
	for (i = 0; i < v->group_count && len + 1 < size; i++) {
		const struct security_group *sg = ix->groups[v->groups[i]].sg;

		rx_textf(ret + len, size - len, "%s%s (%s)", i ? ", " : "", sg->id, sg->name);
		len += strlen(ret + len);
	}
}

bool rx_rules_allow(struct rx_eval *e, const struct rx_vnic *v, bool egress, uint32_t peer, struct reach_step *step)
{
	const struct reach_index *ix = e->ix;
	const char *dir = egress ? "egress" : "ingress";
	char rule[REACH_TEXT], groups[REACH_TEXT], flow[64], addr[BH_IPV4_STR];
	size_t i, k;

	for (i = 0; i < v->group_count; i++) {
		const struct rx_group *g = &ix->groups[v->groups[i]];

		for (k = g->first[egress]; k < g->first[egress] + g->count[egress]; k++) {
			const struct rx_rule *r = &ix->rules[k];

			if (!rx_rule_matches_flow(r, e->flow) || !rule_matches_peer(ix, r, v->vpc, peer))
				continue;
			rx_textf(step->group_id, sizeof(step->group_id), "%s", g->sg->id);
			rx_textf(step->group_name, sizeof(step->group_name), "%s", g->sg->name);
			rx_textf(step->rule_id, sizeof(step->rule_id), "%s", r->rule->id);
			rx_rule_describe(ix, r, rule, sizeof(rule));
			rx_textf(step->detail, sizeof(step->detail), "%s of %s allowed by %s of %s (%s): %s", dir,
				 v->inst->id, r->rule->id, g->sg->id, g->sg->name, rule);
			step->ok = true;
			return true;
		}
	}
	group_list(ix, v, groups, sizeof(groups));
	reach_format_flow(e->flow, flow, sizeof(flow));
	reach_format_addr(peer, addr);
	if (egress)
		rx_textf(step->detail, sizeof(step->detail), "egress denied at %s: no egress rule of %s allows %s to %s",
			 v->inst->id, groups, flow, addr);
	else
		rx_textf(step->detail, sizeof(step->detail), "default deny at %s: no ingress rule of %s allows %s from %s",
			 v->inst->id, groups, flow, addr);
	step->ok = false;
	return false;
}
