/* handlers_igw.c - placeholder until the handlers land: every action answers
 * InvalidAction so the binary links. */
#include "api/handlers.h"

int handle_create_internet_gateway(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action CreateInternetGateway is not implemented yet.");
}

int handle_attach_internet_gateway(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action AttachInternetGateway is not implemented yet.");
}

int handle_detach_internet_gateway(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DetachInternetGateway is not implemented yet.");
}

int handle_delete_internet_gateway(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DeleteInternetGateway is not implemented yet.");
}

int handle_describe_internet_gateways(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DescribeInternetGateways is not implemented yet.");
}

