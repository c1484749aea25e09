/* route_internal.h - what handlers_route.c (tables and associations) and
 * handlers_route_entries.c (the routes in them) share. Used only by those two. */
#ifndef BH_API_ROUTE_INTERNAL_H
#define BH_API_ROUTE_INTERNAL_H

#include <stdbool.h>

#include "api/request.h"
#include "model/resources.h"

/* The gateway_id of the local route, the one route every table has. */
#define ROUTE_TARGET_LOCAL "local"

/* The account's tables, routes and associations, read once per call. Which
 * table is a VPC's main one is said by its main association alone, so that
 * ReplaceRouteTableAssociation can move it. */
struct rtb_state {
	struct route_table_list tables;
	struct route_list routes;
	struct rtb_association_list assocs;
};

/* Read all three lists into st (zeroed by the caller); a store error is set
 * on r. Release with rtb_state_release, on failure too. */
int rtb_state_load(struct request *r, struct rtb_state *st);
void rtb_state_release(struct rtb_state *st);

/* The route of table rtb_id to dest (canonical CIDR text), or NULL. */
const struct route *rtb_route_find(const struct rtb_state *st, const char *rtb_id, const char *dest);

/* The local route of table rtb_id, or NULL. */
const struct route *rtb_local_route(const struct rtb_state *st, const char *rtb_id);

/* Read the table named by the required parameter RouteTableId into ret:
 * MissingParameter, InvalidRouteTableID.Malformed or .NotFound otherwise. */
int rtb_param_get(struct request *r, struct route_table *ret);

#endif
