/* sigv4.h - AWS Signature Version 4: parse the Authorization header or the
 * presigned query string, then check the signature against a secret.
 * Parsing never needs the secret; verifying never needs the parser's input
 * beyond the canonical request. */
#ifndef BH_SIGV4_H
#define BH_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/diag.h"
#include "lib/limits.h"

struct http_header {
	const char *name;   /* as received; compared case-insensitively */
	const char *value;
};

/* The parts of an HTTP request that SigV4 signs. */
struct sigv4_request {
	const char *method;       /* "GET", "POST" */
	const char *path;         /* raw path as received, without the query */
	const char *query;        /* raw query string without '?', "" if none */
	const struct http_header *headers;
	size_t header_count;
	const void *body;
	size_t body_len;
};

#define BH_SIGV4_SCOPE_PART 64

/* What a request claims: who signed, when, for which scope and headers. */
struct sigv4_auth {
	bool presigned;                              /* from X-Amz-* query params */
	char access_key_id[BH_SIGV4_SCOPE_PART];
	char date[9];                                /* scope date YYYYMMDD */
	char region[BH_SIGV4_SCOPE_PART];
	char service[BH_SIGV4_SCOPE_PART];
	char amz_date[17];                           /* YYYYMMDDTHHMMSSZ */
	long expires;                                /* presigned only, seconds */
	bool has_session_token;                      /* X-Amz-Security-Token present */
	char signed_headers[BH_MAX_SIGNED_HEADERS][64]; /* lower case, sorted as given */
	size_t signed_header_count;
	char signature[65];                          /* lower-case hex */
	/* x-amz-content-sha256 is signed and says UNSIGNED-PAYLOAD: the body is
	 * not covered by the signature, so the caller must not act on it. */
	bool payload_unsigned;
};

/* Find and parse the signature of req. Errors (diag code, HTTP status):
 *   no Authorization header and no X-Amz-Algorithm -> MissingAuthenticationToken (401)
 *   malformed or missing parts                       -> IncompleteSignature (400)
 * Returns 0 or -EINVAL. */
int sigv4_parse(const struct sigv4_request *req, struct sigv4_auth *ret, struct diag *d);

/* Check timing and the signature. now is the current unix time.
 *   X-Amz-Date more than BH_MAX_CLOCK_SKEW away from now, or a presigned URL
 *   past its expiry                                  -> RequestExpired (400)
 *   X-Amz-Expires > BH_MAX_PRESIGN_EXPIRES           -> AuthFailure (401)
 *   signature mismatch                               -> SignatureDoesNotMatch (403)
 * Returns 0 or -EINVAL / -EACCES. */
int sigv4_verify(const struct sigv4_request *req, const struct sigv4_auth *auth,
		 const char *secret, time_t now, struct diag *d);

/* Exposed for tests: the canonical request and the string to sign exactly
 * as the AWS test suite spells them (.creq and .sts files). */
int sigv4_canonical_request(const struct sigv4_request *req, const struct sigv4_auth *auth,
			    char **ret);
int sigv4_string_to_sign(const struct sigv4_auth *auth, const char *canonical_request, char **ret);

#endif
