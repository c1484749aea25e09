/* handlers_tags.c - CreateTags, DeleteTags and DescribeTags across every
 * taggable resource type: which ids are taggable and how tags are listed. */
#include "api/handlers.h"

#include <errno.h>
#include <string.h>

#include "api/describe.h"
#include "api/xml.h"
#include "model/ids.h"

/* Digits of the running index DescribeTags pages by (see there). */
#define TAG_INDEX_DIGITS 10

struct taggable {
	const char *id_prefix;      /* "vpc" */
	const char *resource_type;  /* DescribeTags' resourceType */
	const char *not_found_code;
	const char *noun;           /* "The <noun> '<id>' does not exist" */
};

static const struct taggable taggables[] = {
	{ "vpc", "vpc", "InvalidVpcID.NotFound", "vpc ID" },
	{ "subnet", "subnet", "InvalidSubnetID.NotFound", "subnet ID" },
	{ "sg", "security-group", "InvalidGroup.NotFound", "security group" },
	{ "sgr", "security-group-rule", "InvalidSecurityGroupRuleId.NotFound", "security group rule ID" },
	{ "i", "instance", "InvalidInstanceID.NotFound", "instance ID" },
	{ "eni", "network-interface", "InvalidNetworkInterfaceID.NotFound", "networkInterface ID" },
	{ "rtb", "route-table", "InvalidRouteTableID.NotFound", "routeTable ID" },
	{ "igw", "internet-gateway", "InvalidInternetGatewayID.NotFound", "internetGateway ID" },
	{ "eipalloc", "elastic-ip", "InvalidAllocationID.NotFound", "allocation ID" },
};

#define TAGGABLE_COUNT (sizeof(taggables) / sizeof(taggables[0]))

static const char *const tag_filters[] = {
	"key", "value", "resource-id", "resource-type", NULL,
};

static const struct taggable *taggable_of(const char *id)
{
	size_t i;

	for (i = 0; i < TAGGABLE_COUNT; i++)
		if (id_is_valid(id, taggables[i].id_prefix))
			return &taggables[i];
	return NULL;
}

/* Does the caller own this resource? The store answers -ENOENT for another
 * account's id, so the error cannot tell the two apart. */
static int taggable_lookup(struct store_tx *tx, const struct taggable *t, const char *id)
{
	struct vpc v;
	struct subnet sn;
	struct security_group g;
	struct sg_rule rule;
	struct route_table rt;
	struct internet_gateway igw;
	struct address addr;
	struct instance in;
	struct eni e;

	if (strcmp(t->id_prefix, "rtb") == 0)
		return store_route_table_get(tx, id, &rt);
	if (strcmp(t->id_prefix, "igw") == 0)
		return store_igw_get(tx, id, &igw);
	if (strcmp(t->id_prefix, "eipalloc") == 0)
		return store_address_get(tx, id, &addr);
	if (strcmp(t->id_prefix, "i") == 0)
		return store_instance_get(tx, id, &in);
	if (strcmp(t->id_prefix, "eni") == 0)
		return store_eni_get(tx, id, &e);
	if (strcmp(t->id_prefix, "vpc") == 0)
		return store_vpc_get(tx, id, &v);
	if (strcmp(t->id_prefix, "subnet") == 0)
		return store_subnet_get(tx, id, &sn);
	if (strcmp(t->id_prefix, "sg") == 0)
		return store_sg_get(tx, id, &g);
	return store_sg_rule_get(tx, id, &rule);
}

/* Collect ResourceId.N (at least one) and check each is a resource of ours. */
static int tag_resources_parse(struct request *r, const char **ids, size_t *ret_count)
{
	size_t i;
	int rc;

	rc = params_list_values(&r->params, "ResourceId", ids, BH_MAX_LIST_ITEMS, ret_count, &r->diag);
	if (rc < 0)
		return rc;
	if (*ret_count == 0)
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter ResourceId");
	for (i = 0; i < *ret_count; i++) {
		const struct taggable *t = taggable_of(ids[i]);

		request_note_resource(r, ids[i]);
		if (!t)
			return diag_set(&r->diag, "InvalidID", "The ID '%.64s' is not valid", ids[i]);
		rc = taggable_lookup(r->tx, t, ids[i]);
		if (rc == -ENOENT)
			return diag_set(&r->diag, t->not_found_code, "The %s '%s' does not exist", t->noun, ids[i]);
		if (rc < 0)
			return request_store_error(r, rc);
	}
	return 0;
}

/* Checked after the writes (the transaction rolls back on error), so keys
 * that were replaced rather than added count once. */
static int tags_check_limit(struct request *r, const char *const *ids, size_t count)
{
	struct tag_list tags = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < count && rc == 0; i++) {
		rc = store_tag_list(r->tx, ids[i], &tags);
		if (rc < 0) {
			rc = request_store_error(r, rc);
			break;
		}
		if (tags.count > BH_MAX_TAGS_PER_RESOURCE)
			rc = diag_set(&r->diag, "TagLimitExceeded",
				      "The maximum number of tags per resource is %d", BH_MAX_TAGS_PER_RESOURCE);
		list_release(&tags);
	}
	list_release(&tags);
	return rc;
}

int handle_create_tags(struct request *r)
{
	const char *ids[BH_MAX_LIST_ITEMS];
	size_t nids = 0, ntags = 0, i, j;
	bool any = false;
	int rc;

	rc = tag_resources_parse(r, ids, &nids);
	if (rc < 0)
		return rc;
	rc = params_list_max(&r->params, "Tag.", &ntags, &r->diag);
	if (rc < 0)
		return rc;
	for (j = 1; j <= ntags; j++) {
		const char *key = params_getf(&r->params, "Tag.%zu.Key", j);
		const char *value = params_getf(&r->params, "Tag.%zu.Value", j);

		if (!key && !value)
			continue;
		rc = tag_validate(r, key, value);
		if (rc < 0)
			return rc;
		any = true;
		for (i = 0; i < nids; i++) {
			rc = tag_put(r, ids[i], key, value);
			if (rc < 0)
				return rc;
		}
	}
	if (!any)
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter Tag");
	rc = tags_check_limit(r, ids, nids);
	if (rc < 0)
		return rc;
	xml_bool(r->out, "return", true);
	return 0;
}

int handle_delete_tags(struct request *r)
{
	const char *ids[BH_MAX_LIST_ITEMS];
	size_t nids = 0, ntags = 0, i, j;
	bool any = false;
	int rc;

	rc = tag_resources_parse(r, ids, &nids);
	if (rc < 0)
		return rc;
	rc = params_list_max(&r->params, "Tag.", &ntags, &r->diag);
	if (rc < 0)
		return rc;
	for (j = 1; j <= ntags; j++) {
		const char *key = params_getf(&r->params, "Tag.%zu.Key", j);
		/* Present, even empty, the value must match; absent, any value goes. */
		const char *value = params_getf(&r->params, "Tag.%zu.Value", j);

		if (!key && !value)
			continue;
		rc = tag_validate(r, key, value);
		if (rc < 0)
			return rc;
		any = true;
		for (i = 0; i < nids; i++) {
			rc = store_tag_delete(r->tx, ids[i], key, value);
			if (rc < 0 && rc != -ENOENT)
				return request_store_error(r, rc);
		}
	}
	/* No Tag.N at all: EC2 deletes every tag of the resources. */
	for (i = 0; !any && i < nids; i++) {
		rc = store_tag_delete_resource(r->tx, ids[i]);
		if (rc < 0 && rc != -ENOENT)
			return request_store_error(r, rc);
	}
	xml_bool(r->out, "return", true);
	return 0;
}

/* DescribeTags pages by a running index, not by an id: a tag is named by
 * (resource id, key), up to 24 + 1 + 128 characters, and a NextToken carries
 * at most BH_MAX_ID - 1. The index counts matching tags in (resource id, key)
 * order, zero-padded so that paging_take's strcmp orders it as a number.
 * Like any offset, it can skip or repeat a tag if tags change between pages. */
int handle_describe_tags(struct request *r)
{
	struct tag_list tags = { 0 };
	size_t i, index = 0;
	struct paging pg;
	struct filters fl;
	int rc;

	rc = filters_parse(r, tag_filters, &fl);
	if (rc < 0)
		goto out;
	rc = paging_parse(r, BH_MIN_RESULTS, BH_MAX_RESULTS, &pg);
	if (rc < 0)
		goto out;
	rc = store_tag_list(r->tx, NULL, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}

	xml_open(r->out, "tagSet");
	for (i = 0; i < tags.count; i++) {
		const struct tag *t = &tags.items[i];
		const struct taggable *type = taggable_of(t->resource_id);
		const char *type_name = type ? type->resource_type : "";
		char position[TAG_INDEX_DIGITS + 1];
		struct fieldset fs;

		fieldset_init(&fs, &tags, t->resource_id);
		fieldset_add(&fs, "key", t->key);
		fieldset_add(&fs, "value", t->value);
		fieldset_add(&fs, "resource-id", t->resource_id);
		fieldset_add(&fs, "resource-type", type_name);
		if (!filters_match(&fl, &fs))
			continue;
		bh_snprintf(position, sizeof(position), "%0*zu", TAG_INDEX_DIGITS, index++);
		if (!paging_take(&pg, position))
			continue;
		xml_open(r->out, "item");
		xml_text(r->out, "resourceId", t->resource_id);
		xml_text(r->out, "resourceType", type_name);
		xml_text(r->out, "key", t->key);
		xml_text(r->out, "value", t->value);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "tagSet");
	paging_write_token(r, &pg);
out:
	list_release(&tags);
	return rc;
}
