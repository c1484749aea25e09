/* describe.c - filters, paging and tags shared by every Describe* and
 * Create* handler, so that each resource family only says which fields it
 * has. */
#include "describe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/xml.h"
#include "lib/crypto.h"
#include "model/ids.h"
#include "store/store.h"

int filters_parse(struct request *r, const char *const *known, struct filters *ret)
{
	size_t max, i;
	int rc;

	ret->count = 0;
	rc = params_list_max(&r->params, "Filter.", &max, &r->diag);
	if (rc < 0)
		return rc;
	for (i = 1; i <= max; i++) {
		char prefix[64];
		const char *name = params_getf(&r->params, "Filter.%zu.Name", i);
		struct filter *f;
		bool ok = false;
		const char *const *k;

		if (!name) {
			if (params_getf(&r->params, "Filter.%zu.Value.1", i))
				return diag_set(&r->diag, "MissingParameter",
						"The request must contain the parameter Filter.%zu.Name", i);
			continue;
		}
		if (ret->count >= BH_MAX_FILTERS)
			return diag_set(&r->diag, "FilterLimitExceeded",
					"The number of filters in the request exceeds %d", BH_MAX_FILTERS);
		if (strncmp(name, "tag:", 4) == 0 && name[4])
			ok = true;
		else if (strcmp(name, "tag-key") == 0 || strcmp(name, "tag-value") == 0)
			ok = true;
		for (k = known; !ok && *k; k++)
			ok = strcmp(*k, name) == 0;
		if (!ok)
			return diag_set(&r->diag, "InvalidParameterValue", "The filter '%.128s' is invalid", name);
		f = &ret->items[ret->count++];
		f->name = name;
		bh_snprintf(prefix, sizeof(prefix), "Filter.%zu.Value", i);
		rc = params_list_values(&r->params, prefix, f->values, BH_MAX_FILTER_VALUES, &f->value_count,
					&r->diag);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void fieldset_init(struct fieldset *fs, const struct tag_list *tags, const char *resource_id)
{
	fs->count = 0;
	fs->tags = tags;
	fs->resource_id = resource_id;
	fs->scratch_used = 0;
}

void fieldset_add(struct fieldset *fs, const char *name, const char *value)
{
	if (fs->count >= BH_MAX_FIELDS || !value)
		return;
	fs->f[fs->count].name = name;
	fs->f[fs->count].value = value;
	fs->count++;
}

void fieldset_add_bool(struct fieldset *fs, const char *name, bool value)
{
	fieldset_add(fs, name, value ? "true" : "false");
}

void fieldset_add_long(struct fieldset *fs, const char *name, long long value)
{
	char *s;

	if (fs->scratch_used >= BH_MAX_FIELDS)
		return;
	s = fs->scratch[fs->scratch_used++];
	snprintf(s, sizeof(fs->scratch[0]), "%lld", value);
	fieldset_add(fs, name, s);
}

bool wildcard_match(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s) {
		if (*p == '\\' && p[1] && p[1] == *s) {
			p += 2;
			s++;
		} else if (*p == '?' || (*p && *p != '*' && *p != '\\' && *p == *s)) {
			p++;
			s++;
		} else if (*p == '*') {
			star_p = p++;
			star_s = s;
		} else if (star_p) {
			p = star_p + 1;
			s = ++star_s;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static bool filter_matches_value(const struct filter *f, const char *value)
{
	size_t i;

	for (i = 0; i < f->value_count; i++)
		if (wildcard_match(f->values[i], value))
			return true;
	return false;
}

static bool filter_matches_tags(const struct filter *f, const struct fieldset *fs)
{
	size_t i;

	if (!fs->tags)
		return false;
	for (i = 0; i < fs->tags->count; i++) {
		const struct tag *t = &fs->tags->items[i];

		if (strcmp(t->resource_id, fs->resource_id) != 0)
			continue;
		if (strncmp(f->name, "tag:", 4) == 0) {
			if (strcmp(t->key, f->name + 4) == 0 && filter_matches_value(f, t->value))
				return true;
		} else if (strcmp(f->name, "tag-key") == 0) {
			if (filter_matches_value(f, t->key))
				return true;
		} else if (filter_matches_value(f, t->value)) {
			return true;
		}
	}
	return false;
}

bool filters_match(const struct filters *fl, const struct fieldset *fs)
{
	size_t i, j;

	for (i = 0; i < fl->count; i++) {
		const struct filter *f = &fl->items[i];
		bool hit = false;

		if (strncmp(f->name, "tag", 3) == 0 && (f->name[3] == ':' || f->name[3] == '-')) {
			hit = filter_matches_tags(f, fs);
		} else {
			for (j = 0; j < fs->count && !hit; j++)
				hit = strcmp(fs->f[j].name, f->name) == 0 && filter_matches_value(f, fs->f[j].value);
		}
		if (!hit)
			return false;
	}
	return true;
}

/* NextToken is the hex of the last id answered: opaque to clients, and it
 * names a position, never a resource of anyone else. */
static int token_decode(const char *token, char ret[BH_MAX_ID])
{
	size_t n = strlen(token), i;

	if (n == 0 || n % 2 || n / 2 >= BH_MAX_ID)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(token + 2 * i, "%2x", &v) != 1 || v < 0x21 || v > 0x7e)
			return -EINVAL;
		ret[i] = (char)v;
	}
	ret[n / 2] = '\0';
	return 0;
}

int paging_parse(struct request *r, long min, long max, struct paging *ret)
{
	const char *mr = params_get(&r->params, "MaxResults");
	const char *tok = params_get(&r->params, "NextToken");

	memset(ret, 0, sizeof(*ret));
	if (mr) {
		long v;

		if (bh_parse_long(mr, min, max, &v) < 0)
			return diag_set(&r->diag, "InvalidParameterValue",
					"Value ( %.32s ) for parameter maxResults is invalid. Expecting a value between %ld and %ld.",
					mr, min, max);
		ret->max_results = (size_t)v;
	}
	if (tok && *tok && token_decode(tok, ret->after_id) < 0)
		return diag_set(&r->diag, "InvalidNextToken", "The token '%.64s' is invalid.", tok);
	return 0;
}

bool paging_take(struct paging *pg, const char *id)
{
	if (pg->after_id[0] && strcmp(id, pg->after_id) <= 0)
		return false;
	if (pg->truncated)
		return false;
	if (pg->max_results && pg->emitted == pg->max_results) {
		pg->truncated = true;
		return false;
	}
	pg->emitted++;
	bh_strlcpy(pg->last_id, id, sizeof(pg->last_id));
	return true;
}

void paging_write_token(struct request *r, const struct paging *pg)
{
	char hex[2 * BH_MAX_ID + 1];

	if (!pg->truncated)
		return;
	bh_hex((const uint8_t *)pg->last_id, strlen(pg->last_id), hex);
	xml_text(r->out, "nextToken", hex);
}

void xml_tag_set(struct buf *b, const struct tag_list *all, const char *resource_id)
{
	size_t i;

	xml_open(b, "tagSet");
	for (i = 0; all && i < all->count; i++) {
		if (strcmp(all->items[i].resource_id, resource_id) != 0)
			continue;
		xml_open(b, "item");
		xml_text(b, "key", all->items[i].key);
		xml_text(b, "value", all->items[i].value);
		xml_close(b, "item");
	}
	xml_close(b, "tagSet");
}

int tag_validate(struct request *r, const char *key, const char *value)
{
	size_t klen = key ? strlen(key) : 0;

	if (klen == 0)
		return diag_set(&r->diag, "InvalidParameterValue", "Tag key must not be empty");
	if (klen > BH_MAX_TAG_KEY)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Tag key exceeds the maximum length of %d characters", BH_MAX_TAG_KEY);
	if (strncmp(key, "aws:", 4) == 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Tag keys starting with 'aws:' are reserved for internal use");
	if (value && strlen(value) > BH_MAX_TAG_VALUE)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Tag value exceeds the maximum length of %d characters", BH_MAX_TAG_VALUE);
	return 0;
}

int tag_put(struct request *r, const char *resource_id, const char *key, const char *value)
{
	struct tag t = { 0 };
	int rc;

	bh_strlcpy(t.resource_id, resource_id, sizeof(t.resource_id));
	bh_strlcpy(t.key, key, sizeof(t.key));
	bh_strlcpy(t.value, value ? value : "", sizeof(t.value));
	rc = store_tag_put(r->tx, &t);
	return rc < 0 ? request_store_error(r, rc) : 0;
}

int tag_specs_apply(struct request *r, const char *resource_type, const char *resource_id)
{
	size_t nspec, i, ntag, j;
	int rc;

	rc = params_list_max(&r->params, "TagSpecification.", &nspec, &r->diag);
	if (rc < 0)
		return rc;
	for (i = 1; i <= nspec; i++) {
		const char *type = params_getf(&r->params, "TagSpecification.%zu.ResourceType", i);
		char prefix[64];

		if (!type)
			return diag_set(&r->diag, "MissingParameter",
					"The request must contain the parameter TagSpecification.%zu.ResourceType", i);
		if (strcmp(type, resource_type) != 0)
			return diag_set(&r->diag, "InvalidParameterValue",
					"'%.64s' is not a valid taggable resource type for this operation.", type);
		bh_snprintf(prefix, sizeof(prefix), "TagSpecification.%zu.Tag.", i);
		rc = params_list_max(&r->params, prefix, &ntag, &r->diag);
		if (rc < 0)
			return rc;
		if (ntag > BH_MAX_TAGS_PER_RESOURCE)
			return diag_set(&r->diag, "TagLimitExceeded",
					"The maximum number of tags per resource is %d", BH_MAX_TAGS_PER_RESOURCE);
		for (j = 1; j <= ntag; j++) {
			const char *key = params_getf(&r->params, "%s%zu.Key", prefix, j);
			const char *value = params_getf(&r->params, "%s%zu.Value", prefix, j);

			if (!key && !value)
				continue;
			rc = tag_validate(r, key, value);
			if (rc == 0)
				rc = tag_put(r, resource_id, key, value);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int ids_parse(struct request *r, const char *prefix, const char *id_prefix, const char *malformed_code,
	      const char **ret, size_t max, size_t *ret_count)
{
	size_t i;
	int rc;

	rc = params_list_values(&r->params, prefix, ret, max, ret_count, &r->diag);
	if (rc < 0)
		return rc;
	for (i = 0; i < *ret_count; i++)
		if (!id_is_valid(ret[i], id_prefix))
			return diag_set(&r->diag, malformed_code, "Invalid id: \"%.64s\"", ret[i]);
	return 0;
}

bool ids_contain(const char *const *ids, size_t count, const char *id)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

int describe_ids_parse(struct request *r, const char *prefix, const char *id_prefix, const char *malformed_code,
		       const char **ret, size_t *ret_count)
{
	size_t i;
	int rc;

	rc = ids_parse(r, prefix, id_prefix, malformed_code, ret, BH_MAX_LIST_ITEMS, ret_count);
	if (rc < 0)
		return rc;
	for (i = 0; i < *ret_count; i++)
		request_note_resource(r, ret[i]);
	return 0;
}

int describe_ids_unpaged(struct request *r, size_t nids, bool paged, const char *list_name)
{
	if (nids && paged)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"The parameter %s cannot be used with the parameter maxResults", list_name);
	return 0;
}

const char *ids_first_missing(const char *const *ids, size_t nids, const void *items, size_t count, size_t size,
			      size_t id_offset)
{
	const char *base = items;
	size_t i, j;

	for (i = 0; i < nids; i++) {
		bool found = false;

		for (j = 0; j < count && !found; j++)
			found = strcmp(base + j * size + id_offset, ids[i]) == 0;
		if (!found)
			return ids[i];
	}
	return NULL;
}

int id_param_parse(struct request *r, const char *name, const char *id_prefix, const char *malformed_code,
		   const char **ret)
{
	const char *id = params_get(&r->params, name);

	if (!id || !*id)
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter %s", name);
	request_note_resource(r, id);
	if (!id_is_valid(id, id_prefix))
		return diag_set(&r->diag, malformed_code, "Invalid id: \"%.64s\"", id);
	*ret = id;
	return 0;
}
