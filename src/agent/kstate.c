/* kstate.c - reading a namespace's links, IPv4 addresses, routes and rules
 * over rtnetlink (a socket made inside the namespace, dumps read from
 * outside it), and the canonical texts both sides of a diff compare. */
#include "agent/kstate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/netns.h"
#include "lib/buf.h"

#define RTNL_BUF 65536

void ns_state_release(struct ns_state *s)
{
	list_release(&s->links);
	list_release(&s->addrs);
	list_release(&s->routes);
	list_release(&s->rules);
}

const struct dp_link *ns_state_link(const struct ns_state *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->links.count; i++)
		if (strcmp(s->links.items[i].name, name) == 0)
			return &s->links.items[i];
	return NULL;
}

void dp_route_key(const struct dp_route *r, char ret[DP_KEY_MAX])
{
	const char *type = "";
	struct buf b = BUF_INIT(DP_KEY_MAX - 1);

	switch (r->type) {
	case RTN_UNICAST: break;
	case RTN_BLACKHOLE: type = "blackhole "; break;
	case RTN_UNREACHABLE: type = "unreachable "; break;
	case RTN_PROHIBIT: type = "prohibit "; break;
	case RTN_THROW: type = "throw "; break;
	default: type = "unknown "; break;
	}
	buf_printf(&b, "%s%s", type, r->dst);
	if (r->via[0])
		buf_printf(&b, " via %s", r->via);
	if (r->dev[0])
		buf_printf(&b, " dev %s", r->dev);
	if (r->onlink)
		buf_puts(&b, " onlink");
	if (r->src[0])
		buf_printf(&b, " src %s", r->src);
	buf_printf(&b, " table %u", r->table);
	bh_strlcpy(ret, buf_str(&b), DP_KEY_MAX);
	buf_release(&b);
}

void dp_rule_key(const struct dp_rule *r, char ret[DP_KEY_MAX])
{
	struct buf b = BUF_INIT(DP_KEY_MAX - 1);

	buf_printf(&b, "priority %u", r->priority);
	if (r->iif[0])
		buf_printf(&b, " iif %s", r->iif);
	if (r->dst[0])
		buf_printf(&b, " to %s", r->dst);
	buf_printf(&b, " lookup %u", r->table);
	if (r->foreign)
		buf_puts(&b, " (foreign)");
	bh_strlcpy(ret, buf_str(&b), DP_KEY_MAX);
	buf_release(&b);
}

void dp_addr_key(const struct dp_addr *a, char ret[DP_KEY_MAX])
{
	bh_snprintf(ret, DP_KEY_MAX, "%s dev %s", a->cidr, a->ifname);
}

/* --- rtnetlink dumps --- */

struct dump_req {
	struct nlmsghdr nh;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rtm;
		struct fib_rule_hdr frh;
	} u;
};

typedef int (*dump_cb)(const struct nlmsghdr *nh, void *arg);

static int rtnl_dump(int fd, int type, unsigned char family, dump_cb cb, void *arg)
{
	static unsigned seq;
	struct dump_req req;
	char *rbuf = NULL;
	ssize_t n;
	int r = 0;
	bool done = false;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.u));
	req.nh.nlmsg_type = (unsigned short)type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = ++seq;
	/* the family byte sits first in each of the union's headers */
	req.u.rtm.rtm_family = family;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	rbuf = malloc(RTNL_BUF);
	if (!rbuf)
		return -ENOMEM;
	while (!done) {
		struct nlmsghdr *nh;

		n = recv(fd, rbuf, RTNL_BUF, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0) {
			r = -EIO;
			break;
		}
		for (nh = (struct nlmsghdr *)rbuf; NLMSG_OK(nh, (unsigned)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != req.nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				r = e->error ? e->error : -EIO;
				done = true;
				break;
			}
			if (r == 0)
				r = cb(nh, arg);
		}
	}
	free(rbuf);
	return r;
}

/* Attributes following a fixed header of hdr_len bytes, by type. */
#define ATTR_MAX 64
static void parse_attrs(const struct nlmsghdr *nh, size_t hdr_len, const struct rtattr *tb[ATTR_MAX])
{
	const struct rtattr *a = (const struct rtattr *)((const char *)NLMSG_DATA(nh) + NLMSG_ALIGN(hdr_len));
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(hdr_len);

	memset(tb, 0, sizeof(*tb) * ATTR_MAX);
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		unsigned short t = a->rta_type & NLA_TYPE_MASK;

		if (t < ATTR_MAX && !tb[t])
			tb[t] = a;
	}
}

static void attr_str(const struct rtattr *a, char *ret, size_t size)
{
	size_t n;

	ret[0] = '\0';
	if (!a)
		return;
	n = RTA_PAYLOAD(a);
	if (n >= size)
		n = size - 1;
	memcpy(ret, RTA_DATA(a), n);
	ret[n] = '\0';
}

static void attr_ipv4(const struct rtattr *a, char ret[BH_IPV4_STR])
{
	ret[0] = '\0';
	if (a && RTA_PAYLOAD(a) == 4)
		inet_ntop(AF_INET, RTA_DATA(a), ret, BH_IPV4_STR);
}

static void attr_prefix(const struct rtattr *a, unsigned len, char ret[BH_CIDR_STR])
{
	char ip[BH_IPV4_STR];

	attr_ipv4(a, ip);
	bh_snprintf(ret, BH_CIDR_STR, "%s/%u", ip[0] ? ip : "0.0.0.0", len);
}

static unsigned attr_u32(const struct rtattr *a, unsigned dflt)
{
	unsigned v;

	if (!a || RTA_PAYLOAD(a) < sizeof(v))
		return dflt;
	memcpy(&v, RTA_DATA(a), sizeof(v));
	return v;
}

struct read_ctx {
	struct ns_state *st;
	/* ifindex -> name, from the link dump, for addresses and routes */
	struct {
		int index;
		char name[IFNAMSIZ];
	} *idx;
	size_t idx_count, idx_cap;
};

static const char *ifname_of(const struct read_ctx *c, int index)
{
	size_t i;

	for (i = 0; i < c->idx_count; i++)
		if (c->idx[i].index == index)
			return c->idx[i].name;
	return "";
}

static int on_link(const struct nlmsghdr *nh, void *arg)
{
	struct read_ctx *c = arg;
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	const struct rtattr *tb[ATTR_MAX];
	struct dp_link *l;
	const unsigned char *mac;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	parse_attrs(nh, sizeof(*ifi), tb);
	if (!tb[IFLA_IFNAME])
		return 0;
	l = list_push(&c->st->links);
	if (!l)
		return -ENOMEM;
	attr_str(tb[IFLA_IFNAME], l->name, sizeof(l->name));
	l->up = (ifi->ifi_flags & IFF_UP) != 0;
	if (tb[IFLA_ADDRESS] && RTA_PAYLOAD(tb[IFLA_ADDRESS]) == 6) {
		mac = RTA_DATA(tb[IFLA_ADDRESS]);
		snprintf(l->mac, sizeof(l->mac), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
			 mac[4], mac[5]);
	}
	if (c->idx_count == c->idx_cap) {
		size_t ncap = c->idx_cap ? c->idx_cap * 2 : 16;
		void *p = realloc(c->idx, ncap * sizeof(*c->idx));

		if (!p)
			return -ENOMEM;
		c->idx = p;
		c->idx_cap = ncap;
	}
	c->idx[c->idx_count].index = ifi->ifi_index;
	bh_strlcpy(c->idx[c->idx_count].name, l->name, IFNAMSIZ);
	c->idx_count++;
	return 0;
}

static int on_addr(const struct nlmsghdr *nh, void *arg)
{
	struct read_ctx *c = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *tb[ATTR_MAX];
	struct dp_addr *a;

	if (nh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return 0;
	parse_attrs(nh, sizeof(*ifa), tb);
	a = list_push(&c->st->addrs);
	if (!a)
		return -ENOMEM;
	bh_strlcpy(a->ifname, ifname_of(c, (int)ifa->ifa_index), sizeof(a->ifname));
	attr_prefix(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], ifa->ifa_prefixlen, a->cidr);
	return 0;
}

static int on_route(const struct nlmsghdr *nh, void *arg)
{
	struct read_ctx *c = arg;
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	const struct rtattr *tb[ATTR_MAX];
	struct dp_route *rt;
	unsigned table;

	if (nh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET)
		return 0;
	parse_attrs(nh, sizeof(*rtm), tb);
	table = attr_u32(tb[RTA_TABLE], rtm->rtm_table);
	if (table == RT_TABLE_LOCAL || rtm->rtm_protocol == RTPROT_KERNEL)
		return 0;
	if (rtm->rtm_type == RTN_BROADCAST || rtm->rtm_type == RTN_LOCAL || rtm->rtm_type == RTN_MULTICAST)
		return 0;
	rt = list_push(&c->st->routes);
	if (!rt)
		return -ENOMEM;
	rt->table = table;
	rt->type = rtm->rtm_type;
	attr_prefix(tb[RTA_DST], rtm->rtm_dst_len, rt->dst);
	attr_ipv4(tb[RTA_GATEWAY], rt->via);
	attr_ipv4(tb[RTA_PREFSRC], rt->src);
	if (tb[RTA_OIF])
		bh_strlcpy(rt->dev, ifname_of(c, (int)attr_u32(tb[RTA_OIF], 0)), sizeof(rt->dev));
	rt->onlink = (rtm->rtm_flags & RTNH_F_ONLINK) != 0;
	return 0;
}

static bool rule_is_default(const struct fib_rule_hdr *frh, unsigned prio, unsigned table, bool selectors)
{
	if (selectors || frh->action != FR_ACT_TO_TBL)
		return false;
	return (prio == 0 && table == RT_TABLE_LOCAL) || (prio == 32766 && table == RT_TABLE_MAIN) ||
	       (prio == 32767 && table == RT_TABLE_DEFAULT);
}

static int on_rule(const struct nlmsghdr *nh, void *arg)
{
	static const int known[] = { FRA_PRIORITY, FRA_TABLE, FRA_DST, FRA_IIFNAME, FRA_PROTOCOL,
				     FRA_UNSPEC };
	struct read_ctx *c = arg;
	const struct fib_rule_hdr *frh = NLMSG_DATA(nh);
	const struct rtattr *tb[ATTR_MAX];
	struct dp_rule *ru;
	unsigned prio, table;
	bool foreign = false;
	size_t i, k;

	if (nh->nlmsg_type != RTM_NEWRULE || frh->family != AF_INET)
		return 0;
	parse_attrs(nh, sizeof(*frh), tb);
	for (i = 1; i < ATTR_MAX; i++) {
		bool ok = false;

		if (!tb[i])
			continue;
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			ok = ok || (int)i == known[k];
		/* suppress_prefixlen/ifgroup come back with "unset" values in every dump */
		if (!ok && (i == FRA_SUPPRESS_PREFIXLEN || i == FRA_SUPPRESS_IFGROUP))
			ok = attr_u32(tb[i], 0) == 0xffffffffu;
		foreign = foreign || !ok;
	}
	foreign = foreign || frh->src_len || frh->tos || frh->action != FR_ACT_TO_TBL ||
		  (frh->flags & FIB_RULE_INVERT);
	prio = attr_u32(tb[FRA_PRIORITY], 0);
	table = attr_u32(tb[FRA_TABLE], frh->table);
	if (!foreign && rule_is_default(frh, prio, table, tb[FRA_DST] || tb[FRA_IIFNAME]))
		return 0;
	ru = list_push(&c->st->rules);
	if (!ru)
		return -ENOMEM;
	ru->priority = prio;
	ru->table = table;
	ru->foreign = foreign;
	attr_str(tb[FRA_IIFNAME], ru->iif, sizeof(ru->iif));
	if (tb[FRA_DST])
		attr_prefix(tb[FRA_DST], frh->dst_len, ru->dst);
	return 0;
}

int kstate_read(const char *netns, struct ns_state *ret)
{
	struct read_ctx c = { .st = ret };
	int fd, orig = -1, r;

	if (netns) {
		r = netns_enter(netns, &orig);
		if (r < 0)
			return r;
	}
	/* the socket belongs to the namespace it was made in */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	r = fd < 0 ? -errno : 0;
	if (netns)
		netns_leave(orig);
	if (r < 0)
		return r;
	r = rtnl_dump(fd, RTM_GETLINK, AF_UNSPEC, on_link, &c);
	if (r == 0)
		r = rtnl_dump(fd, RTM_GETADDR, AF_INET, on_addr, &c);
	if (r == 0)
		r = rtnl_dump(fd, RTM_GETROUTE, AF_INET, on_route, &c);
	if (r == 0)
		r = rtnl_dump(fd, RTM_GETRULE, AF_INET, on_rule, &c);
	close(fd);
	free(c.idx);
	if (r < 0)
		ns_state_release(ret);
	return r;
}
