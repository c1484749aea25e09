/* links.c - the difference between a namespace's links, addresses, routes
 * and rules and the planned ones, as `ip -batch` commands, and running
 * them with `ip -n NETNS -force -batch -`. */
#include "agent/links.h"

#include <errno.h>
#include <string.h>

#include "agent/netns.h"

static bool in_list(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; l && i < l->count; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

static int mark(struct strlist *dirty, const char *owner)
{
	if (!owner[0] || in_list(dirty, owner))
		return 0;
	return strlist_add(dirty, owner);
}

static int emit_veth(const struct dp_link *l, struct buf *out)
{
	int r = buf_printf(out, "link add %s type veth peer name %s netns %s", l->name, l->peer, l->peer_netns);

	if (r == 0 && l->peer_mac[0])
		r = buf_printf(out, " address %s", l->peer_mac);
	if (r == 0)
		r = buf_putc(out, '\n');
	return r;
}

int dp_diff_create(const struct ns_want *want, const struct ns_state *have, const struct strlist *remake,
		   const struct strlist *stale, struct buf *out, struct strlist *dirty)
{
	size_t i;
	int r = 0;

	for (i = 0; stale && i < stale->count && r == 0; i++)
		r = buf_printf(out, "link del %s\n", stale->items[i]);
	for (i = 0; i < want->state.links.count && r == 0; i++) {
		const struct dp_link *l = &want->state.links.items[i];
		bool present = ns_state_link(have, l->name) != NULL;

		if (!l->peer[0])
			continue;
		if (present && !in_list(remake, l->name))
			continue;
		if (present)
			r = buf_printf(out, "link del %s\n", l->name);
		if (r == 0)
			r = emit_veth(l, out);
		if (r == 0)
			r = mark(dirty, l->owner);
	}
	return r;
}

/* --- deletions of what the plan lacks --- */

static bool have_route_key(const struct ns_state *have, const char *key)
{
	char k[DP_KEY_MAX];
	size_t i;

	for (i = 0; i < have->routes.count; i++) {
		dp_route_key(&have->routes.items[i], k);
		if (strcmp(k, key) == 0)
			return true;
	}
	return false;
}

/* Keep rt when the plan has it, or when a planned route for the same table
 * and destination is missing: `route replace` then changes rt in place,
 * with no moment without a route. */
static bool route_kept(const struct ns_want *w, const struct ns_state *have, const struct dp_route *rt,
		       const char *key)
{
	char k[DP_KEY_MAX];
	size_t i;

	for (i = 0; i < w->state.routes.count; i++) {
		const struct dp_route *o = &w->state.routes.items[i];

		dp_route_key(o, k);
		if (strcmp(k, key) == 0)
			return true;
		if (o->table == rt->table && strcmp(o->dst, rt->dst) == 0 && !have_route_key(have, k))
			return true;
	}
	return false;
}

static bool addr_planned(const struct ns_want *want, const char *key)
{
	char k[DP_KEY_MAX];
	size_t i;

	for (i = 0; i < want->state.addrs.count; i++) {
		dp_addr_key(&want->state.addrs.items[i], k);
		if (strcmp(k, key) == 0)
			return true;
	}
	return false;
}

/* Is `a` an address the plan holds on the same link with another prefix
 * (an instance's address, once the subnet's prefix and now a /32)? Such
 * an address goes in any namespace, and only last, once its replacement
 * and the routes through the gateway are in place: the local address
 * and the instance's routes never lapse, and the kernel keeps the local
 * route while another prefix holds the address. */
static bool addr_reprefixed(const struct ns_want *want, const struct dp_addr *a)
{
	size_t n = strcspn(a->cidr, "/"), i;
	char key[DP_KEY_MAX];

	dp_addr_key(a, key);
	if (addr_planned(want, key))
		return false;
	for (i = 0; i < want->state.addrs.count; i++) {
		const struct dp_addr *w = &want->state.addrs.items[i];

		if (strcmp(w->ifname, a->ifname) == 0 && strncmp(w->cidr, a->cidr, n) == 0 && w->cidr[n] == '/')
			return true;
	}
	return false;
}

static int prune(const struct ns_want *want, const struct ns_state *have, struct buf *out)
{
	char key[DP_KEY_MAX], k[DP_KEY_MAX];
	size_t i, j;
	int r = 0;

	for (i = 0; i < have->rules.count && r == 0; i++) {
		bool keep = false;

		dp_rule_key(&have->rules.items[i], key);
		for (j = 0; j < want->state.rules.count && !keep; j++) {
			dp_rule_key(&want->state.rules.items[j], k);
			keep = strcmp(k, key) == 0;
		}
		if (!keep) {
			struct dp_rule bare = have->rules.items[i];

			bare.foreign = false;
			dp_rule_key(&bare, key);
			r = buf_printf(out, "rule del %s\n", key);
		}
	}
	for (i = 0; i < have->routes.count && r == 0; i++) {
		const struct dp_route *rt = &have->routes.items[i];

		dp_route_key(rt, key);
		if (!route_kept(want, have, rt, key))
			r = buf_printf(out, "route del %s\n", key);
	}
	for (i = 0; i < have->addrs.count && r == 0; i++) {
		const struct dp_addr *a = &have->addrs.items[i];
		bool keep = (strcmp(a->ifname, "lo") == 0 && strcmp(a->cidr, "127.0.0.1/8") == 0) ||
			    addr_reprefixed(want, a);

		dp_addr_key(a, key);
		keep = keep || addr_planned(want, key);
		/* a link about to go takes its addresses with it */
		for (j = 0; j < want->state.links.count && !keep; j++)
			if (strcmp(want->state.links.items[j].name, a->ifname) == 0)
				break;
		if (!keep && j < want->state.links.count)
			r = buf_printf(out, "address del %s\n", key);
	}
	for (i = 0; i < have->links.count && r == 0; i++) {
		const struct dp_link *l = &have->links.items[i];
		bool keep = strcmp(l->name, "lo") == 0;

		for (j = 0; j < want->state.links.count && !keep; j++)
			keep = strcmp(want->state.links.items[j].name, l->name) == 0;
		if (!keep)
			r = buf_printf(out, "link del %s\n", l->name);
	}
	return r;
}

/* --- additions and changes --- */

static int config_links(const struct ns_want *want, const struct ns_state *have, bool allow_up, bool up_pass,
			struct buf *out, struct strlist *dirty)
{
	size_t i;
	int r = 0;

	for (i = 0; i < want->state.links.count && r == 0; i++) {
		const struct dp_link *l = &want->state.links.items[i];
		const struct dp_link *h = ns_state_link(have, l->name);
		bool is_up = h && h->up;

		if (!up_pass) {
			if (h && l->mac[0] && strcmp(h->mac, l->mac) != 0) {
				r = buf_printf(out, "link set dev %s address %s\n", l->name, l->mac);
				if (r == 0)
					r = mark(dirty, l->owner);
			}
			continue;
		}
		if (l->up == is_up)
			continue;
		if (l->up && !allow_up && strcmp(l->name, "lo") != 0) {
			r = mark(dirty, l->owner);
			continue;
		}
		r = buf_printf(out, "link set dev %s %s\n", l->name, l->up ? "up" : "down");
		if (r == 0)
			r = mark(dirty, l->owner);
	}
	return r;
}

int dp_diff_config(const struct ns_want *want, const struct ns_state *have, bool allow_up, struct buf *out,
		   struct strlist *dirty)
{
	char key[DP_KEY_MAX], k[DP_KEY_MAX];
	size_t i, j;
	bool found;
	int r = 0;

	if (want->prune)
		r = prune(want, have, out);
	if (r == 0)
		r = config_links(want, have, allow_up, false, out, dirty);
	for (i = 0; i < want->state.addrs.count && r == 0; i++) {
		dp_addr_key(&want->state.addrs.items[i], key);
		for (j = 0, found = false; j < have->addrs.count && !found; j++) {
			dp_addr_key(&have->addrs.items[j], k);
			found = strcmp(k, key) == 0;
		}
		if (found)
			continue;
		r = buf_printf(out, "address replace %s\n", key);
		if (r == 0)
			r = mark(dirty, want->state.addrs.items[i].owner);
	}
	/* routes need their link up (the kernel refuses a route through a
	 * link that is down), so links come first */
	if (r == 0)
		r = config_links(want, have, allow_up, true, out, dirty);
	for (i = 0; i < want->state.routes.count && r == 0; i++) {
		const struct dp_route *rt = &want->state.routes.items[i];

		dp_route_key(rt, key);
		for (j = 0, found = false; j < have->routes.count && !found; j++) {
			dp_route_key(&have->routes.items[j], k);
			found = strcmp(k, key) == 0;
		}
		if (found)
			continue;
		r = buf_printf(out, "route replace %s\n", key);
		if (r == 0)
			r = mark(dirty, rt->owner);
	}
	for (i = 0; i < want->state.rules.count && r == 0; i++) {
		dp_rule_key(&want->state.rules.items[i], key);
		for (j = 0, found = false; j < have->rules.count && !found; j++) {
			dp_rule_key(&have->rules.items[j], k);
			found = strcmp(k, key) == 0;
		}
		if (found)
			continue;
		r = buf_printf(out, "rule add %s\n", key);
		if (r == 0)
			r = mark(dirty, want->state.rules.items[i].owner);
	}
	for (i = 0; i < have->addrs.count && r == 0; i++) {
		if (!addr_reprefixed(want, &have->addrs.items[i]))
			continue;
		dp_addr_key(&have->addrs.items[i], key);
		r = buf_printf(out, "address del %s\n", key);
	}
	return r;
}

int ip_batch_run(const char *netns, const char *batch, struct buf *err)
{
	char *argv[] = { "ip", "-n", (char *)netns, "-force", "-batch", "-", NULL };
	int r;

	r = run_command(argv, batch, err);
	if (r < 0)
		return r;
	return r == 0 ? 0 : -EIO;
}
