/* handlers_igw.c - the internet-gateway family: create, attach to one VPC,
 * detach (not while public addresses are mapped through it), delete, describe. */
#include "api/handlers.h"

#include <errno.h>
#include <string.h>

#include "api/describe.h"
#include "api/xml.h"
#include "model/ids.h"

/* EC2 answers "available" for an attached gateway, not "attached". */
#define IGW_ATTACHMENT_STATE "available"

static const char *const igw_filters[] = {
	"internet-gateway-id", "attachment.vpc-id", "attachment.state", "owner-id", NULL,
};

static void igw_xml(struct request *r, const struct internet_gateway *g, const struct tag_list *tags)
{
	xml_text(r->out, "internetGatewayId", g->id);
	xml_text(r->out, "ownerId", r->account_id);
	xml_open(r->out, "attachmentSet");
	if (g->vpc_id[0]) {
		xml_open(r->out, "item");
		xml_text(r->out, "vpcId", g->vpc_id);
		xml_text(r->out, "state", IGW_ATTACHMENT_STATE);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "attachmentSet");
	xml_tag_set(r->out, tags, g->id);
}

static void igw_fields(struct request *r, const struct internet_gateway *g, const struct tag_list *tags,
		       struct fieldset *fs)
{
	fieldset_init(fs, tags, g->id);
	fieldset_add(fs, "internet-gateway-id", g->id);
	fieldset_add(fs, "owner-id", r->account_id);
	if (g->vpc_id[0]) {
		fieldset_add(fs, "attachment.vpc-id", g->vpc_id);
		fieldset_add(fs, "attachment.state", IGW_ATTACHMENT_STATE);
	}
}

static int igw_not_found(struct request *r, const char *id)
{
	return diag_set(&r->diag, "InvalidInternetGatewayID.NotFound", "The internetGateway ID '%.64s' does not exist",
			id);
}

/* Read the gateway named by the required parameter InternetGatewayId. */
static int igw_param_get(struct request *r, struct internet_gateway *ret)
{
	const char *id;
	int rc;

	rc = id_param_parse(r, "InternetGatewayId", "igw", "InvalidInternetGatewayID.Malformed", &id);
	if (rc < 0)
		return rc;
	rc = store_igw_get(r->tx, id, ret);
	if (rc == -ENOENT)
		return igw_not_found(r, id);
	return rc < 0 ? request_store_error(r, rc) : 0;
}

int handle_create_internet_gateway(struct request *r)
{
	struct internet_gateway g = { 0 };
	struct tag_list tags = { 0 };
	struct igw_list all = { 0 };
	int rc;

	rc = store_igw_list(r->tx, &all);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	if (all.count >= BH_MAX_IGWS_PER_ACCOUNT) {
		rc = diag_set(&r->diag, "InternetGatewayLimitExceeded",
			      "The maximum number of internet gateways has been reached.");
		goto out;
	}
	rc = id_generate("igw", g.id);
	if (rc == 0)
		rc = store_igw_insert(r->tx, &g);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	request_note_resource(r, g.id);
	rc = tag_specs_apply(r, "internet-gateway", g.id);
	if (rc < 0)
		goto out;
	rc = store_tag_list(r->tx, g.id, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_open(r->out, "internetGateway");
	igw_xml(r, &g, &tags);
	xml_close(r->out, "internetGateway");
out:
	list_release(&all);
	list_release(&tags);
	return rc;
}

/* A VPC has at most one gateway: the agent gives it one uplink. EC2 says
 * so with Resource.AlreadyAssociated too. */
int handle_attach_internet_gateway(struct request *r)
{
	struct igw_list all = { 0 };
	struct internet_gateway g;
	struct vpc v;
	size_t i;
	int rc;

	rc = igw_param_get(r, &g);
	if (rc < 0)
		goto out;
	rc = vpc_param_get(r, &v);
	if (rc < 0)
		goto out;
	if (g.vpc_id[0]) {
		rc = diag_set(&r->diag, "Resource.AlreadyAssociated", "resource %s is already attached to network %s", g.id,
			      g.vpc_id);
		goto out;
	}
	rc = store_igw_list(r->tx, &all);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	for (i = 0; i < all.count; i++) {
		if (strcmp(all.items[i].vpc_id, v.id) != 0)
			continue;
		rc = diag_set(&r->diag, "Resource.AlreadyAssociated",
			      "network %s already has an internet gateway attached (%s)", v.id, all.items[i].id);
		goto out;
	}
	bh_strlcpy(g.vpc_id, v.id, sizeof(g.vpc_id));
	rc = store_igw_update(r->tx, &g);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_bool(r->out, "return", true);
out:
	list_release(&all);
	return rc;
}

/* Does any interface of the VPC hold a public address, its own or an
 * Elastic IP's? Those addresses reach it through the gateway. */
static int igw_vpc_has_public_addresses(struct request *r, const char *vpc_id, bool *ret)
{
	struct address_list addrs = { 0 };
	struct eni_list enis = { 0 };
	size_t i, j;
	int rc;

	*ret = false;
	rc = store_eni_list(r->tx, &enis);
	if (rc == 0)
		rc = store_address_list(r->tx, &addrs);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	for (i = 0; i < enis.count && !*ret; i++) {
		const struct eni *e = &enis.items[i];

		if (strcmp(e->vpc_id, vpc_id) != 0)
			continue;
		*ret = e->public_ip[0] != '\0';
		for (j = 0; j < addrs.count && !*ret; j++)
			*ret = strcmp(addrs.items[j].eni_id, e->id) == 0;
	}
out:
	list_release(&addrs);
	list_release(&enis);
	return rc;
}

int handle_detach_internet_gateway(struct request *r)
{
	struct internet_gateway g;
	bool mapped;
	struct vpc v;
	int rc;

	rc = igw_param_get(r, &g);
	if (rc < 0)
		return rc;
	rc = vpc_param_get(r, &v);
	if (rc < 0)
		return rc;
	if (strcmp(g.vpc_id, v.id) != 0)
		return diag_set(&r->diag, "Gateway.NotAttached", "resource %s is not attached to network %s", g.id, v.id);
	rc = igw_vpc_has_public_addresses(r, v.id, &mapped);
	if (rc < 0)
		return rc;
	if (mapped)
		return diag_set(&r->diag, "DependencyViolation",
				"Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.",
				v.id);
	/* Routes to it stay, as blackholes, until the tenant changes them. */
	g.vpc_id[0] = '\0';
	rc = store_igw_update(r->tx, &g);
	if (rc < 0)
		return request_store_error(r, rc);
	xml_bool(r->out, "return", true);
	return 0;
}

int handle_delete_internet_gateway(struct request *r)
{
	struct internet_gateway g;
	int rc;

	rc = igw_param_get(r, &g);
	if (rc < 0)
		return rc;
	if (g.vpc_id[0])
		return diag_set(&r->diag, "DependencyViolation",
				"The internetGateway '%s' has dependencies and cannot be deleted.", g.id);
	rc = store_tag_delete_resource(r->tx, g.id);
	if (rc == 0)
		rc = store_igw_delete(r->tx, g.id);
	if (rc < 0)
		return request_store_error(r, rc);
	xml_bool(r->out, "return", true);
	return 0;
}

int handle_describe_internet_gateways(struct request *r)
{
	const char *ids[BH_MAX_LIST_ITEMS];
	struct tag_list tags = { 0 };
	struct igw_list all = { 0 };
	size_t nids = 0, i;
	const char *missing;
	struct paging pg;
	struct filters fl;
	int rc;

	rc = describe_ids_parse(r, "InternetGatewayId", "igw", "InvalidInternetGatewayID.Malformed", ids, &nids);
	if (rc < 0)
		goto out;
	rc = filters_parse(r, igw_filters, &fl);
	if (rc < 0)
		goto out;
	rc = paging_parse(r, BH_MIN_RESULTS, BH_MAX_RESULTS, &pg);
	if (rc < 0)
		goto out;
	rc = describe_ids_unpaged(r, nids, params_get(&r->params, "MaxResults") != NULL, "internetGatewayIds");
	if (rc < 0)
		goto out;

	rc = store_igw_list(r->tx, &all);
	if (rc == 0)
		rc = store_tag_list(r->tx, NULL, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	missing = ids_first_missing(ids, nids, all.items, all.count, sizeof(*all.items), offsetof(struct internet_gateway, id));
	if (missing) {
		rc = igw_not_found(r, missing);
		goto out;
	}

	xml_open(r->out, "internetGatewaySet");
	for (i = 0; i < all.count; i++) {
		const struct internet_gateway *g = &all.items[i];
		struct fieldset fs;

		if (nids && !ids_contain(ids, nids, g->id))
			continue;
		igw_fields(r, g, &tags, &fs);
		if (!filters_match(&fl, &fs))
			continue;
		if (!paging_take(&pg, g->id))
			continue;
		xml_open(r->out, "item");
		igw_xml(r, g, &tags);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "internetGatewaySet");
	paging_write_token(r, &pg);
out:
	list_release(&all);
	list_release(&tags);
	return rc;
}
