/* handlers_address.c - placeholder until the handlers land: every action answers
 * InvalidAction so the binary links. */
#include "api/handlers.h"

int handle_allocate_address(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action AllocateAddress is not implemented yet.");
}

int handle_associate_address(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action AssociateAddress is not implemented yet.");
}

int handle_disassociate_address(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DisassociateAddress is not implemented yet.");
}

int handle_release_address(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action ReleaseAddress is not implemented yet.");
}

int handle_describe_addresses(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DescribeAddresses is not implemented yet.");
}

