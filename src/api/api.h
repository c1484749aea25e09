/* api.h - the EC2 endpoint as a function: one HTTP request in, one HTTP
 * answer out. http.c feeds it from libmicrohttpd; tests and fuzzers can
 * call it directly. */
#ifndef BH_API_H
#define BH_API_H

#include <stdbool.h>
#include <stddef.h>

#include "api/audit.h"
#include "api/sigv4.h"
#include "lib/buf.h"
#include "store/hostkey.h"
#include "store/store.h"

#define BH_REGION_NAME 32

struct api_config {
	struct store *store;
	struct hostkey hostkey;
	char region[BH_REGION_NAME];  /* the one region this endpoint serves */
	char endpoint_host[128];      /* "host:port" clients reach, answered as regionEndpoint */
	struct audit *audit;          /* NULL: no audit log */
};

struct api_http_request {
	const char *method;
	const char *raw_uri;  /* path and query exactly as received */
	const struct http_header *headers;
	size_t header_count;
	bool too_many_headers;  /* more than BH_MAX_HEADER_COUNT arrived */
	const char *body;
	size_t body_len;
	bool body_too_large;    /* more than BH_MAX_BODY_BYTES arrived */
	const char *source_addr;
};

struct api_http_response {
	int status;
	struct buf body;  /* XML; the caller releases it */
};

/* Authenticate, dispatch and answer one request. Never fails: every error
 * becomes an EC2 error document. */
void api_handle(const struct api_config *cfg, const struct api_http_request *req,
		struct api_http_response *ret);

/* The availability zones of cfg's region: "<region>a", "<region>b". */
#define BH_ZONE_COUNT 2
void api_zone_name(const struct api_config *cfg, size_t i, char ret[BH_AZ_NAME]);

#endif
