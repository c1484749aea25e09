/* dispatch.c - the path of every EC2 call: decode parameters, authenticate
 * with SigV4, find the action, run its handler inside one store
 * transaction scoped to the caller's account, answer, and audit. */
#include "api/api.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/handlers.h"
#include "api/xml.h"
#include "lib/limits.h"
#include "model/ids.h"

#define BH_MAX_RESPONSE_BYTES (64u * 1024 * 1024)

struct action {
	const char *name;
	request_handler_fn *handler;
};

static const struct action actions[] = {
	{ "AllocateAddress", handle_allocate_address },
	{ "AssociateAddress", handle_associate_address },
	{ "AssociateRouteTable", handle_associate_route_table },
	{ "AttachInternetGateway", handle_attach_internet_gateway },
	{ "AuthorizeSecurityGroupEgress", handle_authorize_security_group_egress },
	{ "AuthorizeSecurityGroupIngress", handle_authorize_security_group_ingress },
	{ "CreateInternetGateway", handle_create_internet_gateway },
	{ "CreateRoute", handle_create_route },
	{ "CreateRouteTable", handle_create_route_table },
	{ "CreateSecurityGroup", handle_create_security_group },
	{ "CreateSubnet", handle_create_subnet },
	{ "CreateTags", handle_create_tags },
	{ "CreateVpc", handle_create_vpc },
	{ "DeleteInternetGateway", handle_delete_internet_gateway },
	{ "DeleteRoute", handle_delete_route },
	{ "DeleteRouteTable", handle_delete_route_table },
	{ "DeleteSecurityGroup", handle_delete_security_group },
	{ "DeleteSubnet", handle_delete_subnet },
	{ "DeleteTags", handle_delete_tags },
	{ "DeleteVpc", handle_delete_vpc },
	{ "DescribeAddresses", handle_describe_addresses },
	{ "DescribeAvailabilityZones", handle_describe_availability_zones },
	{ "DescribeImages", handle_describe_images },
	{ "DescribeInstances", handle_describe_instances },
	{ "DescribeInternetGateways", handle_describe_internet_gateways },
	{ "DescribeNetworkInterfaces", handle_describe_network_interfaces },
	{ "DescribeRegions", handle_describe_regions },
	{ "DescribeRouteTables", handle_describe_route_tables },
	{ "DescribeSecurityGroupRules", handle_describe_security_group_rules },
	{ "DescribeSecurityGroups", handle_describe_security_groups },
	{ "DescribeSubnets", handle_describe_subnets },
	{ "DescribeTags", handle_describe_tags },
	{ "DescribeVpcAttribute", handle_describe_vpc_attribute },
	{ "DescribeVpcs", handle_describe_vpcs },
	{ "DetachInternetGateway", handle_detach_internet_gateway },
	{ "DisassociateAddress", handle_disassociate_address },
	{ "DisassociateRouteTable", handle_disassociate_route_table },
	{ "ModifyInstanceAttribute", handle_modify_instance_attribute },
	{ "ModifyNetworkInterfaceAttribute", handle_modify_network_interface_attribute },
	{ "ModifySecurityGroupRules", handle_modify_security_group_rules },
	{ "ModifySubnetAttribute", handle_modify_subnet_attribute },
	{ "ModifyVpcAttribute", handle_modify_vpc_attribute },
	{ "ReleaseAddress", handle_release_address },
	{ "ReplaceRoute", handle_replace_route },
	{ "ReplaceRouteTableAssociation", handle_replace_route_table_association },
	{ "RevokeSecurityGroupEgress", handle_revoke_security_group_egress },
	{ "RevokeSecurityGroupIngress", handle_revoke_security_group_ingress },
	{ "RunInstances", handle_run_instances },
	{ "StartInstances", handle_start_instances },
	{ "StopInstances", handle_stop_instances },
	{ "TerminateInstances", handle_terminate_instances },
};

void api_zone_name(const struct api_config *cfg, size_t i, char ret[BH_AZ_NAME])
{
	bh_snprintf(ret, BH_AZ_NAME, "%s%c", cfg->region, (char)('a' + i));
}

void request_note_resource(struct request *r, const char *id)
{
	if (!id || !*id || r->resource_ids.len + strlen(id) + 1 > 16 * BH_MAX_ID)
		return;
	if (r->resource_ids.len)
		buf_putc(&r->resource_ids, ',');
	buf_puts(&r->resource_ids, id);
}

int request_store_error(struct request *r, int err)
{
	return diag_set_status(&r->diag, 500, "InternalError",
			       "An internal error has occurred (store error %d)", -err);
}

static const struct action *action_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	return NULL;
}

static const char *header_get(const struct api_http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->header_count; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

/* Decode the query string, and a form-encoded POST body, into r->params. */
static int request_decode(struct request *r, const struct api_http_request *req, const char *query)
{
	const char *ctype;
	int rc;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0)
		return diag_set_status(&r->diag, 405, "UnsupportedHttpVerb",
				       "The HTTP verb %.16s is not supported; use GET or POST", req->method);
	if (strlen(req->raw_uri) > BH_MAX_URL_BYTES)
		return diag_set_status(&r->diag, 414, "InvalidParameterValue",
				       "The request URI exceeds %d bytes", BH_MAX_URL_BYTES);
	if (req->too_many_headers)
		return diag_set_status(&r->diag, 431, "InvalidParameterValue",
				       "The request has more than %d headers", BH_MAX_HEADER_COUNT);
	if (req->body_too_large || req->body_len > BH_MAX_BODY_BYTES)
		return diag_set_status(&r->diag, 413, "InvalidParameterValue",
				       "The request body exceeds %d bytes", BH_MAX_BODY_BYTES);
	rc = params_parse(&r->params, query, strlen(query), &r->diag);
	if (rc < 0)
		return rc;
	ctype = header_get(req, "Content-Type");
	if (strcmp(req->method, "POST") == 0 && req->body_len > 0) {
		if (!ctype || strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0)
			return diag_set(&r->diag, "InvalidParameterValue",
					"A POST body must be application/x-www-form-urlencoded");
		rc = params_parse(&r->params, req->body, req->body_len, &r->diag);
	}
	return rc;
}

/* SigV4: who is calling, and is it really them? Fills r->account_id. */
static int request_authenticate(struct request *r, const struct api_http_request *req, const char *path,
				const char *query)
{
	struct sigv4_request sr = {
		.method = req->method, .path = path, .query = query, .headers = req->headers,
		.header_count = req->header_count, .body = req->body, .body_len = req->body_len,
	};
	struct sigv4_auth auth;
	struct access_key key;
	char secret[BH_SECRET_KEY_LEN + 1];
	int rc;

	rc = sigv4_parse(&sr, &auth, &r->diag);
	if (rc < 0)
		return rc;
	bh_strlcpy(r->access_key_id, auth.access_key_id, sizeof(r->access_key_id));
	if (auth.has_session_token)
		return diag_set_status(&r->diag, 401, "AuthFailure",
				       "Session tokens are not supported by this endpoint; sign with an access key");
	rc = store_key_get(r->cfg->store, auth.access_key_id, &key);
	if (rc < 0 || !key.enabled)
		return diag_set_status(&r->diag, 401, "AuthFailure",
				       "AWS was not able to validate the provided access credentials");
	if (strcmp(auth.service, "ec2") != 0 || strcmp(auth.region, r->cfg->region) != 0)
		return diag_set_status(&r->diag, 403, "SignatureDoesNotMatch",
				       "Credential should be scoped to a valid region and service: expected %s/ec2, got %.32s/%.32s",
				       r->cfg->region, auth.region, auth.service);
	if (auth.payload_unsigned && req->body_len > 0)
		return diag_set_status(&r->diag, 403, "SignatureDoesNotMatch",
				       "UNSIGNED-PAYLOAD is refused for a request with a body: its parameters must be signed");
	rc = hostkey_open(&r->cfg->hostkey, key.sealed_secret, key.sealed_len, secret, sizeof(secret));
	if (rc < 0)
		return diag_set_status(&r->diag, 500, "InternalError", "The access key could not be unsealed");
	rc = sigv4_verify(&sr, &auth, secret, time(NULL), &r->diag);
	explicit_bzero(secret, sizeof(secret));
	if (rc < 0)
		return rc;
	bh_strlcpy(r->account_id, key.account_id, sizeof(r->account_id));
	return 0;
}

static int request_run(struct request *r, const struct action *a)
{
	bool dry_run = false;
	int rc;

	rc = params_bool(&r->params, "DryRun", &dry_run, &r->diag);
	if (rc < 0)
		return rc;
	if (dry_run)
		return diag_set_status(&r->diag, 412, "DryRunOperation",
				       "Request would have succeeded, but DryRun flag is set.");
	rc = store_begin(r->cfg->store, r->account_id, &r->tx);
	if (rc == -ENOENT)  /* the account was deleted since its key was checked */
		return diag_set_status(&r->diag, 401, "AuthFailure",
				       "AWS was not able to validate the provided access credentials");
	if (rc < 0)
		return request_store_error(r, rc);
	rc = a->handler(r);
	if (rc == 0 && r->out->overflow)
		rc = diag_set_status(&r->diag, 500, "InternalError", "The answer is too large; use MaxResults");
	if (rc < 0) {
		store_rollback(r->tx);
		r->tx = NULL;
		if (!r->diag.code)
			request_store_error(r, rc);
		return rc;
	}
	rc = store_commit(r->tx);
	r->tx = NULL;
	if (rc < 0)
		return request_store_error(r, rc);
	return 0;
}

static int request_process(struct request *r, const struct api_http_request *req)
{
	char path[BH_MAX_URL_BYTES + 1];
	const char *query = strchr(req->raw_uri, '?');
	const struct action *a;
	int rc;

	if (bh_strlcpy(path, req->raw_uri, sizeof(path)) < 0)
		return diag_set_status(&r->diag, 414, "InvalidParameterValue",
				       "The request URI exceeds %d bytes", BH_MAX_URL_BYTES);
	if (query)
		path[query - req->raw_uri] = '\0';
	query = query ? query + 1 : "";
	rc = request_decode(r, req, query);
	if (rc < 0)
		return rc;
	r->action = params_get(&r->params, "Action");
	rc = request_authenticate(r, req, path, query);
	if (rc < 0)
		return rc;
	if (!r->action || !*r->action)
		return diag_set(&r->diag, "MissingAction", "The request must contain the parameter Action");
	a = action_find(r->action);
	if (!a)
		return diag_set(&r->diag, "InvalidAction",
				"The action %.64s is not valid for this web service.", r->action);
	return request_run(r, a);
}

void api_handle(const struct api_config *cfg, const struct api_http_request *req,
		struct api_http_response *ret)
{
	struct buf inner = BUF_INIT(BH_MAX_RESPONSE_BYTES);
	struct request r = { .cfg = cfg };
	struct audit_event ev;
	int rc;

	buf_init(&ret->body, BH_MAX_RESPONSE_BYTES + 4096);
	buf_init(&r.resource_ids, 16 * BH_MAX_ID + 16);
	params_init(&r.params);
	diag_init(&r.diag);
	r.out = &inner;
	if (request_id_generate(r.request_id) < 0)
		bh_strlcpy(r.request_id, "00000000-0000-0000-0000-000000000000", sizeof(r.request_id));
	bh_strlcpy(r.source_addr, req->source_addr ? req->source_addr : "", sizeof(r.source_addr));

	rc = request_process(&r, req);
	if (rc < 0 || r.diag.code) {
		if (!r.diag.code)
			diag_set_status(&r.diag, 500, "InternalError", "An internal error has occurred");
		ret->status = r.diag.http_status ? r.diag.http_status : 400;
		xml_error_document(&ret->body, r.diag.code, r.diag.message, r.request_id);
	} else {
		ret->status = 200;
		buf_printf(&ret->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%sResponse xmlns=\"%s\">",
			   r.action, BH_EC2_XMLNS);
		xml_text(&ret->body, "requestId", r.request_id);
		buf_append(&ret->body, buf_str(&inner), inner.len);
		buf_printf(&ret->body, "</%sResponse>", r.action);
	}

	ev = (struct audit_event){
		.request_id = r.request_id, .account_id = r.account_id, .access_key_id = r.access_key_id,
		.source_addr = r.source_addr, .action = r.action ? r.action : "",
		.resource_ids = buf_str(&r.resource_ids), .result = r.diag.code ? r.diag.code : "Success",
		.http_status = ret->status,
	};
	audit_record(cfg->audit, &ev);
	buf_release(&inner);
	buf_release(&r.resource_ids);
	params_release(&r.params);
}
