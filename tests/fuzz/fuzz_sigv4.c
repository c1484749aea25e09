/* fuzz_sigv4.c - libFuzzer harness: arbitrary bytes as the Authorization
 * header and as the query string through sigv4_parse, then sigv4_verify. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/sigv4.h"

#define FUZZ_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define FUZZ_NOW ((time_t)1440938160) /* the X-Amz-Date below, so timing passes */

/* One request with the given parts; authz NULL leaves the header out. The
 * canonical request is built too, as verify would, whatever parse says
 * about the auth it filled. */
static void fuzz_request(const char *path, const char *query, const char *authz, const void *body,
			 size_t body_len)
{
	struct http_header headers[] = {
		{ .name = "Host", .value = "example.amazonaws.com" },
		{ .name = "X-Amz-Date", .value = "20150830T123600Z" },
		{ .name = "X-Amz-Security-Token", .value = "token" },
		{ .name = "My-Header1", .value = "  a \t b\r\n  c " },
		{ .name = "Authorization", .value = authz },
	};
	struct sigv4_request req = {
		.method = "POST", .path = path, .query = query, .headers = headers,
		.header_count = authz ? 5 : 4, .body = body, .body_len = body_len,
	};
	struct sigv4_auth auth;
	struct diag d;
	char *creq = NULL, *sts = NULL;

	diag_init(&d);
	if (sigv4_parse(&req, &auth, &d) != 0)
		return;
	diag_init(&d);
	sigv4_verify(&req, &auth, FUZZ_SECRET, FUZZ_NOW, &d);
	if (sigv4_canonical_request(&req, &auth, &creq) == 0 && sigv4_string_to_sign(&auth, creq, &sts) == 0)
		free(sts);
	free(creq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *query, *path;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	/* the whole input as an Authorization header, then as a query string */
	fuzz_request("/", "", text, NULL, 0);
	fuzz_request("/", text, NULL, NULL, 0);

	/* "authz\nquery\npath": a header that parses, so the query and path
	 * go through canonicalisation; the input is also the body. */
	query = strchr(text, '\n');
	if (query) {
		*query++ = '\0';
		path = strchr(query, '\n');
		if (path)
			*path++ = '\0';
		fuzz_request(path ? path : "/", query, text, data, size);
		fuzz_request(path ? path : "/", query, NULL, data, size);
	}
	free(text);
	return 0;
}
