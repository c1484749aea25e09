/* handlers_route.c - the route-table family: tables with their local route, subnet
 * and main associations, and how routes read; handlers_route_entries.c changes them. */
#include "api/handlers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/describe.h"
#include "api/route_internal.h"
#include "api/xml.h"
#include "model/ids.h"

/* EC2's bounds on MaxResults for DescribeRouteTables. */
#define RTB_MAX_RESULTS 100

#define ROUTE_ORIGIN_TABLE "CreateRouteTable"

/* Names EC2 documents; those for targets bulkhead has not (NAT gateways,
 * peering, IPv6) are accepted and never match, as on a VPC without them. */
static const char *const rtb_filters[] = {
	"route-table-id", "vpc-id", "owner-id", "association.main", "association.route-table-association-id",
	"association.route-table-id", "association.subnet-id", "association.gateway-id",
	"route.destination-cidr-block", "route.gateway-id", "route.instance-id", "route.network-interface-id",
	"route.state", "route.origin", "route.destination-ipv6-cidr-block", "route.destination-prefix-list-id",
	"route.egress-only-internet-gateway-id", "route.nat-gateway-id", "route.transit-gateway-id",
	"route.vpc-peering-connection-id", NULL,
};

void rtb_state_release(struct rtb_state *st)
{
	list_release(&st->tables);
	list_release(&st->routes);
	list_release(&st->assocs);
}

int rtb_state_load(struct request *r, struct rtb_state *st)
{
	int rc;

	rc = store_route_table_list(r->tx, &st->tables);
	if (rc == 0)
		rc = store_route_list(r->tx, NULL, &st->routes);
	if (rc == 0)
		rc = store_rtb_association_list(r->tx, &st->assocs);
	if (rc < 0)
		return request_store_error(r, rc);
	return 0;
}

static bool rtb_is_main(const struct rtb_state *st, const char *rtb_id)
{
	size_t i;

	for (i = 0; i < st->assocs.count; i++)
		if (st->assocs.items[i].is_main && strcmp(st->assocs.items[i].route_table_id, rtb_id) == 0)
			return true;
	return false;
}

static bool rtb_has_subnets(const struct rtb_state *st, const char *rtb_id)
{
	size_t i;

	for (i = 0; i < st->assocs.count; i++)
		if (!st->assocs.items[i].is_main && strcmp(st->assocs.items[i].route_table_id, rtb_id) == 0)
			return true;
	return false;
}

const struct route *rtb_route_find(const struct rtb_state *st, const char *rtb_id, const char *dest)
{
	size_t i;

	for (i = 0; i < st->routes.count; i++)
		if (strcmp(st->routes.items[i].route_table_id, rtb_id) == 0 &&
		    strcmp(st->routes.items[i].destination, dest) == 0)
			return &st->routes.items[i];
	return NULL;
}

const struct route *rtb_local_route(const struct rtb_state *st, const char *rtb_id)
{
	size_t i;

	for (i = 0; i < st->routes.count; i++)
		if (strcmp(st->routes.items[i].route_table_id, rtb_id) == 0 &&
		    strcmp(st->routes.items[i].gateway_id, ROUTE_TARGET_LOCAL) == 0)
			return &st->routes.items[i];
	return NULL;
}

static int rtb_not_found(struct request *r, const char *id)
{
	return diag_set(&r->diag, "InvalidRouteTableID.NotFound", "The routeTable ID '%.64s' does not exist", id);
}

static int rtb_dependencies(struct request *r, const char *id)
{
	return diag_set(&r->diag, "DependencyViolation", "The routeTable '%s' has dependencies and cannot be deleted.",
			id);
}

static int assoc_not_found(struct request *r, const char *id)
{
	return diag_set(&r->diag, "InvalidAssociationID.NotFound", "The association ID '%.64s' does not exist", id);
}

int rtb_param_get(struct request *r, struct route_table *ret)
{
	const char *id;
	int rc;

	rc = id_param_parse(r, "RouteTableId", "rtb", "InvalidRouteTableID.Malformed", &id);
	if (rc < 0)
		return rc;
	rc = store_route_table_get(r->tx, id, ret);
	if (rc == -ENOENT)
		return rtb_not_found(r, id);
	return rc < 0 ? request_store_error(r, rc) : 0;
}

/* Read the association named by the required parameter AssociationId. A
 * malformed id cannot name one, so it is simply not found. */
static int assoc_param_get(struct request *r, struct rtb_association *ret)
{
	const char *id = params_get(&r->params, "AssociationId");
	int rc;

	if (!id || !*id)
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter AssociationId");
	request_note_resource(r, id);
	if (!id_is_valid(id, "rtbassoc"))
		return assoc_not_found(r, id);
	rc = store_rtb_association_get(r->tx, id, ret);
	if (rc == -ENOENT)
		return assoc_not_found(r, id);
	if (rc < 0)
		return request_store_error(r, rc);
	return 0;
}

/* A new table in v with its local route, the one route every table has. */
static int rtb_insert(struct request *r, const struct vpc *v, bool is_main, struct route_table *ret)
{
	struct route local = { 0 };
	int rc;

	memset(ret, 0, sizeof(*ret));
	rc = id_generate("rtb", ret->id);
	if (rc < 0)
		return request_store_error(r, rc);
	bh_strlcpy(ret->vpc_id, v->id, sizeof(ret->vpc_id));
	ret->is_main = is_main;
	rc = store_route_table_insert(r->tx, ret);
	if (rc < 0)
		return request_store_error(r, rc);
	request_note_resource(r, ret->id);
	bh_strlcpy(local.route_table_id, ret->id, sizeof(local.route_table_id));
	bh_strlcpy(local.destination, v->cidr, sizeof(local.destination));
	bh_strlcpy(local.gateway_id, ROUTE_TARGET_LOCAL, sizeof(local.gateway_id));
	bh_strlcpy(local.origin, ROUTE_ORIGIN_TABLE, sizeof(local.origin));
	rc = store_route_insert(r->tx, &local);
	if (rc < 0)
		return request_store_error(r, rc);
	return 0;
}

static int assoc_insert(struct request *r, const char *rtb_id, const char *subnet_id, bool is_main,
			struct rtb_association *ret)
{
	int rc;

	memset(ret, 0, sizeof(*ret));
	rc = id_generate("rtbassoc", ret->id);
	if (rc < 0)
		return request_store_error(r, rc);
	bh_strlcpy(ret->route_table_id, rtb_id, sizeof(ret->route_table_id));
	bh_strlcpy(ret->subnet_id, subnet_id, sizeof(ret->subnet_id));
	ret->is_main = is_main;
	rc = store_rtb_association_insert(r->tx, ret);
	if (rc < 0)
		return request_store_error(r, rc);
	request_note_resource(r, ret->id);
	return 0;
}

int rtb_create_main(struct request *r, const char *vpc_id)
{
	struct rtb_association a;
	struct route_table rt;
	struct vpc v;
	int rc;

	rc = store_vpc_get(r->tx, vpc_id, &v);
	if (rc < 0)
		return request_store_error(r, rc);
	rc = rtb_insert(r, &v, true, &rt);
	if (rc < 0)
		return rc;
	return assoc_insert(r, rt.id, "", true, &a);
}

/* Drop a table with its routes, associations and tags. */
static int rtb_drop(struct request *r, const struct rtb_state *st, const char *rtb_id)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < st->assocs.count; i++)
		if (strcmp(st->assocs.items[i].route_table_id, rtb_id) == 0)
			rc = store_rtb_association_delete(r->tx, st->assocs.items[i].id);
	for (i = 0; rc == 0 && i < st->routes.count; i++)
		if (strcmp(st->routes.items[i].route_table_id, rtb_id) == 0)
			rc = store_route_delete(r->tx, rtb_id, st->routes.items[i].destination);
	if (rc == 0)
		rc = store_tag_delete_resource(r->tx, rtb_id);
	if (rc == 0)
		rc = store_route_table_delete(r->tx, rtb_id);
	if (rc < 0)
		return request_store_error(r, rc);
	return 0;
}

int rtb_drop_main(struct request *r, const char *vpc_id)
{
	struct rtb_state st = { 0 };
	size_t i;
	int rc;

	rc = rtb_state_load(r, &st);
	if (rc < 0)
		goto out;
	for (i = 0; i < st.tables.count; i++) {
		const struct route_table *rt = &st.tables.items[i];

		if (strcmp(rt->vpc_id, vpc_id) == 0 && !rtb_is_main(&st, rt->id)) {
			rc = diag_set(&r->diag, "DependencyViolation",
				      "The vpc '%s' has dependencies and cannot be deleted.", vpc_id);
			goto out;
		}
	}
	for (i = 0; i < st.tables.count; i++) {
		if (strcmp(st.tables.items[i].vpc_id, vpc_id) != 0)
			continue;
		rc = rtb_drop(r, &st, st.tables.items[i].id);
		if (rc < 0)
			goto out;
	}
out:
	rtb_state_release(&st);
	return rc;
}

int rtb_subnet_disassociate(struct request *r, const char *subnet_id)
{
	struct rtb_association_list assocs = { 0 };
	size_t i;
	int rc;

	rc = store_rtb_association_list(r->tx, &assocs);
	for (i = 0; rc == 0 && i < assocs.count; i++)
		if (!assocs.items[i].is_main && strcmp(assocs.items[i].subnet_id, subnet_id) == 0)
			rc = store_rtb_association_delete(r->tx, assocs.items[i].id);
	list_release(&assocs);
	if (rc < 0)
		return request_store_error(r, rc);
	return 0;
}

/* What a route's state depends on beyond the table: the gateways, and the
 * instances and interfaces, read only when some route targets one. */
struct route_targets {
	struct igw_list igws;
	struct instance_list instances;
	struct eni_list enis;
};

static void route_targets_release(struct route_targets *t)
{
	list_release(&t->igws);
	list_release(&t->instances);
	list_release(&t->enis);
}

static int route_targets_load(struct request *r, const struct rtb_state *st, struct route_targets *ret)
{
	bool need_instances = false;
	size_t i;
	int rc;

	for (i = 0; i < st->routes.count; i++)
		need_instances |= st->routes.items[i].instance_id[0] || st->routes.items[i].eni_id[0];
	rc = store_igw_list(r->tx, &ret->igws);
	if (rc == 0 && need_instances)
		rc = store_instance_list(r->tx, &ret->instances);
	if (rc == 0 && need_instances)
		rc = store_eni_list(r->tx, &ret->enis);
	if (rc < 0)
		return request_store_error(r, rc);
	return 0;
}

static const struct instance *targets_instance(const struct route_targets *t, const char *id)
{
	size_t i;

	for (i = 0; id[0] && i < t->instances.count; i++)
		if (strcmp(t->instances.items[i].id, id) == 0)
			return &t->instances.items[i];
	return NULL;
}

static const struct eni *targets_eni(const struct route_targets *t, const char *id)
{
	size_t i;

	for (i = 0; id[0] && i < t->enis.count; i++)
		if (strcmp(t->enis.items[i].id, id) == 0)
			return &t->enis.items[i];
	return NULL;
}

/* A route stores one target, an instance or an interface; EC2 shows both,
 * so the other is found through the one stored. */
struct route_hop {
	const char *instance_id;  /* "" when none */
	const char *eni_id;
	const struct eni *eni;    /* NULL when gone */
};

static void route_hop_resolve(const struct route_targets *t, const struct route *rte, struct route_hop *ret)
{
	const struct instance *in;

	ret->instance_id = rte->instance_id;
	ret->eni_id = rte->eni_id;
	ret->eni = NULL;
	if (rte->eni_id[0]) {
		ret->eni = targets_eni(t, rte->eni_id);
		if (ret->eni)
			ret->instance_id = ret->eni->instance_id;
	} else if (rte->instance_id[0]) {
		in = targets_instance(t, rte->instance_id);
		if (in) {
			ret->eni_id = in->eni_id;
			ret->eni = targets_eni(t, in->eni_id);
		}
	}
}

/* Pending counts: the instance is on its way (the agent plumbs it too). */
static bool instance_routable(const struct instance *in)
{
	return strcmp(in->state, BH_STATE_RUNNING) == 0 || strcmp(in->state, BH_STATE_PENDING) == 0;
}

/* A route is a blackhole when its gateway is not attached to the table's
 * VPC, or its interface is gone, detached, or its instance stopped or
 * ending: the same test the agent applies. */
static const char *route_state(const struct route_targets *t, const struct route_table *rt, const struct route *rte)
{
	const struct instance *in;
	struct route_hop hop;
	size_t i;

	if (strcmp(rte->gateway_id, ROUTE_TARGET_LOCAL) == 0)
		return "active";
	if (rte->gateway_id[0]) {
		for (i = 0; i < t->igws.count; i++)
			if (strcmp(t->igws.items[i].id, rte->gateway_id) == 0)
				return strcmp(t->igws.items[i].vpc_id, rt->vpc_id) == 0 ? "active" : "blackhole";
		return "blackhole";
	}
	route_hop_resolve(t, rte, &hop);
	if (!hop.eni || strcmp(hop.eni->vpc_id, rt->vpc_id) != 0)
		return "blackhole";
	in = targets_instance(t, hop.eni->instance_id);
	return in && instance_routable(in) ? "active" : "blackhole";
}

static void route_xml(struct request *r, const struct route_targets *t, const struct route_table *rt,
		      const struct route *rte)
{
	struct route_hop hop;

	route_hop_resolve(t, rte, &hop);
	xml_open(r->out, "item");
	xml_text(r->out, "destinationCidrBlock", rte->destination);
	if (rte->gateway_id[0])
		xml_text(r->out, "gatewayId", rte->gateway_id);
	if (hop.instance_id[0]) {
		xml_text(r->out, "instanceId", hop.instance_id);
		xml_text(r->out, "instanceOwnerId", r->account_id);
	}
	if (hop.eni_id[0])
		xml_text(r->out, "networkInterfaceId", hop.eni_id);
	xml_text(r->out, "state", route_state(t, rt, rte));
	xml_text(r->out, "origin", rte->origin);
	xml_close(r->out, "item");
}

static void assoc_state_xml(struct request *r)
{
	xml_open(r->out, "associationState");
	xml_text(r->out, "state", "associated");
	xml_close(r->out, "associationState");
}

static void assoc_xml(struct request *r, const struct rtb_association *a)
{
	xml_open(r->out, "item");
	xml_text(r->out, "routeTableAssociationId", a->id);
	xml_text(r->out, "routeTableId", a->route_table_id);
	if (a->subnet_id[0])
		xml_text(r->out, "subnetId", a->subnet_id);
	xml_bool(r->out, "main", a->is_main);
	assoc_state_xml(r);
	xml_close(r->out, "item");
}

static void rtb_xml(struct request *r, const struct rtb_state *st, const struct route_targets *t,
		    const struct route_table *rt, const struct tag_list *tags)
{
	size_t i;

	xml_text(r->out, "routeTableId", rt->id);
	xml_text(r->out, "vpcId", rt->vpc_id);
	xml_text(r->out, "ownerId", r->account_id);
	xml_open(r->out, "routeSet");
	for (i = 0; i < st->routes.count; i++)
		if (strcmp(st->routes.items[i].route_table_id, rt->id) == 0)
			route_xml(r, t, rt, &st->routes.items[i]);
	xml_close(r->out, "routeSet");
	xml_open(r->out, "associationSet");
	for (i = 0; i < st->assocs.count; i++)
		if (strcmp(st->assocs.items[i].route_table_id, rt->id) == 0)
			assoc_xml(r, &st->assocs.items[i]);
	xml_close(r->out, "associationSet");
	xml_open(r->out, "propagatingVgwSet");
	xml_close(r->out, "propagatingVgwSet");
	xml_tag_set(r->out, tags, rt->id);
}

static void route_fields(const struct route_targets *t, const struct route_table *rt, const struct route *rte,
			 struct fieldset *fs)
{
	struct route_hop hop;

	route_hop_resolve(t, rte, &hop);
	fieldset_init(fs, NULL, rt->id);
	fieldset_add(fs, "route.destination-cidr-block", rte->destination);
	if (rte->gateway_id[0])
		fieldset_add(fs, "route.gateway-id", rte->gateway_id);
	if (hop.instance_id[0])
		fieldset_add(fs, "route.instance-id", hop.instance_id);
	if (hop.eni_id[0])
		fieldset_add(fs, "route.network-interface-id", hop.eni_id);
	fieldset_add(fs, "route.state", route_state(t, rt, rte));
	fieldset_add(fs, "route.origin", rte->origin);
}

static void assoc_fields(const struct rtb_association *a, struct fieldset *fs)
{
	fieldset_init(fs, NULL, a->route_table_id);
	fieldset_add_bool(fs, "association.main", a->is_main);
	fieldset_add(fs, "association.route-table-association-id", a->id);
	fieldset_add(fs, "association.route-table-id", a->route_table_id);
	if (a->subnet_id[0])
		fieldset_add(fs, "association.subnet-id", a->subnet_id);
}

/* A route.* or association.* filter matches a table when it matches one of
 * its routes or associations. Each filter is checked on its own (two route
 * filters may be met by two routes, as in EC2), and per item, so a table
 * with many routes never outgrows one fieldset. one is scratch space. */
static bool rtb_matches(struct request *r, const struct filters *fl, struct filters *one, const struct rtb_state *st,
			const struct route_targets *t, const struct route_table *rt, const struct tag_list *tags)
{
	struct fieldset fs;
	size_t i, j;

	for (i = 0; i < fl->count; i++) {
		const char *name = fl->items[i].name;
		bool hit = false;

		one->items[0] = fl->items[i];
		one->count = 1;
		if (strncmp(name, "route.", 6) == 0) {
			for (j = 0; j < st->routes.count && !hit; j++) {
				if (strcmp(st->routes.items[j].route_table_id, rt->id) != 0)
					continue;
				route_fields(t, rt, &st->routes.items[j], &fs);
				hit = filters_match(one, &fs);
			}
		} else if (strncmp(name, "association.", 12) == 0) {
			for (j = 0; j < st->assocs.count && !hit; j++) {
				if (strcmp(st->assocs.items[j].route_table_id, rt->id) != 0)
					continue;
				assoc_fields(&st->assocs.items[j], &fs);
				hit = filters_match(one, &fs);
			}
		} else {
			fieldset_init(&fs, tags, rt->id);
			fieldset_add(&fs, "route-table-id", rt->id);
			fieldset_add(&fs, "vpc-id", rt->vpc_id);
			fieldset_add(&fs, "owner-id", r->account_id);
			hit = filters_match(one, &fs);
		}
		if (!hit)
			return false;
	}
	return true;
}

/* Write <routeTable> for a table just created. */
static int rtb_answer(struct request *r, const struct route_table *rt)
{
	struct route_targets t = { 0 };
	struct rtb_state st = { 0 };
	struct tag_list tags = { 0 };
	int rc;

	rc = rtb_state_load(r, &st);
	if (rc == 0)
		rc = route_targets_load(r, &st, &t);
	if (rc < 0)
		goto out;
	rc = store_tag_list(r->tx, rt->id, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_open(r->out, "routeTable");
	rtb_xml(r, &st, &t, rt, &tags);
	xml_close(r->out, "routeTable");
out:
	rtb_state_release(&st);
	route_targets_release(&t);
	list_release(&tags);
	return rc;
}

int handle_create_route_table(struct request *r)
{
	const char *vpc_id = params_get(&r->params, "VpcId");
	struct route_table_list tables = { 0 };
	struct route_table rt;
	size_t i, in_vpc = 0;
	struct vpc v;
	int rc;

	if (!vpc_id || !*vpc_id)
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter VpcId");
	request_note_resource(r, vpc_id);
	if (!id_is_valid(vpc_id, "vpc"))
		return diag_set(&r->diag, "InvalidVpcID.Malformed", "Invalid id: \"%.64s\"", vpc_id);
	rc = store_vpc_get(r->tx, vpc_id, &v);
	if (rc == -ENOENT)
		return diag_set(&r->diag, "InvalidVpcID.NotFound", "The vpc ID '%.64s' does not exist", vpc_id);
	if (rc == 0)
		rc = store_route_table_list(r->tx, &tables);
	if (rc < 0)
		return request_store_error(r, rc);
	for (i = 0; i < tables.count; i++)
		in_vpc += strcmp(tables.items[i].vpc_id, v.id) == 0;
	list_release(&tables);
	if (in_vpc >= BH_MAX_ROUTE_TABLES_PER_VPC)
		return diag_set(&r->diag, "RouteTableLimitExceeded",
				"The maximum number of route tables for the vpc '%s' has been reached.", v.id);
	rc = rtb_insert(r, &v, false, &rt);
	if (rc == 0)
		rc = tag_specs_apply(r, "route-table", rt.id);
	if (rc == 0)
		rc = rtb_answer(r, &rt);
	return rc;
}

int handle_describe_route_tables(struct request *r)
{
	const char *ids[BH_MAX_LIST_ITEMS];
	struct route_targets t = { 0 };
	struct rtb_state st = { 0 };
	struct tag_list tags = { 0 };
	struct filters *one = NULL;
	size_t nids = 0, i;
	const char *missing;
	struct paging pg;
	struct filters fl;
	int rc;

	rc = describe_ids_parse(r, "RouteTableId", "rtb", "InvalidRouteTableID.Malformed", ids, &nids);
	if (rc < 0)
		goto out;
	rc = filters_parse(r, rtb_filters, &fl);
	if (rc < 0)
		goto out;
	rc = paging_parse(r, BH_MIN_RESULTS, RTB_MAX_RESULTS, &pg);
	if (rc < 0)
		goto out;
	rc = describe_ids_unpaged(r, nids, params_get(&r->params, "MaxResults") != NULL, "routeTableIds");
	if (rc < 0)
		goto out;
	one = calloc(1, sizeof(*one));
	if (!one) {
		rc = request_store_error(r, -ENOMEM);
		goto out;
	}

	rc = rtb_state_load(r, &st);
	if (rc == 0)
		rc = route_targets_load(r, &st, &t);
	if (rc < 0)
		goto out;
	rc = store_tag_list(r->tx, NULL, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	missing = ids_first_missing(ids, nids, st.tables.items, st.tables.count, sizeof(*st.tables.items), offsetof(struct route_table, id));
	if (missing) {
		rc = rtb_not_found(r, missing);
		goto out;
	}

	xml_open(r->out, "routeTableSet");
	for (i = 0; i < st.tables.count; i++) {
		const struct route_table *rt = &st.tables.items[i];

		if (nids && !ids_contain(ids, nids, rt->id))
			continue;
		if (!rtb_matches(r, &fl, one, &st, &t, rt, &tags))
			continue;
		if (!paging_take(&pg, rt->id))
			continue;
		xml_open(r->out, "item");
		rtb_xml(r, &st, &t, rt, &tags);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "routeTableSet");
	paging_write_token(r, &pg);
out:
	free(one);
	rtb_state_release(&st);
	route_targets_release(&t);
	list_release(&tags);
	return rc;
}

int handle_delete_route_table(struct request *r)
{
	struct rtb_state st = { 0 };
	struct route_table rt;
	int rc;

	rc = rtb_param_get(r, &rt);
	if (rc < 0)
		return rc;
	rc = rtb_state_load(r, &st);
	if (rc < 0)
		goto out;
	/* Subnets using the table would silently fall back to the main one. */
	if (rtb_is_main(&st, rt.id) || rtb_has_subnets(&st, rt.id)) {
		rc = rtb_dependencies(r, rt.id);
		goto out;
	}
	rc = rtb_drop(r, &st, rt.id);
	if (rc < 0)
		goto out;
	xml_bool(r->out, "return", true);
out:
	rtb_state_release(&st);
	return rc;
}

int handle_associate_route_table(struct request *r)
{
	struct rtb_association_list assocs = { 0 };
	struct rtb_association a;
	struct route_table rt;
	struct subnet sn;
	size_t i;
	int rc;

	/* Edge associations (a gateway's own table) need gateway routing. */
	if (params_get(&r->params, "GatewayId"))
		return diag_set(&r->diag, "InvalidParameterValue",
				"Associating a route table with a gateway is not supported by this endpoint");
	rc = rtb_param_get(r, &rt);
	if (rc < 0)
		return rc;
	rc = subnet_param_get(r, &sn);
	if (rc < 0)
		return rc;
	if (strcmp(rt.vpc_id, sn.vpc_id) != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Route table %s and subnet %s belong to different networks", rt.id, sn.id);
	rc = store_rtb_association_list(r->tx, &assocs);
	if (rc < 0)
		return request_store_error(r, rc);
	for (i = 0; i < assocs.count; i++) {
		if (assocs.items[i].is_main || strcmp(assocs.items[i].subnet_id, sn.id) != 0)
			continue;
		rc = diag_set(&r->diag, "Resource.AlreadyAssociated",
			      "The subnet %s is already associated with route table %s (association %s)", sn.id,
			      assocs.items[i].route_table_id, assocs.items[i].id);
		goto out;
	}
	rc = assoc_insert(r, rt.id, sn.id, false, &a);
	if (rc < 0)
		goto out;
	xml_text(r->out, "associationId", a.id);
	assoc_state_xml(r);
out:
	list_release(&assocs);
	return rc;
}

int handle_disassociate_route_table(struct request *r)
{
	struct rtb_association a;
	int rc;

	rc = assoc_param_get(r, &a);
	if (rc < 0)
		return rc;
	if (a.is_main)
		return diag_set(&r->diag, "InvalidParameterValue",
				"cannot disassociate the main route table association %s", a.id);
	rc = store_rtb_association_delete(r->tx, a.id);
	if (rc < 0)
		return request_store_error(r, rc);
	xml_bool(r->out, "return", true);
	return 0;
}

/* Point an association at another table of the same VPC, under a new id as
 * EC2 does. Replacing the main association makes the new table main. */
int handle_replace_route_table_association(struct request *r)
{
	struct rtb_association old, fresh;
	struct route_table rt, current;
	int rc;

	rc = assoc_param_get(r, &old);
	if (rc < 0)
		return rc;
	rc = rtb_param_get(r, &rt);
	if (rc < 0)
		return rc;
	rc = store_route_table_get(r->tx, old.route_table_id, &current);
	if (rc < 0)
		return request_store_error(r, rc);
	if (strcmp(current.vpc_id, rt.vpc_id) != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Route table %s and association %s belong to different networks", rt.id, old.id);
	rc = store_rtb_association_delete(r->tx, old.id);
	if (rc < 0)
		return request_store_error(r, rc);
	rc = assoc_insert(r, rt.id, old.subnet_id, old.is_main, &fresh);
	if (rc < 0)
		return rc;
	xml_text(r->out, "newAssociationId", fresh.id);
	assoc_state_xml(r);
	return 0;
}
