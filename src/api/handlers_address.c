/* handlers_address.c - Elastic IPs: allocation from the shared pool (unique
 * across accounts), 1:1 mapping onto an interface's private address, release. */
#include "api/handlers.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "api/api.h"
#include "api/describe.h"
#include "api/xml.h"
#include "lib/crypto.h"
#include "model/cidr.h"
#include "model/ids.h"
#include "model/snapshot.h"

#define ADDRESS_DOMAIN "vpc"
#define ADDRESS_POOL_NAME "amazon"  /* EC2's name for its own pool */
#define ADDRESS_POOL_MAX 256        /* addresses of BH_ELASTIC_IP_POOL this file can track */

static const char *const address_filters[] = {
	"allocation-id", "association-id", "instance-id", "network-interface-id", "network-interface-owner-id",
	"private-ip-address", "public-ip", "domain", "public-ipv4-pool", "network-border-group", NULL,
};

static void address_xml(struct request *r, const struct address *a, const struct tag_list *tags)
{
	xml_text(r->out, "publicIp", a->public_ip);
	xml_text(r->out, "allocationId", a->allocation_id);
	xml_text(r->out, "domain", ADDRESS_DOMAIN);
	if (a->association_id[0])
		xml_text(r->out, "associationId", a->association_id);
	if (a->instance_id[0])
		xml_text(r->out, "instanceId", a->instance_id);
	if (a->eni_id[0]) {
		xml_text(r->out, "networkInterfaceId", a->eni_id);
		xml_text(r->out, "networkInterfaceOwnerId", r->account_id);
	}
	if (a->private_ip[0])
		xml_text(r->out, "privateIpAddress", a->private_ip);
	xml_tag_set(r->out, tags, a->allocation_id);
	xml_text(r->out, "publicIpv4Pool", ADDRESS_POOL_NAME);
	xml_text(r->out, "networkBorderGroup", r->cfg->region);
}

static void address_fields(struct request *r, const struct address *a, const struct tag_list *tags,
			   struct fieldset *fs)
{
	fieldset_init(fs, tags, a->allocation_id);
	fieldset_add(fs, "allocation-id", a->allocation_id);
	fieldset_add(fs, "public-ip", a->public_ip);
	fieldset_add(fs, "domain", ADDRESS_DOMAIN);
	fieldset_add(fs, "public-ipv4-pool", ADDRESS_POOL_NAME);
	fieldset_add(fs, "network-border-group", r->cfg->region);
	if (a->association_id[0])
		fieldset_add(fs, "association-id", a->association_id);
	if (a->instance_id[0])
		fieldset_add(fs, "instance-id", a->instance_id);
	if (a->eni_id[0]) {
		fieldset_add(fs, "network-interface-id", a->eni_id);
		fieldset_add(fs, "network-interface-owner-id", r->account_id);
	}
	if (a->private_ip[0])
		fieldset_add(fs, "private-ip-address", a->private_ip);
}

/* Parse a dotted IPv4 address with the CIDR parser's strict rules. */
static int ipv4_parse(const char *s, uint32_t *ret)
{
	char text[BH_CIDR_STR];
	struct diag scratch;
	struct cidr c;

	diag_init(&scratch);
	if (strlen(s) >= BH_IPV4_STR || bh_snprintf(text, sizeof(text), "%s/32", s) < 0)
		return -EINVAL;
	if (cidr_parse(text, AF_INET, "publicIp", &c, &scratch) < 0)
		return -EINVAL;
	*ret = (uint32_t)c.addr[0] << 24 | (uint32_t)c.addr[1] << 16 | (uint32_t)c.addr[2] << 8 | c.addr[3];
	return 0;
}

static int public_ip_check(struct request *r, const char *ip)
{
	uint32_t v;

	if (ipv4_parse(ip, &v) < 0)
		return diag_set(&r->diag, "InvalidParameterValue", "Invalid value '%.64s' for parameter publicIp", ip);
	return 0;
}

/* Another account's address reads exactly like one nobody holds. */
static int address_ip_not_found(struct request *r, const char *ip)
{
	return diag_set(&r->diag, "InvalidAddress.NotFound", "Address '%.64s' not found.", ip);
}

static int allocation_not_found(struct request *r, const char *id)
{
	return diag_set(&r->diag, "InvalidAllocationID.NotFound", "The allocation ID '%.64s' does not exist", id);
}

static struct address *address_by_allocation(struct address_list *mine, const char *id)
{
	size_t i;

	for (i = 0; i < mine->count; i++)
		if (strcmp(mine->items[i].allocation_id, id) == 0)
			return &mine->items[i];
	return NULL;
}

static struct address *address_by_ip(struct address_list *mine, const char *ip)
{
	size_t i;

	for (i = 0; i < mine->count; i++)
		if (strcmp(mine->items[i].public_ip, ip) == 0)
			return &mine->items[i];
	return NULL;
}

/* The account's address named by AllocationId or, as EC2 still accepts,
 * by PublicIp: exactly one of them. */
static int address_param_find(struct request *r, struct address_list *mine, struct address **ret)
{
	const char *id = params_get(&r->params, "AllocationId");
	const char *ip = params_get(&r->params, "PublicIp");
	int rc;

	if (id && ip)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"The parameters AllocationId and PublicIp cannot be used together");
	if ((!id || !*id) && (!ip || !*ip))
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter AllocationId");
	if (id) {
		request_note_resource(r, id);
		if (!id_is_valid(id, "eipalloc"))
			return diag_set(&r->diag, "InvalidAllocationID.Malformed", "Invalid id: \"%.64s\"", id);
		*ret = address_by_allocation(mine, id);
		return *ret ? 0 : allocation_not_found(r, id);
	}
	rc = public_ip_check(r, ip);
	if (rc < 0)
		return rc;
	*ret = address_by_ip(mine, ip);
	return *ret ? 0 : address_ip_not_found(r, ip);
}

static int address_border_group_check(struct request *r)
{
	const char *nbg = params_get(&r->params, "NetworkBorderGroup");

	if (nbg && strcmp(nbg, r->cfg->region) != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value (%.64s) for parameter NetworkBorderGroup is invalid. Expected '%s'.", nbg,
				r->cfg->region);
	return 0;
}

/* Insert a with a free address of the pool, starting the search at a
 * random place so an allocation says little about everyone else's. The
 * pool's network and last addresses are left out, as on a subnet. */
static int address_pick(struct request *r, struct address *a)
{
	struct address_list used = { 0 };
	bool taken[ADDRESS_POOL_MAX] = { false };
	uint32_t base, size, start, k, v;
	struct diag scratch;
	struct cidr pool;
	size_t i;
	int rc;

	diag_init(&scratch);
	if (cidr_parse(BH_ELASTIC_IP_POOL, AF_INET, "pool", &pool, &scratch) < 0 ||
	    cidr_ipv4_size(&pool) > ADDRESS_POOL_MAX || cidr_ipv4_size(&pool) < 4)
		return request_store_error(r, -EINVAL);
	size = (uint32_t)cidr_ipv4_size(&pool);
	base = (uint32_t)pool.addr[0] << 24 | (uint32_t)pool.addr[1] << 16 | (uint32_t)pool.addr[2] << 8 |
	       pool.addr[3];
	rc = store_public_ips_in_use(r->tx, &used);
	if (rc == 0)
		rc = bh_random(&start, sizeof(start));
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	for (i = 0; i < used.count; i++)
		if (ipv4_parse(used.items[i].public_ip, &v) == 0 && v - base < size)
			taken[v - base] = true;
	for (k = 0; k < size - 2; k++) {
		uint32_t off = 1 + (start + k) % (size - 2), ip = base + off;

		if (taken[off])
			continue;
		bh_snprintf(a->public_ip, sizeof(a->public_ip), "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
			    (ip >> 8) & 0xff, ip & 0xff);
		rc = store_address_insert(r->tx, a);
		if (rc == -EEXIST)  /* held by someone the list did not show: try the next */
			continue;
		if (rc < 0)
			rc = request_store_error(r, rc);
		goto out;
	}
	rc = diag_set(&r->diag, "AddressLimitExceeded", "There are no free addresses left in the pool.");
out:
	list_release(&used);
	return rc;
}

int handle_allocate_address(struct request *r)
{
	const char *domain = params_get(&r->params, "Domain");
	const char *pool = params_get(&r->params, "PublicIpv4Pool");
	struct address_list mine = { 0 };
	struct address a = { 0 };
	int rc;

	/* EC2-Classic is gone; "standard" addresses have nowhere to live. */
	if (domain && strcmp(domain, ADDRESS_DOMAIN) != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value (%.32s) for parameter domain is invalid. Only 'vpc' is supported.", domain);
	if (params_get(&r->params, "Address") || params_get(&r->params, "CustomerOwnedIpv4Pool"))
		return diag_set(&r->diag, "InvalidParameterValue",
				"Addresses come from the endpoint's own pool; a chosen address or pool is not supported");
	if (pool && strcmp(pool, ADDRESS_POOL_NAME) != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value (%.64s) for parameter PublicIpv4Pool is invalid. Only 'amazon' is supported.", pool);
	rc = address_border_group_check(r);
	if (rc < 0)
		return rc;
	rc = store_address_list(r->tx, &mine);
	if (rc < 0)
		return request_store_error(r, rc);
	if (mine.count >= BH_MAX_ADDRESSES_PER_ACCOUNT) {
		rc = diag_set(&r->diag, "AddressLimitExceeded", "The maximum number of addresses has been reached.");
		goto out;
	}
	rc = id_generate("eipalloc", a.allocation_id);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	rc = address_pick(r, &a);
	if (rc < 0)
		goto out;
	request_note_resource(r, a.allocation_id);
	rc = tag_specs_apply(r, "elastic-ip", a.allocation_id);
	if (rc < 0)
		goto out;
	xml_text(r->out, "publicIp", a.public_ip);
	xml_text(r->out, "allocationId", a.allocation_id);
	xml_text(r->out, "publicIpv4Pool", ADDRESS_POOL_NAME);
	xml_text(r->out, "networkBorderGroup", r->cfg->region);
	xml_text(r->out, "domain", ADDRESS_DOMAIN);
out:
	list_release(&mine);
	return rc;
}

/* The interface named by InstanceId (its primary one) or by
 * NetworkInterfaceId: exactly one of them. */
static int address_target_get(struct request *r, struct eni *ret)
{
	const char *instance_id = params_get(&r->params, "InstanceId");
	const char *eni_id = params_get(&r->params, "NetworkInterfaceId");
	struct instance in;
	int rc;

	if (instance_id && eni_id)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"The parameters InstanceId and NetworkInterfaceId cannot be used together");
	if ((!instance_id || !*instance_id) && (!eni_id || !*eni_id))
		return diag_set(&r->diag, "MissingParameter",
				"The request must contain the parameter InstanceId or NetworkInterfaceId");
	if (eni_id) {
		request_note_resource(r, eni_id);
		if (!id_is_valid(eni_id, "eni"))
			return diag_set(&r->diag, "InvalidNetworkInterfaceID.Malformed", "Invalid id: \"%.64s\"", eni_id);
		rc = store_eni_get(r->tx, eni_id, ret);
		if (rc == -ENOENT)
			return diag_set(&r->diag, "InvalidNetworkInterfaceID.NotFound",
					"The networkInterface ID '%.64s' does not exist", eni_id);
		if (rc < 0)
			return request_store_error(r, rc);
		return 0;
	}
	request_note_resource(r, instance_id);
	if (!id_is_valid(instance_id, "i"))
		return diag_set(&r->diag, "InvalidInstanceID.Malformed", "Invalid id: \"%.64s\"", instance_id);
	rc = store_instance_get(r->tx, instance_id, &in);
	if (rc == -ENOENT)
		return diag_set(&r->diag, "InvalidInstanceID.NotFound", "The instance ID '%.64s' does not exist",
				instance_id);
	if (rc < 0)
		return request_store_error(r, rc);
	if (strcmp(in.state, BH_STATE_SHUTTING_DOWN) == 0 || strcmp(in.state, BH_STATE_TERMINATED) == 0)
		return diag_set(&r->diag, "IncorrectInstanceState",
				"The instance '%s' is not in a valid state for this operation.", in.id);
	rc = store_eni_get(r->tx, in.eni_id, ret);
	if (rc < 0)
		return request_store_error(r, rc);
	return 0;
}

/* Take a's public address off its interface (the agent's NAT follows the
 * interface) and forget the association. */
static int address_unmap(struct request *r, struct address *a)
{
	struct eni e;
	int rc = 0;

	if (a->eni_id[0]) {
		rc = store_eni_get(r->tx, a->eni_id, &e);
		if (rc == 0 && strcmp(e.public_ip, a->public_ip) == 0) {
			e.public_ip[0] = '\0';
			rc = store_eni_update(r->tx, &e);
		}
		if (rc == -ENOENT)
			rc = 0;
	}
	a->association_id[0] = a->instance_id[0] = a->eni_id[0] = a->private_ip[0] = '\0';
	if (rc == 0)
		rc = store_address_update(r->tx, a);
	if (rc < 0)
		return request_store_error(r, rc);
	return 0;
}

/* The interface must be in a VPC with an attached gateway, the only way a
 * public address reaches it. */
static int address_target_check(struct request *r, const struct eni *e)
{
	const char *private_ip = params_get(&r->params, "PrivateIpAddress");
	struct igw_list igws = { 0 };
	bool routed = false;
	size_t i;
	int rc;

	if (!e->subnet_id[0] || !e->vpc_id[0] || strcmp(e->vpc_id, BH_PUBLIC_NET_ID) == 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"The network interface %s is in the shared public network, where it has a public address already",
				e->id);
	if (private_ip && strcmp(private_ip, e->private_ip) != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"The private IP address %.64s is not assigned to network interface %s", private_ip, e->id);
	rc = store_igw_list(r->tx, &igws);
	if (rc < 0)
		return request_store_error(r, rc);
	for (i = 0; i < igws.count && !routed; i++)
		routed = strcmp(igws.items[i].vpc_id, e->vpc_id) == 0;
	list_release(&igws);
	if (!routed)
		return diag_set(&r->diag, "Gateway.NotAttached", "Network %s is not attached to any internet gateway",
				e->vpc_id);
	return 0;
}

int handle_associate_address(struct request *r)
{
	struct address_list mine = { 0 };
	struct address *a, *other;
	bool allow = false;
	struct eni e;
	size_t i;
	int rc;

	rc = params_bool(&r->params, "AllowReassociation", &allow, &r->diag);
	if (rc < 0)
		goto out;
	rc = store_address_list(r->tx, &mine);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	rc = address_param_find(r, &mine, &a);
	if (rc < 0)
		goto out;
	rc = address_target_get(r, &e);
	if (rc < 0)
		goto out;
	rc = address_target_check(r, &e);
	if (rc < 0)
		goto out;
	if (a->association_id[0]) {
		if (strcmp(a->eni_id, e.id) != 0 && !allow) {
			rc = diag_set(&r->diag, "Resource.AlreadyAssociated",
				      "resource %s is already associated with associate-id %s", a->allocation_id,
				      a->association_id);
			goto out;
		}
		rc = address_unmap(r, a);
		if (rc < 0)
			goto out;
	}
	/* One public address per interface: another Elastic IP there goes
	 * only when the caller allows it; an auto-assigned one is replaced. */
	for (i = 0; i < mine.count; i++) {
		other = &mine.items[i];
		if (other == a || strcmp(other->eni_id, e.id) != 0)
			continue;
		if (!allow) {
			rc = diag_set(&r->diag, "Resource.AlreadyAssociated",
				      "The network interface %s already has the Elastic IP address %s associated", e.id,
				      other->public_ip);
			goto out;
		}
		rc = address_unmap(r, other);
		if (rc < 0)
			goto out;
	}
	rc = id_generate("eipassoc", a->association_id);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	bh_strlcpy(a->instance_id, e.instance_id, sizeof(a->instance_id));
	bh_strlcpy(a->eni_id, e.id, sizeof(a->eni_id));
	bh_strlcpy(a->private_ip, e.private_ip, sizeof(a->private_ip));
	bh_strlcpy(e.public_ip, a->public_ip, sizeof(e.public_ip));
	rc = store_address_update(r->tx, a);
	if (rc == 0)
		rc = store_eni_update(r->tx, &e);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	request_note_resource(r, a->association_id);
	xml_text(r->out, "associationId", a->association_id);
out:
	list_release(&mine);
	return rc;
}

int handle_disassociate_address(struct request *r)
{
	const char *assoc_id = params_get(&r->params, "AssociationId");
	const char *ip = params_get(&r->params, "PublicIp");
	struct address_list mine = { 0 };
	struct address *a = NULL;
	size_t i;
	int rc;

	if (assoc_id && ip)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"The parameters AssociationId and PublicIp cannot be used together");
	if ((!assoc_id || !*assoc_id) && (!ip || !*ip))
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter AssociationId");
	if (ip) {
		rc = public_ip_check(r, ip);
		if (rc < 0)
			return rc;
	}
	rc = store_address_list(r->tx, &mine);
	if (rc < 0)
		return request_store_error(r, rc);
	if (assoc_id) {
		request_note_resource(r, assoc_id);
		for (i = 0; i < mine.count && !a; i++)
			if (strcmp(mine.items[i].association_id, assoc_id) == 0)
				a = &mine.items[i];
		if (!a) {
			rc = diag_set(&r->diag, "InvalidAssociationID.NotFound",
				      "The association ID '%.64s' does not exist", assoc_id);
			goto out;
		}
	} else {
		a = address_by_ip(&mine, ip);
		if (!a) {
			rc = address_ip_not_found(r, ip);
			goto out;
		}
	}
	request_note_resource(r, a->allocation_id);
	/* By address, an unassociated one is already where the call wants it. */
	if (a->association_id[0]) {
		rc = address_unmap(r, a);
		if (rc < 0)
			goto out;
	}
	xml_bool(r->out, "return", true);
out:
	list_release(&mine);
	return rc;
}

int handle_release_address(struct request *r)
{
	struct address_list mine = { 0 };
	struct address *a;
	int rc;

	rc = address_border_group_check(r);
	if (rc < 0)
		return rc;
	rc = store_address_list(r->tx, &mine);
	if (rc < 0)
		return request_store_error(r, rc);
	rc = address_param_find(r, &mine, &a);
	if (rc < 0)
		goto out;
	if (a->association_id[0]) {
		rc = diag_set(&r->diag, "InvalidIPAddress.InUse", "Address %s is in use.", a->public_ip);
		goto out;
	}
	rc = store_tag_delete_resource(r->tx, a->allocation_id);
	if (rc == 0)
		rc = store_address_delete(r->tx, a->allocation_id);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_bool(r->out, "return", true);
out:
	list_release(&mine);
	return rc;
}

int handle_describe_addresses(struct request *r)
{
	const char *ids[BH_MAX_LIST_ITEMS], *ips[BH_MAX_LIST_ITEMS];
	struct address_list mine = { 0 };
	struct tag_list tags = { 0 };
	size_t nids = 0, nips = 0, i;
	struct filters fl;
	int rc;

	rc = ids_parse(r, "AllocationId", "eipalloc", "InvalidAllocationID.Malformed", ids, BH_MAX_LIST_ITEMS, &nids);
	if (rc == 0)
		rc = params_list_values(&r->params, "PublicIp", ips, BH_MAX_LIST_ITEMS, &nips, &r->diag);
	for (i = 0; rc == 0 && i < nips; i++)
		rc = public_ip_check(r, ips[i]);
	if (rc < 0)
		goto out;
	for (i = 0; i < nids; i++)
		request_note_resource(r, ids[i]);
	rc = filters_parse(r, address_filters, &fl);
	if (rc < 0)
		goto out;
	rc = store_address_list(r->tx, &mine);
	if (rc == 0)
		rc = store_tag_list(r->tx, NULL, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	for (i = 0; i < nids; i++) {
		if (!address_by_allocation(&mine, ids[i])) {
			rc = allocation_not_found(r, ids[i]);
			goto out;
		}
	}
	for (i = 0; i < nips; i++) {
		if (!address_by_ip(&mine, ips[i])) {
			rc = address_ip_not_found(r, ips[i]);
			goto out;
		}
	}

	xml_open(r->out, "addressesSet");
	for (i = 0; i < mine.count; i++) {
		const struct address *a = &mine.items[i];
		struct fieldset fs;

		if ((nids || nips) && !ids_contain(ids, nids, a->allocation_id) && !ids_contain(ips, nips, a->public_ip))
			continue;
		address_fields(r, a, &tags, &fs);
		if (!filters_match(&fl, &fs))
			continue;
		xml_open(r->out, "item");
		address_xml(r, a, &tags);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "addressesSet");
out:
	list_release(&mine);
	list_release(&tags);
	return rc;
}
