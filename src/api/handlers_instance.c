/* handlers_instance.c - placeholder until the handlers land: every action answers
 * InvalidAction so the binary links. */
#include "api/handlers.h"

int handle_run_instances(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action RunInstances is not implemented yet.");
}

int handle_describe_instances(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DescribeInstances is not implemented yet.");
}

int handle_terminate_instances(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action TerminateInstances is not implemented yet.");
}

int handle_stop_instances(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action StopInstances is not implemented yet.");
}

int handle_start_instances(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action StartInstances is not implemented yet.");
}

int handle_modify_instance_attribute(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action ModifyInstanceAttribute is not implemented yet.");
}

int handle_describe_images(struct request *r)
{
	return diag_set(&r->diag, "InvalidAction", "The action DescribeImages is not implemented yet.");
}

