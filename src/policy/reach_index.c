/* reach_index.c - the evaluator's view of a snapshot, built once: VPCs and
 * their uplinks, which ENIs have a vNIC and which public address each keeps. */
#include "policy/reach_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "model/ids.h"

/* --- lookups --- */

/* The first value under the hash of id whose item's id field equals id. */
#define FIND_ID(map, items, field, id)                                               \
	do {                                                                         \
		size_t pos_ = RX_MAP_START;                                          \
		uint32_t v_;                                                         \
		if (!(id) || !(id)[0])                                               \
			return -1;                                                   \
		while (rx_map_next(&(map), rx_hash_str(id), &pos_, &v_))             \
			if (strcmp((items)[v_].field, (id)) == 0)                    \
				return (long)v_;                                     \
		return -1;                                                           \
	} while (0)

long rx_vpc_find(const struct reach_index *ix, const char *vpc_id)
{
	FIND_ID(ix->vpc_by_id, ix->vpcs, id, vpc_id[0] ? vpc_id : BH_PUBLIC_NET_ID);
}

long rx_group_find(const struct reach_index *ix, const char *id)
{
	FIND_ID(ix->group_by_id, ix->s->groups.items, id, id);
}

long rx_instance_find(const struct reach_index *ix, const char *id)
{
	FIND_ID(ix->inst_by_id, ix->s->instances.items, id, id);
}

long rx_eni_find(const struct reach_index *ix, const char *id)
{
	FIND_ID(ix->eni_by_id, ix->s->enis.items, id, id);
}

long rx_subnet_find(const struct reach_index *ix, const char *id)
{
	FIND_ID(ix->subnet_by_id, ix->s->subnets.items, id, id);
}

long rx_vnic_at(const struct reach_index *ix, size_t vpc, uint32_t priv)
{
	size_t pos = RX_MAP_START;
	uint32_t v;

	return rx_map_next(&ix->vnic_by_priv, rx_addr_key(vpc, priv), &pos, &v) ? (long)v : -1;
}

long rx_vnic_public(const struct reach_index *ix, size_t vpc, uint32_t pub)
{
	size_t pos = RX_MAP_START;
	uint32_t v;

	return rx_map_next(&ix->vnic_by_pub, rx_addr_key(vpc, pub), &pos, &v) ? (long)v : -1;
}

bool rx_vnic_in_group(const struct rx_vnic *v, size_t group)
{
	size_t i;

	for (i = 0; i < v->group_count; i++)
		if (v->groups[i] == group)
			return true;
	return false;
}

bool reach_index_has_instance(const struct reach_index *ix, const char *id)
{
	return rx_instance_find(ix, id) >= 0;
}

/* --- VPCs --- */

static int index_vpcs(struct reach_index *ix)
{
	const struct snapshot *s = ix->s;
	size_t i, n = 0;
	int r;

	ix->vpcs = calloc(s->vpcs.count + 1, sizeof(*ix->vpcs));
	r = ix->vpcs ? rx_map_init(&ix->vpc_by_id, s->vpcs.count + 1) : -ENOMEM;
	if (r < 0)
		return r;
	/* the shared public network first: a snapshot VPC claiming its id is ignored */
	ix->vpcs[n++] = (struct rx_vpc){ .id = BH_PUBLIC_NET_ID, .cidr = BH_PUBLIC_NET_CIDR, .public_net = true };
	rx_map_put(&ix->vpc_by_id, rx_hash_str(BH_PUBLIC_NET_ID), 0);
	for (i = 0; i < s->vpcs.count; i++) {
		const struct vpc *v = &s->vpcs.items[i];

		if (!v->id[0] || rx_vpc_find(ix, v->id) >= 0)
			continue;
		ix->vpcs[n] = (struct rx_vpc){ .id = v->id, .cidr = v->cidr };
		rx_map_put(&ix->vpc_by_id, rx_hash_str(v->id), (uint32_t)n);
		n++;
	}
	ix->vpc_count = n;
	for (i = 0; i < n; i++) {
		struct rx_vpc *v = &ix->vpcs[i];
		struct cidr c;

		if (cidr_parse(v->cidr, AF_INET, NULL, &c, NULL) == 0) {
			v->cidr_ok = true;
			v->net = (uint32_t)c.addr[0] << 24 | (uint32_t)c.addr[1] << 16 | (uint32_t)c.addr[2] << 8 | c.addr[3];
			v->mask = c.prefix ? ~(uint32_t)0 << (32 - c.prefix) : 0;
		}
	}
	for (i = 0; i < s->igws.count; i++) {
		const struct internet_gateway *g = &s->igws.items[i];
		long v = g->vpc_id[0] ? rx_vpc_find(ix, g->vpc_id) : -1;

		if (v > 0 && !ix->vpcs[v].igw)
			ix->vpcs[v].igw = g;
	}
	for (i = 0; i < n; i++)
		ix->vpcs[i].uplink = ix->vpcs[i].public_net || ix->vpcs[i].igw;
	return 0;
}

/* --- which ENIs have a vNIC --- */

static bool mac_is_valid(const char *m)
{
	size_t i;

	if (strnlen(m, BH_MAC_STR) != BH_MAC_STR - 1)
		return false;
	for (i = 0; i < BH_MAC_STR - 1; i++) {
		char c = m[i];

		if (i % 3 == 2 ? c != ':' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

static bool state_has_traffic(const char *state)
{
	return strcmp(state, BH_STATE_PENDING) == 0 || strcmp(state, BH_STATE_RUNNING) == 0;
}

static int cmp_eni_ptr(const void *a, const void *b)
{
	return strcmp((*(const struct eni *const *)a)->id, (*(const struct eni *const *)b)->id);
}

/* The public address an ENI claims: an associated Elastic IP (by ENI, or
 * by instance when the association names no ENI) replaces the launch one. */
static const char *eni_public_claim(const struct snapshot *s, const struct eni *e)
{
	size_t i;

	for (i = 0; i < s->addresses.count; i++) {
		const struct address *a = &s->addresses.items[i];

		if (!a->association_id[0])
			continue;
		if (a->eni_id[0] ? strcmp(a->eni_id, e->id) == 0
				 : (e->instance_id[0] && strcmp(a->instance_id, e->instance_id) == 0))
			return a->public_ip;
	}
	return e->public_ip;
}

/* Why e gets no vNIC, or NULL when it gets one (ifname is then set). */
static const char *vnic_refusal(struct reach_index *ix, const struct eni *e, size_t vpc, struct rx_map *ifnames,
				char ifname[16])
{
	const char *hex = e->id + 4;
	size_t pos = RX_MAP_START;
	uint32_t other;

	if (!id_is_valid(e->id, "eni"))
		return "its network interface id is malformed, so it has no vNIC";
	if (e->subnet_id[0] && rx_subnet_find(ix, e->subnet_id) < 0)
		return "its subnet is not in the store, so it has no vNIC";
	if (!mac_is_valid(e->mac))
		return "its network interface has a malformed MAC, so it has no vNIC";
	bh_snprintf(ifname, 16, "bhe%.12s", hex);
	while (rx_map_next(ifnames, rx_hash_str(ifname), &pos, &other)) {
		if (ix->vnics[other].vpc == vpc && strcmp(ix->vnics[other].ifname, ifname) == 0)
			return "its ENI id shares its first 12 digits (its interface name) with an earlier ENI, "
			       "which keeps the vNIC";
	}
	return NULL;
}

static void vnic_groups(struct reach_index *ix, struct rx_vnic *v)
{
	size_t g, k;

	for (g = 0; g < v->eni->group_count && g < BH_MAX_ENI_GROUPS; g++) {
		long sg = rx_group_find(ix, v->eni->group_ids[g]);

		/* a group of another VPC is not the vNIC's (docs/dataplane.md) */
		if (sg < 0 || ix->groups[sg].vpc != v->vpc)
			continue;
		for (k = 0; k < v->group_count && v->groups[k] != (size_t)sg; k++)
			;
		if (k == v->group_count)
			v->groups[v->group_count++] = (size_t)sg;
	}
}

/* One public address per vNIC and per VPC: the first ENI by id keeps a
 * public address (or, both having one, a private address) it shares. */
static void vnic_public(struct reach_index *ix, struct rx_vnic *v, size_t self)
{
	const char *claim = ix->vpcs[v->vpc].public_net ? v->eni->private_ip : eni_public_claim(ix->s, v->eni);
	size_t pos = RX_MAP_START;
	uint32_t pub, other;

	if (!claim[0] || reach_parse_addr(claim, &pub) < 0 || rx_vnic_public(ix, v->vpc, pub) >= 0)
		return;
	while (rx_map_next(&ix->vnic_by_priv, rx_addr_key(v->vpc, v->priv), &pos, &other))
		if (other != self && ix->vnics[other].has_pub)
			return;
	v->pub = pub;
	v->has_pub = true;
	rx_map_put(&ix->vnic_by_pub, rx_addr_key(v->vpc, pub), (uint32_t)self);
}

/* The gateway address on an instance's router-side link: the first host
 * of its subnet (of the public network when it has no subnet), 0 if none. */
static uint32_t eni_gateway(const struct reach_index *ix, const struct eni *e)
{
	long sn = e->subnet_id[0] ? rx_subnet_find(ix, e->subnet_id) : -1;
	const char *cidr = sn >= 0 ? ix->s->subnets.items[sn].cidr : BH_PUBLIC_NET_CIDR;
	struct cidr c;

	if (cidr_parse(cidr, AF_INET, NULL, &c, NULL) < 0 || c.prefix > 30)
		return 0;
	return ((uint32_t)c.addr[0] << 24 | (uint32_t)c.addr[1] << 16 | (uint32_t)c.addr[2] << 8 | c.addr[3]) + 1;
}

/* The router's own addresses: its side of the uplink, and the gateway on
 * the link of every instance the kernel holds, stopped ones included (an
 * address on a link that is down is still local). */
static int index_router(struct reach_index *ix)
{
	const struct snapshot *s = ix->s;
	size_t i;
	int r = rx_map_init(&ix->router_addr, s->instances.count + ix->vpc_count);

	for (i = 0; r == 0 && i < ix->vpc_count; i++)
		if (ix->vpcs[i].uplink)
			rx_map_put(&ix->router_addr, rx_addr_key(i, RX_UPLINK_ROUTER_ADDR), (uint32_t)i);
	for (i = 0; r == 0 && i < s->instances.count; i++) {
		const struct instance *in = &s->instances.items[i];
		long e = rx_eni_find(ix, in->eni_id), vpc = rx_vpc_find(ix, in->vpc_id);
		uint32_t gw;

		if (e < 0 || vpc < 0 || !(state_has_traffic(in->state) || strcmp(in->state, BH_STATE_STOPPING) == 0 ||
					  strcmp(in->state, BH_STATE_STOPPED) == 0))
			continue;
		gw = eni_gateway(ix, &s->enis.items[e]);
		if (gw)
			rx_map_put(&ix->router_addr, rx_addr_key((size_t)vpc, gw), (uint32_t)i);
	}
	return r;
}

static int index_vnics(struct reach_index *ix)
{
	const struct snapshot *s = ix->s;
	const struct eni **order = calloc(s->enis.count + 1, sizeof(*order));
	struct rx_map ifnames = { 0 };
	size_t i, n = s->enis.count + 1;
	int r = -ENOMEM;

	ix->vnics = calloc(n, sizeof(*ix->vnics));
	if (!order || !ix->vnics || rx_map_init(&ifnames, n) < 0 || rx_map_init(&ix->vnic_by_priv, n) < 0 ||
	    rx_map_init(&ix->vnic_by_pub, n) < 0)
		goto out;
	for (i = 0; i < s->enis.count; i++)
		order[i] = &s->enis.items[i];
	qsort(order, s->enis.count, sizeof(*order), cmp_eni_ptr);
	for (i = 0; i < s->enis.count; i++) {
		const struct eni *e = order[i];
		long inst = rx_instance_find(ix, e->instance_id);
		long vpc = rx_vpc_find(ix, e->vpc_id);
		struct rx_vnic *v = &ix->vnics[ix->vnic_count];
		const char *why;
		uint32_t priv;

		if (inst < 0 || ix->inst_vnic[inst] >= 0 || !state_has_traffic(s->instances.items[inst].state))
			continue;
		if (vpc < 0)
			why = "its VPC is not in the store, so it has no vNIC";
		else if (reach_parse_addr(e->private_ip, &priv) < 0)
			why = "its network interface has a malformed private address, so it has no vNIC";
		else
			why = vnic_refusal(ix, e, (size_t)vpc, &ifnames, v->ifname);
		if (why) {
			ix->inst_why[inst] = why;
			continue;
		}
		v->eni = e;
		v->inst = &s->instances.items[inst];
		v->vpc = (size_t)vpc;
		v->priv = priv;
		v->rtb = -1;
		vnic_groups(ix, v);
		rx_map_put(&ifnames, rx_hash_str(v->ifname), (uint32_t)ix->vnic_count);
		rx_map_put(&ix->vnic_by_priv, rx_addr_key(v->vpc, priv), (uint32_t)ix->vnic_count);
		vnic_public(ix, v, ix->vnic_count);
		ix->inst_vnic[inst] = (long)ix->vnic_count;
		ix->eni_vnic[e - s->enis.items] = (long)ix->vnic_count;
		ix->vnic_count++;
	}
	r = 0;
out:
	free(order);
	rx_map_release(&ifnames);
	return r;
}

/* bh-internet's /32 routes: every public address of an ENI in a VPC with
 * an uplink, to that VPC; the first ENI claiming one gets it (ENIs, then
 * Elastic IP associations). The public network is routed as one prefix. */
static int index_internet(struct reach_index *ix)
{
	const struct snapshot *s = ix->s;
	size_t i, pos;
	uint32_t pub, v;
	int r = rx_map_init(&ix->inet_by_pub, s->enis.count + s->addresses.count);

	for (i = 0; r == 0 && i < s->enis.count + s->addresses.count; i++) {
		const struct eni *e;
		const char *claim;
		long vpc, k;

		if (i < s->enis.count) {
			e = &s->enis.items[i];
			claim = e->public_ip;
		} else {
			const struct address *a = &s->addresses.items[i - s->enis.count];
			long inst = a->eni_id[0] || !a->association_id[0] ? -1 : rx_instance_find(ix, a->instance_id);

			k = inst >= 0 ? rx_eni_find(ix, s->instances.items[inst].eni_id) : rx_eni_find(ix, a->eni_id);
			if (k < 0 || !a->association_id[0])
				continue;
			e = &s->enis.items[k];
			claim = a->public_ip;
		}
		vpc = rx_vpc_find(ix, e->vpc_id);
		if (vpc <= 0 || !ix->vpcs[vpc].uplink || reach_parse_addr(claim, &pub) < 0)
			continue;
		pos = RX_MAP_START;
		if (!rx_map_next(&ix->inet_by_pub, pub, &pos, &v))
			rx_map_put(&ix->inet_by_pub, pub, (uint32_t)vpc);
	}
	return r;
}

static int index_ids(struct reach_index *ix)
{
	const struct snapshot *s = ix->s;
	size_t i;
	int r;

	ix->inst_vnic = calloc(s->instances.count + 1, sizeof(*ix->inst_vnic));
	ix->inst_why = calloc(s->instances.count + 1, sizeof(*ix->inst_why));
	ix->eni_vnic = calloc(s->enis.count + 1, sizeof(*ix->eni_vnic));
	if (!ix->inst_vnic || !ix->inst_why || !ix->eni_vnic)
		return -ENOMEM;
	r = rx_map_init(&ix->inst_by_id, s->instances.count);
	if (r == 0)
		r = rx_map_init(&ix->eni_by_id, s->enis.count);
	if (r == 0)
		r = rx_map_init(&ix->subnet_by_id, s->subnets.count);
	if (r < 0)
		return r;
	for (i = 0; i < s->instances.count; i++) {
		ix->inst_vnic[i] = -1;
		ix->inst_why[i] = state_has_traffic(s->instances.items[i].state)
					  ? "it has no network interface, so it has no vNIC"
					  : "only pending and running instances have a vNIC";
		rx_map_put(&ix->inst_by_id, rx_hash_str(s->instances.items[i].id), (uint32_t)i);
	}
	for (i = 0; i < s->enis.count; i++) {
		ix->eni_vnic[i] = -1;
		rx_map_put(&ix->eni_by_id, rx_hash_str(s->enis.items[i].id), (uint32_t)i);
	}
	for (i = 0; i < s->subnets.count; i++)
		rx_map_put(&ix->subnet_by_id, rx_hash_str(s->subnets.items[i].id), (uint32_t)i);
	return 0;
}

void reach_index_free(struct reach_index *ix)
{
	if (!ix)
		return;
	free(ix->vpcs);
	free(ix->groups);
	free(ix->rules);
	free(ix->vnics);
	free(ix->rtbs);
	free(ix->routes);
	free(ix->inst_vnic);
	free(ix->inst_why);
	free(ix->eni_vnic);
	free(ix->subnet_rtb);
	rx_map_release(&ix->vpc_by_id);
	rx_map_release(&ix->group_by_id);
	rx_map_release(&ix->inst_by_id);
	rx_map_release(&ix->eni_by_id);
	rx_map_release(&ix->subnet_by_id);
	rx_map_release(&ix->vnic_by_priv);
	rx_map_release(&ix->vnic_by_pub);
	rx_map_release(&ix->inet_by_pub);
	rx_map_release(&ix->router_addr);
	free(ix);
}

int reach_index_build(const struct snapshot *s, struct reach_index **ret)
{
	struct reach_index *ix = calloc(1, sizeof(*ix));
	int r = ix ? 0 : -ENOMEM;

	*ret = NULL;
	if (r == 0) {
		ix->s = s;
		r = index_ids(ix);
	}
	if (r == 0)
		r = index_vpcs(ix);
	if (r == 0)
		r = rx_index_rules(ix);
	if (r == 0)
		r = index_vnics(ix);
	if (r == 0)
		r = rx_index_routes(ix);
	if (r == 0)
		r = index_internet(ix);
	if (r == 0)
		r = index_router(ix);
	if (r < 0) {
		reach_index_free(ix);
		return r;
	}
	*ret = ix;
	return 0;
}
