/* compile_l2nat.c - the two tables beside the filter: 1:1 NAT of public
 * addresses on the uplink, and per-vNIC L2 anti-spoofing at the router. */
#include "compile_internal.h"

#include <errno.h>

#include "lib/buf.h"

int compile_build_nat(const struct compile *c, struct nft_table *t)
{
	static const char *const pre[] = { "iifname @uplinks dnat to ip daddr map @public_to_private", NULL };
	static const char *const post[] = { "oifname @uplinks snat to ip saddr map @private_to_public", NULL };
	struct nft_set *to_private, *to_public;
	size_t i;
	int r;

	r = compile_add_uplinks(c, t);
	if (r == 0)
		r = compile_add_rules(t, "prerouting", "type nat hook prerouting priority dstnat; policy accept;",
				      pre);
	if (r == 0)
		r = compile_add_rules(t, "postrouting", "type nat hook postrouting priority srcnat; policy accept;",
				      post);
	if (r < 0)
		return r;
	if (!nft_table_set(t, "public_to_private", true, "ipv4_addr : ipv4_addr", "") ||
	    !nft_table_set(t, "private_to_public", true, "ipv4_addr : ipv4_addr", ""))
		return -ENOMEM;
	/* finding adds nothing, so both pointers stay valid together */
	to_private = nft_table_set(t, "public_to_private", true, "", "");
	to_public = nft_table_set(t, "private_to_public", true, "", "");
	/* The public network's addresses are public already: no NAT. */
	for (i = 0; i < c->vnic_count && r == 0 && !c->public_net; i++) {
		const struct vnic *v = &c->vnics[i];

		if (!v->public_ip[0])
			continue;
		r = strlist_addf(&to_private->elements, "%s : %s", v->public_ip, v->ip);
		if (r == 0)
			r = strlist_addf(&to_public->elements, "%s : %s", v->ip, v->public_ip);
	}
	return r;
}

/* One ingress base chain per vNIC on its router-side interface: the
 * instance may send only as itself. Everything not accepted (IPv6,
 * VLAN tags, other ethertypes) meets the drop policy. */
int compile_build_l2(const struct compile *c, struct nft_table *t)
{
	size_t i;
	int r = 0;

	for (i = 0; i < c->vnic_count && r == 0; i++) {
		const struct vnic *v = &c->vnics[i];
		char name[BH_NFT_NAME], hook[BH_NFT_SPEC];
		struct nft_chain *chain;

		bh_snprintf(name, sizeof(name), "nic_%s", compile_id_hex(v->eni->id));
		bh_snprintf(hook, sizeof(hook),
			    "type filter hook ingress device \"%s\" priority -500; policy drop;", v->ifname);
		chain = nft_table_chain(t, name, hook);
		if (!chain)
			return -ENOMEM;
		r = strlist_addf(&chain->rules, "ether saddr != %s drop", v->mac);
		/* ARP only as itself: no replies for a neighbour's address. */
		if (r == 0)
			r = strlist_addf(&chain->rules,
					 "arp htype 1 arp ptype ip arp hlen 6 arp plen 4 arp saddr ether %s arp saddr ip %s accept",
					 v->mac, v->ip);
		if (r == 0)
			r = strlist_add(&chain->rules, "udp sport 67 drop");  /* no DHCP server */
		if (r == 0 && v->eni->source_dest_check)
			r = strlist_addf(&chain->rules, "ip saddr %s accept", v->ip);
		else if (r == 0)
			r = strlist_add(&chain->rules, "meta protocol ip accept");
	}
	return r;
}
