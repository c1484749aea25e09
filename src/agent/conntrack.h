/* conntrack.h - forgetting the flows of addresses that left: which IPv4
 * addresses of a router namespace changed hands in a pass (pure), and
 * deleting their connection-tracking entries there over ctnetlink. */
#ifndef BH_AGENT_CONNTRACK_H
#define BH_AGENT_CONNTRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/kstate.h"
#include "lib/buf.h"
#include "policy/compile.h"

#define CT_NAT_MAP "public_to_private"  /* the NAT map of table ip bulkhead_nat */

/* A 1:1 NAT binding, both addresses in network byte order. */
struct ct_binding {
	uint32_t public_ip;
	uint32_t private_ip;
};

BH_DEFINE_LIST(ct_addr_list, uint32_t);
BH_DEFINE_LIST(ct_binding_list, struct ct_binding);

/* What one router namespace forgets in one pass: every entry that names
 * one of addrs, and, with check_bindings, every entry translated by a
 * binding the plan does not keep (then its public address goes too). */
struct ct_forget {
	struct ct_addr_list addrs;     /* sorted, unique (ct_forget_finish) */
	struct ct_binding_list keep;   /* the plan's bindings, sorted */
	bool check_bindings;
};

void ct_forget_release(struct ct_forget *f);

/* Addresses whose host route (<ip>/32 dev D, unicast, main table) in have
 * is absent from want or leads elsewhere: the vNIC that held the address
 * went, or another one holds it now. 0 or -ENOMEM. */
int ct_forget_routes(struct ct_forget *f, const struct ns_state *have, const struct ns_state *want);

/* The public addresses of before's bindings ("P : Q" element texts of
 * CT_NAT_MAP) that after lacks or binds to another private address. With
 * before NULL (what the kernel held is not known), the conntrack entries
 * themselves tell: check_bindings is set and after's bindings are kept to
 * judge them by. 0, -ENOMEM or -EINVAL (an element that does not parse). */
int ct_forget_bindings(struct ct_forget *f, const struct strlist *before, const struct strlist *after);

/* Sort and deduplicate addrs and keep; call before the queries below. */
void ct_forget_finish(struct ct_forget *f);

/* Is there anything to look for in the namespace's table? */
bool ct_forget_needed(const struct ct_forget *f);

/* The addresses of one conntrack entry, network byte order. */
struct ct_addrs {
	uint32_t orig_src, orig_dst, reply_src, reply_dst;
};

/* Does the entry name one of f->addrs, as source or destination of
 * either tuple? */
bool ct_forget_names(const struct ct_forget *f, const struct ct_addrs *e);

/* With f->check_bindings: was the entry translated (DNAT: orig_dst !=
 * reply_src; SNAT: orig_src != reply_dst) by a binding f->keep lacks?
 * *ret_public is then that binding's public address. */
bool ct_forget_stale_binding(const struct ct_forget *f, const struct ct_addrs *e, uint32_t *ret_public);

/* f->addrs as text for a log field, "10.0.1.4,198.51.100.7": the first
 * few, then ",...(N)" with the count of all; "-" for none. Appends to out
 * (whose limit should be CT_DESCRIBE_MAX). */
#define CT_DESCRIBE_MAX 320
void ct_forget_describe(const struct ct_forget *f, struct buf *out);

/* The elements of the CT_NAT_MAP of a namespace's tables, or NULL. */
const struct strlist *ct_nat_bindings(const struct vpc_nft *v);

/* Delete, in namespace netns, every IPv4 conntrack entry f condemns
 * (f finished; the public addresses of stale bindings found are added to
 * f->addrs). *ret_deleted counts the entries deleted; one that expired
 * meanwhile is no error. 0, -ENOENT (no such namespace) or -errno. */
int ct_forget_run(const char *netns, struct ct_forget *f, unsigned *ret_deleted);

#endif
