/* conntrack.c - forgetting the flows of addresses that left: the addresses
 * a pass takes from one holder (pure), and the ctnetlink dump and deletes
 * of their entries in the router namespace, over libmnl. */
#include "agent/conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/netns.h"
#include "lib/buf.h"

#define CT_RECV_BUF (64 * 1024)  /* bytes of one read of a dump */
#define CT_TUPLE_MAX 256         /* bytes of an entry's CTA_TUPLE_ORIG payload kept */

void ct_forget_release(struct ct_forget *f)
{
	list_release(&f->addrs);
	list_release(&f->keep);
	f->check_bindings = false;
}

static int add_addr(struct ct_forget *f, uint32_t a)
{
	uint32_t *n = list_push(&f->addrs);

	if (!n)
		return -ENOMEM;
	*n = a;
	return 0;
}

/* "10.0.1.10/32" -> the address; false for any other prefix length. */
static bool host_route_addr(const struct dp_route *rt, uint32_t *ret)
{
	char ip[BH_IPV4_STR];
	const char *slash = strchr(rt->dst, '/');
	size_t n;

	if (rt->table != RT_TABLE_MAIN || rt->type != RTN_UNICAST || !rt->dev[0] || !slash ||
	    strcmp(slash, "/32") != 0)
		return false;
	n = (size_t)(slash - rt->dst);
	if (n >= sizeof(ip))
		return false;
	memcpy(ip, rt->dst, n);
	ip[n] = '\0';
	return inet_pton(AF_INET, ip, ret) == 1;
}

int ct_forget_routes(struct ct_forget *f, const struct ns_state *have, const struct ns_state *want)
{
	size_t i, k;
	int r = 0;

	for (i = 0; i < have->routes.count && r == 0; i++) {
		const struct dp_route *h = &have->routes.items[i];
		bool kept = false;
		uint32_t a, b;

		if (!host_route_addr(h, &a))
			continue;
		for (k = 0; k < want->routes.count && !kept; k++) {
			const struct dp_route *w = &want->routes.items[k];

			kept = strcmp(w->dev, h->dev) == 0 && host_route_addr(w, &b) && a == b;
		}
		if (!kept)
			r = add_addr(f, a);
	}
	return r;
}

/* "198.51.100.7 : 10.0.1.10" -> the binding. */
static int binding_parse(const char *text, struct ct_binding *ret)
{
	const char *sep = strstr(text, " : ");
	char pub[BH_IPV4_STR];
	size_t n;

	if (!sep || (n = (size_t)(sep - text)) >= sizeof(pub))
		return -EINVAL;
	memcpy(pub, text, n);
	pub[n] = '\0';
	if (inet_pton(AF_INET, pub, &ret->public_ip) != 1 || inet_pton(AF_INET, sep + 3, &ret->private_ip) != 1)
		return -EINVAL;
	return 0;
}

int ct_forget_bindings(struct ct_forget *f, const struct strlist *before, const struct strlist *after)
{
	struct ct_binding_list was = { 0 };
	size_t i, k;
	int r = 0;

	for (i = 0; after && i < after->count && r == 0; i++) {
		struct ct_binding *b = list_push(&f->keep);

		r = b ? binding_parse(after->items[i], b) : -ENOMEM;
	}
	for (i = 0; before && i < before->count && r == 0; i++) {
		struct ct_binding *b = list_push(&was);

		r = b ? binding_parse(before->items[i], b) : -ENOMEM;
	}
	for (i = 0; i < was.count && r == 0; i++) {
		bool kept = false;

		for (k = 0; k < f->keep.count && !kept; k++)
			kept = memcmp(&f->keep.items[k], &was.items[i], sizeof(was.items[i])) == 0;
		if (!kept)
			r = add_addr(f, was.items[i].public_ip);
	}
	if (!before)
		f->check_bindings = true;
	list_release(&was);
	return r;
}

/* Addresses in numeric order (as logs list them). */
static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = ntohl(*(const uint32_t *)a), y = ntohl(*(const uint32_t *)b);

	return (x > y) - (x < y);
}

static int cmp_binding(const void *a, const void *b)
{
	const struct ct_binding *x = a, *y = b;
	int r = cmp_u32(&x->public_ip, &y->public_ip);

	return r ? r : cmp_u32(&x->private_ip, &y->private_ip);
}

void ct_forget_finish(struct ct_forget *f)
{
	size_t i, n = 0;

	if (f->addrs.count)
		qsort(f->addrs.items, f->addrs.count, sizeof(*f->addrs.items), cmp_u32);
	for (i = 0; i < f->addrs.count; i++)
		if (n == 0 || f->addrs.items[n - 1] != f->addrs.items[i])
			f->addrs.items[n++] = f->addrs.items[i];
	f->addrs.count = n;
	if (f->keep.count)
		qsort(f->keep.items, f->keep.count, sizeof(*f->keep.items), cmp_binding);
}

bool ct_forget_needed(const struct ct_forget *f)
{
	return f->addrs.count > 0 || f->check_bindings;
}

static bool has_addr(const struct ct_forget *f, uint32_t a)
{
	return f->addrs.count && bsearch(&a, f->addrs.items, f->addrs.count, sizeof(a), cmp_u32) != NULL;
}

bool ct_forget_names(const struct ct_forget *f, const struct ct_addrs *e)
{
	return has_addr(f, e->orig_src) || has_addr(f, e->orig_dst) || has_addr(f, e->reply_src) ||
	       has_addr(f, e->reply_dst);
}

static bool kept_binding(const struct ct_forget *f, uint32_t public_ip, uint32_t private_ip)
{
	struct ct_binding b = { public_ip, private_ip };

	return f->keep.count && bsearch(&b, f->keep.items, f->keep.count, sizeof(b), cmp_binding) != NULL;
}

bool ct_forget_stale_binding(const struct ct_forget *f, const struct ct_addrs *e, uint32_t *ret_public)
{
	if (!f->check_bindings)
		return false;
	/* DNAT: sent to the public address, answered by the private one */
	if (e->orig_dst != e->reply_src && !kept_binding(f, e->orig_dst, e->reply_src)) {
		*ret_public = e->orig_dst;
		return true;
	}
	/* SNAT: sent by the private address, answered to the public one */
	if (e->orig_src != e->reply_dst && !kept_binding(f, e->reply_dst, e->orig_src)) {
		*ret_public = e->reply_dst;
		return true;
	}
	return false;
}

void ct_forget_describe(const struct ct_forget *f, struct buf *out)
{
	char ip[INET_ADDRSTRLEN];
	size_t i, start = out->len;

	for (i = 0; i < f->addrs.count && out->len - start < CT_DESCRIBE_MAX - 64; i++) {
		inet_ntop(AF_INET, &f->addrs.items[i], ip, sizeof(ip));
		buf_printf(out, "%s%s", i ? "," : "", ip);
	}
	if (i < f->addrs.count)
		buf_printf(out, ",...(%zu)", f->addrs.count);
	if (f->addrs.count == 0)
		buf_puts(out, "-");
}

const struct strlist *ct_nat_bindings(const struct vpc_nft *v)
{
	size_t i;

	for (i = 0; i < v->nat.set_count; i++)
		if (strcmp(v->nat.sets[i].name, CT_NAT_MAP) == 0)
			return &v->nat.sets[i].elements;
	return NULL;
}

/* --- ctnetlink --- */

/* An entry to delete: its original tuple as the dump gave it, with its
 * zone and id (a new entry made meanwhile under the same tuple has
 * another id, and the kernel refuses to delete it: ENOENT). */
struct ct_doomed {
	unsigned char tuple[CT_TUPLE_MAX];
	uint16_t tuple_len;
	bool has_zone, has_id;
	uint16_t zone;  /* as on the wire */
	uint32_t id;    /* as on the wire */
};
BH_DEFINE_LIST(ct_doomed_list, struct ct_doomed);

struct ct_scan {
	const struct ct_forget *f;
	struct ct_doomed_list doomed;
	struct ct_addr_list found;  /* public addresses of stale bindings */
};

struct attr_table {
	const struct nlattr **tb;
	int max;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct attr_table *t = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, (uint16_t)t->max) > 0 && !t->tb[type])
		t->tb[type] = attr;
	return MNL_CB_OK;
}

/* CTA_TUPLE_* -> its IPv4 source and destination; false when absent. */
static bool tuple_addrs(const struct nlattr *tuple, uint32_t *ret_src, uint32_t *ret_dst)
{
	const struct nlattr *t[CTA_TUPLE_MAX + 1] = { 0 }, *ip[CTA_IP_MAX + 1] = { 0 };
	struct attr_table tt = { t, CTA_TUPLE_MAX }, it = { ip, CTA_IP_MAX };

	if (!tuple || mnl_attr_parse_nested(tuple, attr_cb, &tt) < 0 || !t[CTA_TUPLE_IP] ||
	    mnl_attr_parse_nested(t[CTA_TUPLE_IP], attr_cb, &it) < 0)
		return false;
	if (!ip[CTA_IP_V4_SRC] || !ip[CTA_IP_V4_DST] || mnl_attr_validate(ip[CTA_IP_V4_SRC], MNL_TYPE_U32) < 0 ||
	    mnl_attr_validate(ip[CTA_IP_V4_DST], MNL_TYPE_U32) < 0)
		return false;
	*ret_src = mnl_attr_get_u32(ip[CTA_IP_V4_SRC]);
	*ret_dst = mnl_attr_get_u32(ip[CTA_IP_V4_DST]);
	return true;
}

static int doom(struct ct_scan *s, const struct nlattr *const *tb)
{
	uint16_t len = mnl_attr_get_payload_len(tb[CTA_TUPLE_ORIG]);
	struct ct_doomed *d;

	if (len > CT_TUPLE_MAX)
		return -E2BIG;
	d = list_push(&s->doomed);
	if (!d)
		return -ENOMEM;
	memcpy(d->tuple, mnl_attr_get_payload(tb[CTA_TUPLE_ORIG]), len);
	d->tuple_len = len;
	if (tb[CTA_ZONE] && mnl_attr_validate(tb[CTA_ZONE], MNL_TYPE_U16) == 0) {
		d->has_zone = true;
		d->zone = mnl_attr_get_u16(tb[CTA_ZONE]);
	}
	if (tb[CTA_ID] && mnl_attr_validate(tb[CTA_ID], MNL_TYPE_U32) == 0) {
		d->has_id = true;
		d->id = mnl_attr_get_u32(tb[CTA_ID]);
	}
	return 0;
}

static int on_entry(const struct nlmsghdr *nlh, void *data)
{
	struct ct_scan *s = data;
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	struct attr_table t = { tb, CTA_MAX };
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct ct_addrs e;
	uint32_t pub, *n;
	int r = 0;

	if (nfg->nfgen_family != AF_INET || mnl_attr_parse(nlh, sizeof(*nfg), attr_cb, &t) < 0 ||
	    !tuple_addrs(tb[CTA_TUPLE_ORIG], &e.orig_src, &e.orig_dst) ||
	    !tuple_addrs(tb[CTA_TUPLE_REPLY], &e.reply_src, &e.reply_dst))
		return MNL_CB_OK;
	if (ct_forget_stale_binding(s->f, &e, &pub)) {
		n = list_push(&s->found);
		if (!n)
			r = -ENOMEM;
		else
			*n = pub;
		if (r == 0)
			r = doom(s, tb);
	} else if (ct_forget_names(s->f, &e)) {
		r = doom(s, tb);
	}
	if (r < 0) {
		errno = -r;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *ct_request(char *buf, uint8_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

/* Send nlh and run the answers through cb until the dump ends or the ack
 * comes. 0 or -errno (the kernel's error for a request it refused). */
static int ct_talk(struct mnl_socket *nl, char *buf, mnl_cb_t cb, void *data)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	uint32_t seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, CT_RECV_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
		if (r == MNL_CB_ERROR)
			return errno ? -errno : -EIO;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static int ct_delete(struct mnl_socket *nl, char *buf, uint32_t seq, const struct ct_doomed *d)
{
	struct nlmsghdr *nlh = ct_request(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, seq);

	mnl_attr_put(nlh, CTA_TUPLE_ORIG | NLA_F_NESTED, d->tuple_len, d->tuple);
	if (d->has_zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, d->zone);
	if (d->has_id)
		mnl_attr_put_u32(nlh, CTA_ID, d->id);
	return ct_talk(nl, buf, NULL, NULL);
}

/* One dump of the table, then the deletes of what it condemned. */
static int ct_sweep(struct mnl_socket *nl, char *buf, uint32_t *seq, struct ct_scan *s, unsigned *ret_deleted)
{
	size_t i;
	int r;

	ct_request(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, ++*seq);
	r = ct_talk(nl, buf, on_entry, s);
	for (i = 0; i < s->doomed.count && r == 0; i++) {
		r = ct_delete(nl, buf, ++*seq, &s->doomed.items[i]);
		if (r == 0)
			(*ret_deleted)++;
		else if (r == -ENOENT)  /* expired, or another entry under the tuple now */
			r = 0;
	}
	list_release(&s->doomed);
	return r;
}

static int ct_open(const char *netns, struct mnl_socket **ret)
{
	struct mnl_socket *nl;
	int orig, r;

	r = netns_enter(netns, &orig);
	if (r < 0)
		return r;
	/* the socket belongs to the namespace it was made in */
	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl) {
		r = -errno;
	} else if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		mnl_socket_close(nl);
	}
	netns_leave(orig);
	if (r == 0)
		*ret = nl;
	return r;
}

int ct_forget_run(const char *netns, struct ct_forget *f, unsigned *ret_deleted)
{
	struct ct_scan s = { .f = f };
	struct mnl_socket *nl = NULL;
	uint32_t seq = (uint32_t)time(NULL);
	char *buf = NULL;
	size_t i, before;
	int r;

	*ret_deleted = 0;
	r = ct_open(netns, &nl);
	if (r < 0)
		return r;
	buf = malloc(CT_RECV_BUF);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	r = ct_sweep(nl, buf, &seq, &s, ret_deleted);
	/* entries that name a stale binding's public address untranslated
	 * (an instance's own hairpin to it) may have come before the entry
	 * that showed the binding stale: one more sweep for those */
	before = f->addrs.count;
	for (i = 0; i < s.found.count && r == 0; i++)
		if (!has_addr(f, s.found.items[i]))
			r = add_addr(f, s.found.items[i]);
	if (r == 0 && f->addrs.count != before) {
		ct_forget_finish(f);
		r = ct_sweep(nl, buf, &seq, &s, ret_deleted);
	}
out:
	list_release(&s.doomed);
	list_release(&s.found);
	free(buf);
	mnl_socket_close(nl);
	return r;
}
