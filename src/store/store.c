/* store.c - the public store API: argument checks, then one call through
 * the backend's ops table. Callers never learn which backend they talk to. */
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>

#include "store/backend.h"

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

int store_revision(struct store *s, uint64_t *ret)
{
	if (!s || !ret)
		return -EINVAL;
	return s->ops->revision(s, ret);
}

int store_account_create(struct store *s, const struct account *a)
{
	if (!s || !a)
		return -EINVAL;
	return s->ops->account_create(s, a);
}

int store_account_get(struct store *s, const char *id, struct account *ret)
{
	if (!s || !id || !ret)
		return -EINVAL;
	return s->ops->account_get(s, id, ret);
}

int store_account_list(struct store *s, struct account_list *ret)
{
	if (!s || !ret)
		return -EINVAL;
	return s->ops->account_list(s, ret);
}

int store_account_delete(struct store *s, const char *id)
{
	if (!s || !id)
		return -EINVAL;
	return s->ops->account_delete(s, id);
}

int store_key_create(struct store *s, const struct access_key *k)
{
	if (!s || !k)
		return -EINVAL;
	return s->ops->key_create(s, k);
}

int store_key_get(struct store *s, const char *id, struct access_key *ret)
{
	if (!s || !id || !ret)
		return -EINVAL;
	return s->ops->key_get(s, id, ret);
}

int store_key_list(struct store *s, const char *account_id, struct access_key_list *ret)
{
	if (!s || !ret)
		return -EINVAL;
	return s->ops->key_list(s, account_id, ret);
}

int store_key_set_enabled(struct store *s, const char *id, bool enabled)
{
	if (!s || !id)
		return -EINVAL;
	return s->ops->key_set_enabled(s, id, enabled);
}

int store_key_delete(struct store *s, const char *id)
{
	if (!s || !id)
		return -EINVAL;
	return s->ops->key_delete(s, id);
}

int store_begin(struct store *s, const char *account_id, struct store_tx **ret)
{
	if (!s || !account_id || !ret)
		return -EINVAL;
	*ret = NULL;
	return s->ops->begin(s, account_id, ret);
}

int store_commit(struct store_tx *tx)
{
	if (!tx)
		return -EINVAL;
	return tx->store->ops->commit(tx);
}

void store_rollback(struct store_tx *tx)
{
	if (tx)
		tx->store->ops->rollback(tx);
}

const char *store_tx_account(const struct store_tx *tx)
{
	return tx ? tx->account_id : "";
}

/* The tenant calls differ only in their types; this keeps each wrapper to
 * the one check that matters (no NULL reaches the backend). */
#define TX_CALL(tx, op, ...) \
	((tx) ? (tx)->store->ops->op((tx), __VA_ARGS__) : -EINVAL)

int store_vpc_insert(struct store_tx *tx, const struct vpc *v)
{
	return v ? TX_CALL(tx, vpc_insert, v) : -EINVAL;
}

int store_vpc_get(struct store_tx *tx, const char *id, struct vpc *ret)
{
	return id && ret ? TX_CALL(tx, vpc_get, id, ret) : -EINVAL;
}

int store_vpc_list(struct store_tx *tx, struct vpc_list *ret)
{
	return ret ? TX_CALL(tx, vpc_list, ret) : -EINVAL;
}

int store_vpc_update(struct store_tx *tx, const struct vpc *v)
{
	return v ? TX_CALL(tx, vpc_update, v) : -EINVAL;
}

int store_vpc_delete(struct store_tx *tx, const char *id)
{
	return id ? TX_CALL(tx, vpc_delete, id) : -EINVAL;
}

int store_subnet_insert(struct store_tx *tx, const struct subnet *sn)
{
	return sn ? TX_CALL(tx, subnet_insert, sn) : -EINVAL;
}

int store_subnet_get(struct store_tx *tx, const char *id, struct subnet *ret)
{
	return id && ret ? TX_CALL(tx, subnet_get, id, ret) : -EINVAL;
}

int store_subnet_list(struct store_tx *tx, struct subnet_list *ret)
{
	return ret ? TX_CALL(tx, subnet_list, ret) : -EINVAL;
}

int store_subnet_update(struct store_tx *tx, const struct subnet *sn)
{
	return sn ? TX_CALL(tx, subnet_update, sn) : -EINVAL;
}

int store_subnet_delete(struct store_tx *tx, const char *id)
{
	return id ? TX_CALL(tx, subnet_delete, id) : -EINVAL;
}

int store_sg_insert(struct store_tx *tx, const struct security_group *g)
{
	return g ? TX_CALL(tx, sg_insert, g) : -EINVAL;
}

int store_sg_get(struct store_tx *tx, const char *id, struct security_group *ret)
{
	return id && ret ? TX_CALL(tx, sg_get, id, ret) : -EINVAL;
}

int store_sg_list(struct store_tx *tx, struct sg_list *ret)
{
	return ret ? TX_CALL(tx, sg_list, ret) : -EINVAL;
}

int store_sg_delete(struct store_tx *tx, const char *id)
{
	return id ? TX_CALL(tx, sg_delete, id) : -EINVAL;
}

int store_sg_rule_insert(struct store_tx *tx, const struct sg_rule *r)
{
	return r ? TX_CALL(tx, sg_rule_insert, r) : -EINVAL;
}

int store_sg_rule_get(struct store_tx *tx, const char *id, struct sg_rule *ret)
{
	return id && ret ? TX_CALL(tx, sg_rule_get, id, ret) : -EINVAL;
}

int store_sg_rule_list(struct store_tx *tx, const char *group_id, struct sg_rule_list *ret)
{
	return ret ? TX_CALL(tx, sg_rule_list, group_id, ret) : -EINVAL;
}

int store_sg_rule_find_same(struct store_tx *tx, const struct sg_rule *like,
			    struct sg_rule_list *ret)
{
	return like && ret ? TX_CALL(tx, sg_rule_find_same, like, ret) : -EINVAL;
}

int store_sg_rule_count(struct store_tx *tx, const char *group_id, int egress, size_t *ret)
{
	return group_id && ret && egress >= -1 && egress <= 1
		       ? TX_CALL(tx, sg_rule_count, group_id, egress, ret)
		       : -EINVAL;
}

int store_sg_rule_update(struct store_tx *tx, const struct sg_rule *r)
{
	return r ? TX_CALL(tx, sg_rule_update, r) : -EINVAL;
}

int store_sg_rule_delete(struct store_tx *tx, const char *id)
{
	return id ? TX_CALL(tx, sg_rule_delete, id) : -EINVAL;
}

int store_tag_put(struct store_tx *tx, const struct tag *t)
{
	return t ? TX_CALL(tx, tag_put, t) : -EINVAL;
}

int store_tag_delete(struct store_tx *tx, const char *resource_id, const char *key,
		     const char *value)
{
	return resource_id && key ? TX_CALL(tx, tag_delete, resource_id, key, value) : -EINVAL;
}

int store_tag_delete_resource(struct store_tx *tx, const char *resource_id)
{
	return resource_id ? TX_CALL(tx, tag_delete_resource, resource_id) : -EINVAL;
}

int store_tag_list(struct store_tx *tx, const char *resource_id, struct tag_list *ret)
{
	return ret ? TX_CALL(tx, tag_list, resource_id, ret) : -EINVAL;
}
