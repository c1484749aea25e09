/* instance_launch.c - RunInstances: where new instances go (a subnet, or
 * the shared public network), their groups, addresses and MACs, the
 * account's instance limit, ClientToken idempotency and tags on launch. */
#include "api/handlers.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/describe.h"
#include "api/eni.h"
#include "api/instance.h"
#include "api/xml.h"
#include "model/ids.h"

#define PARAM_NAME 96

/* What RunInstances asks for, parsed once. Pointers go into the params. */
struct launch {
	long min_count;
	long max_count;
	const char *instance_type;
	const char *client_token;   /* NULL: none */
	const char *subnet_id;      /* NULL: the shared public network */
	const char *private_ip;     /* NULL: the lowest free address */
	const char *zone;           /* Placement.AvailabilityZone, or NULL */
	const char *description;    /* of the primary interface */
	int associate_public;       /* -1 unsaid, else 0 or 1 */
	const char *group_ids[BH_MAX_LIST_ITEMS];
	size_t ngroup_ids;
	const char *group_names[BH_MAX_LIST_ITEMS];
	size_t ngroup_names;
};

static bool params_have_prefix(const struct params *p, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < p->count; i++)
		if (strncmp(p->items[i].name, prefix, n) == 0)
			return true;
	return false;
}

static int missing(struct request *r, const char *param)
{
	return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter %s", param);
}

static int count_parse(struct request *r, const char *param, long *ret)
{
	const char *v = params_get(&r->params, param);

	if (!v)
		return missing(r, param);
	/* Large counts are well-formed: the instance limit answers them. */
	if (bh_parse_long(v, 1, INT32_MAX, ret) < 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value (%.32s) for parameter %s is invalid. Expected a positive integer.", v, param);
	return 0;
}

/* NetworkInterface.N, the other way to say where the primary interface
 * goes. An instance here has exactly one interface, created with it. */
static int interface_spec_parse(struct request *r, struct launch *l)
{
	static const char *const unsupported[] = {
		"NetworkInterfaceId", "SecondaryPrivateIpAddressCount", "PrivateIpAddresses.", "Ipv6AddressCount",
		"Ipv6Addresses.", "Ipv4Prefix", "Ipv6Prefix", "InterfaceType", NULL,
	};
	const char *const *u;
	const char *dev, *assoc;
	bool keep = true, pub = false;
	char prefix[PARAM_NAME];
	size_t max;
	int rc;

	if (params_get(&r->params, "SubnetId") || params_get(&r->params, "PrivateIpAddress") ||
	    params_have_prefix(&r->params, "SecurityGroupId.") || params_have_prefix(&r->params, "SecurityGroup."))
		return diag_set(&r->diag, "InvalidParameterCombination",
				"Network interfaces and an instance-level subnet ID, security groups or private IP address may not be specified on the same request");
	rc = params_list_max(&r->params, "NetworkInterface.", &max, &r->diag);
	if (rc < 0)
		return rc;
	if (max != 1)
		return diag_set(&r->diag, "InvalidParameterValue",
				"An instance has exactly one network interface here: NetworkInterface.1 with DeviceIndex 0");
	for (u = unsupported; *u; u++) {
		bh_snprintf(prefix, sizeof(prefix), "NetworkInterface.1.%s", *u);
		if (params_have_prefix(&r->params, prefix))
			return diag_set(&r->diag, "InvalidParameterValue", "The parameter %s is not supported by this endpoint",
					prefix);
	}
	dev = params_get(&r->params, "NetworkInterface.1.DeviceIndex");
	if (dev && strcmp(dev, "0") != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value (%.16s) for parameter NetworkInterface.1.DeviceIndex is invalid. Only 0 is supported.",
				dev);
	rc = params_bool(&r->params, "NetworkInterface.1.DeleteOnTermination", &keep, &r->diag);
	if (rc < 0)
		return rc;
	if (!keep)
		return diag_set(&r->diag, "InvalidParameterValue",
				"A primary network interface is always deleted with its instance.");
	assoc = params_get(&r->params, "NetworkInterface.1.AssociatePublicIpAddress");
	rc = params_bool(&r->params, "NetworkInterface.1.AssociatePublicIpAddress", &pub, &r->diag);
	if (rc < 0)
		return rc;
	l->associate_public = assoc ? pub : -1;
	l->subnet_id = params_get(&r->params, "NetworkInterface.1.SubnetId");
	l->private_ip = params_get(&r->params, "NetworkInterface.1.PrivateIpAddress");
	l->description = params_get(&r->params, "NetworkInterface.1.Description");
	return params_list_values(&r->params, "NetworkInterface.1.SecurityGroupId", l->group_ids, BH_MAX_LIST_ITEMS,
				  &l->ngroup_ids, &r->diag);
}

static int launch_parse(struct request *r, struct launch *l)
{
	const char *image = params_get(&r->params, "ImageId");
	const char *key = params_get(&r->params, "KeyName");
	int rc;

	l->associate_public = -1;
	if (!image || !*image)
		return missing(r, "ImageId");
	request_note_resource(r, image);
	if (!id_is_valid(image, "ami"))
		return diag_set(&r->diag, "InvalidAMIID.Malformed", "Invalid id: \"%.64s\" (expecting \"ami-...\")", image);
	rc = count_parse(r, "MinCount", &l->min_count);
	if (rc == 0)
		rc = count_parse(r, "MaxCount", &l->max_count);
	if (rc < 0)
		return rc;
	if (l->min_count > l->max_count)
		return diag_set(&r->diag, "InvalidParameterValue",
				"MinCount (%ld) must be less than or equal to MaxCount (%ld)", l->min_count, l->max_count);
	l->instance_type = params_get(&r->params, "InstanceType");
	if (!l->instance_type)
		l->instance_type = INSTANCE_DEFAULT_TYPE;
	if (!instance_type_is_valid(l->instance_type))
		return diag_set(&r->diag, "InvalidParameterValue", "Invalid value '%.64s' for InstanceType.",
				l->instance_type);
	l->client_token = params_get(&r->params, "ClientToken");
	if (l->client_token && strlen(l->client_token) > BH_MAX_CLIENT_TOKEN)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value for parameter ClientToken is invalid. Length exceeds maximum of %d.",
				BH_MAX_CLIENT_TOKEN);
	if (l->client_token && !*l->client_token)
		l->client_token = NULL;
	/* There are no key pairs to name: an instance is entered with
	 * `bulkhead exec`, not SSH keys. */
	if (key && *key)
		return diag_set(&r->diag, "InvalidKeyPair.NotFound", "The key pair '%.64s' does not exist", key);
	l->zone = params_get(&r->params, "Placement.AvailabilityZone");
	if (params_have_prefix(&r->params, "NetworkInterface.")) {
		rc = interface_spec_parse(r, l);
	} else {
		l->subnet_id = params_get(&r->params, "SubnetId");
		l->private_ip = params_get(&r->params, "PrivateIpAddress");
		rc = params_list_values(&r->params, "SecurityGroupId", l->group_ids, BH_MAX_LIST_ITEMS, &l->ngroup_ids,
					&r->diag);
		if (rc == 0)
			rc = params_list_values(&r->params, "SecurityGroup", l->group_names, BH_MAX_LIST_ITEMS,
						&l->ngroup_names, &r->diag);
	}
	if (rc < 0)
		return rc;
	if (l->subnet_id && !*l->subnet_id)
		l->subnet_id = NULL;
	if (l->subnet_id && !id_is_valid(l->subnet_id, "subnet"))
		return diag_set(&r->diag, "InvalidSubnetID.Malformed", "Invalid id: \"%.64s\"", l->subnet_id);
	if (l->description && strlen(l->description) > BH_MAX_NAME)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value for parameter Description is invalid. Length exceeds maximum of %d.", BH_MAX_NAME);
	if (l->private_ip && l->max_count > 1)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"A private IP address can only be given when launching one instance (MaxCount 1)");
	/* In the public network an instance's address is a public one the
	 * platform hands out; there is no subnet to pick it from. */
	if (!l->subnet_id && l->private_ip)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"PrivateIpAddress needs a SubnetId: in %s the address is assigned", ENI_PUBLIC_NET_NAME);
	if (!l->subnet_id && l->associate_public == 0)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"Instances in %s always have a public address", ENI_PUBLIC_NET_NAME);
	return 0;
}

/* ------------------------------------------------------------------ */
/* TagSpecification.N for the instances and their interfaces */

static int launch_tags_check(struct request *r)
{
	size_t nspec, i, ntag, j;
	int rc;

	rc = params_list_max(&r->params, "TagSpecification.", &nspec, &r->diag);
	for (i = 1; rc == 0 && i <= nspec; i++) {
		const char *type = params_getf(&r->params, "TagSpecification.%zu.ResourceType", i);
		char prefix[PARAM_NAME];

		if (!type)
			return diag_set(&r->diag, "MissingParameter",
					"The request must contain the parameter TagSpecification.%zu.ResourceType", i);
		if (strcmp(type, "instance") != 0 && strcmp(type, "network-interface") != 0)
			return diag_set(&r->diag, "InvalidParameterValue",
					"'%.64s' is not a valid taggable resource type for this operation.", type);
		bh_snprintf(prefix, sizeof(prefix), "TagSpecification.%zu.Tag.", i);
		rc = params_list_max(&r->params, prefix, &ntag, &r->diag);
		if (rc == 0 && ntag > BH_MAX_TAGS_PER_RESOURCE)
			return diag_set(&r->diag, "TagLimitExceeded", "The maximum number of tags per resource is %d",
					BH_MAX_TAGS_PER_RESOURCE);
		for (j = 1; rc == 0 && j <= ntag; j++) {
			const char *key = params_getf(&r->params, "%s%zu.Key", prefix, j);
			const char *value = params_getf(&r->params, "%s%zu.Value", prefix, j);

			if (key || value)
				rc = tag_validate(r, key, value);
		}
	}
	return rc;
}

/* Apply the specifications of one resource type (already checked). */
static int launch_tags_apply(struct request *r, const char *type, const char *resource_id)
{
	size_t nspec, i, ntag, j;
	int rc;

	rc = params_list_max(&r->params, "TagSpecification.", &nspec, &r->diag);
	for (i = 1; rc == 0 && i <= nspec; i++) {
		const char *t = params_getf(&r->params, "TagSpecification.%zu.ResourceType", i);
		char prefix[PARAM_NAME];

		if (!t || strcmp(t, type) != 0)
			continue;
		bh_snprintf(prefix, sizeof(prefix), "TagSpecification.%zu.Tag.", i);
		rc = params_list_max(&r->params, prefix, &ntag, &r->diag);
		for (j = 1; rc == 0 && j <= ntag; j++) {
			const char *key = params_getf(&r->params, "%s%zu.Key", prefix, j);
			const char *value = params_getf(&r->params, "%s%zu.Value", prefix, j);

			if (key)
				rc = tag_put(r, resource_id, key, value);
		}
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* placement, groups, count */

static int zone_check(struct request *r, const char *zone)
{
	size_t i;

	for (i = 0; i < BH_ZONE_COUNT; i++) {
		char name[BH_AZ_NAME];

		api_zone_name(r->cfg, i, name);
		if (strcmp(name, zone) == 0)
			return 0;
	}
	return diag_set(&r->diag, "InvalidParameterValue", "Invalid availability zone: [%.64s]", zone);
}

/* Fill the template interface's network: the subnet's, or the public
 * network's (no subnet, no VPC, the requested zone or the first). */
static int launch_place(struct request *r, const struct launch *l, struct subnet *ret_sn, struct eni *tmpl)
{
	int rc;

	if (l->zone) {
		rc = zone_check(r, l->zone);
		if (rc < 0)
			return rc;
	}
	if (!l->subnet_id) {
		if (l->zone)
			bh_strlcpy(tmpl->availability_zone, l->zone, sizeof(tmpl->availability_zone));
		else
			api_zone_name(r->cfg, 0, tmpl->availability_zone);
		return 0;
	}
	request_note_resource(r, l->subnet_id);
	rc = store_subnet_get(r->tx, l->subnet_id, ret_sn);
	if (rc == -ENOENT)
		return diag_set(&r->diag, "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", l->subnet_id);
	if (rc < 0)
		return request_store_error(r, rc);
	if (l->zone && strcmp(l->zone, ret_sn->availability_zone) != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value (%s) for parameter availabilityZone is invalid. Subnet '%s' is in the availability zone %s",
				l->zone, ret_sn->id, ret_sn->availability_zone);
	bh_strlcpy(tmpl->subnet_id, ret_sn->id, sizeof(tmpl->subnet_id));
	bh_strlcpy(tmpl->vpc_id, ret_sn->vpc_id, sizeof(tmpl->vpc_id));
	bh_strlcpy(tmpl->availability_zone, ret_sn->availability_zone, sizeof(tmpl->availability_zone));
	return 0;
}

static const struct security_group *default_group(const struct sg_list *groups, const char *vpc_id)
{
	size_t i;

	for (i = 0; i < groups->count; i++)
		if (groups->items[i].is_default && strcmp(groups->items[i].vpc_id, vpc_id) == 0)
			return &groups->items[i];
	return NULL;
}

/* The groups named, else the network's "default" group. A VPC has had
 * one since it was made; the public network's is made on the account's
 * first launch there, with the same rules. */
static int launch_groups(struct request *r, const struct launch *l, struct eni *tmpl)
{
	struct sg_list groups = { 0 };
	const struct security_group *def;
	int rc;

	rc = store_sg_list(r->tx, &groups);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	if (l->ngroup_ids || l->ngroup_names) {
		rc = eni_groups_resolve(r, tmpl->vpc_id, tmpl->subnet_id, &groups, l->group_ids, l->ngroup_ids,
					l->group_names, l->ngroup_names, tmpl);
		goto out;
	}
	def = default_group(&groups, tmpl->vpc_id);
	if (!def && !tmpl->vpc_id[0]) {
		rc = sg_create_default(r, "");
		if (rc < 0)
			goto out;
		list_release(&groups);
		rc = store_sg_list(r->tx, &groups);
		if (rc < 0) {
			rc = request_store_error(r, rc);
			goto out;
		}
		def = default_group(&groups, "");
	}
	if (!def) {
		rc = diag_set(&r->diag, "InvalidGroup.NotFound", "The security group 'default' does not exist in VPC '%s'",
			      tmpl->vpc_id);
		goto out;
	}
	tmpl->group_count = 1;
	bh_strlcpy(tmpl->group_ids[0], def->id, sizeof(tmpl->group_ids[0]));
out:
	list_release(&groups);
	return rc;
}

/* How many instances this launch makes: MaxCount, clamped by the
 * per-call cap, the account's limit and the free addresses; an error when
 * that is below MinCount. */
static int launch_count(struct request *r, const struct launch *l, const struct instance_list *all,
			const struct eni_addresses *a, long *ret)
{
	long active = 0, room, count;
	size_t i, free_addrs;

	for (i = 0; i < all->count; i++)
		active += strcmp(all->items[i].state, BH_STATE_TERMINATED) != 0 &&
			  strcmp(all->items[i].state, BH_STATE_SHUTTING_DOWN) != 0;
	room = BH_MAX_INSTANCES_PER_ACCOUNT - active;
	if (room < 0)
		room = 0;
	if (room > BH_MAX_INSTANCES_PER_RUN)
		room = BH_MAX_INSTANCES_PER_RUN;
	if (l->min_count > room)
		return diag_set(&r->diag, "InstanceLimitExceeded",
				"You have requested more instances (%ld) than your current instance limit allows: %ld more (at most %d per account, %d per request).",
				l->min_count, room, BH_MAX_INSTANCES_PER_ACCOUNT, BH_MAX_INSTANCES_PER_RUN);
	count = l->max_count < room ? l->max_count : room;
	free_addrs = eni_addresses_free(a);
	if ((size_t)l->min_count > free_addrs) {
		if (a->public_net)
			return diag_set(&r->diag, "InsufficientAddressCapacity",
					"There are not enough free addresses in %s to satisfy the request.",
					ENI_PUBLIC_NET_NAME);
		if (ipv4_free_count(&a->private_range, &a->private_used) < (size_t)l->min_count)
			return diag_set(&r->diag, "InsufficientFreeAddressesInSubnet",
					"There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.",
					l->subnet_id);
		return diag_set(&r->diag, "InsufficientAddressCapacity",
				"There are not enough free public addresses to satisfy the request.");
	}
	if ((size_t)count > free_addrs)
		count = (long)free_addrs;
	*ret = count;
	return 0;
}

/* ------------------------------------------------------------------ */
/* RunInstances */

/* Answer the reservation reservation_id as it stands now. */
static int reservation_answer(struct request *r, const char *reservation_id)
{
	struct instance_world w = { 0 };
	const struct instance **items = NULL;
	size_t i, n = 0;
	int rc;

	rc = instance_world_load(r, &w);
	if (rc < 0)
		goto out;
	items = calloc(w.instances.count + 1, sizeof(*items));
	if (!items) {
		rc = diag_set_status(&r->diag, 500, "InternalError", "Out of memory");
		goto out;
	}
	/* The store lists by id; launch order is amiLaunchIndex. */
	for (i = 0; i < w.instances.count; i++)
		if (strcmp(w.instances.items[i].reservation_id, reservation_id) == 0)
			items[n++] = &w.instances.items[i];
	for (i = 1; i < n; i++) {
		const struct instance *x = items[i];
		size_t j = i;

		for (; j > 0 && items[j - 1]->launch_index > x->launch_index; j--)
			items[j] = items[j - 1];
		items[j] = x;
	}
	instance_reservation_xml(r, &w, items, n);
out:
	free(items);
	instance_world_release(&w);
	return rc;
}

/* A ClientToken seen before answers its reservation again, launching
 * nothing (parameters are not compared, unlike EC2's
 * IdempotentParameterMismatch). */
static int launch_find_token(const struct instance_list *all, const char *token, char ret[BH_MAX_ID])
{
	size_t i;

	for (i = 0; token && i < all->count; i++) {
		if (strcmp(all->items[i].client_token, token) == 0) {
			bh_strlcpy(ret, all->items[i].reservation_id, BH_MAX_ID);
			return 1;
		}
	}
	return 0;
}

/* Make one instance and its primary interface from the template. */
static int launch_one(struct request *r, const struct launch *l, const struct eni *tmpl, struct eni_addresses *a,
		      const char *reservation_id, int index)
{
	struct instance in = { 0 };
	struct eni e = *tmpl;
	int rc;

	rc = id_generate("i", in.id);
	if (rc == 0)
		rc = id_generate("eni", e.id);
	if (rc < 0)
		return diag_set_status(&r->diag, 500, "InternalError", "An internal error has occurred (id generation)");
	rc = eni_addresses_take(r, a, index == 0 ? l->private_ip : NULL, &e);
	if (rc < 0)
		return rc;
	bh_strlcpy(in.reservation_id, reservation_id, sizeof(in.reservation_id));
	bh_strlcpy(in.image_id, INSTANCE_IMAGE_ID, sizeof(in.image_id));
	bh_strlcpy(in.instance_type, l->instance_type, sizeof(in.instance_type));
	bh_strlcpy(in.subnet_id, tmpl->subnet_id, sizeof(in.subnet_id));
	bh_strlcpy(in.vpc_id, tmpl->vpc_id, sizeof(in.vpc_id));
	bh_strlcpy(in.availability_zone, tmpl->availability_zone, sizeof(in.availability_zone));
	bh_strlcpy(in.state, BH_STATE_PENDING, sizeof(in.state));
	bh_strlcpy(in.eni_id, e.id, sizeof(in.eni_id));
	bh_strlcpy(in.client_token, l->client_token ? l->client_token : "", sizeof(in.client_token));
	in.launch_time = (long long)time(NULL);
	in.launch_index = index;
	bh_strlcpy(e.instance_id, in.id, sizeof(e.instance_id));
	rc = store_instance_insert(r->tx, &in);
	if (rc == 0)
		rc = store_eni_insert(r->tx, &e);
	if (rc < 0)
		return request_store_error(r, rc);
	request_note_resource(r, in.id);
	rc = launch_tags_apply(r, "instance", in.id);
	if (rc == 0)
		rc = launch_tags_apply(r, "network-interface", e.id);
	return rc;
}

int handle_run_instances(struct request *r)
{
	struct instance_list all = { 0 };
	struct eni_addresses addrs = { 0 };
	struct launch *l = NULL;
	struct subnet sn = { 0 };
	struct eni tmpl = { .source_dest_check = true };
	char reservation_id[BH_MAX_ID];
	long count = 0, i;
	bool want_public;
	int rc;

	l = calloc(1, sizeof(*l));
	if (!l) {
		rc = diag_set_status(&r->diag, 500, "InternalError", "Out of memory");
		goto out;
	}
	rc = launch_parse(r, l);
	if (rc == 0)
		rc = launch_tags_check(r);
	if (rc < 0)
		goto out;
	rc = store_instance_list(r->tx, &all);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	if (launch_find_token(&all, l->client_token, reservation_id)) {
		rc = reservation_answer(r, reservation_id);
		goto out;
	}
	if (strcmp(params_get(&r->params, "ImageId"), INSTANCE_IMAGE_ID) != 0) {
		rc = diag_set(&r->diag, "InvalidAMIID.NotFound", "The image id '[%.64s]' does not exist",
			      params_get(&r->params, "ImageId"));
		goto out;
	}
	rc = launch_place(r, l, &sn, &tmpl);
	if (rc == 0)
		rc = launch_groups(r, l, &tmpl);
	if (rc < 0)
		goto out;
	if (l->description)
		bh_strlcpy(tmpl.description, l->description, sizeof(tmpl.description));
	want_public = l->associate_public >= 0 ? l->associate_public == 1 : sn.map_public_ip_on_launch;
	rc = eni_addresses_load(r, l->subnet_id ? &sn : NULL, want_public, &addrs);
	if (rc == 0)
		rc = launch_count(r, l, &all, &addrs, &count);
	if (rc < 0)
		goto out;
	rc = id_generate("r", reservation_id);
	if (rc < 0) {
		rc = diag_set_status(&r->diag, 500, "InternalError", "An internal error has occurred (id generation)");
		goto out;
	}
	for (i = 0; i < count && rc == 0; i++)
		rc = launch_one(r, l, &tmpl, &addrs, reservation_id, (int)i);
	if (rc == 0)
		rc = eni_subnet_recount(r, tmpl.subnet_id);
	if (rc == 0)
		rc = reservation_answer(r, reservation_id);
out:
	free(l);
	list_release(&all);
	eni_addresses_release(&addrs);
	return rc;
}
