/* handlers_eni.c - network interfaces: DescribeNetworkInterfaces,
 * ModifyNetworkInterfaceAttribute, and the ENI layer RunInstances and
 * ModifyInstanceAttribute share (eni.h): groups, addresses, XML. */
#include "api/handlers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/describe.h"
#include "api/eni.h"
#include "api/xml.h"
#include "model/ids.h"
#include "model/snapshot.h"

/* EC2 keeps the network, router, DNS and a future address at the start of
 * a subnet and the broadcast address at its end. */
#define SUBNET_RESERVED_LOW 4
#define SUBNET_RESERVED_HIGH 1
/* The public network: its network address and router (.1) at the start,
 * its broadcast address at the end. */
#define PUBLIC_NET_RESERVED_LOW 2
#define PUBLIC_NET_RESERVED_HIGH 1
/* The Elastic IP pool is handed out whole but for its two edge addresses,
 * which some routers treat as network and broadcast. */
#define EIP_POOL_RESERVED 1

#define ENI_DESCRIPTION_MAX BH_MAX_NAME

/* Who owns a public address that is not an Elastic IP, as EC2 says it. */
#define IP_OWNER_AMAZON "amazon"

static const char *const eni_filters[] = {
	"network-interface-id", "subnet-id", "vpc-id", "availability-zone", "description", "status",
	"private-ip-address", "addresses.private-ip-address", "addresses.primary", "private-dns-name",
	"mac-address", "source-dest-check", "group-id", "group-name", "owner-id", "interface-type",
	"requester-managed", "attachment.instance-id", "attachment.instance-owner-id", "attachment.attachment-id",
	"attachment.status", "attachment.device-index", "attachment.delete-on-termination",
	"association.public-ip", "association.ip-owner-id", "association.allocation-id",
	"association.association-id", NULL,
};

const char *eni_network_name(const char *subnet_id)
{
	return subnet_id && *subnet_id ? subnet_id : ENI_PUBLIC_NET_NAME;
}

static const struct security_group *group_find(const struct sg_list *groups, const char *id)
{
	size_t i;

	for (i = 0; i < groups->count; i++)
		if (strcmp(groups->items[i].id, id) == 0)
			return &groups->items[i];
	return NULL;
}

static int group_add(struct request *r, struct eni *e, const char *id)
{
	size_t i;

	for (i = 0; i < e->group_count; i++)
		if (strcmp(e->group_ids[i], id) == 0)
			return 0;
	if (e->group_count >= BH_MAX_ENI_GROUPS)
		return diag_set(&r->diag, "SecurityGroupsPerInterfaceLimitExceeded",
				"The maximum number of security groups per interface (%d) has been reached.",
				BH_MAX_ENI_GROUPS);
	bh_strlcpy(e->group_ids[e->group_count++], id, BH_MAX_ID);
	return 0;
}

int eni_groups_resolve(struct request *r, const char *vpc_id, const char *subnet_id, const struct sg_list *groups,
		       const char *const *ids, size_t nids, const char *const *names, size_t nnames,
		       struct eni *ret)
{
	const char *net = eni_network_name(subnet_id);
	size_t i, k;
	int rc;

	ret->group_count = 0;
	for (i = 0; i < nids; i++) {
		const struct security_group *g;

		request_note_resource(r, ids[i]);
		if (!id_is_valid(ids[i], "sg"))
			return diag_set(&r->diag, "InvalidGroupId.Malformed", "Invalid id: \"%.64s\" (expecting \"sg-...\")",
					ids[i]);
		g = group_find(groups, ids[i]);
		if (!g)
			return diag_set(&r->diag, "InvalidGroup.NotFound", "The security group '%s' does not exist",
					ids[i]);
		/* No peering: an interface and its groups share one network. */
		if (strcmp(g->vpc_id, vpc_id) != 0)
			return diag_set(&r->diag, "InvalidParameter",
					"Security group %s and %s belong to different networks.", g->id, net);
		rc = group_add(r, ret, g->id);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < nnames; i++) {
		const struct security_group *g = NULL;

		for (k = 0; k < groups->count && !g; k++)
			if (strcmp(groups->items[k].vpc_id, vpc_id) == 0 && strcmp(groups->items[k].name, names[i]) == 0)
				g = &groups->items[k];
		if (!g)
			return diag_set(&r->diag, "InvalidGroup.NotFound", "The security group '%.64s' does not exist in %s%s",
					names[i], *vpc_id ? "VPC " : "", *vpc_id ? vpc_id : ENI_PUBLIC_NET_NAME);
		rc = group_add(r, ret, g->id);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int eni_subnet_recount(struct request *r, const char *subnet_id)
{
	struct eni_list enis = { 0 };
	struct subnet sn;
	size_t i;
	long used = 0;
	int rc;

	if (!subnet_id || !*subnet_id)
		return 0;
	rc = store_subnet_get(r->tx, subnet_id, &sn);
	if (rc == 0)
		rc = store_eni_list(r->tx, &enis);
	if (rc < 0)
		goto out;
	for (i = 0; i < enis.count; i++)
		used += strcmp(enis.items[i].subnet_id, subnet_id) == 0;
	if (used != sn.used_ips) {
		sn.used_ips = used;
		rc = store_subnet_update(r->tx, &sn);
	}
out:
	list_release(&enis);
	return rc < 0 ? request_store_error(r, rc) : 0;
}

/* ------------------------------------------------------------------ */
/* addresses of new interfaces */

static int internal_error(struct request *r, const char *what)
{
	return diag_set_status(&r->diag, 500, "InternalError", "An internal error has occurred (%s)", what);
}

int eni_addresses_load(struct request *r, const struct subnet *sn, bool want_public, struct eni_addresses *ret)
{
	struct address_list in_use = { 0 };
	size_t i;
	int rc;

	memset(ret, 0, sizeof(*ret));
	ret->public_net = sn == NULL;
	ret->want_public = want_public && sn != NULL;
	if (sn) {
		rc = ipv4_range_parse(sn->cidr, 0, 0, &ret->private_cidr);
		if (rc == 0)
			rc = ipv4_range_parse(sn->cidr, SUBNET_RESERVED_LOW, SUBNET_RESERVED_HIGH, &ret->private_range);
	} else {
		rc = ipv4_range_parse(BH_PUBLIC_NET_CIDR, 0, 0, &ret->private_cidr);
		if (rc == 0)
			rc = ipv4_range_parse(BH_PUBLIC_NET_CIDR, PUBLIC_NET_RESERVED_LOW, PUBLIC_NET_RESERVED_HIGH,
					      &ret->private_range);
	}
	if (rc == 0)
		rc = ipv4_range_parse(BH_ELASTIC_IP_POOL, EIP_POOL_RESERVED, EIP_POOL_RESERVED, &ret->public_range);
	if (rc < 0)
		return internal_error(r, "address range");

	rc = store_eni_list(r->tx, &ret->macs);
	if (rc == 0 && (ret->public_net || ret->want_public))
		rc = store_public_ips_in_use(r->tx, &in_use);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	/* Private addresses clash within the subnet (the account's own ENIs);
	 * public ones across every account. */
	for (i = 0; rc == 0 && sn && i < ret->macs.count; i++)
		if (strcmp(ret->macs.items[i].subnet_id, sn->id) == 0)
			rc = ipv4_set_add_text(&ret->private_used, ret->macs.items[i].private_ip);
	for (i = 0; rc == 0 && i < in_use.count; i++)
		rc = ipv4_set_add_text(ret->public_net ? &ret->private_used : &ret->public_used, in_use.items[i].public_ip);
	if (rc < 0)
		rc = internal_error(r, "out of memory");
out:
	list_release(&in_use);
	return rc;
}

void eni_addresses_release(struct eni_addresses *a)
{
	list_release(&a->private_used);
	list_release(&a->public_used);
	list_release(&a->macs);
}

size_t eni_addresses_free(const struct eni_addresses *a)
{
	size_t n = ipv4_free_count(&a->private_range, &a->private_used);

	if (a->want_public) {
		size_t p = ipv4_free_count(&a->public_range, &a->public_used);

		n = p < n ? p : n;
	}
	return n;
}

static int private_take_wanted(struct request *r, struct eni_addresses *a, const char *wanted, uint32_t *ret)
{
	if (ipv4_parse(wanted, ret) < 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value (%.64s) for parameter privateIpAddress is invalid. Expecting an IPv4 address.",
				wanted);
	if (!ipv4_range_has(&a->private_cidr, *ret))
		return diag_set(&r->diag, "InvalidParameterValue",
				"Address %s does not fall within the subnet's address range", wanted);
	if (!ipv4_range_has(&a->private_range, *ret))
		return diag_set(&r->diag, "InvalidParameterValue", "Address %s is in subnet's reserved address range",
				wanted);
	if (ipv4_set_has(&a->private_used, *ret))
		return diag_set(&r->diag, "InvalidIPAddress.InUse", "Address %s is in use.", wanted);
	return ipv4_set_add(&a->private_used, *ret) < 0 ? internal_error(r, "out of memory") : 0;
}

static bool mac_taken(const struct eni_list *l, const char *mac)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (strcmp(l->items[i].mac, mac) == 0)
			return true;
	return false;
}

static int mac_take(struct request *r, struct eni_addresses *a, struct eni *e)
{
	struct eni *planned;
	int i, rc;

	for (i = 0; i < BH_MAC_ATTEMPTS; i++) {
		rc = mac_generate(e->mac);
		if (rc < 0)
			return internal_error(r, "random source");
		if (!mac_taken(&a->macs, e->mac))
			break;
	}
	if (i == BH_MAC_ATTEMPTS)
		return internal_error(r, "no free MAC address");
	planned = list_push(&a->macs);
	if (!planned)
		return internal_error(r, "out of memory");
	bh_strlcpy(planned->mac, e->mac, sizeof(planned->mac));
	return 0;
}

int eni_addresses_take(struct request *r, struct eni_addresses *a, const char *wanted, struct eni *e)
{
	uint32_t priv, pub;
	int rc;

	if (wanted) {
		rc = private_take_wanted(r, a, wanted, &priv);
		if (rc < 0)
			return rc;
	} else {
		rc = ipv4_alloc_lowest(&a->private_range, &a->private_used, &priv);
		if (rc == -ENOSPC && a->public_net)
			return diag_set(&r->diag, "InsufficientAddressCapacity",
					"There are not enough free addresses in %s to satisfy the request.",
					ENI_PUBLIC_NET_NAME);
		if (rc == -ENOSPC)
			return diag_set(&r->diag, "InsufficientFreeAddressesInSubnet",
					"There are not enough free addresses in the subnet to satisfy the request.");
		if (rc < 0)
			return internal_error(r, "out of memory");
	}
	ipv4_format(priv, e->private_ip);
	e->public_ip[0] = '\0';
	if (a->public_net) {
		bh_strlcpy(e->public_ip, e->private_ip, sizeof(e->public_ip));
	} else if (a->want_public) {
		rc = ipv4_alloc_lowest(&a->public_range, &a->public_used, &pub);
		if (rc == -ENOSPC)
			return diag_set(&r->diag, "InsufficientAddressCapacity",
					"There are not enough free public addresses to satisfy the request.");
		if (rc < 0)
			return internal_error(r, "out of memory");
		ipv4_format(pub, e->public_ip);
	}
	return mac_take(r, a, e);
}

/* ------------------------------------------------------------------ */
/* XML */

void api_time_iso8601(long long t, char ret[API_TIME_ISO])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(ret, API_TIME_ISO, "%Y-%m-%dT%H:%M:%S.000Z", &tm) == 0)
		bh_strlcpy(ret, "1970-01-01T00:00:00.000Z", API_TIME_ISO);
}

void eni_private_dns_name(const struct request *r, const char *ip, char ret[ENI_DNS_NAME])
{
	char dashed[BH_IPV4_STR];
	size_t i;

	ret[0] = '\0';
	if (!ip || !*ip)
		return;
	bh_strlcpy(dashed, ip, sizeof(dashed));
	for (i = 0; dashed[i]; i++)
		if (dashed[i] == '.')
			dashed[i] = '-';
	bh_snprintf(ret, ENI_DNS_NAME, "ip-%s.%s.compute.internal", dashed, r->cfg->region);
}

/* The attachment of a primary interface is never detached, so its id is
 * derived from the interface's: stable without a row of its own. */
static void attachment_id(const struct eni *e, char ret[BH_MAX_ID])
{
	const char *dash = strchr(e->id, '-');

	bh_snprintf(ret, BH_MAX_ID, "eni-attach-%s", dash ? dash + 1 : e->id);
}

const char *eni_public_ip(const struct eni *e, const struct eni_view *v, const struct address **ret_eip)
{
	size_t i;

	*ret_eip = NULL;
	for (i = 0; v->addresses && i < v->addresses->count; i++) {
		if (strcmp(v->addresses->items[i].eni_id, e->id) == 0 && v->addresses->items[i].association_id[0]) {
			*ret_eip = &v->addresses->items[i];
			return v->addresses->items[i].public_ip;
		}
	}
	return e->public_ip;
}

void eni_group_set_xml(struct request *r, const struct eni *e, const struct sg_list *groups)
{
	size_t i;

	xml_open(r->out, "groupSet");
	for (i = 0; i < e->group_count; i++) {
		const struct security_group *g = group_find(groups, e->group_ids[i]);

		xml_open(r->out, "item");
		xml_text(r->out, "groupId", e->group_ids[i]);
		xml_text(r->out, "groupName", g ? g->name : "");
		xml_close(r->out, "item");
	}
	xml_close(r->out, "groupSet");
}

static void association_xml(struct request *r, const char *public_ip, const struct address *eip,
			    enum eni_shape shape)
{
	if (!public_ip[0])
		return;
	xml_open(r->out, "association");
	if (eip && shape == ENI_SHAPE_FULL) {
		xml_text(r->out, "allocationId", eip->allocation_id);
		xml_text(r->out, "associationId", eip->association_id);
	}
	xml_text(r->out, "ipOwnerId", eip ? r->account_id : IP_OWNER_AMAZON);
	xml_text(r->out, "publicDnsName", "");
	xml_text(r->out, "publicIp", public_ip);
	xml_close(r->out, "association");
}

static void attachment_xml(struct request *r, const struct eni *e, const struct instance *inst,
			   enum eni_shape shape)
{
	char att[BH_MAX_ID], when[API_TIME_ISO];

	if (!e->instance_id[0])
		return;
	attachment_id(e, att);
	xml_open(r->out, "attachment");
	xml_text(r->out, "attachmentId", att);
	if (shape == ENI_SHAPE_FULL) {
		xml_text(r->out, "instanceId", e->instance_id);
		xml_text(r->out, "instanceOwnerId", r->account_id);
	}
	xml_long(r->out, "deviceIndex", 0);
	xml_long(r->out, "networkCardIndex", 0);
	xml_text(r->out, "status", "attached");
	if (inst) {
		api_time_iso8601(inst->launch_time, when);
		xml_text(r->out, "attachTime", when);
	}
	xml_bool(r->out, "deleteOnTermination", true);
	xml_close(r->out, "attachment");
}

void eni_xml(struct request *r, const struct eni *e, const struct instance *inst, const struct eni_view *v,
	     enum eni_shape shape)
{
	char dns[ENI_DNS_NAME];
	const struct address *eip;
	const char *public_ip = eni_public_ip(e, v, &eip);

	eni_private_dns_name(r, e->private_ip, dns);
	xml_text(r->out, "networkInterfaceId", e->id);
	if (e->subnet_id[0]) {
		xml_text(r->out, "subnetId", e->subnet_id);
		xml_text(r->out, "vpcId", e->vpc_id);
	}
	if (shape == ENI_SHAPE_FULL)
		xml_text(r->out, "availabilityZone", e->availability_zone);
	xml_text(r->out, "description", e->description);
	xml_text(r->out, "ownerId", r->account_id);
	if (shape == ENI_SHAPE_FULL)
		xml_bool(r->out, "requesterManaged", false);
	xml_text(r->out, "status", e->instance_id[0] ? "in-use" : "available");
	xml_text(r->out, "macAddress", e->mac);
	xml_text(r->out, "privateIpAddress", e->private_ip);
	xml_text(r->out, "privateDnsName", dns);
	xml_bool(r->out, "sourceDestCheck", e->source_dest_check);
	eni_group_set_xml(r, e, v->groups);
	attachment_xml(r, e, inst, shape);
	association_xml(r, public_ip, eip, shape);
	if (shape == ENI_SHAPE_FULL)
		xml_tag_set(r->out, v->tags, e->id);
	xml_open(r->out, "privateIpAddressesSet");
	xml_open(r->out, "item");
	xml_text(r->out, "privateIpAddress", e->private_ip);
	xml_text(r->out, "privateDnsName", dns);
	xml_bool(r->out, "primary", true);
	association_xml(r, public_ip, eip, shape);
	xml_close(r->out, "item");
	xml_close(r->out, "privateIpAddressesSet");
	xml_open(r->out, "ipv6AddressesSet");
	xml_close(r->out, "ipv6AddressesSet");
	xml_text(r->out, "interfaceType", "interface");
}

/* ------------------------------------------------------------------ */
/* DescribeNetworkInterfaces */

static int eni_not_found(struct request *r, const char *id)
{
	return diag_set(&r->diag, "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%.64s' does not exist",
			id);
}

static const struct instance *instance_find(const struct instance_list *l, const char *id)
{
	size_t i;

	for (i = 0; id[0] && i < l->count; i++)
		if (strcmp(l->items[i].id, id) == 0)
			return &l->items[i];
	return NULL;
}

static void eni_fields(struct request *r, const struct eni *e, const struct eni_view *v, struct fieldset *fs,
		       char dns[ENI_DNS_NAME], char att[BH_MAX_ID])
{
	const struct address *eip;
	const char *public_ip = eni_public_ip(e, v, &eip);
	size_t i;

	eni_private_dns_name(r, e->private_ip, dns);
	attachment_id(e, att);
	fieldset_init(fs, v->tags, e->id);
	fieldset_add(fs, "network-interface-id", e->id);
	fieldset_add(fs, "subnet-id", e->subnet_id);
	fieldset_add(fs, "vpc-id", e->vpc_id);
	fieldset_add(fs, "availability-zone", e->availability_zone);
	fieldset_add(fs, "description", e->description);
	fieldset_add(fs, "status", e->instance_id[0] ? "in-use" : "available");
	fieldset_add(fs, "private-ip-address", e->private_ip);
	fieldset_add(fs, "addresses.private-ip-address", e->private_ip);
	fieldset_add(fs, "addresses.primary", "true");
	fieldset_add(fs, "private-dns-name", dns);
	fieldset_add(fs, "mac-address", e->mac);
	fieldset_add_bool(fs, "source-dest-check", e->source_dest_check);
	fieldset_add(fs, "owner-id", r->account_id);
	fieldset_add(fs, "interface-type", "interface");
	fieldset_add(fs, "requester-managed", "false");
	for (i = 0; i < e->group_count; i++) {
		const struct security_group *g = group_find(v->groups, e->group_ids[i]);

		fieldset_add(fs, "group-id", e->group_ids[i]);
		if (g)
			fieldset_add(fs, "group-name", g->name);
	}
	if (e->instance_id[0]) {
		fieldset_add(fs, "attachment.instance-id", e->instance_id);
		fieldset_add(fs, "attachment.instance-owner-id", r->account_id);
		fieldset_add(fs, "attachment.attachment-id", att);
		fieldset_add(fs, "attachment.status", "attached");
		fieldset_add(fs, "attachment.device-index", "0");
		fieldset_add(fs, "attachment.delete-on-termination", "true");
	}
	if (public_ip[0]) {
		fieldset_add(fs, "association.public-ip", public_ip);
		fieldset_add(fs, "association.ip-owner-id", eip ? r->account_id : IP_OWNER_AMAZON);
		if (eip) {
			fieldset_add(fs, "association.allocation-id", eip->allocation_id);
			fieldset_add(fs, "association.association-id", eip->association_id);
		}
	}
}

/* Everything DescribeNetworkInterfaces reads, loaded at once. */
struct eni_world {
	struct eni_list enis;
	struct instance_list instances;
	struct sg_list groups;
	struct address_list addresses;
	struct tag_list tags;
};

static int eni_world_load(struct request *r, struct eni_world *w)
{
	int rc;

	rc = store_eni_list(r->tx, &w->enis);
	if (rc == 0)
		rc = store_instance_list(r->tx, &w->instances);
	if (rc == 0)
		rc = store_sg_list(r->tx, &w->groups);
	if (rc == 0)
		rc = store_address_list(r->tx, &w->addresses);
	if (rc == 0)
		rc = store_tag_list(r->tx, NULL, &w->tags);
	return rc < 0 ? request_store_error(r, rc) : 0;
}

static void eni_world_release(struct eni_world *w)
{
	list_release(&w->enis);
	list_release(&w->instances);
	list_release(&w->groups);
	list_release(&w->addresses);
	list_release(&w->tags);
}

int handle_describe_network_interfaces(struct request *r)
{
	const char **ids = NULL;
	struct eni_world w = { 0 };
	struct filters *fl = NULL;
	const char *missing;
	struct eni_view v;
	struct paging pg;
	size_t nids = 0, i;
	int rc;

	ids = calloc(BH_MAX_LIST_ITEMS, sizeof(*ids));
	fl = calloc(1, sizeof(*fl));
	if (!ids || !fl) {
		rc = internal_error(r, "out of memory");
		goto out;
	}
	rc = describe_ids_parse(r, "NetworkInterfaceId", "eni", "InvalidNetworkInterfaceID.Malformed", ids, &nids);
	if (rc < 0)
		goto out;
	rc = filters_parse(r, eni_filters, fl);
	if (rc == 0)
		rc = paging_parse(r, BH_MIN_RESULTS, BH_MAX_RESULTS, &pg);
	if (rc == 0)
		rc = describe_ids_unpaged(r, nids, pg.max_results || pg.after_id[0], "networkInterfaceIds");
	if (rc < 0)
		goto out;
	rc = eni_world_load(r, &w);
	if (rc < 0)
		goto out;
	missing = ids_first_missing(ids, nids, w.enis.items, w.enis.count, sizeof(*w.enis.items),
				    offsetof(struct eni, id));
	if (missing) {
		rc = eni_not_found(r, missing);
		goto out;
	}
	v = (struct eni_view){ .groups = &w.groups, .addresses = &w.addresses, .tags = &w.tags };
	xml_open(r->out, "networkInterfaceSet");
	for (i = 0; i < w.enis.count && !pg.truncated; i++) {
		const struct eni *e = &w.enis.items[i];
		char dns[ENI_DNS_NAME], att[BH_MAX_ID];
		struct fieldset fs;

		if (nids && !ids_contain(ids, nids, e->id))
			continue;
		eni_fields(r, e, &v, &fs, dns, att);
		if (!filters_match(fl, &fs) || !paging_take(&pg, e->id))
			continue;
		xml_open(r->out, "item");
		eni_xml(r, e, instance_find(&w.instances, e->instance_id), &v, ENI_SHAPE_FULL);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "networkInterfaceSet");
	paging_write_token(r, &pg);
out:
	free(ids);
	free(fl);
	eni_world_release(&w);
	return rc;
}

/* ------------------------------------------------------------------ */
/* ModifyNetworkInterfaceAttribute */

static int eni_param_get(struct request *r, struct eni *ret)
{
	const char *id;
	int rc;

	rc = id_param_parse(r, "NetworkInterfaceId", "eni", "InvalidNetworkInterfaceID.Malformed", &id);
	if (rc < 0)
		return rc;
	rc = store_eni_get(r->tx, id, ret);
	if (rc == -ENOENT)
		return eni_not_found(r, id);
	return rc < 0 ? request_store_error(r, rc) : 0;
}

static bool params_have_prefix(const struct params *p, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < p->count; i++)
		if (strncmp(p->items[i].name, prefix, n) == 0)
			return true;
	return false;
}

int eni_groups_replace(struct request *r, const char *param, struct eni *e)
{
	const char *ids[BH_MAX_LIST_ITEMS];
	struct sg_list groups = { 0 };
	size_t nids = 0;
	int rc;

	rc = params_list_values(&r->params, param, ids, BH_MAX_LIST_ITEMS, &nids, &r->diag);
	if (rc < 0)
		return rc;
	if (nids == 0)
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter %s", param);
	rc = store_sg_list(r->tx, &groups);
	if (rc < 0)
		return request_store_error(r, rc);
	rc = eni_groups_resolve(r, e->vpc_id, e->subnet_id, &groups, ids, nids, NULL, 0, e);
	list_release(&groups);
	return rc;
}

/* The only attachment change EC2 allows on a primary interface is
 * DeleteOnTermination, and bulkhead's are always deleted with their
 * instance: true is a no-op, false is refused. */
static int eni_check_attachment(struct request *r, const struct eni *e)
{
	const char *att = params_get(&r->params, "Attachment.AttachmentId");
	bool keep = true;
	char want[BH_MAX_ID];
	int rc;

	rc = params_bool(&r->params, "Attachment.DeleteOnTermination", &keep, &r->diag);
	if (rc < 0)
		return rc;
	attachment_id(e, want);
	if (!att || !e->instance_id[0] || strcmp(att, want) != 0)
		return diag_set(&r->diag, "InvalidAttachmentID.NotFound", "The attachment ID '%.64s' does not exist",
				att ? att : "");
	if (!keep)
		return diag_set(&r->diag, "InvalidParameterValue",
				"A primary network interface is always deleted with its instance.");
	return 0;
}

int handle_modify_network_interface_attribute(struct request *r)
{
	const char *sdc = params_get(&r->params, "SourceDestCheck.Value");
	const char *desc = params_get(&r->params, "Description.Value");
	bool groups = params_have_prefix(&r->params, "SecurityGroupId.");
	bool attachment = params_have_prefix(&r->params, "Attachment.");
	struct eni e;
	int named, rc;

	rc = eni_param_get(r, &e);
	if (rc < 0)
		return rc;
	named = (sdc != NULL) + (desc != NULL) + groups + attachment;
	if (named == 0)
		return diag_set(&r->diag, "MissingParameter",
				"The request must contain one of SecurityGroupId, SourceDestCheck, Description or Attachment");
	if (named > 1)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"Only one attribute can be modified at a time");
	if (sdc) {
		rc = params_bool(&r->params, "SourceDestCheck.Value", &e.source_dest_check, &r->diag);
	} else if (desc) {
		if (strlen(desc) > ENI_DESCRIPTION_MAX)
			return diag_set(&r->diag, "InvalidParameterValue",
					"Value for parameter Description is invalid. Length exceeds maximum of %d.",
					ENI_DESCRIPTION_MAX);
		bh_strlcpy(e.description, desc, sizeof(e.description));
	} else if (groups) {
		rc = eni_groups_replace(r, "SecurityGroupId", &e);
	} else {
		rc = eni_check_attachment(r, &e);
	}
	if (rc < 0)
		return rc;
	if (!attachment) {
		rc = store_eni_update(r->tx, &e);
		if (rc < 0)
			return request_store_error(r, rc);
	}
	xml_bool(r->out, "return", true);
	return 0;
}
