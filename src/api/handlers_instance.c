/* handlers_instance.c - instances: DescribeInstances, the state changes
 * (Terminate, Stop, Start), ModifyInstanceAttribute, the one built-in
 * image DescribeImages lists, and the reservation XML RunInstances
 * (instance_launch.c) answers with. */
#include "api/handlers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/describe.h"
#include "api/eni.h"
#include "api/instance.h"
#include "api/xml.h"
#include "model/ids.h"

static const char *const instance_filters[] = {
	"instance-id", "instance-state-name", "instance-state-code", "subnet-id", "vpc-id", "private-ip-address",
	"ip-address", "instance-type", "image-id", "availability-zone", "reservation-id", "owner-id",
	"private-dns-name", "launch-index", "architecture", "root-device-type", "virtualization-type", "tenancy",
	"client-token", "source-dest-check", "group-id", "group-name", "instance.group-id", "instance.group-name",
	"network-interface.network-interface-id", "network-interface.mac-address",
	"network-interface.addresses.private-ip-address", "network-interface.subnet-id", "network-interface.vpc-id",
	"network-interface.status", "network-interface.source-dest-check", "monitoring-state", NULL,
};

static const struct {
	const char *name;
	int code;
} instance_states[] = {
	{ BH_STATE_PENDING, 0 }, { BH_STATE_RUNNING, 16 }, { BH_STATE_SHUTTING_DOWN, 32 },
	{ BH_STATE_TERMINATED, 48 }, { BH_STATE_STOPPING, 64 }, { BH_STATE_STOPPED, 80 },
};

static int state_code(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(instance_states) / sizeof(instance_states[0]); i++)
		if (strcmp(instance_states[i].name, name) == 0)
			return instance_states[i].code;
	return 0;
}

static void state_xml(struct request *r, const char *tag, const char *state)
{
	xml_open(r->out, tag);
	xml_long(r->out, "code", state_code(state));
	xml_text(r->out, "name", state);
	xml_close(r->out, tag);
}

bool instance_type_is_valid(const char *s)
{
	static const char *const families[] = { "t2", "t3", "t3a", "m5", NULL };
	const char *const *f;
	const char *dot = s ? strchr(s, '.') : NULL;
	size_t i;

	if (!dot || strlen(s) >= sizeof(((struct instance *)0)->instance_type))
		return false;
	for (f = families; *f; f++)
		if ((size_t)(dot - s) == strlen(*f) && strncmp(s, *f, strlen(*f)) == 0)
			break;
	if (!*f || !dot[1])
		return false;
	for (i = 1; dot[i]; i++)
		if (!((dot[i] >= 'a' && dot[i] <= 'z') || (dot[i] >= '0' && dot[i] <= '9')))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* what Describe and the state changes read */

int instance_world_load(struct request *r, struct instance_world *w)
{
	int rc;

	rc = store_instance_list(r->tx, &w->instances);
	if (rc == 0)
		rc = store_eni_list(r->tx, &w->enis);
	if (rc == 0)
		rc = store_sg_list(r->tx, &w->groups);
	if (rc == 0)
		rc = store_address_list(r->tx, &w->addresses);
	if (rc == 0)
		rc = store_tag_list(r->tx, NULL, &w->tags);
	return rc < 0 ? request_store_error(r, rc) : 0;
}

void instance_world_release(struct instance_world *w)
{
	list_release(&w->instances);
	list_release(&w->enis);
	list_release(&w->groups);
	list_release(&w->addresses);
	list_release(&w->tags);
}

static const struct eni *world_eni(const struct instance_world *w, const struct instance *in)
{
	size_t i;

	for (i = 0; in->eni_id[0] && i < w->enis.count; i++)
		if (strcmp(w->enis.items[i].id, in->eni_id) == 0)
			return &w->enis.items[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* XML */

static void instance_xml(struct request *r, const struct instance *in, const struct instance_world *w)
{
	const struct eni_view v = { .groups = &w->groups, .addresses = &w->addresses, .tags = &w->tags };
	const struct eni *e = world_eni(w, in);
	bool terminated = strcmp(in->state, BH_STATE_TERMINATED) == 0;
	bool user_stopped = !terminated && strcmp(in->state, BH_STATE_PENDING) != 0 &&
			    strcmp(in->state, BH_STATE_RUNNING) != 0;
	char dns[ENI_DNS_NAME], when[API_TIME_ISO];
	const struct address *eip;
	const char *public_ip = e ? eni_public_ip(e, &v, &eip) : "";

	eni_private_dns_name(r, e ? e->private_ip : "", dns);
	api_time_iso8601(in->launch_time, when);
	xml_text(r->out, "instanceId", in->id);
	xml_text(r->out, "imageId", in->image_id);
	state_xml(r, "instanceState", in->state);
	xml_text(r->out, "privateDnsName", dns);
	/* No DNS server answers for public names: none is made up. */
	xml_text(r->out, "dnsName", "");
	xml_text(r->out, "reason", terminated || user_stopped ? "User initiated" : "");
	xml_long(r->out, "amiLaunchIndex", in->launch_index);
	xml_open(r->out, "productCodes");
	xml_close(r->out, "productCodes");
	xml_text(r->out, "instanceType", in->instance_type);
	xml_text(r->out, "launchTime", when);
	xml_open(r->out, "placement");
	xml_text(r->out, "availabilityZone", in->availability_zone);
	xml_text(r->out, "groupName", "");
	xml_text(r->out, "tenancy", "default");
	xml_close(r->out, "placement");
	xml_open(r->out, "monitoring");
	xml_text(r->out, "state", "disabled");
	xml_close(r->out, "monitoring");
	/* As in EC2, a terminated instance has left its network. */
	if (!terminated && in->subnet_id[0]) {
		xml_text(r->out, "subnetId", in->subnet_id);
		xml_text(r->out, "vpcId", in->vpc_id);
	}
	if (e) {
		xml_text(r->out, "privateIpAddress", e->private_ip);
		if (public_ip[0])
			xml_text(r->out, "ipAddress", public_ip);
		xml_bool(r->out, "sourceDestCheck", e->source_dest_check);
	}
	if (e) {
		eni_group_set_xml(r, e, &w->groups);
	} else {
		xml_open(r->out, "groupSet");
		xml_close(r->out, "groupSet");
	}
	if (terminated || user_stopped) {
		xml_open(r->out, "stateReason");
		xml_text(r->out, "code", "Client.UserInitiatedShutdown");
		xml_text(r->out, "message", "Client.UserInitiatedShutdown: User initiated shutdown");
		xml_close(r->out, "stateReason");
	}
	xml_text(r->out, "architecture", INSTANCE_ARCHITECTURE);
	xml_text(r->out, "rootDeviceType", "ebs");
	xml_text(r->out, "rootDeviceName", "/dev/xvda");
	xml_open(r->out, "blockDeviceMapping");
	xml_close(r->out, "blockDeviceMapping");
	xml_text(r->out, "virtualizationType", "hvm");
	if (in->client_token[0])
		xml_text(r->out, "clientToken", in->client_token);
	xml_tag_set(r->out, &w->tags, in->id);
	xml_text(r->out, "hypervisor", "xen");
	xml_open(r->out, "networkInterfaceSet");
	if (e) {
		xml_open(r->out, "item");
		eni_xml(r, e, in, &v, ENI_SHAPE_INSTANCE);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "networkInterfaceSet");
	xml_bool(r->out, "ebsOptimized", false);
	xml_bool(r->out, "enaSupport", true);
	xml_text(r->out, "platformDetails", "Linux/UNIX");
	xml_text(r->out, "usageOperation", "RunInstances");
}

void instance_reservation_xml(struct request *r, const struct instance_world *w, const struct instance *const *items,
			      size_t count)
{
	size_t i;

	if (count == 0)
		return;
	xml_text(r->out, "reservationId", items[0]->reservation_id);
	xml_text(r->out, "ownerId", r->account_id);
	/* VPC instances carry their groups on each instance, not here. */
	xml_open(r->out, "groupSet");
	xml_close(r->out, "groupSet");
	xml_open(r->out, "instancesSet");
	for (i = 0; i < count; i++) {
		xml_open(r->out, "item");
		instance_xml(r, items[i], w);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "instancesSet");
}

/* ------------------------------------------------------------------ */
/* DescribeInstances */

static void instance_fields(struct request *r, const struct instance *in, const struct instance_world *w,
			    struct fieldset *fs, char dns[ENI_DNS_NAME])
{
	const struct eni_view v = { .groups = &w->groups, .addresses = &w->addresses, .tags = &w->tags };
	const struct eni *e = world_eni(w, in);
	bool terminated = strcmp(in->state, BH_STATE_TERMINATED) == 0;
	size_t i, k;

	fieldset_init(fs, &w->tags, in->id);
	fieldset_add(fs, "instance-id", in->id);
	fieldset_add(fs, "instance-state-name", in->state);
	fieldset_add_long(fs, "instance-state-code", state_code(in->state));
	fieldset_add(fs, "instance-type", in->instance_type);
	fieldset_add(fs, "image-id", in->image_id);
	fieldset_add(fs, "availability-zone", in->availability_zone);
	fieldset_add(fs, "reservation-id", in->reservation_id);
	fieldset_add(fs, "owner-id", r->account_id);
	fieldset_add_long(fs, "launch-index", in->launch_index);
	fieldset_add(fs, "architecture", INSTANCE_ARCHITECTURE);
	fieldset_add(fs, "root-device-type", "ebs");
	fieldset_add(fs, "virtualization-type", "hvm");
	fieldset_add(fs, "tenancy", "default");
	fieldset_add(fs, "monitoring-state", "disabled");
	fieldset_add(fs, "client-token", in->client_token);
	if (!terminated && in->subnet_id[0]) {
		fieldset_add(fs, "subnet-id", in->subnet_id);
		fieldset_add(fs, "vpc-id", in->vpc_id);
	}
	if (!e)
		return;
	eni_private_dns_name(r, e->private_ip, dns);
	fieldset_add(fs, "private-ip-address", e->private_ip);
	fieldset_add(fs, "private-dns-name", dns);
	fieldset_add(fs, "ip-address", eni_public_ip(e, &v, &(const struct address *){ NULL }));
	fieldset_add_bool(fs, "source-dest-check", e->source_dest_check);
	fieldset_add(fs, "network-interface.network-interface-id", e->id);
	fieldset_add(fs, "network-interface.mac-address", e->mac);
	fieldset_add(fs, "network-interface.addresses.private-ip-address", e->private_ip);
	fieldset_add(fs, "network-interface.subnet-id", e->subnet_id);
	fieldset_add(fs, "network-interface.vpc-id", e->vpc_id);
	fieldset_add(fs, "network-interface.status", "in-use");
	fieldset_add_bool(fs, "network-interface.source-dest-check", e->source_dest_check);
	for (i = 0; i < e->group_count; i++) {
		const char *name = NULL;

		for (k = 0; k < w->groups.count && !name; k++)
			if (strcmp(w->groups.items[k].id, e->group_ids[i]) == 0)
				name = w->groups.items[k].name;
		fieldset_add(fs, "group-id", e->group_ids[i]);
		fieldset_add(fs, "instance.group-id", e->group_ids[i]);
		fieldset_add(fs, "group-name", name);
		fieldset_add(fs, "instance.group-name", name);
	}
}

static int by_reservation(const void *a, const void *b)
{
	const struct instance *x = *(const struct instance *const *)a;
	const struct instance *y = *(const struct instance *const *)b;
	int c = strcmp(x->reservation_id, y->reservation_id);

	return c ? c : strcmp(x->id, y->id);
}

static int instance_not_found(struct request *r, const char *id)
{
	return diag_set(&r->diag, "InvalidInstanceID.NotFound", "The instance ID '%.64s' does not exist", id);
}

/* Paging counts reservations, never splitting one, so each reservation is
 * answered whole on one page (MaxResults bounds reservations, not
 * instances). */
int handle_describe_instances(struct request *r)
{
	const struct instance **sorted = NULL, **page = NULL;
	const char **ids = NULL;
	struct instance_world w = { 0 };
	struct filters *fl = NULL;
	const char *missing;
	struct paging pg;
	size_t nids = 0, i, start;
	int rc;

	ids = calloc(BH_MAX_LIST_ITEMS, sizeof(*ids));
	fl = calloc(1, sizeof(*fl));
	if (!ids || !fl) {
		rc = diag_set_status(&r->diag, 500, "InternalError", "Out of memory");
		goto out;
	}
	rc = describe_ids_parse(r, "InstanceId", "i", "InvalidInstanceID.Malformed", ids, &nids);
	if (rc < 0)
		goto out;
	rc = filters_parse(r, instance_filters, fl);
	if (rc == 0)
		rc = paging_parse(r, BH_MIN_RESULTS, BH_MAX_RESULTS, &pg);
	if (rc == 0)
		rc = describe_ids_unpaged(r, nids, pg.max_results || pg.after_id[0], "instancesSet");
	if (rc < 0)
		goto out;
	rc = instance_world_load(r, &w);
	if (rc < 0)
		goto out;
	missing = ids_first_missing(ids, nids, w.instances.items, w.instances.count, sizeof(*w.instances.items),
				    offsetof(struct instance, id));
	if (missing) {
		rc = instance_not_found(r, missing);
		goto out;
	}
	sorted = calloc(w.instances.count + 1, sizeof(*sorted));
	page = calloc(w.instances.count + 1, sizeof(*page));
	if (!sorted || !page) {
		rc = diag_set_status(&r->diag, 500, "InternalError", "Out of memory");
		goto out;
	}
	for (i = 0; i < w.instances.count; i++)
		sorted[i] = &w.instances.items[i];
	qsort(sorted, w.instances.count, sizeof(*sorted), by_reservation);

	xml_open(r->out, "reservationSet");
	for (start = 0; start < w.instances.count && !pg.truncated; start = i) {
		size_t matched = 0;

		for (i = start; i < w.instances.count &&
				strcmp(sorted[i]->reservation_id, sorted[start]->reservation_id) == 0;
		     i++) {
			char dns[ENI_DNS_NAME];
			struct fieldset fs;

			if (nids && !ids_contain(ids, nids, sorted[i]->id))
				continue;
			instance_fields(r, sorted[i], &w, &fs, dns);
			if (filters_match(fl, &fs))
				page[matched++] = sorted[i];
		}
		if (matched == 0 || !paging_take(&pg, sorted[start]->reservation_id))
			continue;
		xml_open(r->out, "item");
		instance_reservation_xml(r, &w, page, matched);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "reservationSet");
	paging_write_token(r, &pg);
out:
	free(ids);
	free(fl);
	free(sorted);
	free(page);
	instance_world_release(&w);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Terminate, Stop, Start */

enum transition { TO_TERMINATE, TO_STOP, TO_START };

/* The state an instance moves to, or NULL when it cannot (the state it is
 * already heading for is no change, as in EC2). */
static const char *transition_target(enum transition t, const char *from)
{
	bool active = strcmp(from, BH_STATE_PENDING) == 0 || strcmp(from, BH_STATE_RUNNING) == 0;
	bool stopped = strcmp(from, BH_STATE_STOPPED) == 0 || strcmp(from, BH_STATE_STOPPING) == 0;

	switch (t) {
	case TO_TERMINATE:
		if (strcmp(from, BH_STATE_TERMINATED) == 0 || strcmp(from, BH_STATE_SHUTTING_DOWN) == 0)
			return from;
		return BH_STATE_SHUTTING_DOWN;
	case TO_STOP:
		if (active)
			return BH_STATE_STOPPING;
		return stopped ? from : NULL;
	case TO_START:
		if (strcmp(from, BH_STATE_STOPPED) == 0)
			return BH_STATE_PENDING;
		return active ? from : NULL;
	}
	return NULL;
}

/* An Elastic IP stays allocated when its instance goes, but no longer
 * points at it (the address family's rows are disassociated here). */
static int addresses_disassociate(struct request *r, const struct instance *in)
{
	struct address_list addrs = { 0 };
	size_t i;
	int rc;

	rc = store_address_list(r->tx, &addrs);
	for (i = 0; rc == 0 && i < addrs.count; i++) {
		struct address *a = &addrs.items[i];

		if (strcmp(a->instance_id, in->id) != 0 && !(in->eni_id[0] && strcmp(a->eni_id, in->eni_id) == 0))
			continue;
		a->association_id[0] = a->instance_id[0] = a->eni_id[0] = a->private_ip[0] = '\0';
		rc = store_address_update(r->tx, a);
	}
	list_release(&addrs);
	return rc;
}

/* Termination frees the network at once: the primary interface (and with
 * it the private and any auto-assigned public address) is deleted now,
 * not when the agent reports the instance gone, so the address can be
 * reused and the subnet deleted; the agent removes the kernel state of any
 * instance that is neither pending nor running. */
static int instance_release_network(struct request *r, struct instance *in)
{
	char eni_id[BH_MAX_ID];
	int rc;

	rc = addresses_disassociate(r, in);
	if (rc < 0)
		return request_store_error(r, rc);
	bh_strlcpy(eni_id, in->eni_id, sizeof(eni_id));
	in->eni_id[0] = '\0';
	rc = store_instance_update(r->tx, in);
	if (rc == 0 && eni_id[0]) {
		rc = store_tag_delete_resource(r->tx, eni_id);
		if (rc == 0)
			rc = store_eni_delete(r->tx, eni_id);
		if (rc == -ENOENT)
			rc = 0;
	}
	if (rc < 0)
		return request_store_error(r, rc);
	return eni_subnet_recount(r, in->subnet_id);
}

static int transition_refused(struct request *r, enum transition t, const struct instance *in)
{
	return diag_set(&r->diag, "IncorrectInstanceState",
			"The instance '%s' is not in a state from which it can be %s.", in->id,
			t == TO_STOP ? "stopped" : "started");
}

static int instances_transition(struct request *r, enum transition t)
{
	const char **ids = NULL;
	struct instance *before = NULL, *after = NULL;
	size_t nids = 0, i;
	int rc;

	ids = calloc(BH_MAX_LIST_ITEMS, sizeof(*ids));
	if (!ids) {
		rc = diag_set_status(&r->diag, 500, "InternalError", "Out of memory");
		goto out;
	}
	rc = ids_parse(r, "InstanceId", "i", "InvalidInstanceID.Malformed", ids, BH_MAX_LIST_ITEMS, &nids);
	if (rc < 0)
		goto out;
	if (nids == 0) {
		rc = diag_set(&r->diag, "MissingParameter", "The request must contain the parameter InstanceId");
		goto out;
	}
	before = calloc(nids, sizeof(*before));
	after = calloc(nids, sizeof(*after));
	if (!before || !after) {
		rc = diag_set_status(&r->diag, 500, "InternalError", "Out of memory");
		goto out;
	}
	/* All or nothing: every id is checked before anything changes (the
	 * transaction rolls back on the first refusal anyway). */
	for (i = 0; i < nids; i++) {
		const char *to;

		request_note_resource(r, ids[i]);
		rc = store_instance_get(r->tx, ids[i], &before[i]);
		if (rc == -ENOENT) {
			rc = instance_not_found(r, ids[i]);
			goto out;
		}
		if (rc < 0) {
			rc = request_store_error(r, rc);
			goto out;
		}
		to = transition_target(t, before[i].state);
		if (!to) {
			rc = transition_refused(r, t, &before[i]);
			goto out;
		}
		after[i] = before[i];
		bh_strlcpy(after[i].state, to, sizeof(after[i].state));
	}
	for (i = 0; i < nids; i++) {
		if (ids_contain(ids, i, ids[i]) || strcmp(after[i].state, before[i].state) == 0)
			continue;
		if (t == TO_TERMINATE) {
			rc = instance_release_network(r, &after[i]);
		} else {
			rc = store_instance_update(r->tx, &after[i]);
			if (rc < 0)
				rc = request_store_error(r, rc);
		}
		if (rc < 0)
			goto out;
	}
	xml_open(r->out, "instancesSet");
	for (i = 0; i < nids; i++) {
		if (ids_contain(ids, i, ids[i]))
			continue;
		xml_open(r->out, "item");
		xml_text(r->out, "instanceId", after[i].id);
		state_xml(r, "currentState", after[i].state);
		state_xml(r, "previousState", before[i].state);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "instancesSet");
out:
	free(ids);
	free(before);
	free(after);
	return rc;
}

int handle_terminate_instances(struct request *r)
{
	return instances_transition(r, TO_TERMINATE);
}

int handle_stop_instances(struct request *r)
{
	bool force = false, hibernate = false;
	int rc;

	/* Force changes nothing: a namespace stops at once either way. */
	rc = params_bool(&r->params, "Force", &force, &r->diag);
	if (rc == 0)
		rc = params_bool(&r->params, "Hibernate", &hibernate, &r->diag);
	if (rc < 0)
		return rc;
	if (hibernate)
		return diag_set(&r->diag, "UnsupportedHibernationConfiguration",
				"The instance was not launched with hibernation enabled.");
	return instances_transition(r, TO_STOP);
}

int handle_start_instances(struct request *r)
{
	return instances_transition(r, TO_START);
}

/* ------------------------------------------------------------------ */
/* ModifyInstanceAttribute */

/* Attributes EC2 has and bulkhead has nothing behind. */
static const char *const unsupported_attributes[] = {
	"DisableApiTermination", "DisableApiStop", "EbsOptimized", "EnaSupport", "InstanceInitiatedShutdownBehavior",
	"Kernel", "Ramdisk", "SriovNetSupport", "UserData", NULL,
};

enum instance_attr { ATTR_NONE, ATTR_GROUPS, ATTR_SOURCE_DEST_CHECK, ATTR_INSTANCE_TYPE, ATTR_UNSUPPORTED };

/* Which one attribute the request changes, and its value (NULL for
 * groups): the structured form (SourceDestCheck.Value, GroupId.N ...) or
 * the older Attribute=/Value= pair. */
static int instance_attr_pick(struct request *r, enum instance_attr *ret, const char **ret_value)
{
	const char *attribute = params_get(&r->params, "Attribute");
	const char *value = params_get(&r->params, "Value");
	const char *sdc = params_get(&r->params, "SourceDestCheck.Value");
	const char *type = params_get(&r->params, "InstanceType.Value");
	bool groups = params_get(&r->params, "GroupId.1") != NULL;
	const char *const *a;
	int named;

	named = groups + (sdc != NULL) + (type != NULL) + (attribute != NULL);
	*ret = ATTR_NONE;
	for (a = unsupported_attributes; *a; a++) {
		if (params_getf(&r->params, "%s.Value", *a)) {
			named++;
			*ret = ATTR_UNSUPPORTED;
		}
	}
	if (named == 0)
		return diag_set(&r->diag, "MissingParameter",
				"The request must contain one of GroupId, SourceDestCheck, InstanceType or Attribute");
	if (named > 1 && !(attribute && groups && named == 2 && strcmp(attribute, "groupSet") == 0))
		return diag_set(&r->diag, "InvalidParameterCombination", "Only one attribute can be modified at a time");
	if (*ret == ATTR_UNSUPPORTED)
		return diag_set(&r->diag, "InvalidParameterValue", "This attribute is not supported by this endpoint");
	*ret_value = NULL;
	if (groups) {
		*ret = ATTR_GROUPS;
	} else if (sdc || type) {
		*ret = sdc ? ATTR_SOURCE_DEST_CHECK : ATTR_INSTANCE_TYPE;
		*ret_value = sdc ? sdc : type;
	} else if (strcmp(attribute, "sourceDestCheck") == 0 || strcmp(attribute, "instanceType") == 0) {
		if (!value)
			return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter Value");
		*ret = attribute[0] == 's' ? ATTR_SOURCE_DEST_CHECK : ATTR_INSTANCE_TYPE;
		*ret_value = value;
	} else if (strcmp(attribute, "groupSet") == 0) {
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter GroupId");
	} else {
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value (%.64s) for parameter attribute is invalid. This attribute is not supported by this endpoint.",
				attribute);
	}
	return 0;
}

static int instance_param_get(struct request *r, struct instance *ret)
{
	const char *id;
	int rc;

	rc = id_param_parse(r, "InstanceId", "i", "InvalidInstanceID.Malformed", &id);
	if (rc < 0)
		return rc;
	rc = store_instance_get(r->tx, id, ret);
	if (rc == -ENOENT)
		return instance_not_found(r, id);
	return rc < 0 ? request_store_error(r, rc) : 0;
}

/* Groups and SourceDestCheck live on the primary interface, which a
 * terminated (or terminating) instance no longer has. */
static int instance_eni_get(struct request *r, const struct instance *in, struct eni *ret)
{
	int rc;

	if (!in->eni_id[0])
		return diag_set(&r->diag, "IncorrectInstanceState",
				"The instance '%s' is not in a state from which its network can be changed.", in->id);
	rc = store_eni_get(r->tx, in->eni_id, ret);
	if (rc < 0)
		return request_store_error(r, rc);
	return 0;
}

int handle_modify_instance_attribute(struct request *r)
{
	enum instance_attr attr = ATTR_NONE;
	const char *value = NULL;
	struct instance in;
	struct eni e;
	int rc;

	rc = instance_param_get(r, &in);
	if (rc == 0)
		rc = instance_attr_pick(r, &attr, &value);
	if (rc < 0)
		return rc;
	if (attr == ATTR_INSTANCE_TYPE) {
		if (!instance_type_is_valid(value))
			return diag_set(&r->diag, "InvalidParameterValue", "Invalid value '%.64s' for InstanceType.", value);
		if (strcmp(in.state, BH_STATE_STOPPED) != 0)
			return diag_set(&r->diag, "IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.",
					in.id);
		bh_strlcpy(in.instance_type, value, sizeof(in.instance_type));
		rc = store_instance_update(r->tx, &in);
	} else {
		rc = instance_eni_get(r, &in, &e);
		if (rc < 0)
			return rc;
		if (attr == ATTR_GROUPS) {
			rc = eni_groups_replace(r, "GroupId", &e);
		} else if (strcasecmp(value, "true") == 0 || strcasecmp(value, "false") == 0) {
			e.source_dest_check = strcasecmp(value, "true") == 0;
		} else {
			rc = diag_set(&r->diag, "InvalidParameterValue",
				      "Value (%.64s) for parameter sourceDestCheck is invalid. Expected a boolean.", value);
		}
		if (rc < 0)
			return rc;
		rc = store_eni_update(r->tx, &e);
	}
	if (rc < 0)
		return request_store_error(r, rc);
	xml_bool(r->out, "return", true);
	return 0;
}

/* ------------------------------------------------------------------ */
/* DescribeImages */

static const char *const image_filters[] = {
	"image-id", "name", "state", "architecture", "description", "owner-id", "owner-alias", "is-public",
	"image-type", "root-device-type", "root-device-name", "virtualization-type", "hypervisor", "platform-details",
	NULL,
};

/* Owner.N names the image's owner by id, by alias, or as "bulkhead";
 * "self" and account ids are the caller's own images, of which there are
 * none. */
static bool image_owner_matches(const char *const *owners, size_t count)
{
	size_t i;

	if (count == 0)
		return true;
	for (i = 0; i < count; i++)
		if (strcmp(owners[i], INSTANCE_IMAGE_OWNER_ID) == 0 || strcmp(owners[i], INSTANCE_IMAGE_OWNER_ALIAS) == 0 ||
		    strcmp(owners[i], "bulkhead") == 0)
			return true;
	return false;
}

static void image_xml(struct request *r)
{
	xml_text(r->out, "imageId", INSTANCE_IMAGE_ID);
	xml_text(r->out, "imageLocation", INSTANCE_IMAGE_OWNER_ALIAS "/" INSTANCE_IMAGE_NAME);
	xml_text(r->out, "imageState", "available");
	xml_text(r->out, "imageOwnerId", INSTANCE_IMAGE_OWNER_ID);
	xml_text(r->out, "imageOwnerAlias", INSTANCE_IMAGE_OWNER_ALIAS);
	xml_text(r->out, "creationDate", INSTANCE_IMAGE_CREATED);
	xml_bool(r->out, "isPublic", true);
	xml_text(r->out, "architecture", INSTANCE_ARCHITECTURE);
	xml_text(r->out, "imageType", "machine");
	xml_text(r->out, "name", INSTANCE_IMAGE_NAME);
	xml_text(r->out, "description", INSTANCE_IMAGE_DESCRIPTION);
	xml_text(r->out, "rootDeviceType", "ebs");
	xml_text(r->out, "rootDeviceName", "/dev/xvda");
	xml_open(r->out, "blockDeviceMapping");
	xml_close(r->out, "blockDeviceMapping");
	xml_text(r->out, "virtualizationType", "hvm");
	xml_text(r->out, "hypervisor", "xen");
	xml_bool(r->out, "enaSupport", true);
	xml_text(r->out, "platformDetails", "Linux/UNIX");
	xml_text(r->out, "usageOperation", "RunInstances");
	xml_open(r->out, "tagSet");
	xml_close(r->out, "tagSet");
}

int handle_describe_images(struct request *r)
{
	const char **ids = NULL, **owners = NULL, **users = NULL;
	struct filters *fl = NULL;
	size_t nids = 0, nowners = 0, nusers = 0, i;
	bool deprecated = false;
	struct fieldset fs;
	int rc;

	ids = calloc(BH_MAX_LIST_ITEMS, sizeof(*ids));
	owners = calloc(BH_MAX_LIST_ITEMS, sizeof(*owners));
	users = calloc(BH_MAX_LIST_ITEMS, sizeof(*users));
	fl = calloc(1, sizeof(*fl));
	if (!ids || !owners || !users || !fl) {
		rc = diag_set_status(&r->diag, 500, "InternalError", "Out of memory");
		goto out;
	}
	rc = ids_parse(r, "ImageId", "ami", "InvalidAMIID.Malformed", ids, BH_MAX_LIST_ITEMS, &nids);
	if (rc == 0)
		rc = params_list_values(&r->params, "Owner", owners, BH_MAX_LIST_ITEMS, &nowners, &r->diag);
	/* ExecutableBy.N: the image is public, so executable by anyone. */
	if (rc == 0)
		rc = params_list_values(&r->params, "ExecutableBy", users, BH_MAX_LIST_ITEMS, &nusers, &r->diag);
	if (rc == 0)
		rc = params_bool(&r->params, "IncludeDeprecated", &deprecated, &r->diag);
	if (rc == 0)
		rc = filters_parse(r, image_filters, fl);
	if (rc < 0)
		goto out;
	for (i = 0; i < nids; i++) {
		request_note_resource(r, ids[i]);
		if (strcmp(ids[i], INSTANCE_IMAGE_ID) != 0) {
			rc = diag_set(&r->diag, "InvalidAMIID.NotFound", "The image id '[%.64s]' does not exist", ids[i]);
			goto out;
		}
	}
	fieldset_init(&fs, NULL, INSTANCE_IMAGE_ID);
	fieldset_add(&fs, "image-id", INSTANCE_IMAGE_ID);
	fieldset_add(&fs, "name", INSTANCE_IMAGE_NAME);
	fieldset_add(&fs, "state", "available");
	fieldset_add(&fs, "architecture", INSTANCE_ARCHITECTURE);
	fieldset_add(&fs, "description", INSTANCE_IMAGE_DESCRIPTION);
	fieldset_add(&fs, "owner-id", INSTANCE_IMAGE_OWNER_ID);
	fieldset_add(&fs, "owner-alias", INSTANCE_IMAGE_OWNER_ALIAS);
	fieldset_add(&fs, "is-public", "true");
	fieldset_add(&fs, "image-type", "machine");
	fieldset_add(&fs, "root-device-type", "ebs");
	fieldset_add(&fs, "root-device-name", "/dev/xvda");
	fieldset_add(&fs, "virtualization-type", "hvm");
	fieldset_add(&fs, "hypervisor", "xen");
	fieldset_add(&fs, "platform-details", "Linux/UNIX");
	xml_open(r->out, "imagesSet");
	if (image_owner_matches(owners, nowners) && filters_match(fl, &fs)) {
		xml_open(r->out, "item");
		image_xml(r);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "imagesSet");
out:
	free(ids);
	free(owners);
	free(users);
	free(fl);
	return rc;
}
