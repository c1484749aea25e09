/* handlers.h - every EC2 action bulkhead answers, one handler each, grouped
 * by resource family in handlers_<family>.c. See request.h for the contract. */
#ifndef BH_HANDLERS_H
#define BH_HANDLERS_H

#include "api/request.h"

/* handlers_region.c */
request_handler_fn handle_describe_regions;
request_handler_fn handle_describe_availability_zones;

/* handlers_vpc.c */
request_handler_fn handle_create_vpc;
request_handler_fn handle_describe_vpcs;
request_handler_fn handle_delete_vpc;
request_handler_fn handle_modify_vpc_attribute;
request_handler_fn handle_describe_vpc_attribute;

/* handlers_subnet.c */
request_handler_fn handle_create_subnet;
request_handler_fn handle_describe_subnets;
request_handler_fn handle_delete_subnet;
request_handler_fn handle_modify_subnet_attribute;

/* handlers_sg.c */
request_handler_fn handle_create_security_group;
request_handler_fn handle_describe_security_groups;
request_handler_fn handle_delete_security_group;
request_handler_fn handle_authorize_security_group_ingress;
request_handler_fn handle_authorize_security_group_egress;
request_handler_fn handle_revoke_security_group_ingress;
request_handler_fn handle_revoke_security_group_egress;
request_handler_fn handle_describe_security_group_rules;
request_handler_fn handle_modify_security_group_rules;

/* handlers_tags.c */
request_handler_fn handle_create_tags;
request_handler_fn handle_delete_tags;
request_handler_fn handle_describe_tags;

/* handlers_instance.c */
request_handler_fn handle_run_instances;
request_handler_fn handle_describe_instances;
request_handler_fn handle_terminate_instances;
request_handler_fn handle_stop_instances;
request_handler_fn handle_start_instances;
request_handler_fn handle_modify_instance_attribute;
request_handler_fn handle_describe_images;

/* handlers_eni.c */
request_handler_fn handle_describe_network_interfaces;
request_handler_fn handle_modify_network_interface_attribute;

/* handlers_route_entries.c */
request_handler_fn handle_create_route;
request_handler_fn handle_replace_route;
request_handler_fn handle_delete_route;

/* handlers_route.c */
request_handler_fn handle_create_route_table;
request_handler_fn handle_describe_route_tables;
request_handler_fn handle_associate_route_table;
request_handler_fn handle_disassociate_route_table;
request_handler_fn handle_replace_route_table_association;
request_handler_fn handle_delete_route_table;

/* handlers_igw.c */
request_handler_fn handle_create_internet_gateway;
request_handler_fn handle_attach_internet_gateway;
request_handler_fn handle_detach_internet_gateway;
request_handler_fn handle_delete_internet_gateway;
request_handler_fn handle_describe_internet_gateways;

/* handlers_address.c */
request_handler_fn handle_allocate_address;
request_handler_fn handle_associate_address;
request_handler_fn handle_disassociate_address;
request_handler_fn handle_release_address;
request_handler_fn handle_describe_addresses;

/* Shared by CreateVpc and the group handlers: make the VPC's "default"
 * group with its two default rules (ingress from itself, all egress). */
int sg_create_default(struct request *r, const char *vpc_id);

/* Shared by CreateSecurityGroup and sg_create_default: the allow-all egress
 * rule every new group starts with. */
int sg_add_default_egress(struct request *r, const char *group_id);

/* handlers_route.c, for the VPC and subnet handlers. CreateVpc: make the
 * VPC's main route table with its local route and main association.
 * DeleteVpc: drop the main table with its routes, association and tags,
 * refusing (DependencyViolation) while the VPC has any other table.
 * DeleteSubnet: drop the subnet's explicit association, if any. */
int rtb_create_main(struct request *r, const char *vpc_id);
int rtb_drop_main(struct request *r, const char *vpc_id);
int rtb_subnet_disassociate(struct request *r, const char *subnet_id);

/* handlers_vpc.c and handlers_subnet.c, for every handler that names one
 * in a required VpcId / SubnetId: read it into ret, or MissingParameter,
 * Invalid{Vpc,Subnet}ID.Malformed or .NotFound. */
struct vpc;
struct subnet;
int vpc_param_get(struct request *r, struct vpc *ret);
int subnet_param_get(struct request *r, struct subnet *ret);

#endif
