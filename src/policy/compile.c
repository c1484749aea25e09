/* compile.c - the compiler's entry point: one VPC's vNICs, groups and rules
 * read from a snapshot, and the filter table of docs/dataplane.md around them. */
#include "compile.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "model/ids.h"
#include "policy/compile_internal.h"

/* --- reading the snapshot --- */

int compile_parse_ipv4(const char *s, uint32_t *ret)
{
	char text[BH_CIDR_STR];
	struct cidr c;

	if (!s || !s[0] || bh_snprintf(text, sizeof(text), "%s/32", s) < 0)
		return -EINVAL;
	if (cidr_parse(text, AF_INET, NULL, &c, NULL) < 0)
		return -EINVAL;
	*ret = (uint32_t)c.addr[0] << 24 | (uint32_t)c.addr[1] << 16 | (uint32_t)c.addr[2] << 8 | c.addr[3];
	return 0;
}

void compile_format_addr(uint32_t a, char ret[BH_IPV4_STR])
{
	bh_snprintf(ret, BH_IPV4_STR, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* "02:ab:…" with six pairs of hex digits, lower-cased; nothing else may
 * reach nft text. */
static bool mac_normalise(const char *s, char ret[BH_MAC_STR])
{
	size_t i;

	if (strnlen(s, BH_MAC_STR) != BH_MAC_STR - 1)
		return false;
	for (i = 0; i < BH_MAC_STR - 1; i++) {
		char c = s[i];

		if (i % 3 == 2) {
			if (c != ':')
				return false;
		} else if (c >= 'A' && c <= 'F') {
			c = (char)(c - 'A' + 'a');
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
		ret[i] = c;
	}
	ret[BH_MAC_STR - 1] = '\0';
	return true;
}

/* The shared public network's objects may carry its id or no VPC at all. */
static bool in_vpc(const char *obj_vpc, const char *vpc_id)
{
	return strcmp(obj_vpc[0] ? obj_vpc : BH_PUBLIC_NET_ID, vpc_id) == 0;
}

const char *compile_id_hex(const char *id)
{
	const char *dash = strchr(id, '-');

	return dash ? dash + 1 : id;
}

/* --- the vNICs and groups of one VPC --- */

static void compile_release(struct compile *c)
{
	free(c->vnics);
	free(c->members);
	free(c->groups);
	free(c->rules);
}

/* An EIP association takes the place of the address given at launch. */
static const char *eni_public_ip(const struct snapshot *s, const struct eni *e)
{
	size_t i;

	for (i = 0; i < s->addresses.count; i++) {
		const struct address *a = &s->addresses.items[i];

		if (!a->association_id[0])
			continue;
		if (strcmp(a->eni_id, e->id) == 0 ||
		    (!a->eni_id[0] && e->instance_id[0] && strcmp(a->instance_id, e->instance_id) == 0))
			return a->public_ip;
	}
	return e->public_ip;
}

static bool instance_has_traffic(const struct instance *i)
{
	return strcmp(i->state, BH_STATE_PENDING) == 0 || strcmp(i->state, BH_STATE_RUNNING) == 0;
}

static int cmp_vnic(const void *a, const void *b)
{
	return strcmp(((const struct vnic *)a)->eni->id, ((const struct vnic *)b)->eni->id);
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Fill v from e, or return false: anything malformed gets no vNIC, and so
 * no traffic (fail closed), without taking the rest of the VPC down. */
static bool vnic_from_eni(const struct compile *c, const struct eni *e, struct vnic *v)
{
	const struct instance *inst;
	const char *pub;
	uint32_t addr;
	size_t g, k;

	memset(v, 0, sizeof(*v));
	if (!in_vpc(e->vpc_id, c->vpc_id) || !id_is_valid(e->id, "eni"))
		return false;
	inst = snapshot_instance(c->s, e->instance_id);
	if (!inst || !instance_has_traffic(inst))
		return false;
	if (compile_parse_ipv4(e->private_ip, &addr) < 0 || !mac_normalise(e->mac, v->mac))
		return false;
	v->eni = e;
	eni_router_ifname(e->id, v->ifname);
	compile_format_addr(addr, v->ip);
	pub = c->public_net ? e->private_ip : eni_public_ip(c->s, e);
	if (compile_parse_ipv4(pub, &addr) == 0)
		compile_format_addr(addr, v->public_ip);
	for (g = 0; g < e->group_count && g < BH_MAX_ENI_GROUPS; g++) {
		const struct security_group *sg;

		if (!id_is_valid(e->group_ids[g], "sg"))
			continue;
		sg = snapshot_group(c->s, e->group_ids[g]);
		if (!sg || !in_vpc(sg->vpc_id, c->vpc_id))
			continue;
		for (k = 0; k < v->group_count; k++) {
			if (strcmp(v->groups[k], sg->id) == 0)
				break;
		}
		if (k == v->group_count)
			v->groups[v->group_count++] = sg->id;
	}
	qsort(v->groups, v->group_count, sizeof(v->groups[0]), cmp_str_ptr);
	return true;
}

static int collect_vnics(struct compile *c)
{
	const struct snapshot *s = c->s;
	size_t i, j, n = 0;

	c->vnics = calloc(s->enis.count + 1, sizeof(*c->vnics));
	if (!c->vnics)
		return -ENOMEM;
	for (i = 0; i < s->enis.count; i++) {
		if (vnic_from_eni(c, &s->enis.items[i], &c->vnics[n]))
			n++;
	}
	qsort(c->vnics, n, sizeof(*c->vnics), cmp_vnic);
	/* Two ENIs whose ids share 12 digits would share an interface name;
	 * the first keeps it, the other gets no traffic rather than a vmap
	 * the kernel refuses for the whole VPC. */
	c->vnic_count = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < c->vnic_count; j++) {
			if (strcmp(c->vnics[j].ifname, c->vnics[i].ifname) == 0)
				break;
		}
		if (j == c->vnic_count)
			c->vnics[c->vnic_count++] = c->vnics[i];
	}
	/* One address, one NAT mapping: an ENI whose public address (or, with
	 * one, private address) an earlier ENI already has is private only,
	 * so has_public never lets out a flow that NAT cannot carry. */
	for (i = 0; i < c->vnic_count; i++) {
		struct vnic *v = &c->vnics[i];

		for (j = 0; j < i && v->public_ip[0]; j++) {
			const struct vnic *w = &c->vnics[j];

			if (w->public_ip[0] && (strcmp(w->public_ip, v->public_ip) == 0 || strcmp(w->ip, v->ip) == 0))
				v->public_ip[0] = '\0';
		}
	}
	return 0;
}

static int cmp_membership(const void *a, const void *b)
{
	const struct membership *x = a, *y = b;
	int r = strcmp(x->group_id, y->group_id);

	if (r)
		return r;
	return (x->vnic > y->vnic) - (x->vnic < y->vnic);
}

static int cmp_rule_ptr(const void *a, const void *b)
{
	const struct sg_rule *x = *(const struct sg_rule *const *)a, *y = *(const struct sg_rule *const *)b;
	int r = strcmp(x->group_id, y->group_id);

	return r ? r : strcmp(x->id, y->id);
}

static bool is_used_group(const struct compile *c, const char *id)
{
	return bsearch(&id, c->groups, c->group_count, sizeof(*c->groups), cmp_str_ptr) != NULL;
}

static int collect_groups(struct compile *c)
{
	const struct snapshot *s = c->s;
	size_t i, g, n = 0;

	c->members = calloc(c->vnic_count * BH_MAX_ENI_GROUPS + 1, sizeof(*c->members));
	c->groups = calloc(c->vnic_count * BH_MAX_ENI_GROUPS + 1, sizeof(*c->groups));
	c->rules = calloc(s->rules.count + 1, sizeof(*c->rules));
	if (!c->members || !c->groups || !c->rules)
		return -ENOMEM;
	for (i = 0; i < c->vnic_count; i++) {
		for (g = 0; g < c->vnics[i].group_count; g++) {
			c->members[c->member_count++] = (struct membership){ c->vnics[i].groups[g], i };
			c->groups[n++] = c->vnics[i].groups[g];
		}
	}
	qsort(c->members, c->member_count, sizeof(*c->members), cmp_membership);
	qsort(c->groups, n, sizeof(*c->groups), cmp_str_ptr);
	for (i = 0; i < n; i++) {
		if (c->group_count == 0 || strcmp(c->groups[c->group_count - 1], c->groups[i]) != 0)
			c->groups[c->group_count++] = c->groups[i];
	}
	for (i = 0; i < s->rules.count; i++) {
		if (is_used_group(c, s->rules.items[i].group_id))
			c->rules[c->rule_count++] = &s->rules.items[i];
	}
	qsort(c->rules, c->rule_count, sizeof(*c->rules), cmp_rule_ptr);
	return 0;
}

/* --- the three tables (NAT and L2 in compile_l2nat.c, the groups' sets and
 * chains in compile_groups.c) --- */

int compile_add_rules(struct nft_table *t, const char *chain_name, const char *hook,
		      const char *const *rules)
{
	struct nft_chain *chain = nft_table_chain(t, chain_name, hook);
	int r = 0;

	if (!chain)
		return -ENOMEM;
	for (; *rules && r == 0; rules++)
		r = strlist_add(&chain->rules, *rules);
	return r;
}

/* The public network always has its uplink; a VPC has one while an
 * internet gateway is attached. */
static bool vpc_has_uplink(const struct compile *c)
{
	return c->public_net || snapshot_vpc_igw(c->s, c->vpc_id) != NULL;
}

int compile_add_uplinks(const struct compile *c, struct nft_table *t)
{
	struct nft_set *set = nft_table_set(t, "uplinks", false, "ifname", "");
	char ifname[16];

	if (!set)
		return -ENOMEM;
	if (!vpc_has_uplink(c))
		return 0;
	igw_router_ifname(c->vpc_id, ifname);
	return strlist_addf(&set->elements, "\"%s\"", ifname);
}

/* A vNIC chain: one lookup of each group's main set, which judges every
 * packet with four bytes of transport header; then, for the protocols
 * whose packets may be shorter (never TCP, UDP or ICMP, which conntrack
 * has already dropped as invalid when short), each group's fallback set.
 * Only a change of the vNIC's groups rewrites it. */
static int add_group_lookups(const struct vnic *v, const char *key, const char *dir, const char *verdict,
			     struct strlist *rules)
{
	size_t g;
	int r = 0;

	for (g = 0; g < v->group_count && r == 0; g++)
		r = strlist_addf(rules, "ip %s . meta l4proto . th dport . th sport @g_%s_%s %s", key,
				 compile_id_hex(v->groups[g]), dir, verdict);
	if (r == 0 && v->group_count)
		r = strlist_add(rules, "meta l4proto { icmp, tcp, udp } drop");
	for (g = 0; g < v->group_count && r == 0; g++)
		r = strlist_addf(rules, "ip %s . meta l4proto @g_%s_%s_a %s", key, compile_id_hex(v->groups[g]),
				 dir, verdict);
	if (r == 0)
		r = strlist_add(rules, "drop");
	return r;
}

static int build_filter(const struct compile *c, struct nft_table *t)
{
	static const char *const forward[] = {
		"ct state established,related accept",  /* return traffic, ICMP errors of allowed flows */
		"ct state invalid drop",
		"iifname vmap @egress_by_if",            /* from a vNIC: its egress rules */
		"iifname @uplinks goto ingress_dispatch", /* from the internet: ingress rules only */
		"drop",                                  /* any other interface: fail closed */
		NULL,
	};
	static const char *const dispatch[] = {
		"oifname vmap @ingress_by_if",
		"oifname @uplinks ip saddr @has_public accept",
		"drop",
		NULL,
	};
	static const char *const input[] = {
		"ct state established,related accept",
		"icmp type echo-request accept",
		NULL,
	};
	struct nft_set *egress, *ingress, *public;
	size_t i, j;
	int r;

	r = compile_add_uplinks(c, t);
	if (r == 0)
		r = compile_add_rules(t, "forward", "type filter hook forward priority filter; policy drop;",
				      forward);
	if (r == 0)
		r = compile_add_rules(t, "ingress_dispatch", "", dispatch);
	if (r == 0)
		r = compile_add_rules(t, "input", "type filter hook input priority filter; policy drop;",
				      input);
	if (r < 0)
		return r;
	/* The vNIC loop below adds only chains, so set pointers stay valid
	 * through it. */
	if (!nft_table_set(t, "egress_by_if", true, "ifname : verdict", "") ||
	    !nft_table_set(t, "ingress_by_if", true, "ifname : verdict", "") ||
	    !nft_table_set(t, "has_public", false, "ipv4_addr", ""))
		return -ENOMEM;
	/* finding adds nothing, so the three pointers stay valid together */
	egress = nft_table_set(t, "egress_by_if", true, "", "");
	ingress = nft_table_set(t, "ingress_by_if", true, "", "");
	public = nft_table_set(t, "has_public", false, "", "");
	for (i = 0; i < c->vnic_count && r == 0; i++) {
		const struct vnic *v = &c->vnics[i];
		const char *hex = compile_id_hex(v->eni->id);
		char in[BH_NFT_NAME], out[BH_NFT_NAME];
		struct nft_chain *chain;

		bh_snprintf(in, sizeof(in), "nic_%s_in", hex);
		bh_snprintf(out, sizeof(out), "nic_%s_out", hex);
		/* one chain at a time: adding the next may move the array */
		chain = nft_table_chain(t, in, "");
		if (!chain)
			return -ENOMEM;
		r = add_group_lookups(v, "saddr", "in", "accept", &chain->rules);
		chain = r == 0 ? nft_table_chain(t, out, "") : NULL;
		if (r == 0 && !chain)
			return -ENOMEM;
		if (r == 0)
			r = add_group_lookups(v, "daddr", "out", "goto ingress_dispatch", &chain->rules);
		if (r == 0)
			r = strlist_addf(&ingress->elements, "\"%s\" : jump %s", v->ifname, in);
		if (r == 0)
			r = strlist_addf(&egress->elements, "\"%s\" : jump %s", v->ifname, out);
		if (r == 0 && v->public_ip[0])
			r = strlist_add(&public->elements, v->ip);
	}
	for (i = 0, j = 0; i < c->group_count && r == 0; i++) {
		size_t start;

		while (j < c->rule_count && strcmp(c->rules[j]->group_id, c->groups[i]) < 0)
			j++;
		start = j;
		while (j < c->rule_count && strcmp(c->rules[j]->group_id, c->groups[i]) == 0)
			j++;
		r = compile_emit_group(c, t, c->groups[i], c->rules + start, j - start);
	}
	return r;
}

void vpc_nft_init(struct vpc_nft *v)
{
	nft_table_init(&v->filter, "inet", "bulkhead");
	nft_table_init(&v->nat, "ip", "bulkhead_nat");
	nft_table_init(&v->l2, "netdev", "bulkhead_l2");
}

void vpc_nft_release(struct vpc_nft *v)
{
	nft_table_release(&v->filter);
	nft_table_release(&v->nat);
	nft_table_release(&v->l2);
}

int policy_compile_vpc(const struct snapshot *s, const char *vpc_id, struct vpc_nft *ret)
{
	struct compile c = { .s = s, .vpc_id = vpc_id };
	struct vpc_nft v;
	int r;

	vpc_nft_init(&v);
	if (!s || !vpc_id || !ret) {
		r = -EINVAL;
		goto out;
	}
	c.public_net = strcmp(vpc_id, BH_PUBLIC_NET_ID) == 0;
	if (!c.public_net && !id_is_valid(vpc_id, "vpc")) {
		r = -EINVAL;
		goto out;
	}
	r = collect_vnics(&c);
	if (r == 0)
		r = collect_groups(&c);
	if (r == 0)
		r = build_filter(&c, &v.filter);
	if (r == 0)
		r = compile_build_nat(&c, &v.nat);
	if (r == 0)
		r = compile_build_l2(&c, &v.l2);
	if (r == 0) {
		nft_table_finish(&v.filter);
		nft_table_finish(&v.nat);
		nft_table_finish(&v.l2);
	}
out:
	compile_release(&c);
	if (r < 0) {
		vpc_nft_release(&v);
		vpc_nft_init(&v);
	}
	if (ret)
		*ret = v;
	return r;
}
