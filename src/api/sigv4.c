/* sigv4.c - AWS Signature Version 4 for incoming requests: reading the
 * Authorization header or presigned query, the canonical request, the check. */
#include "sigv4.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/crypto.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR "aws4_request"
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_MISMATCH \
	"The request signature we calculated does not match the signature you provided. " \
	"Check your AWS Secret Access Key and signing method."

/* The longest auth parameter worth decoding: a full SignedHeaders list. */
#define SIGV4_MAX_PARAM (BH_MAX_SIGNED_HEADERS * 64)
/* Percent-encoding at most triples the URL; every header may be signed. */
#define SIGV4_MAX_CANONICAL \
	(3 * BH_MAX_URL_BYTES + BH_MAX_HEADER_COUNT * (BH_MAX_HEADER_BYTES + 1) + \
	 BH_MAX_SIGNED_HEADERS * 2 * 64 + 256)
/* "AWS4" + secret; our own secrets are BH_SECRET_KEY_LEN, this is slack. */
#define SIGV4_MAX_SECRET 256

/* A SHA-256 in hex: the signature, a payload hash. */
#define SIGV4_HEX_LEN (2 * BH_SHA256_LEN)

static bool is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* HTTP whitespace, plus CR and LF so an obs-folded value collapses too. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 7230 token characters, lower case only: SignedHeaders must be lower. */
static bool is_lower_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int uri_encode(struct buf *b, const char *s, size_t len, bool keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;
	int r = 0;

	for (i = 0; i < len && r == 0; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c) || (keep_slash && c == '/')) {
			r = buf_putc(b, (char)c);
		} else {
			char esc[3] = { '%', digits[c >> 4], digits[c & 15] };

			r = buf_append(b, esc, sizeof(esc));
		}
	}
	return r;
}

/* Decode one query component the way query.c does ('+' is a space), so two
 * strings that query.c reads alike canonicalise alike and vice versa. A
 * malformed escape stays literal; query.c refuses it anyway. */
static int query_decode(struct buf *b, const char *s, size_t len)
{
	size_t i;
	int r = 0;

	for (i = 0; i < len && r == 0; i++) {
		if (s[i] == '+') {
			r = buf_putc(b, ' ');
		} else if (s[i] == '%' && i + 2 < len && hex_value(s[i + 1]) >= 0 &&
			   hex_value(s[i + 2]) >= 0) {
			r = buf_putc(b, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
			i += 2;
		} else {
			r = buf_putc(b, s[i]);
		}
	}
	return r;
}

/* The one parameter whose decoded name is name, decoded into ret.
 * 0 found, -ENOENT absent, -EEXIST given twice, -E2BIG or -EINVAL (a NUL
 * byte) when its value cannot be a C string of size bytes. */
static int query_param(const char *query, const char *name, char *ret, size_t size)
{
	struct buf key = BUF_INIT(BH_MAX_PARAM_NAME);
	struct buf value = BUF_INIT(size - 1);
	const char *p = query;
	bool found = false;
	int r = 0;

	while (*p) {
		size_t pair_len = strcspn(p, "&");
		const char *eq = memchr(p, '=', pair_len);
		size_t name_len = eq ? (size_t)(eq - p) : pair_len;

		buf_reset(&key);
		if (query_decode(&key, p, name_len) == 0 && strcmp(buf_str(&key), name) == 0 &&
		    key.len == strlen(name)) {
			if (found) {
				r = -EEXIST;
				goto out;
			}
			found = true;
			if (eq) {
				r = query_decode(&value, eq + 1, pair_len - name_len - 1);
				if (r < 0)
					goto out;
			}
		}
		p += pair_len;
		if (*p == '&')
			p++;
	}
	if (!found) {
		r = -ENOENT;
		goto out;
	}
	if (strlen(buf_str(&value)) != value.len) {
		r = -EINVAL;
		goto out;
	}
	r = bh_strlcpy(ret, buf_str(&value), size);
out:
	buf_release(&key);
	buf_release(&value);
	return r;
}

static size_t header_count(const struct sigv4_request *req, const char *name, const char **ret_first)
{
	size_t i, n = 0;

	*ret_first = NULL;
	for (i = 0; i < req->header_count; i++) {
		if (strcasecmp(req->headers[i].name, name) != 0)
			continue;
		if (n++ == 0)
			*ret_first = req->headers[i].value;
	}
	return n;
}

static bool auth_signs(const struct sigv4_auth *auth, const char *name)
{
	size_t i;

	for (i = 0; i < auth->signed_header_count; i++)
		if (strcmp(auth->signed_headers[i], name) == 0)
			return true;
	return false;
}

/* Every header called name, each value trimmed with inner whitespace runs
 * made one space, joined with ',' in the order received. */
static int canonical_header_value(struct buf *b, const struct sigv4_request *req, const char *name)
{
	size_t i, found = 0;
	int r = 0;

	for (i = 0; i < req->header_count && r == 0; i++) {
		const char *v = req->headers[i].value;
		bool pending_space = false;

		if (strcasecmp(req->headers[i].name, name) != 0)
			continue;
		if (found++ > 0)
			r = buf_putc(b, ',');
		while (is_space(*v))
			v++;
		for (; *v && r == 0; v++) {
			if (is_space(*v)) {
				pending_space = true;
				continue;
			}
			if (pending_space)
				r = buf_putc(b, ' ');
			if (r == 0)
				r = buf_putc(b, *v);
			pending_space = false;
		}
	}
	if (r == 0 && found == 0)
		r = -ENOENT;
	return r;
}

/* Days since the epoch of a proleptic Gregorian date (Howard Hinnant's
 * algorithm): no timegm(), so no dependence on the process's TZ. */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits_value(const char *s, size_t n, unsigned *ret)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*ret = v;
	return 0;
}

/* "YYYYMMDD" into days since the epoch; a real calendar date or -EINVAL. */
static int scope_date_days(const char *s, long long *ret)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, m, d;
	bool leap;

	if (digits_value(s, 4, &y) < 0 || digits_value(s + 4, 2, &m) < 0 ||
	    digits_value(s + 6, 2, &d) < 0)
		return -EINVAL;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
		return -EINVAL;
	*ret = days_from_civil(y, m, d);
	return 0;
}

/* "YYYYMMDDTHHMMSSZ" (exactly) into unix time, or -EINVAL. */
static int amz_date_time(const char *s, long long *ret)
{
	unsigned hh, mm, ss;
	long long days;

	if (strnlen(s, 17) != 16 || s[8] != 'T' || s[15] != 'Z' || scope_date_days(s, &days) < 0 ||
	    digits_value(s + 9, 2, &hh) < 0 || digits_value(s + 11, 2, &mm) < 0 ||
	    digits_value(s + 13, 2, &ss) < 0 || hh > 23 || mm > 59 || ss > 59)
		return -EINVAL;
	*ret = days * 86400 + hh * 3600 + mm * 60 + ss;
	return 0;
}

static bool scope_part_ok(const char *s, size_t len, bool key_id)
{
	size_t i;

	if (len == 0 || len >= BH_SIGV4_SCOPE_PART)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];
		bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (key_id || (c != '-' && c != '_' && c != '.')))
			return false;
	}
	return true;
}

/* "AKID/YYYYMMDD/region/service/aws4_request" */
static int parse_credential(const char *s, size_t len, struct sigv4_auth *auth, struct diag *d)
{
	const char *part[5];
	size_t part_len[5], n = 0, i;
	const char *p = s, *end = s + len;
	long long days;

	/* The fifth part runs to the end, so a sixth shows up as a '/' in it. */
	while (n < 5) {
		const char *slash = n < 4 ? memchr(p, '/', (size_t)(end - p)) : NULL;

		part[n] = p;
		part_len[n] = slash ? (size_t)(slash - p) : (size_t)(end - p);
		n++;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (n != 5 || memchr(part[4], '/', part_len[4]))
		return diag_set(d, "IncompleteSignature",
				"Credential must have the form <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request");
	if (!scope_part_ok(part[0], part_len[0], true))
		return diag_set(d, "IncompleteSignature", "Credential has a malformed access key id");
	if (part_len[1] != 8 || scope_date_days(part[1], &days) < 0)
		return diag_set(d, "IncompleteSignature", "Credential has a malformed date; expected YYYYMMDD");
	if (!scope_part_ok(part[2], part_len[2], false) || !scope_part_ok(part[3], part_len[3], false))
		return diag_set(d, "IncompleteSignature", "Credential has a malformed region or service");
	if (part_len[4] != strlen(SIGV4_TERMINATOR) || memcmp(part[4], SIGV4_TERMINATOR, part_len[4]) != 0)
		return diag_set(d, "IncompleteSignature", "Credential must end with aws4_request");
	for (i = 0; i < 4; i++) {
		char *dst[] = { auth->access_key_id, auth->date, auth->region, auth->service };

		memcpy(dst[i], part[i], part_len[i]);
		dst[i][part_len[i]] = '\0';
	}
	return 0;
}

/* "a;b;c": lower case, strictly ascending (so no duplicates), host among them. */
static int parse_signed_headers(const char *s, size_t len, struct sigv4_auth *auth, struct diag *d)
{
	const char *p = s, *end = s + len;
	bool host = false;

	auth->signed_header_count = 0;
	for (;;) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		size_t n = semi ? (size_t)(semi - p) : (size_t)(end - p);
		char *name;
		size_t i;

		if (auth->signed_header_count >= BH_MAX_SIGNED_HEADERS)
			return diag_set(d, "IncompleteSignature", "SignedHeaders names more than %d headers",
					BH_MAX_SIGNED_HEADERS);
		if (n == 0 || n >= sizeof(auth->signed_headers[0]))
			return diag_set(d, "IncompleteSignature", "SignedHeaders has an empty or overlong name");
		for (i = 0; i < n; i++)
			if (!is_lower_tchar(p[i]))
				return diag_set(d, "IncompleteSignature",
						"SignedHeaders must list lower-case header names separated by ';'");
		name = auth->signed_headers[auth->signed_header_count];
		memcpy(name, p, n);
		name[n] = '\0';
		if (auth->signed_header_count > 0 &&
		    strcmp(auth->signed_headers[auth->signed_header_count - 1], name) >= 0)
			return diag_set(d, "IncompleteSignature", "SignedHeaders must be sorted and unique");
		host = host || strcmp(name, "host") == 0;
		auth->signed_header_count++;
		if (!semi)
			break;
		p = semi + 1;
	}
	if (!host)
		return diag_set(d, "IncompleteSignature", "SignedHeaders must include host");
	return 0;
}

static int parse_signature(const char *s, size_t len, struct sigv4_auth *auth, struct diag *d)
{
	size_t i;

	if (len != SIGV4_HEX_LEN)
		return diag_set(d, "IncompleteSignature", "Signature must be %d hex digits", SIGV4_HEX_LEN);
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return diag_set(d, "IncompleteSignature", "Signature must be lower-case hex");
	memcpy(auth->signature, s, len);
	auth->signature[len] = '\0';
	return 0;
}

static int parse_amz_date(const char *s, struct sigv4_auth *auth, struct diag *d)
{
	long long t;

	if (amz_date_time(s, &t) < 0)
		return diag_set(d, "IncompleteSignature", "X-Amz-Date must be a UTC time as YYYYMMDDTHHMMSSZ");
	memcpy(auth->amz_date, s, 17);
	return 0;
}

/* "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." with
 * the components in any order, separated by commas and/or spaces. */
static int parse_authorization(const char *value, struct sigv4_auth *auth, struct diag *d)
{
	static const char *const keys[] = { "Credential", "SignedHeaders", "Signature" };
	const char *p = value;
	bool seen[3] = { false, false, false };
	size_t alg_len, i;
	int r;

	while (is_space(*p))
		p++;
	alg_len = strcspn(p, " \t\r\n,");
	if (alg_len != strlen(SIGV4_ALGORITHM) || memcmp(p, SIGV4_ALGORITHM, alg_len) != 0)
		return diag_set(d, "IncompleteSignature", "Unsupported signature algorithm; use " SIGV4_ALGORITHM);
	p += alg_len;
	for (;;) {
		const char *eq;
		size_t key_len, val_len;

		while (is_space(*p) || *p == ',')
			p++;
		if (!*p)
			break;
		key_len = strcspn(p, "= \t\r\n,");
		eq = p + key_len;
		if (*eq != '=')
			return diag_set(d, "IncompleteSignature", "Authorization components must be Name=Value");
		val_len = strcspn(eq + 1, " \t\r\n,");
		for (i = 0; i < 3; i++)
			if (key_len == strlen(keys[i]) && memcmp(p, keys[i], key_len) == 0)
				break;
		if (i == 3)
			return diag_set(d, "IncompleteSignature", "Authorization has an unknown component");
		if (seen[i])
			return diag_set(d, "IncompleteSignature", "Authorization names %s more than once", keys[i]);
		seen[i] = true;
		if (i == 0)
			r = parse_credential(eq + 1, val_len, auth, d);
		else if (i == 1)
			r = parse_signed_headers(eq + 1, val_len, auth, d);
		else
			r = parse_signature(eq + 1, val_len, auth, d);
		if (r < 0)
			return r;
		p = eq + 1 + val_len;
	}
	for (i = 0; i < 3; i++)
		if (!seen[i])
			return diag_set(d, "IncompleteSignature", "Authorization header requires '%s' parameter",
					keys[i]);
	return 0;
}

static int header_auth(const struct sigv4_request *req, const char *authz, struct sigv4_auth *auth,
		       struct diag *d)
{
	const char *date;
	size_t n;
	int r;

	if (strnlen(authz, BH_MAX_HEADER_BYTES + 1) > BH_MAX_HEADER_BYTES)
		return diag_set(d, "IncompleteSignature", "Authorization header exceeds %d bytes",
				BH_MAX_HEADER_BYTES);
	r = parse_authorization(authz, auth, d);
	if (r < 0)
		return r;
	n = header_count(req, "X-Amz-Date", &date);
	if (n == 0)
		return diag_set(d, "IncompleteSignature", "Authorization header requires an X-Amz-Date header");
	if (n > 1)
		return diag_set(d, "IncompleteSignature", "X-Amz-Date header is given more than once");
	return parse_amz_date(date, auth, d);
}

/* Fetch one required X-Amz-* query parameter, wording its errors. */
static int presign_param(const char *query, const char *name, char *ret, size_t size, struct diag *d)
{
	int r = query_param(query, name, ret, size);

	if (r == -ENOENT)
		return diag_set(d, "IncompleteSignature", "The presigned query string is missing %s", name);
	if (r == -EEXIST)
		return diag_set(d, "IncompleteSignature", "%s is given more than once", name);
	if (r < 0)
		return diag_set(d, "IncompleteSignature", "%s is malformed or overlong", name);
	return 0;
}

static int query_auth(const struct sigv4_request *req, struct sigv4_auth *auth, struct diag *d)
{
	char v[SIGV4_MAX_PARAM + 1];
	long expires;
	int r;

	auth->presigned = true;
	r = presign_param(req->query, "X-Amz-Algorithm", v, sizeof(v), d);
	if (r < 0)
		return r;
	if (strcmp(v, SIGV4_ALGORITHM) != 0)
		return diag_set(d, "IncompleteSignature", "Unsupported X-Amz-Algorithm; use " SIGV4_ALGORITHM);
	r = presign_param(req->query, "X-Amz-Credential", v, sizeof(v), d);
	if (r == 0)
		r = parse_credential(v, strlen(v), auth, d);
	if (r == 0)
		r = presign_param(req->query, "X-Amz-SignedHeaders", v, sizeof(v), d);
	if (r == 0)
		r = parse_signed_headers(v, strlen(v), auth, d);
	if (r == 0)
		r = presign_param(req->query, "X-Amz-Signature", v, sizeof(v), d);
	if (r == 0)
		r = parse_signature(v, strlen(v), auth, d);
	if (r == 0)
		r = presign_param(req->query, "X-Amz-Date", v, sizeof(v), d);
	if (r == 0)
		r = parse_amz_date(v, auth, d);
	if (r == 0)
		r = presign_param(req->query, "X-Amz-Expires", v, sizeof(v), d);
	if (r < 0)
		return r;
	/* A number out of long's range is still a number: verify refuses it
	 * as too long (AuthFailure) rather than calling it malformed. */
	r = bh_parse_long(v, LONG_MIN, LONG_MAX, &expires);
	if (r == -ERANGE)
		expires = v[0] == '-' ? LONG_MIN : LONG_MAX;
	else if (r < 0)
		return diag_set(d, "IncompleteSignature", "X-Amz-Expires must be a whole number of seconds");
	auth->expires = expires;
	return 0;
}

static bool query_has(const char *query, const char *name)
{
	char unused[2];

	return query_param(query, name, unused, sizeof(unused)) != -ENOENT;
}

int sigv4_parse(const struct sigv4_request *req, struct sigv4_auth *ret, struct diag *d)
{
	const char *authz, *value, *query = req->query ? req->query : "";
	struct sigv4_request q = *req;
	size_t n, i;
	bool presign;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	q.query = query;
	n = header_count(req, "Authorization", &authz);
	presign = query_has(query, "X-Amz-Algorithm") || query_has(query, "X-Amz-Credential") ||
		  query_has(query, "X-Amz-Signature");
	if (n == 0 && !presign) {
		r = diag_set_status(d, 401, "MissingAuthenticationToken", "Request is missing Authentication Token");
		goto out;
	}
	if (n > 1 || (n == 1 && presign)) {
		r = diag_set(d, "IncompleteSignature",
			     "Only one auth mechanism allowed: one Authorization header or X-Amz-* query parameters");
		goto out;
	}
	if (req->header_count > BH_MAX_HEADER_COUNT || !req->method || !req->path ||
	    strnlen(req->path, BH_MAX_URL_BYTES + 1) + strnlen(query, BH_MAX_URL_BYTES + 1) > BH_MAX_URL_BYTES ||
	    req->body_len > BH_MAX_BODY_BYTES) {
		r = diag_set(d, "IncompleteSignature", "The request exceeds the limits a signature can cover");
		goto out;
	}
	r = n == 1 ? header_auth(&q, authz, ret, d) : query_auth(&q, ret, d);
	if (r < 0)
		goto out;
	for (i = 0; i < ret->signed_header_count; i++) {
		size_t k;

		if (header_count(req, ret->signed_headers[i], &value) == 0) {
			r = diag_set(d, "IncompleteSignature", "SignedHeaders names %s but the request has no such header",
				     ret->signed_headers[i]);
			goto out;
		}
		for (k = 0; k < req->header_count; k++)
			if (strcasecmp(req->headers[k].name, ret->signed_headers[i]) == 0 &&
			    strnlen(req->headers[k].value, BH_MAX_HEADER_BYTES + 1) > BH_MAX_HEADER_BYTES) {
				r = diag_set(d, "IncompleteSignature", "Header %s exceeds %d bytes",
					     ret->signed_headers[i], BH_MAX_HEADER_BYTES);
				goto out;
			}
	}
	ret->has_session_token = header_count(req, "X-Amz-Security-Token", &value) > 0 ||
				 query_has(query, "X-Amz-Security-Token");
	if (auth_signs(ret, "x-amz-content-sha256")) {
		struct buf claimed = BUF_INIT(BH_MAX_HEADER_BYTES);

		r = canonical_header_value(&claimed, req, "x-amz-content-sha256");
		ret->payload_unsigned = r == 0 && strcmp(buf_str(&claimed), SIGV4_UNSIGNED_PAYLOAD) == 0;
		buf_release(&claimed);
		if (r < 0) {
			r = diag_set(d, "IncompleteSignature", "X-Amz-Content-Sha256 is overlong");
			goto out;
		}
	}
out:
	if (r < 0)
		memset(ret, 0, sizeof(*ret));
	return r;
}

/* Dot segments removed and empty segments dropped (as botocore does), then
 * each byte but '/' and the unreserved ones percent-encoded. The path is
 * taken as it came on the wire, so an escape there is encoded again: the
 * "double encoding" AWS specifies for every service but S3. */
static int canonical_uri(struct buf *b, const char *path)
{
	struct buf norm = BUF_INIT(BH_MAX_URL_BYTES);
	const char *p = path;
	size_t len = strlen(path);
	int r = 0;

	if (path[0] != '/')
		return -EINVAL;
	while (*p && r == 0) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing: an empty or "." segment */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = norm.len ? strrchr(norm.data, '/') : NULL;

			if (slash) {
				norm.len = (size_t)(slash - norm.data);
				*slash = '\0';
			}
		} else {
			r = buf_putc(&norm, '/');
			if (r == 0)
				r = buf_append(&norm, p, n);
		}
		p += n;
	}
	if (r == 0 && (norm.len == 0 || path[len - 1] == '/'))
		r = buf_putc(&norm, '/');
	if (r == 0)
		r = uri_encode(b, norm.data, norm.len, true);
	buf_release(&norm);
	return r;
}

struct query_pair {
	char *name;   /* canonical (re-encoded) */
	char *value;
};

static int query_pair_cmp(const void *a, const void *b)
{
	const struct query_pair *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

/* Canonical form of one raw component into a fresh string. */
static int query_component(const char *s, size_t len, char **ret)
{
	struct buf raw = BUF_INIT(BH_MAX_URL_BYTES);
	struct buf enc = BUF_INIT(3 * BH_MAX_URL_BYTES);
	int r;

	r = query_decode(&raw, s, len);
	if (r == 0)
		r = uri_encode(&enc, raw.data, raw.len, false);
	if (r == 0)
		*ret = buf_detach(&enc);
	buf_release(&raw);
	buf_release(&enc);
	return r;
}

static int canonical_query(struct buf *b, const char *query, bool presigned)
{
	struct query_pair *pairs = NULL;
	size_t count = 0, cap = 0, i;
	const char *p = query;
	int r = 0;

	while (*p) {
		size_t pair_len = strcspn(p, "&");
		const char *eq = memchr(p, '=', pair_len);
		size_t name_len = eq ? (size_t)(eq - p) : pair_len;
		struct query_pair pair = { NULL, NULL };

		if (pair_len > 0) {
			if (count >= BH_MAX_PARAMS) {
				r = -E2BIG;
				goto out;
			}
			if (count == cap) {
				struct query_pair *grown;

				cap = cap ? 2 * cap : 16;
				grown = realloc(pairs, cap * sizeof(*pairs));
				if (!grown) {
					r = -ENOMEM;
					goto out;
				}
				pairs = grown;
			}
			r = query_component(p, name_len, &pair.name);
			if (r == 0)
				r = query_component(eq ? eq + 1 : p + pair_len, eq ? pair_len - name_len - 1 : 0,
						    &pair.value);
			if (r < 0) {
				free(pair.name);
				goto out;
			}
			/* The signature cannot sign itself. */
			if (presigned && strcmp(pair.name, "X-Amz-Signature") == 0) {
				free(pair.name);
				free(pair.value);
			} else {
				pairs[count++] = pair;
			}
		}
		p += pair_len;
		if (*p == '&')
			p++;
	}
	if (count)
		qsort(pairs, count, sizeof(*pairs), query_pair_cmp);
	for (i = 0; i < count && r == 0; i++)
		r = buf_printf(b, "%s%s=%s", i ? "&" : "", pairs[i].name, pairs[i].value);
out:
	for (i = 0; i < count; i++) {
		free(pairs[i].name);
		free(pairs[i].value);
	}
	free(pairs);
	return r;
}

static bool method_ok(const char *m)
{
	size_t n = strlen(m);

	if (n == 0 || n > 32)
		return false;
	for (; *m; m++)
		if (!((*m >= 'A' && *m <= 'Z') || *m == '-' || *m == '_'))
			return false;
	return true;
}

/* payload: the hash to close the canonical request with; NULL picks it as
 * AWS does (a signed x-amz-content-sha256, else the body's own hash). */
static int canonical_request_with(const struct sigv4_request *req, const struct sigv4_auth *auth,
				  const char *payload, char **ret)
{
	struct buf b = BUF_INIT(SIGV4_MAX_CANONICAL);
	char hex[SIGV4_HEX_LEN + 1];
	uint8_t hash[BH_SHA256_LEN];
	size_t i;
	int r;

	if (!req->method || !req->path || !method_ok(req->method) || auth->signed_header_count == 0) {
		r = -EINVAL;
		goto out;
	}
	r = buf_printf(&b, "%s\n", req->method);
	if (r == 0)
		r = canonical_uri(&b, req->path);
	if (r == 0)
		r = buf_putc(&b, '\n');
	if (r == 0)
		r = canonical_query(&b, req->query ? req->query : "", auth->presigned);
	if (r == 0)
		r = buf_putc(&b, '\n');
	for (i = 0; i < auth->signed_header_count && r == 0; i++) {
		r = buf_printf(&b, "%s:", auth->signed_headers[i]);
		if (r == 0)
			r = canonical_header_value(&b, req, auth->signed_headers[i]);
		if (r == 0)
			r = buf_putc(&b, '\n');
	}
	for (i = 0; i < auth->signed_header_count && r == 0; i++)
		r = buf_printf(&b, "%s%s", i ? ";" : "\n", auth->signed_headers[i]);
	if (r == 0)
		r = buf_putc(&b, '\n');
	if (r < 0)
		goto out;
	if (payload) {
		r = buf_puts(&b, payload);
	} else if (auth_signs(auth, "x-amz-content-sha256")) {
		r = canonical_header_value(&b, req, "x-amz-content-sha256");
	} else {
		r = bh_sha256(req->body ? req->body : "", req->body_len, hash);
		if (r == 0) {
			bh_hex(hash, sizeof(hash), hex);
			r = buf_puts(&b, hex);
		}
	}
	if (r == 0)
		*ret = buf_detach(&b);
out:
	buf_release(&b);
	return r;
}

int sigv4_canonical_request(const struct sigv4_request *req, const struct sigv4_auth *auth, char **ret)
{
	return canonical_request_with(req, auth, NULL, ret);
}

int sigv4_string_to_sign(const struct sigv4_auth *auth, const char *canonical_request, char **ret)
{
	struct buf b = BUF_INIT(512);
	uint8_t hash[BH_SHA256_LEN];
	char hex[SIGV4_HEX_LEN + 1];
	int r;

	r = bh_sha256(canonical_request, strlen(canonical_request), hash);
	if (r < 0)
		goto out;
	bh_hex(hash, sizeof(hash), hex);
	r = buf_printf(&b, SIGV4_ALGORITHM "\n%s\n%s/%s/%s/" SIGV4_TERMINATOR "\n%s", auth->amz_date,
		       auth->date, auth->region, auth->service, hex);
	if (r == 0)
		*ret = buf_detach(&b);
out:
	buf_release(&b);
	return r;
}

/* HMAC chain "AWS4"+secret -> date -> region -> service -> aws4_request. */
static int signing_key(const struct sigv4_auth *auth, const char *secret, uint8_t ret[BH_SHA256_LEN])
{
	const char *steps[] = { auth->date, auth->region, auth->service, SIGV4_TERMINATOR };
	char first[4 + SIGV4_MAX_SECRET + 1];
	uint8_t key[BH_SHA256_LEN], next[BH_SHA256_LEN];
	size_t i;
	int r;

	r = bh_snprintf(first, sizeof(first), "AWS4%s", secret);
	if (r < 0)
		goto out;
	r = bh_hmac_sha256(first, strlen(first), steps[0], strlen(steps[0]), key);
	for (i = 1; i < 4 && r == 0; i++) {
		r = bh_hmac_sha256(key, sizeof(key), steps[i], strlen(steps[i]), next);
		memcpy(key, next, sizeof(key));
	}
	if (r == 0)
		memcpy(ret, key, sizeof(key));
out:
	explicit_bzero(first, sizeof(first));
	explicit_bzero(key, sizeof(key));
	explicit_bzero(next, sizeof(next));
	return r;
}

/* Sign the canonical request built with payload (see canonical_request_with)
 * and compare in constant time. 1 match, 0 mismatch, or -errno. */
static int signature_matches(const struct sigv4_request *req, const struct sigv4_auth *auth,
			     const uint8_t key[BH_SHA256_LEN], const char *payload)
{
	char *creq = NULL, *sts = NULL;
	uint8_t mac[BH_SHA256_LEN];
	char hex[SIGV4_HEX_LEN + 1];
	int r;

	r = canonical_request_with(req, auth, payload, &creq);
	if (r == 0)
		r = sigv4_string_to_sign(auth, creq, &sts);
	if (r == 0)
		r = bh_hmac_sha256(key, BH_SHA256_LEN, sts, strlen(sts), mac);
	if (r == 0) {
		bh_hex(mac, sizeof(mac), hex);
		r = bh_mem_equal(hex, auth->signature, SIGV4_HEX_LEN) ? 1 : 0;
	}
	free(creq);
	free(sts);
	return r;
}

/* Timing: header auth within the skew either way; presigned from its
 * X-Amz-Date (give or take the skew) until X-Amz-Date + X-Amz-Expires. */
static int check_time(const struct sigv4_auth *auth, long long t, long long now, struct diag *d)
{
	if (auth->presigned) {
		if (auth->expires < 1 || auth->expires > BH_MAX_PRESIGN_EXPIRES) {
			diag_set_status(d, 401, "AuthFailure",
					"X-Amz-Expires must be between 1 and %d seconds", BH_MAX_PRESIGN_EXPIRES);
			return -EACCES;
		}
		if (t - now > BH_MAX_CLOCK_SKEW)
			return diag_set(d, "RequestExpired", "Request is not yet valid: X-Amz-Date %s is in the future",
					auth->amz_date);
		if (now - t > auth->expires)
			return diag_set(d, "RequestExpired", "Request has expired: X-Amz-Date %s plus %ld seconds is past",
					auth->amz_date, auth->expires);
		return 0;
	}
	if (now - t > BH_MAX_CLOCK_SKEW || t - now > BH_MAX_CLOCK_SKEW)
		return diag_set(d, "RequestExpired", "Request has expired: X-Amz-Date %s is more than %d minutes from now",
				auth->amz_date, BH_MAX_CLOCK_SKEW / 60);
	return 0;
}

/* A signed x-amz-content-sha256 stands in for the body in the signature,
 * so it has to be the body's hash (or say the body is left unsigned). */
static int check_payload_hash(const struct sigv4_request *req, const struct sigv4_auth *auth, struct diag *d)
{
	struct buf claimed = BUF_INIT(BH_MAX_HEADER_BYTES);
	uint8_t hash[BH_SHA256_LEN];
	char hex[SIGV4_HEX_LEN + 1];
	int r = 0;

	if (!auth_signs(auth, "x-amz-content-sha256"))
		goto out;
	r = canonical_header_value(&claimed, req, "x-amz-content-sha256");
	if (r == 0)
		r = bh_sha256(req->body ? req->body : "", req->body_len, hash);
	if (r < 0) {
		r = diag_set(d, "IncompleteSignature", "X-Amz-Content-Sha256 cannot be read");
		goto out;
	}
	if (strcmp(buf_str(&claimed), SIGV4_UNSIGNED_PAYLOAD) == 0)
		goto out;
	bh_hex(hash, sizeof(hash), hex);
	if (strcmp(buf_str(&claimed), hex) != 0) {
		diag_set_status(d, 403, "SignatureDoesNotMatch",
				"X-Amz-Content-Sha256 does not match the body: payload hash mismatch");
		r = -EACCES;
	}
out:
	buf_release(&claimed);
	return r;
}

int sigv4_verify(const struct sigv4_request *req, const struct sigv4_auth *auth, const char *secret,
		 time_t now, struct diag *d)
{
	uint8_t key[BH_SHA256_LEN];
	long long t;
	int r;

	if (amz_date_time(auth->amz_date, &t) < 0 || strnlen(auth->signature, 65) != SIGV4_HEX_LEN)
		return diag_set(d, "IncompleteSignature", "X-Amz-Date or Signature is malformed");
	if (memcmp(auth->date, auth->amz_date, 8) != 0 || auth->date[8] != '\0') {
		diag_set_status(d, 403, "SignatureDoesNotMatch",
				"Date in Credential scope does not match YYYYMMDD from X-Amz-Date %s",
				auth->amz_date);
		return -EACCES;
	}
	r = check_time(auth, t, (long long)now, d);
	if (r == 0)
		r = check_payload_hash(req, auth, d);
	if (r < 0)
		return r;
	r = signing_key(auth, secret, key);
	if (r < 0) {
		diag_set_status(d, 500, "InternalError", "The signing key could not be derived");
		r = -EIO;
		goto out;
	}
	r = signature_matches(req, auth, key, NULL);
	/* S3-style presigners close with UNSIGNED-PAYLOAD where the general
	 * rule hashes the (empty) body; with no body both mean the same. */
	if (r == 0 && auth->presigned && req->body_len == 0)
		r = signature_matches(req, auth, key, SIGV4_UNSIGNED_PAYLOAD);
	if (r == -ENOMEM) {
		diag_set_status(d, 500, "InternalError", "Out of memory while checking the signature");
	} else if (r < 0) {
		r = diag_set(d, "IncompleteSignature", "The request cannot be put in canonical form");
	} else if (r == 0) {
		diag_set_status(d, 403, "SignatureDoesNotMatch", SIGV4_MISMATCH);
		r = -EACCES;
	} else {
		r = 0;
	}
out:
	explicit_bzero(key, sizeof(key));
	return r;
}
