/* query.h - the EC2 Query protocol's parameters: an
 * application/x-www-form-urlencoded string decoded once, at the edge, into
 * a bounded list of name/value pairs, with helpers for indexed lists
 * ("GroupId.1", "IpPermissions.2.IpRanges.1.CidrIp"). */
#ifndef BH_QUERY_H
#define BH_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/diag.h"

struct param {
	char *name;
	char *value;
};

struct params {
	struct param *items;
	size_t count;
};

void params_init(struct params *p);
void params_release(struct params *p);

/* Decode a form-encoded string (either a query string or a POST body) and
 * append its pairs to p. Caps every length with limits.h; a duplicate name
 * is an error (InvalidParameter), as is a malformed %XX escape or a name
 * that is not printable ASCII. Errors fill d and return -EINVAL / -E2BIG. */
int params_parse(struct params *p, const char *data, size_t len, struct diag *d);

/* Value of name, or NULL if absent. */
const char *params_get(const struct params *p, const char *name);

/* Same with a printf-built name: params_getf(p, "GroupId.%zu", i). */
const char *params_getf(const struct params *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Highest N among parameters named prefix + N (+ '.' + anything), e.g.
 * prefix "Filter." finds "Filter.3.Name" -> 3. 0 when there is none.
 * An N that is not a positive decimal or exceeds BH_MAX_LIST_ITEMS fills d
 * (InvalidParameterValue) and returns -EINVAL. */
int params_list_max(const struct params *p, const char *prefix, size_t *ret, struct diag *d);

/* Gather the values of prefix.1, prefix.2 ... (EC2's lists of scalars, such
 * as "GroupId" or "Filter.1.Value") into ret, pointing into p. Holes are
 * skipped. ret must hold max_items; more items than that is an error. */
int params_list_values(const struct params *p, const char *prefix, const char **ret,
		       size_t max_items, size_t *ret_count, struct diag *d);

/* Parse the named boolean ("true"/"false", any case); absent leaves *ret. */
int params_bool(const struct params *p, const char *name, bool *ret, struct diag *d);

#endif
