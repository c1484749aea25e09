/* handlers_eni.c - placeholder until the handlers land: every action answers
 * InvalidAction so the binary links. */
#include "api/handlers.h"

int handle_describe_network_interfaces(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DescribeNetworkInterfaces is not implemented yet.");
}

int handle_modify_network_interface_attribute(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action ModifyNetworkInterfaceAttribute is not implemented yet.");
}

