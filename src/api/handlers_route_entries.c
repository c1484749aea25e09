/* handlers_route_entries.c - the routes inside a route table: CreateRoute,
 * ReplaceRoute and DeleteRoute, with the parsing of destinations and targets. */
#include "api/handlers.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "api/route_internal.h"
#include "api/xml.h"
#include "model/cidr.h"
#include "model/ids.h"

#define ROUTE_ORIGIN_ROUTE "CreateRoute"

/* CreateRoute targets EC2 has and bulkhead does not. */
static const char *const route_unsupported_targets[] = {
	"NatGatewayId", "TransitGatewayId", "VpcPeeringConnectionId", "EgressOnlyInternetGatewayId",
	"LocalGatewayId", "CarrierGatewayId", "VpcEndpointId", "CoreNetworkArn", NULL,
};

/* DestinationCidrBlock in canonical form. Routes are IPv4: VPCs have no
 * IPv6 block, so an IPv6 destination could never be reached. */
static int route_destination_parse(struct request *r, char ret[BH_CIDR_STR])
{
	const char *dest = params_get(&r->params, "DestinationCidrBlock");
	struct cidr c;
	int rc;

	if (params_get(&r->params, "DestinationIpv6CidrBlock"))
		return diag_set(&r->diag, "InvalidParameterValue",
				"IPv6 routes are not supported: VPCs on this endpoint are IPv4-only");
	if (params_get(&r->params, "DestinationPrefixListId"))
		return diag_set(&r->diag, "InvalidParameterValue",
				"Prefix list destinations are not supported by this endpoint");
	if (!dest || !*dest)
		return diag_set(&r->diag, "MissingParameter",
				"The request must contain the parameter destinationCidrBlock");
	rc = cidr_parse(dest, AF_INET, "destinationCidrBlock", &c, &r->diag);
	if (rc < 0)
		return rc;
	cidr_format(&c, ret);
	return 0;
}

static int route_target_gateway(struct request *r, const struct route_table *rt, const char *id, struct route *ret)
{
	struct internet_gateway g;
	int rc;

	if (strcmp(id, ROUTE_TARGET_LOCAL) == 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"The local route is made with the route table; no other route can target local");
	request_note_resource(r, id);
	/* Internet gateways are the only gateways here: any other id names
	 * nothing, exactly like an unknown one. */
	rc = id_is_valid(id, "igw") ? store_igw_get(r->tx, id, &g) : -ENOENT;
	if (rc == -ENOENT)
		return diag_set(&r->diag, "InvalidGatewayID.NotFound", "The gateway ID '%.64s' does not exist", id);
	if (rc < 0)
		return request_store_error(r, rc);
	if (strcmp(g.vpc_id, rt->vpc_id) != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"route table %s and network gateway %s belong to different networks", rt->id, g.id);
	bh_strlcpy(ret->gateway_id, g.id, sizeof(ret->gateway_id));
	return 0;
}

static int route_target_instance(struct request *r, const struct route_table *rt, const char *id,
				 struct route *ret)
{
	struct instance in;
	int rc;

	request_note_resource(r, id);
	if (!id_is_valid(id, "i"))
		return diag_set(&r->diag, "InvalidInstanceID.Malformed", "Invalid id: \"%.64s\"", id);
	rc = store_instance_get(r->tx, id, &in);
	if (rc == -ENOENT)
		return diag_set(&r->diag, "InvalidInstanceID.NotFound", "The instance ID '%.64s' does not exist", id);
	if (rc < 0)
		return request_store_error(r, rc);
	if (strcmp(in.state, BH_STATE_SHUTTING_DOWN) == 0 || strcmp(in.state, BH_STATE_TERMINATED) == 0)
		return diag_set(&r->diag, "IncorrectInstanceState",
				"The instance '%s' is not in a state from which a route can target it.", in.id);
	if (strcmp(in.vpc_id, rt->vpc_id) != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"route table %s and instance %s belong to different networks", rt->id, in.id);
	/* Only the instance is stored: its interface is found through it. */
	bh_strlcpy(ret->instance_id, in.id, sizeof(ret->instance_id));
	return 0;
}

static int route_target_eni(struct request *r, const struct route_table *rt, const char *id, struct route *ret)
{
	struct eni e;
	int rc;

	request_note_resource(r, id);
	if (!id_is_valid(id, "eni"))
		return diag_set(&r->diag, "InvalidNetworkInterfaceID.Malformed", "Invalid id: \"%.64s\"", id);
	rc = store_eni_get(r->tx, id, &e);
	if (rc == -ENOENT)
		return diag_set(&r->diag, "InvalidNetworkInterfaceID.NotFound",
				"The networkInterface ID '%.64s' does not exist", id);
	if (rc < 0)
		return request_store_error(r, rc);
	if (strcmp(e.vpc_id, rt->vpc_id) != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"route table %s and network interface %s belong to different networks", rt->id, e.id);
	bh_strlcpy(ret->eni_id, e.id, sizeof(ret->eni_id));
	return 0;
}

/* Exactly one target: an internet gateway attached to the table's VPC, or
 * an instance or network interface in it. Fills ret's target fields. */
static int route_target_parse(struct request *r, const struct route_table *rt, struct route *ret)
{
	const char *gw = params_get(&r->params, "GatewayId");
	const char *instance = params_get(&r->params, "InstanceId");
	const char *eni = params_get(&r->params, "NetworkInterfaceId");
	const char *unsupported = NULL;
	const char *const *name;
	bool local = false;
	int named, rc;

	rc = params_bool(&r->params, "LocalTarget", &local, &r->diag);
	if (rc < 0)
		return rc;
	named = (gw != NULL) + (instance != NULL) + (eni != NULL) + local;
	for (name = route_unsupported_targets; *name; name++) {
		if (params_get(&r->params, *name)) {
			unsupported = *name;
			named++;
		}
	}
	if (named == 0)
		return diag_set(&r->diag, "MissingParameter",
				"The request must contain exactly one of gatewayId, instanceId or networkInterfaceId");
	if (named > 1)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"More than one target was specified; a route has exactly one target");
	if (unsupported)
		return diag_set(&r->diag, "InvalidParameterValue", "The route target %s is not supported by this endpoint",
				unsupported);
	ret->gateway_id[0] = ret->instance_id[0] = ret->eni_id[0] = '\0';
	if (local)
		return route_target_gateway(r, rt, ROUTE_TARGET_LOCAL, ret);
	if (gw)
		return route_target_gateway(r, rt, gw, ret);
	if (instance)
		return route_target_instance(r, rt, instance, ret);
	return route_target_eni(r, rt, eni, ret);
}

/* The route named by RouteTableId and DestinationCidrBlock, which must
 * exist and, when it is to change, must not be the local route. */
static int route_existing_get(struct request *r, const struct rtb_state *st, const struct route_table *rt,
			      const char *dest, const char *verb, struct route *ret)
{
	const struct route *found = rtb_route_find(st, rt->id, dest);

	if (!found)
		return diag_set(&r->diag, "InvalidRoute.NotFound",
				"There is no route defined for '%s' in the route table. Use CreateRoute instead.", dest);
	if (strcmp(found->gateway_id, ROUTE_TARGET_LOCAL) == 0)
		return diag_set(&r->diag, "InvalidParameterValue", "cannot %s local route %s in route table %s", verb,
				dest, rt->id);
	*ret = *found;
	return 0;
}

int handle_create_route(struct request *r)
{
	struct rtb_state st = { 0 };
	const struct route *local;
	struct route rte = { 0 };
	struct route_table rt;
	size_t i, count = 0;
	int rc;

	rc = rtb_param_get(r, &rt);
	if (rc < 0)
		goto out;
	rc = route_destination_parse(r, rte.destination);
	if (rc < 0)
		goto out;
	rc = route_target_parse(r, &rt, &rte);
	if (rc < 0)
		goto out;
	rc = rtb_state_load(r, &st);
	if (rc < 0)
		goto out;
	if (rtb_route_find(&st, rt.id, rte.destination)) {
		rc = diag_set(&r->diag, "RouteAlreadyExists", "The route identified by %s already exists.",
			      rte.destination);
		goto out;
	}
	/* The VPC's router sends its own block by the local route before any
	 * table is consulted, so a narrower route inside it would never apply. */
	local = rtb_local_route(&st, rt.id);
	if (local) {
		struct diag scratch;
		struct cidr lc, dc;

		diag_init(&scratch);
		if (cidr_parse(local->destination, AF_INET, "cidrBlock", &lc, &scratch) < 0 ||
		    cidr_parse(rte.destination, AF_INET, "cidrBlock", &dc, &scratch) < 0) {
			rc = request_store_error(r, -EINVAL);
			goto out;
		}
		if (cidr_contains(&lc, &dc)) {
			rc = diag_set(&r->diag, "InvalidParameterValue",
				      "cannot create a more specific route for %s than local route %s in route table %s",
				      rte.destination, local->destination, rt.id);
			goto out;
		}
	}
	for (i = 0; i < st.routes.count; i++)
		count += strcmp(st.routes.items[i].route_table_id, rt.id) == 0;
	if (count >= BH_MAX_ROUTES_PER_TABLE) {
		rc = diag_set(&r->diag, "RouteLimitExceeded",
			      "The maximum number of routes in route table %s has been reached.", rt.id);
		goto out;
	}
	bh_strlcpy(rte.route_table_id, rt.id, sizeof(rte.route_table_id));
	bh_strlcpy(rte.origin, ROUTE_ORIGIN_ROUTE, sizeof(rte.origin));
	rc = store_route_insert(r->tx, &rte);
	if (rc == -EEXIST) {
		rc = diag_set(&r->diag, "RouteAlreadyExists", "The route identified by %s already exists.",
			      rte.destination);
		goto out;
	}
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_bool(r->out, "return", true);
out:
	rtb_state_release(&st);
	return rc;
}

int handle_replace_route(struct request *r)
{
	struct rtb_state st = { 0 };
	char dest[BH_CIDR_STR];
	struct route_table rt;
	struct route rte;
	int rc;

	rc = rtb_param_get(r, &rt);
	if (rc < 0)
		goto out;
	rc = route_destination_parse(r, dest);
	if (rc < 0)
		goto out;
	rc = rtb_state_load(r, &st);
	if (rc < 0)
		goto out;
	rc = route_existing_get(r, &st, &rt, dest, "replace", &rte);
	if (rc < 0)
		goto out;
	rc = route_target_parse(r, &rt, &rte);
	if (rc < 0)
		goto out;
	rc = store_route_update(r->tx, &rte);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_bool(r->out, "return", true);
out:
	rtb_state_release(&st);
	return rc;
}

int handle_delete_route(struct request *r)
{
	struct rtb_state st = { 0 };
	char dest[BH_CIDR_STR];
	struct route_table rt;
	struct route rte;
	int rc;

	rc = rtb_param_get(r, &rt);
	if (rc < 0)
		goto out;
	rc = route_destination_parse(r, dest);
	if (rc < 0)
		goto out;
	rc = rtb_state_load(r, &st);
	if (rc < 0)
		goto out;
	rc = route_existing_get(r, &st, &rt, dest, "remove", &rte);
	if (rc < 0)
		goto out;
	rc = store_route_delete(r->tx, rt.id, rte.destination);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_bool(r->out, "return", true);
out:
	rtb_state_release(&st);
	return rc;
}
