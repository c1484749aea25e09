/* describe.h - what every Describe* call shares: Filter.N parsing and
 * matching (with * and ? wildcards and tag filters), MaxResults/NextToken
 * paging, and the tagSet of each answered item. */
#ifndef BH_DESCRIBE_H
#define BH_DESCRIBE_H

#include <stdbool.h>
#include <stddef.h>

#include "api/request.h"
#include "lib/limits.h"
#include "model/resources.h"

struct filter {
	const char *name;  /* points into the request's params */
	const char *values[BH_MAX_FILTER_VALUES];
	size_t value_count;
};

struct filters {
	struct filter items[BH_MAX_FILTERS];
	size_t count;
};

/* Parse Filter.N.Name / Filter.N.Value.M. known is a NULL-terminated list
 * of the names this action supports; "tag:<key>", "tag-key" and
 * "tag-value" are always accepted. An unknown name gives
 * InvalidParameterValue ("The filter 'x' is invalid"). */
int filters_parse(struct request *r, const char *const *known, struct filters *ret);

#define BH_MAX_FIELDS 64

/* The filterable values of one item: (name, value) pairs, a name may repeat
 * (a multi-valued field), plus the item's tags. */
struct fieldset {
	struct {
		const char *name;
		const char *value;
	} f[BH_MAX_FIELDS];
	size_t count;
	const struct tag_list *tags;  /* all of the account's tags, or NULL */
	const char *resource_id;      /* whose tags apply */
	char scratch[BH_MAX_FIELDS][32]; /* storage for numbers and booleans */
	size_t scratch_used;
};

void fieldset_init(struct fieldset *fs, const struct tag_list *tags, const char *resource_id);
void fieldset_add(struct fieldset *fs, const char *name, const char *value);
void fieldset_add_bool(struct fieldset *fs, const char *name, bool value);
void fieldset_add_long(struct fieldset *fs, const char *name, long long value);

/* Every filter must match (AND); within one, any value (OR). */
bool filters_match(const struct filters *fl, const struct fieldset *fs);

/* EC2 wildcard match: '*' any run, '?' any one character, '\' escapes. */
bool wildcard_match(const char *pattern, const char *s);

struct paging {
	size_t max_results;  /* 0: no limit */
	char after_id[BH_MAX_ID]; /* from NextToken: answer ids greater than this */
	size_t emitted;
	bool truncated;
	char last_id[BH_MAX_ID];
};

/* Parse MaxResults (min..max; EC2's bounds differ per action) and
 * NextToken (InvalidNextToken when malformed). */
int paging_parse(struct request *r, long min, long max, struct paging *ret);

/* Call for each matching item in id order: false means skip it (before
 * the token) or stop (page full: truncated is set). */
bool paging_take(struct paging *pg, const char *id);

/* Write <nextToken> if the page was truncated. */
void paging_write_token(struct request *r, const struct paging *pg);

/* Write <tagSet> with the tags of resource_id (taken from all, which is sorted). */
void xml_tag_set(struct buf *b, const struct tag_list *all, const char *resource_id);

/* Store one tag (value NULL means "") on resource_id; a store error
 * becomes InternalError. */
int tag_put(struct request *r, const char *resource_id, const char *key, const char *value);

/* Apply TagSpecification.N (ResourceType must be resource_type) to a
 * resource just created. Validates keys and values as CreateTags does. */
int tag_specs_apply(struct request *r, const char *resource_type, const char *resource_id);

/* Validate one tag (key 1..128 chars, not starting with "aws:"; value
 * 0..256). */
int tag_validate(struct request *r, const char *key, const char *value);

/* Collect explicit ids from prefix.N (e.g. "VpcId") into ret (pointing into
 * params); each must be a well-formed id with id_prefix, else
 * malformed_code ("InvalidVpcID.Malformed"). */
int ids_parse(struct request *r, const char *prefix, const char *id_prefix, const char *malformed_code,
	      const char **ret, size_t max, size_t *ret_count);

/* Is id one of ids[0..count)? */
bool ids_contain(const char *const *ids, size_t count, const char *id);

/* The explicit ids of a Describe* call: ids_parse of up to
 * BH_MAX_LIST_ITEMS, each noted for the request's log line. */
int describe_ids_parse(struct request *r, const char *prefix, const char *id_prefix, const char *malformed_code,
		       const char **ret, size_t *ret_count);

/* Explicit ids are answered whole, never paged: when nids > 0 and paged,
 * InvalidParameterCombination naming list_name, EC2's name for the id
 * list ("vpcIds"). Callers say what counts as paged for their action. */
int describe_ids_unpaged(struct request *r, size_t nids, bool paged, const char *list_name);

/* The first of ids[0..nids) that no item of items[0..count) has, or
 * NULL: each item is size bytes and holds its id (a string) at id_offset,
 * as qsort() would see an array of resources. */
const char *ids_first_missing(const char *const *ids, size_t nids, const void *items, size_t count, size_t size,
			      size_t id_offset);

/* The id in the required parameter name: MissingParameter when absent or
 * empty, noted for the log line, malformed_code unless it is a
 * well-formed id with id_prefix. ret points into the request's params. */
int id_param_parse(struct request *r, const char *name, const char *id_prefix, const char *malformed_code,
		   const char **ret);

#endif
