/* plan.c - from a snapshot to the namespaces, links, addresses, routes,
 * rules and sysctls the kernel should hold (docs/dataplane.md). */
#include "agent/plan.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "policy/compile.h"

void dp_plan_release(struct dp_plan *p)
{
	size_t i;

	for (i = 0; i < p->ns.count; i++) {
		ns_state_release(&p->ns.items[i].state);
		list_release(&p->ns.items[i].sysctls);
		list_release(&p->ns.items[i].if_sysctls);
	}
	list_release(&p->ns);
	list_release(&p->instances);
	strlist_release(&p->notes);
}

bool dp_state_in_kernel(const char *state)
{
	return strcmp(state, BH_STATE_PENDING) == 0 || strcmp(state, BH_STATE_RUNNING) == 0 ||
	       strcmp(state, BH_STATE_STOPPING) == 0 || strcmp(state, BH_STATE_STOPPED) == 0;
}

bool dp_state_active(const char *state)
{
	return strcmp(state, BH_STATE_PENDING) == 0 || strcmp(state, BH_STATE_RUNNING) == 0;
}

struct ns_want *dp_plan_ns(const struct dp_plan *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ns.count; i++)
		if (strcmp(p->ns.items[i].name, name) == 0)
			return &p->ns.items[i];
	return NULL;
}

/* --- building blocks; each returns 0 or -ENOMEM --- */

static int add_sysctl(struct dp_sysctl_list *l, const char *path, const char *value, const char *owner)
{
	struct dp_sysctl *s = list_push(l);

	if (!s)
		return -ENOMEM;
	bh_strlcpy(s->path, path, sizeof(s->path));
	bh_strlcpy(s->value, value, sizeof(s->value));
	bh_strlcpy(s->owner, owner, sizeof(s->owner));
	return 0;
}

/* A router namespace (the internet or a VPC): forwarding on, no reverse
 * path filter (asymmetric paths are normal through policy routing), and
 * no IPv6 (nothing is addressed with it yet, and a router that sends no
 * solicitations keeps instances' captures quiet). */
static int add_router_sysctls(struct ns_want *w)
{
	int r = add_sysctl(&w->sysctls, "net/ipv4/ip_forward", "1", "");

	if (r == 0)
		r = add_sysctl(&w->sysctls, "net/ipv4/conf/all/rp_filter", "0", "");
	if (r == 0)
		r = add_sysctl(&w->sysctls, "net/ipv4/conf/default/rp_filter", "0", "");
	if (r == 0)
		r = add_sysctl(&w->sysctls, "net/ipv6/conf/all/disable_ipv6", "1", "");
	if (r == 0)
		r = add_sysctl(&w->sysctls, "net/ipv6/conf/default/disable_ipv6", "1", "");
	return r;
}

static struct ns_want *add_ns(struct dp_plan *p, const char *name, enum ns_kind kind, bool prune)
{
	struct ns_want *w = list_push(&p->ns);

	if (!w)
		return NULL;
	bh_strlcpy(w->name, name, sizeof(w->name));
	w->kind = kind;
	w->prune = prune;
	return w;
}

static struct dp_link *add_link(struct ns_want *w, const char *name, bool up, const char *owner)
{
	struct dp_link *l = list_push(&w->state.links);

	if (!l)
		return NULL;
	bh_strlcpy(l->name, name, sizeof(l->name));
	l->up = up;
	bh_strlcpy(l->owner, owner, sizeof(l->owner));
	return l;
}

static int add_addr(struct ns_want *w, const char *ifname, const char *cidr, const char *owner)
{
	struct dp_addr *a = list_push(&w->state.addrs);

	if (!a)
		return -ENOMEM;
	bh_strlcpy(a->ifname, ifname, sizeof(a->ifname));
	bh_strlcpy(a->cidr, cidr, sizeof(a->cidr));
	bh_strlcpy(a->owner, owner, sizeof(a->owner));
	return 0;
}

/* One route per (table, destination): the first one planned wins. */
static int add_route(struct ns_want *w, const struct dp_route *r)
{
	struct dp_route *n;
	size_t i;

	for (i = 0; i < w->state.routes.count; i++) {
		n = &w->state.routes.items[i];
		if (n->table == r->table && strcmp(n->dst, r->dst) == 0)
			return 0;
	}
	n = list_push(&w->state.routes);
	if (!n)
		return -ENOMEM;
	*n = *r;
	return 0;
}

static int add_rule(struct ns_want *w, unsigned priority, const char *iif, const char *dst, unsigned table,
		    const char *owner)
{
	struct dp_rule *ru = list_push(&w->state.rules);

	if (!ru)
		return -ENOMEM;
	ru->priority = priority;
	bh_strlcpy(ru->iif, iif, sizeof(ru->iif));
	bh_strlcpy(ru->dst, dst, sizeof(ru->dst));
	ru->table = table;
	bh_strlcpy(ru->owner, owner, sizeof(ru->owner));
	return 0;
}

/* "10.0.1.0/24" -> gateway "10.0.1.1" (its first host, as in EC2) and 24. */
static int subnet_gateway(const char *cidr_text, char ret_gw[BH_IPV4_STR], unsigned *ret_prefix)
{
	struct cidr c;
	struct diag d;
	uint32_t a;

	diag_init(&d);
	if (cidr_parse(cidr_text, AF_INET, "cidr", &c, &d) < 0 || c.prefix > 30)
		return -EINVAL;
	a = ((uint32_t)c.addr[0] << 24 | (uint32_t)c.addr[1] << 16 | (uint32_t)c.addr[2] << 8 | c.addr[3]) + 1;
	snprintf(ret_gw, BH_IPV4_STR, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	*ret_prefix = c.prefix;
	return 0;
}

static bool is_ipv4_cidr(const char *s)
{
	struct cidr c;
	struct diag d;

	diag_init(&d);
	return cidr_parse(s, AF_INET, "cidr", &c, &d) == 0;
}

static const char *vpc_of(const char *vpc_id)
{
	return vpc_id[0] ? vpc_id : BH_PUBLIC_NET_ID;
}

/* --- the pieces of the plan --- */

static int plan_internet(struct dp_plan *p)
{
	struct ns_want *w = add_ns(p, BH_INTERNET_NETNS, NS_INTERNET, true);
	char gw[BH_IPV4_STR], cidr[BH_CIDR_STR];
	unsigned prefix;
	int r;

	if (!w || !add_link(w, "lo", true, ""))
		return -ENOMEM;
	r = add_router_sysctls(w);
	if (r == 0)
		r = subnet_gateway(BH_INTERNET_CIDR, gw, &prefix);
	if (r == 0)
		r = bh_snprintf(cidr, sizeof(cidr), "%s/%u", gw, prefix);
	if (r == 0)
		r = add_addr(w, "lo", cidr, "");
	return r;
}

/* The uplink veth of a VPC namespace to bh-internet, and the internet's
 * side of it: addresses, and its route back for `dst` (NULL: none). */
static int plan_uplink(struct dp_plan *p, struct ns_want *vpc, const char *dst)
{
	struct ns_want *inet = &p->ns.items[0];
	char g[IFNAMSIZ], x[IFNAMSIZ], internet_gw[BH_IPV4_STR];
	struct dp_link *l;
	unsigned prefix;
	int r;

	igw_router_ifname(vpc->vpc_id, g);
	igw_internet_ifname(vpc->vpc_id, x);
	l = add_link(vpc, g, true, "");
	if (!l || !add_link(inet, x, true, ""))
		return -ENOMEM;
	bh_strlcpy(l->peer, x, sizeof(l->peer));
	bh_strlcpy(l->peer_netns, BH_INTERNET_NETNS, sizeof(l->peer_netns));
	r = add_addr(vpc, g, DP_UPLINK_ROUTER_ADDR "/32", "");
	if (r == 0)
		r = add_addr(inet, x, DP_UPLINK_INTERNET_ADDR "/32", "");
	if (r == 0)
		r = subnet_gateway(BH_INTERNET_CIDR, internet_gw, &prefix);
	if (r == 0 && dst) {
		struct dp_route rt = { .table = RT_TABLE_MAIN, .type = RTN_UNICAST, .onlink = true };

		bh_strlcpy(rt.dst, dst, sizeof(rt.dst));
		bh_strlcpy(rt.via, DP_UPLINK_ROUTER_ADDR, sizeof(rt.via));
		bh_strlcpy(rt.dev, x, sizeof(rt.dev));
		/* answers from the internet come from its own address, not the link's */
		bh_strlcpy(rt.src, internet_gw, sizeof(rt.src));
		r = add_route(inet, &rt);
	}
	return r;
}

static bool vpc_has_uplink(const struct snapshot *s, const char *vpc_id)
{
	return strcmp(vpc_id, BH_PUBLIC_NET_ID) == 0 || snapshot_vpc_igw(s, vpc_id) != NULL;
}

static int plan_vpc(const struct snapshot *s, struct dp_plan *p, const char *vpc_id, const char *cidr)
{
	struct dp_route blackhole = { .table = RT_TABLE_MAIN, .type = RTN_BLACKHOLE };
	bool public = strcmp(vpc_id, BH_PUBLIC_NET_ID) == 0;
	char name[DP_NETNS_NAME];
	struct ns_want *w;
	int r;

	vpc_netns_name(vpc_id, name);
	w = add_ns(p, name, NS_VPC, true);
	if (!w || !add_link(w, "lo", true, ""))
		return -ENOMEM;
	bh_strlcpy(w->vpc_id, vpc_id, sizeof(w->vpc_id));
	r = add_router_sysctls(w);
	bh_strlcpy(blackhole.dst, cidr, sizeof(blackhole.dst));
	if (r == 0)
		r = add_route(w, &blackhole);
	if (r == 0)
		r = add_rule(w, DP_LOCAL_RULE_PRIORITY, "", cidr, RT_TABLE_MAIN, "");
	if (r == 0 && vpc_has_uplink(s, vpc_id))
		r = plan_uplink(p, w, public ? cidr : NULL);
	if (r == 0 && public) {
		/* the public network reaches the internet without NAT */
		struct dp_route def = { .table = RT_TABLE_MAIN, .type = RTN_UNICAST, .onlink = true };
		char g[IFNAMSIZ];

		igw_router_ifname(vpc_id, g);
		bh_strlcpy(def.dst, "0.0.0.0/0", sizeof(def.dst));
		bh_strlcpy(def.via, DP_UPLINK_INTERNET_ADDR, sizeof(def.via));
		bh_strlcpy(def.dev, g, sizeof(def.dev));
		r = add_route(w, &def);
	}
	return r;
}

/* The ENI a route targets (by ENI or by instance), if it has traffic. */
static const struct eni *route_target_eni(const struct snapshot *s, const struct route *rt)
{
	const struct instance *inst = NULL;
	const struct eni *e = NULL;

	if (rt->eni_id[0])
		e = snapshot_eni(s, rt->eni_id);
	else if (rt->instance_id[0] && (inst = snapshot_instance(s, rt->instance_id)))
		e = snapshot_eni(s, inst->eni_id);
	if (!e || !e->instance_id[0])
		return NULL;
	inst = snapshot_instance(s, e->instance_id);
	if (!inst || !dp_state_active(inst->state))
		return NULL;
	return e;
}

/* One route table as a kernel table in its VPC's namespace. The `local`
 * route is the priority-100 rule, not an entry here. */
static int plan_route_table(const struct snapshot *s, struct ns_want *w, const struct route_table *rtb)
{
	const struct internet_gateway *igw = snapshot_vpc_igw(s, rtb->vpc_id);
	size_t i;
	int r = 0;

	for (i = 0; i < s->routes.count && r == 0; i++) {
		const struct route *rt = &s->routes.items[i];
		struct dp_route k = { .table = (unsigned)rtb->kernel_table, .type = RTN_BLACKHOLE };
		const struct eni *e;

		if (strcmp(rt->route_table_id, rtb->id) != 0 || strcmp(rt->gateway_id, "local") == 0 ||
		    !is_ipv4_cidr(rt->destination))
			continue;
		bh_strlcpy(k.dst, rt->destination, sizeof(k.dst));
		if (rt->gateway_id[0] && igw && strcmp(rt->gateway_id, igw->id) == 0) {
			k.type = RTN_UNICAST;
			k.onlink = true;
			bh_strlcpy(k.via, DP_UPLINK_INTERNET_ADDR, sizeof(k.via));
			igw_router_ifname(rtb->vpc_id, k.dev);
		} else if (!rt->gateway_id[0] && (e = route_target_eni(s, rt)) && strcmp(e->vpc_id, rtb->vpc_id) == 0) {
			k.type = RTN_UNICAST;
			k.onlink = true;
			bh_strlcpy(k.via, e->private_ip, sizeof(k.via));
			eni_router_ifname(e->id, k.dev);
		}
		/* anything else (a detached gateway, a stopped instance) is a blackhole */
		r = add_route(w, &k);
	}
	return r;
}

/* In an instance: `dst via gw dev eth0 onlink` (the gateway is outside
 * the instance's /32). */
static int add_gateway_route(struct ns_want *iw, const char *dst, const char *gw, const char *owner)
{
	struct dp_route rt = { .table = RT_TABLE_MAIN, .type = RTN_UNICAST, .onlink = true };

	bh_strlcpy(rt.dst, dst, sizeof(rt.dst));
	bh_strlcpy(rt.via, gw, sizeof(rt.via));
	bh_strlcpy(rt.dev, "eth0", sizeof(rt.dev));
	bh_strlcpy(rt.owner, owner, sizeof(rt.owner));
	return add_route(iw, &rt);
}

static int note(struct dp_plan *p, const char *instance_id, const char *problem)
{
	return strlist_addf(&p->notes, "instance=%s problem=%s", instance_id, problem);
}

static int plan_instance(const struct snapshot *s, struct dp_plan *p, const struct instance *inst)
{
	struct dp_instance *rep = list_push(&p->instances);
	const char *vpc_id = vpc_of(inst->vpc_id);
	char gw[BH_IPV4_STR], cidr[BH_CIDR_STR], bhe[IFNAMSIZ], vpc_ns[DP_NETNS_NAME], path[128];
	const char *subnet_cidr = BH_PUBLIC_NET_CIDR, *ip;
	bool active = dp_state_active(inst->state);
	const struct route_table *rtb = NULL;
	const struct subnet *sn = NULL;
	struct ns_want *iw, *vw;
	const struct eni *e;
	struct dp_link *l;
	unsigned prefix;
	int r;

	if (!rep)
		return -ENOMEM;
	bh_strlcpy(rep->id, inst->id, sizeof(rep->id));
	bh_strlcpy(rep->state, inst->state, sizeof(rep->state));
	instance_netns_name(inst->id, rep->netns);
	vpc_netns_name(vpc_id, rep->vpc_netns);
	if (inst->eni_id[0])
		eni_router_ifname(inst->eni_id, rep->router_if);
	if (!dp_state_in_kernel(inst->state))
		return 0;

	e = snapshot_eni(s, inst->eni_id);
	vw = dp_plan_ns(p, rep->vpc_netns);
	if (!e)
		return note(p, inst->id, "no_network_interface");
	if (!vw)
		return note(p, inst->id, "no_vpc");
	if (e->subnet_id[0]) {
		sn = snapshot_subnet(s, e->subnet_id);
		if (!sn)
			return note(p, inst->id, "no_subnet");
		subnet_cidr = sn->cidr;
		rtb = snapshot_subnet_route_table(s, sn->id);
	}
	ip = e->private_ip[0] ? e->private_ip : e->public_ip;
	if (subnet_gateway(subnet_cidr, gw, &prefix) < 0 || !ip[0])
		return note(p, inst->id, "bad_address");
	eni_router_ifname(e->id, bhe);
	bh_strlcpy(vpc_ns, vw->name, sizeof(vpc_ns));
	rep->planned = true;

	/* The instance's side: eth0 with its address as a /32, and its subnet
	 * and everything else routed via the gateway (onlink), as a VPC router
	 * is the next hop for all of an instance's traffic. So the instance
	 * only ever resolves the gateway, a local address of the router that
	 * always answers. With the subnet's prefix on eth0 it would resolve
	 * each neighbour itself, through proxy ARP that answers only for
	 * addresses routed now (running instances): a request for a stopped
	 * neighbour would go unanswered and leave a failed entry, and packets
	 * to that neighbour just after it starts would fail with "No route to
	 * host" until the entry expired (seconds). */
	iw = add_ns(p, rep->netns, NS_INSTANCE, false);
	if (!iw)
		return -ENOMEM;
	vw = dp_plan_ns(p, vpc_ns);  /* add_ns may have moved the array */
	bh_strlcpy(iw->vpc_id, vpc_id, sizeof(iw->vpc_id));
	bh_strlcpy(iw->instance_id, inst->id, sizeof(iw->instance_id));
	l = add_link(iw, "eth0", true, inst->id);
	if (!l || !add_link(iw, "lo", true, inst->id))
		return -ENOMEM;
	bh_strlcpy(l->mac, e->mac, sizeof(l->mac));
	r = bh_snprintf(cidr, sizeof(cidr), "%s/32", ip);
	if (r == 0)
		r = add_addr(iw, "eth0", cidr, inst->id);
	if (r == 0)
		r = add_gateway_route(iw, subnet_cidr, gw, inst->id);
	if (r == 0)
		r = add_gateway_route(iw, "0.0.0.0/0", gw, inst->id);
	if (r < 0)
		return r;

	/* The router's side: the gateway address, a /32 route and the rule to
	 * its route table while it has traffic. Proxy ARP stays for whatever
	 * treats neighbours as on-link all the same (a route an instance adds
	 * itself, a guest configured another way): it resolves running
	 * neighbours to the router. */
	l = add_link(vw, bhe, active, inst->id);
	if (!l)
		return -ENOMEM;
	bh_strlcpy(l->peer, "eth0", sizeof(l->peer));
	bh_strlcpy(l->peer_netns, iw->name, sizeof(l->peer_netns));
	bh_strlcpy(l->peer_mac, e->mac, sizeof(l->peer_mac));
	r = bh_snprintf(cidr, sizeof(cidr), "%s/32", gw);
	if (r == 0)
		r = add_addr(vw, bhe, cidr, inst->id);
	if (r == 0)
		r = bh_snprintf(path, sizeof(path), "net/ipv4/conf/%s/proxy_arp", bhe);
	if (r == 0)
		r = add_sysctl(&vw->if_sysctls, path, "1", inst->id);
	/* proxy ARP answers after a random delay of up to 0.8 s by default:
	 * every first packet between two instances would wait for it */
	if (r == 0)
		r = bh_snprintf(path, sizeof(path), "net/ipv4/neigh/%s/proxy_delay", bhe);
	if (r == 0)
		r = add_sysctl(&vw->if_sysctls, path, "0", inst->id);
	if (r == 0 && active) {
		struct dp_route host = { .table = RT_TABLE_MAIN, .type = RTN_UNICAST };

		bh_snprintf(host.dst, sizeof(host.dst), "%s/32", ip);
		bh_strlcpy(host.dev, bhe, sizeof(host.dev));
		bh_strlcpy(host.owner, inst->id, sizeof(host.owner));
		r = add_route(vw, &host);
		if (r == 0 && rtb)
			r = add_rule(vw, DP_IIF_RULE_PRIORITY, bhe, "", (unsigned)rtb->kernel_table, inst->id);
	}
	return r;
}

/* A public address routed from the internet to the VPC that holds it. */
static int plan_public_ip(const struct snapshot *s, struct dp_plan *p, const struct eni *e, const char *public_ip)
{
	const char *vpc_id = vpc_of(e->vpc_id);
	struct dp_route rt = { .table = RT_TABLE_MAIN, .type = RTN_UNICAST, .onlink = true };
	char internet_gw[BH_IPV4_STR];
	unsigned prefix;

	/* the public network's addresses are routed as one prefix */
	if (!public_ip[0] || strcmp(vpc_id, BH_PUBLIC_NET_ID) == 0 || !vpc_has_uplink(s, vpc_id))
		return 0;
	if (subnet_gateway(BH_INTERNET_CIDR, internet_gw, &prefix) < 0)
		return -EINVAL;
	bh_snprintf(rt.dst, sizeof(rt.dst), "%s/32", public_ip);
	bh_strlcpy(rt.via, DP_UPLINK_ROUTER_ADDR, sizeof(rt.via));
	igw_internet_ifname(vpc_id, rt.dev);
	bh_strlcpy(rt.src, internet_gw, sizeof(rt.src));
	return add_route(&p->ns.items[0], &rt);
}

int dp_plan_build(const struct snapshot *s, struct dp_plan *ret)
{
	size_t i;
	int r;

	r = plan_internet(ret);
	if (r == 0)
		r = plan_vpc(s, ret, BH_PUBLIC_NET_ID, BH_PUBLIC_NET_CIDR);
	for (i = 0; i < s->vpcs.count && r == 0; i++)
		r = plan_vpc(s, ret, s->vpcs.items[i].id, s->vpcs.items[i].cidr);
	for (i = 0; i < s->route_tables.count && r == 0; i++) {
		const struct route_table *rtb = &s->route_tables.items[i];
		char name[DP_NETNS_NAME];
		struct ns_want *w;

		vpc_netns_name(rtb->vpc_id, name);
		w = dp_plan_ns(ret, name);
		if (w)
			r = plan_route_table(s, w, rtb);
	}
	for (i = 0; i < s->instances.count && r == 0; i++)
		r = plan_instance(s, ret, &s->instances.items[i]);
	for (i = 0; i < s->enis.count && r == 0; i++)
		r = plan_public_ip(s, ret, &s->enis.items[i], s->enis.items[i].public_ip);
	for (i = 0; i < s->addresses.count && r == 0; i++) {
		const struct address *a = &s->addresses.items[i];
		const struct eni *e = a->eni_id[0] ? snapshot_eni(s, a->eni_id) : NULL;

		if (e)
			r = plan_public_ip(s, ret, e, a->public_ip);
	}
	if (r < 0)
		dp_plan_release(ret);
	return r;
}
