/* test_agent_plan.c - the agent's pure half: which namespaces, links,
 * addresses, routes and rules a snapshot implies (plan.c), and the `ip
 * -batch` commands that take a namespace there (links.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/rtnetlink.h>
#include <string.h>

#include "agent/links.h"
#include "agent/plan.h"
#include "lib/buf.h"
#include "policy/compile.h"

#define VPC "vpc-0a1b2c3d4e5f60718"
#define SUBNET "subnet-0000000000000000a"
#define RTB "rtb-0000000000000000b"
#define IGW "igw-0000000000000000c"
#define I_RUN "i-00000000000000001"
#define I_STOP "i-00000000000000002"
#define I_GONE "i-00000000000000003"
#define ENI_RUN "eni-aaaaaaaaaaaa00001"
#define ENI_STOP "eni-bbbbbbbbbbbb00002"
#define BHE_RUN "bheaaaaaaaaaaaa"
#define BHE_STOP "bhebbbbbbbbbbbb"

static void add_instance(struct snapshot *s, const char *id, const char *state, const char *eni_id,
			 const char *ip, const char *mac, const char *public_ip)
{
	struct instance *i = list_push(&s->instances);
	struct eni *e;

	bh_strlcpy(i->id, id, sizeof(i->id));
	bh_strlcpy(i->vpc_id, VPC, sizeof(i->vpc_id));
	bh_strlcpy(i->subnet_id, SUBNET, sizeof(i->subnet_id));
	bh_strlcpy(i->state, state, sizeof(i->state));
	bh_strlcpy(i->eni_id, eni_id, sizeof(i->eni_id));
	if (!ip)
		return;
	e = list_push(&s->enis);
	bh_strlcpy(e->id, eni_id, sizeof(e->id));
	bh_strlcpy(e->vpc_id, VPC, sizeof(e->vpc_id));
	bh_strlcpy(e->subnet_id, SUBNET, sizeof(e->subnet_id));
	bh_strlcpy(e->instance_id, id, sizeof(e->instance_id));
	bh_strlcpy(e->private_ip, ip, sizeof(e->private_ip));
	bh_strlcpy(e->mac, mac, sizeof(e->mac));
	bh_strlcpy(e->public_ip, public_ip, sizeof(e->public_ip));
	e->source_dest_check = true;
}

/* One VPC with a subnet, its main table routing 0.0.0.0/0 to an attached
 * gateway, a running instance with a public address, a stopped one and
 * one being terminated. */
static void make_snapshot(struct snapshot *s)
{
	struct vpc *v;
	struct subnet *sn;
	struct route_table *rt;
	struct route *r;
	struct internet_gateway *g;

	memset(s, 0, sizeof(*s));
	s->revision = 7;
	v = list_push(&s->vpcs);
	bh_strlcpy(v->id, VPC, sizeof(v->id));
	bh_strlcpy(v->cidr, "10.0.0.0/16", sizeof(v->cidr));
	sn = list_push(&s->subnets);
	bh_strlcpy(sn->id, SUBNET, sizeof(sn->id));
	bh_strlcpy(sn->vpc_id, VPC, sizeof(sn->vpc_id));
	bh_strlcpy(sn->cidr, "10.0.1.0/24", sizeof(sn->cidr));
	rt = list_push(&s->route_tables);
	bh_strlcpy(rt->id, RTB, sizeof(rt->id));
	bh_strlcpy(rt->vpc_id, VPC, sizeof(rt->vpc_id));
	rt->is_main = true;
	rt->kernel_table = 100;
	r = list_push(&s->routes);
	bh_strlcpy(r->route_table_id, RTB, sizeof(r->route_table_id));
	bh_strlcpy(r->destination, "10.0.0.0/16", sizeof(r->destination));
	bh_strlcpy(r->gateway_id, "local", sizeof(r->gateway_id));
	r = list_push(&s->routes);
	bh_strlcpy(r->route_table_id, RTB, sizeof(r->route_table_id));
	bh_strlcpy(r->destination, "0.0.0.0/0", sizeof(r->destination));
	bh_strlcpy(r->gateway_id, IGW, sizeof(r->gateway_id));
	r = list_push(&s->routes);
	bh_strlcpy(r->route_table_id, RTB, sizeof(r->route_table_id));
	bh_strlcpy(r->destination, "192.168.0.0/16", sizeof(r->destination));
	bh_strlcpy(r->gateway_id, "igw-00000000000000099", sizeof(r->gateway_id));
	g = list_push(&s->igws);
	bh_strlcpy(g->id, IGW, sizeof(g->id));
	bh_strlcpy(g->vpc_id, VPC, sizeof(g->vpc_id));
	add_instance(s, I_RUN, BH_STATE_RUNNING, ENI_RUN, "10.0.1.4", "02:00:00:00:00:04", "203.0.113.200");
	add_instance(s, I_STOP, BH_STATE_STOPPED, ENI_STOP, "10.0.1.5", "02:00:00:00:00:05", "");
	add_instance(s, I_GONE, BH_STATE_SHUTTING_DOWN, "eni-cccccccccccc00003", NULL, NULL, NULL);
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

#define assert_line(text, line)                                                     \
	do {                                                                        \
		if (!has_line((text), (line)))                                      \
			fail_msg("missing line '%s' in:\n%s", (line), (text));     \
	} while (0)
#define assert_no_line(text, line)                                                  \
	do {                                                                        \
		if (has_line((text), (line)))                                       \
			fail_msg("unexpected line '%s' in:\n%s", (line), (text));  \
	} while (0)

static const struct dp_instance *plan_instance(const struct dp_plan *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->instances.count; i++)
		if (strcmp(p->instances.items[i].id, id) == 0)
			return &p->instances.items[i];
	return NULL;
}

static void test_namespaces(void **state)
{
	struct snapshot s;
	struct dp_plan p = { 0 };
	const struct dp_instance *gone;

	(void)state;
	make_snapshot(&s);
	assert_int_equal(dp_plan_build(&s, &p), 0);
	assert_int_equal(p.ns.count, 5);
	assert_string_equal(p.ns.items[0].name, "bh-internet");
	assert_int_equal(p.ns.items[0].kind, NS_INTERNET);
	assert_non_null(dp_plan_ns(&p, "bh-vpc-public"));
	assert_non_null(dp_plan_ns(&p, "bh-vpc-0a1b2c3d4e5f60718"));
	assert_non_null(dp_plan_ns(&p, "bh-i-00000000000000001"));
	assert_non_null(dp_plan_ns(&p, "bh-i-00000000000000002"));
	/* shutting-down: no namespace, but reported on */
	assert_null(dp_plan_ns(&p, "bh-i-00000000000000003"));
	gone = plan_instance(&p, I_GONE);
	assert_non_null(gone);
	assert_false(gone->planned);
	assert_string_equal(gone->vpc_netns, "bh-vpc-0a1b2c3d4e5f60718");
	assert_string_equal(gone->router_if, "bhecccccccccccc");
	assert_true(plan_instance(&p, I_RUN)->planned);
	assert_int_equal(p.notes.count, 0);
	dp_plan_release(&p);
	snapshot_release(&s);
}

/* Everything a namespace should hold, as the commands that make it from
 * nothing. */
static char *config_from_empty(const struct dp_plan *p, const char *ns, bool allow_up, struct strlist *dirty)
{
	struct ns_state empty = { 0 };
	struct buf out = BUF_INIT(1 << 20);

	assert_int_equal(dp_diff_config(dp_plan_ns(p, ns), &empty, allow_up, &out, dirty), 0);
	return buf_detach(&out);
}

static void test_vpc_router(void **state)
{
	struct snapshot s;
	struct dp_plan p = { 0 };
	struct strlist dirty = { 0 };
	char *text;

	(void)state;
	make_snapshot(&s);
	assert_int_equal(dp_plan_build(&s, &p), 0);
	text = config_from_empty(&p, "bh-vpc-0a1b2c3d4e5f60718", true, &dirty);
	assert_line(text, "address replace 10.0.1.1/32 dev " BHE_RUN);
	assert_line(text, "address replace 10.0.1.1/32 dev " BHE_STOP);
	assert_line(text, "address replace 169.254.0.1/32 dev bhg0a1b2c3d4e5f");
	assert_line(text, "link set dev " BHE_RUN " up");
	assert_line(text, "link set dev bhg0a1b2c3d4e5f up");
	assert_no_line(text, "link set dev " BHE_STOP " up");
	assert_line(text, "route replace blackhole 10.0.0.0/16 table 254");
	assert_line(text, "route replace 10.0.1.4/32 dev " BHE_RUN " table 254");
	assert_no_line(text, "route replace 10.0.1.5/32 dev " BHE_STOP " table 254");
	assert_line(text, "route replace 0.0.0.0/0 via 169.254.0.2 dev bhg0a1b2c3d4e5f onlink table 100");
	/* a route to a gateway that is not attached here leads nowhere */
	assert_line(text, "route replace blackhole 192.168.0.0/16 table 100");
	/* the `local` route is the rule, not a table entry */
	assert_no_line(text, "route replace blackhole 10.0.0.0/16 table 100");
	assert_line(text, "rule add priority 100 to 10.0.0.0/16 lookup 254");
	assert_line(text, "rule add priority 1000 iif " BHE_RUN " lookup 100");
	assert_no_line(text, "rule add priority 1000 iif " BHE_STOP " lookup 100");
	assert_true(strlist_contains(&dirty, I_RUN));
	/* addresses before links come up, links up before their routes */
	assert_true(strstr(text, "address replace 10.0.1.1/32 dev " BHE_RUN) <
		    strstr(text, "link set dev " BHE_RUN " up"));
	assert_true(strstr(text, "link set dev " BHE_RUN " up") <
		    strstr(text, "route replace 10.0.1.4/32 dev " BHE_RUN));
	free(text);
	dp_plan_release(&p);
	snapshot_release(&s);
	strlist_release(&dirty);
}

static void test_internet_and_instance(void **state)
{
	struct snapshot s;
	struct dp_plan p = { 0 };
	struct strlist dirty = { 0 };
	const struct ns_want *w;
	char *text;

	(void)state;
	make_snapshot(&s);
	assert_int_equal(dp_plan_build(&s, &p), 0);
	text = config_from_empty(&p, "bh-internet", true, &dirty);
	assert_line(text, "address replace 203.0.113.1/25 dev lo");
	assert_line(text, "address replace 169.254.0.2/32 dev bhx0a1b2c3d4e5f");
	assert_line(text, "address replace 169.254.0.2/32 dev bhxpublic");
	assert_line(text, "route replace 203.0.113.200/32 via 169.254.0.1 dev bhx0a1b2c3d4e5f onlink src 203.0.113.1 table 254");
	assert_line(text, "route replace 198.51.100.0/24 via 169.254.0.1 dev bhxpublic onlink src 203.0.113.1 table 254");
	free(text);
	text = config_from_empty(&p, "bh-i-00000000000000001", true, &dirty);
	/* a /32 and everything via the gateway: the instance resolves only it */
	assert_line(text, "address replace 10.0.1.4/32 dev eth0");
	assert_line(text, "link set dev eth0 up");
	assert_line(text, "link set dev lo up");
	assert_line(text, "route replace 10.0.1.0/24 via 10.0.1.1 dev eth0 onlink table 254");
	assert_line(text, "route replace 0.0.0.0/0 via 10.0.1.1 dev eth0 onlink table 254");
	assert_no_line(text, "address replace 10.0.1.4/24 dev eth0");
	free(text);
	w = dp_plan_ns(&p, "bh-i-00000000000000001");
	assert_false(w->prune);
	w = dp_plan_ns(&p, "bh-vpc-0a1b2c3d4e5f60718");
	assert_true(w->prune);
	assert_int_equal(w->if_sysctls.count, 4);
	assert_string_equal(w->if_sysctls.items[0].path, "net/ipv4/conf/" BHE_RUN "/proxy_arp");
	dp_plan_release(&p);
	snapshot_release(&s);
	strlist_release(&dirty);
}

static void test_create(void **state)
{
	struct snapshot s;
	struct dp_plan p = { 0 };
	struct strlist dirty = { 0 }, remake = { 0 }, stale = { 0 };
	struct ns_state have = { 0 };
	struct buf out = BUF_INIT(1 << 16);
	const struct ns_want *w;
	struct dp_link *l;

	(void)state;
	make_snapshot(&s);
	assert_int_equal(dp_plan_build(&s, &p), 0);
	w = dp_plan_ns(&p, "bh-vpc-0a1b2c3d4e5f60718");
	assert_int_equal(dp_diff_create(w, &have, NULL, NULL, &out, &dirty), 0);
	assert_line(buf_str(&out), "link add " BHE_RUN " type veth peer name eth0 netns bh-i-00000000000000001 address 02:00:00:00:00:04");
	assert_line(buf_str(&out), "link add bhg0a1b2c3d4e5f type veth peer name bhx0a1b2c3d4e5f netns bh-internet");
	assert_true(strlist_contains(&dirty, I_RUN));
	assert_true(strlist_contains(&dirty, I_STOP));

	/* present links are never remade, unless their peer is gone */
	buf_reset(&out);
	l = list_push(&have.links);
	bh_strlcpy(l->name, BHE_RUN, sizeof(l->name));
	l = list_push(&have.links);
	bh_strlcpy(l->name, BHE_STOP, sizeof(l->name));
	l = list_push(&have.links);
	bh_strlcpy(l->name, "bhg0a1b2c3d4e5f", sizeof(l->name));
	assert_int_equal(dp_diff_create(w, &have, NULL, NULL, &out, &dirty), 0);
	assert_int_equal(out.len, 0);
	strlist_add(&remake, BHE_RUN);
	strlist_add(&stale, "bhold");
	assert_int_equal(dp_diff_create(w, &have, &remake, &stale, &out, &dirty), 0);
	assert_string_equal(buf_str(&out), "link del bhold\n"
					   "link del " BHE_RUN "\n"
					   "link add " BHE_RUN " type veth peer name eth0 netns bh-i-00000000000000001 address 02:00:00:00:00:04\n");
	buf_release(&out);
	ns_state_release(&have);
	dp_plan_release(&p);
	snapshot_release(&s);
	strlist_release(&dirty);
	strlist_release(&remake);
	strlist_release(&stale);
}

/* The kernel holding exactly the plan, plus an extra of each kind. */
static void copy_want(const struct ns_want *w, struct ns_state *have)
{
	size_t i;

	for (i = 0; i < w->state.links.count; i++)
		*list_push(&have->links) = w->state.links.items[i];
	for (i = 0; i < w->state.addrs.count; i++)
		*list_push(&have->addrs) = w->state.addrs.items[i];
	for (i = 0; i < w->state.routes.count; i++)
		*list_push(&have->routes) = w->state.routes.items[i];
	for (i = 0; i < w->state.rules.count; i++)
		*list_push(&have->rules) = w->state.rules.items[i];
}

static void test_converged_and_prune(void **state)
{
	struct snapshot s;
	struct dp_plan p = { 0 };
	struct strlist dirty = { 0 };
	struct ns_state have = { 0 };
	struct buf out = BUF_INIT(1 << 16);
	const struct ns_want *w;
	struct dp_link *l;
	struct dp_route *rt;
	struct dp_rule *ru;
	struct dp_addr *a;

	(void)state;
	make_snapshot(&s);
	assert_int_equal(dp_plan_build(&s, &p), 0);
	w = dp_plan_ns(&p, "bh-vpc-0a1b2c3d4e5f60718");
	copy_want(w, &have);
	assert_int_equal(dp_diff_config(w, &have, true, &out, &dirty), 0);
	assert_string_equal(buf_str(&out), "");
	assert_int_equal(dirty.count, 0);

	l = list_push(&have.links);
	bh_strlcpy(l->name, "bhe999999999999", sizeof(l->name));
	a = list_push(&have.addrs);
	bh_strlcpy(a->ifname, BHE_RUN, sizeof(a->ifname));
	bh_strlcpy(a->cidr, "10.9.9.9/32", sizeof(a->cidr));
	a = list_push(&have.addrs);
	bh_strlcpy(a->ifname, "bhe999999999999", sizeof(a->ifname));
	bh_strlcpy(a->cidr, "10.0.1.1/32", sizeof(a->cidr));
	rt = list_push(&have.routes);
	*rt = (struct dp_route){ .table = 254, .type = RTN_UNICAST };
	bh_strlcpy(rt->dst, "10.0.1.9/32", sizeof(rt->dst));
	bh_strlcpy(rt->dev, "bhe999999999999", sizeof(rt->dev));
	/* a second route for a planned destination */
	rt = list_push(&have.routes);
	*rt = (struct dp_route){ .table = 100, .type = RTN_BLACKHOLE };
	bh_strlcpy(rt->dst, "0.0.0.0/0", sizeof(rt->dst));
	ru = list_push(&have.rules);
	*ru = (struct dp_rule){ .priority = 1000, .table = 100 };
	bh_strlcpy(ru->iif, "bhe999999999999", sizeof(ru->iif));
	ru = list_push(&have.rules);
	*ru = (struct dp_rule){ .priority = 5, .table = 7, .foreign = true };
	assert_int_equal(dp_diff_config(w, &have, true, &out, &dirty), 0);
	assert_string_equal(buf_str(&out), "rule del priority 1000 iif bhe999999999999 lookup 100\n"
					   "rule del priority 5 lookup 7\n"
					   "route del 10.0.1.9/32 dev bhe999999999999 table 254\n"
					   "route del blackhole 0.0.0.0/0 table 100\n"
					   "address del 10.9.9.9/32 dev " BHE_RUN "\n"
					   "link del bhe999999999999\n");

	/* a planned route that differs is replaced in place, never deleted
	 * first (no moment without a route) */
	for (size_t i = 0; i < have.routes.count; i++)
		if (have.routes.items[i].table == 100 && have.routes.items[i].type == RTN_UNICAST &&
		    strcmp(have.routes.items[i].dst, "0.0.0.0/0") == 0)
			have.routes.items[i].type = RTN_UNREACHABLE;
	buf_reset(&out);
	assert_int_equal(dp_diff_config(w, &have, true, &out, &dirty), 0);
	assert_no_line(buf_str(&out), "route del unreachable 0.0.0.0/0 via 169.254.0.2 dev bhg0a1b2c3d4e5f onlink table 100");
	assert_line(buf_str(&out), "route replace 0.0.0.0/0 via 169.254.0.2 dev bhg0a1b2c3d4e5f onlink table 100");
	buf_release(&out);
	ns_state_release(&have);
	dp_plan_release(&p);
	snapshot_release(&s);
	strlist_release(&dirty);
}

/* An instance configured with its subnet's prefix on eth0 (as agents
 * before the /32 did) converges with no moment without its address or a
 * route: the /32 and the routes first, the old address last, whether or
 * not the namespace is pruned. */
static void test_instance_readdressed(void **state)
{
	struct snapshot s;
	struct dp_plan p = { 0 };
	struct strlist dirty = { 0 };
	struct ns_state have = { 0 };
	struct buf out = BUF_INIT(1 << 16);
	static const char want[] = "address replace 10.0.1.4/32 dev eth0\n"
				   "route replace 10.0.1.0/24 via 10.0.1.1 dev eth0 onlink table 254\n"
				   "route replace 0.0.0.0/0 via 10.0.1.1 dev eth0 onlink table 254\n"
				   "address del 10.0.1.4/24 dev eth0\n";
	struct ns_want pruned;
	const struct ns_want *w;
	struct dp_addr *a;
	size_t i;

	(void)state;
	make_snapshot(&s);
	assert_int_equal(dp_plan_build(&s, &p), 0);
	w = dp_plan_ns(&p, "bh-i-00000000000000001");
	for (i = 0; i < w->state.links.count; i++)
		*list_push(&have.links) = w->state.links.items[i];
	a = list_push(&have.addrs);
	bh_strlcpy(a->ifname, "eth0", sizeof(a->ifname));
	bh_strlcpy(a->cidr, "10.0.1.4/24", sizeof(a->cidr));
	/* the subnet's route is the kernel's own then, which is never read */
	*list_push(&have.routes) = (struct dp_route){ .table = 254, .type = RTN_UNICAST, .dst = "0.0.0.0/0",
						      .via = "10.0.1.1", .dev = "eth0" };
	assert_int_equal(dp_diff_config(w, &have, true, &out, &dirty), 0);
	assert_string_equal(buf_str(&out), want);
	pruned = *w;
	pruned.prune = true;
	buf_reset(&out);
	assert_int_equal(dp_diff_config(&pruned, &have, true, &out, &dirty), 0);
	assert_string_equal(buf_str(&out), want);

	/* once converged, nothing more; an address of another IP is the
	 * instance's own business (not pruned) */
	ns_state_release(&have);
	copy_want(w, &have);
	a = list_push(&have.addrs);
	bh_strlcpy(a->ifname, "eth0", sizeof(a->ifname));
	bh_strlcpy(a->cidr, "10.0.1.99/24", sizeof(a->cidr));
	buf_reset(&out);
	assert_int_equal(dp_diff_config(w, &have, true, &out, &dirty), 0);
	assert_string_equal(buf_str(&out), "");
	buf_release(&out);
	ns_state_release(&have);
	dp_plan_release(&p);
	snapshot_release(&s);
	strlist_release(&dirty);
}

/* Without its firewall in place a vNIC stays down, and not ready. */
static void test_fail_closed(void **state)
{
	struct snapshot s;
	struct dp_plan p = { 0 };
	struct strlist dirty = { 0 };
	char *text;

	(void)state;
	make_snapshot(&s);
	assert_int_equal(dp_plan_build(&s, &p), 0);
	text = config_from_empty(&p, "bh-vpc-0a1b2c3d4e5f60718", false, &dirty);
	assert_no_line(text, "link set dev " BHE_RUN " up");
	assert_no_line(text, "link set dev bhg0a1b2c3d4e5f up");
	assert_line(text, "link set dev lo up");
	assert_true(strlist_contains(&dirty, I_RUN));
	free(text);
	dp_plan_release(&p);
	snapshot_release(&s);
	strlist_release(&dirty);
}

static void test_public_network(void **state)
{
	struct snapshot s;
	struct dp_plan p = { 0 };
	struct strlist dirty = { 0 };
	struct instance *i;
	struct eni *e;
	char *text;

	(void)state;
	memset(&s, 0, sizeof(s));
	i = list_push(&s.instances);
	bh_strlcpy(i->id, "i-0000000000000000f", sizeof(i->id));
	bh_strlcpy(i->state, BH_STATE_PENDING, sizeof(i->state));
	bh_strlcpy(i->eni_id, "eni-ffffffffffff0000f", sizeof(i->eni_id));
	e = list_push(&s.enis);
	bh_strlcpy(e->id, "eni-ffffffffffff0000f", sizeof(e->id));
	bh_strlcpy(e->instance_id, i->id, sizeof(e->instance_id));
	bh_strlcpy(e->private_ip, "198.51.100.10", sizeof(e->private_ip));
	bh_strlcpy(e->public_ip, "198.51.100.10", sizeof(e->public_ip));
	bh_strlcpy(e->mac, "02:00:00:00:00:0f", sizeof(e->mac));
	assert_int_equal(dp_plan_build(&s, &p), 0);
	text = config_from_empty(&p, "bh-vpc-public", true, &dirty);
	assert_line(text, "address replace 198.51.100.1/32 dev bheffffffffffff");
	assert_line(text, "route replace 198.51.100.10/32 dev bheffffffffffff table 254");
	assert_line(text, "route replace 0.0.0.0/0 via 169.254.0.2 dev bhgpublic onlink table 254");
	assert_line(text, "rule add priority 100 to 198.51.100.0/24 lookup 254");
	free(text);
	text = config_from_empty(&p, "bh-i-0000000000000000f", true, &dirty);
	assert_line(text, "address replace 198.51.100.10/32 dev eth0");
	assert_line(text, "route replace 198.51.100.0/24 via 198.51.100.1 dev eth0 onlink table 254");
	assert_line(text, "route replace 0.0.0.0/0 via 198.51.100.1 dev eth0 onlink table 254");
	free(text);
	/* the public network's addresses are one prefix in bh-internet, not /32s */
	text = config_from_empty(&p, "bh-internet", true, &dirty);
	assert_no_line(text, "route replace 198.51.100.10/32 via 169.254.0.1 dev bhxpublic onlink src 203.0.113.1 table 254");
	free(text);
	dp_plan_release(&p);
	snapshot_release(&s);
	strlist_release(&dirty);
}

static void test_unplannable(void **state)
{
	struct snapshot s;
	struct dp_plan p = { 0 };
	struct instance *i;

	(void)state;
	make_snapshot(&s);
	i = list_push(&s.instances);
	bh_strlcpy(i->id, "i-00000000000000004", sizeof(i->id));
	bh_strlcpy(i->vpc_id, VPC, sizeof(i->vpc_id));
	bh_strlcpy(i->state, BH_STATE_PENDING, sizeof(i->state));
	bh_strlcpy(i->eni_id, "eni-dddddddddddd00004", sizeof(i->eni_id));
	assert_int_equal(dp_plan_build(&s, &p), 0);
	assert_int_equal(p.notes.count, 1);
	assert_string_equal(p.notes.items[0], "instance=i-00000000000000004 problem=no_network_interface");
	assert_null(dp_plan_ns(&p, "bh-i-00000000000000004"));
	assert_false(plan_instance(&p, "i-00000000000000004")->planned);
	dp_plan_release(&p);
	snapshot_release(&s);
}

static void test_keys(void **state)
{
	struct dp_route rt = { .table = 100, .type = RTN_UNICAST, .onlink = true };
	struct dp_rule ru = { .priority = 100, .table = 254 };
	char key[DP_KEY_MAX];

	(void)state;
	bh_strlcpy(rt.dst, "0.0.0.0/0", sizeof(rt.dst));
	bh_strlcpy(rt.via, "169.254.0.2", sizeof(rt.via));
	bh_strlcpy(rt.dev, "bhg0a1b2c3d4e5f", sizeof(rt.dev));
	dp_route_key(&rt, key);
	assert_string_equal(key, "0.0.0.0/0 via 169.254.0.2 dev bhg0a1b2c3d4e5f onlink table 100");
	bh_strlcpy(ru.dst, "10.0.0.0/16", sizeof(ru.dst));
	dp_rule_key(&ru, key);
	assert_string_equal(key, "priority 100 to 10.0.0.0/16 lookup 254");
	ru.foreign = true;
	dp_rule_key(&ru, key);
	assert_string_equal(key, "priority 100 to 10.0.0.0/16 lookup 254 (foreign)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_vpc_router),
		cmocka_unit_test(test_internet_and_instance),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_converged_and_prune),
		cmocka_unit_test(test_instance_readdressed),
		cmocka_unit_test(test_fail_closed),
		cmocka_unit_test(test_public_network),
		cmocka_unit_test(test_unplannable),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
