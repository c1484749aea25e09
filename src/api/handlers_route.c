/* handlers_route.c - placeholder until the handlers land: every action answers
 * InvalidAction so the binary links. */
#include "api/handlers.h"

int handle_create_route_table(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action CreateRouteTable is not implemented yet.");
}

int handle_describe_route_tables(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DescribeRouteTables is not implemented yet.");
}

int handle_associate_route_table(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action AssociateRouteTable is not implemented yet.");
}

int handle_disassociate_route_table(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DisassociateRouteTable is not implemented yet.");
}

int handle_replace_route_table_association(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action ReplaceRouteTableAssociation is not implemented yet.");
}

int handle_create_route(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action CreateRoute is not implemented yet.");
}

int handle_replace_route(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action ReplaceRoute is not implemented yet.");
}

int handle_delete_route(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DeleteRoute is not implemented yet.");
}

int handle_delete_route_table(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DeleteRouteTable is not implemented yet.");
}

