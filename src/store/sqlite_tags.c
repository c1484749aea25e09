/* sqlite_tags.c - tags in the SQLite backend: one row per (account,
 * resource, key), replaced on put, removed by key, by value or by resource. */
#include "store/sqlite_internal.h"

#include <errno.h>

static int tag_read(sqlite3_stmt *st, void *item)
{
	struct tag *t = item;
	int r;

	r = sqlite_col_field(st, 0, t->resource_id, sizeof t->resource_id);
	if (r == 0)
		r = sqlite_col_field(st, 1, t->key, sizeof t->key);
	if (r == 0)
		r = sqlite_col_field(st, 2, t->value, sizeof t->value);
	return r;
}

static int tag_bind(sqlite3_stmt *st, const void *item)
{
	const struct tag *t = item;
	int r;

	r = sqlite_bind_field(st, ":resource_id", t->resource_id, sizeof t->resource_id);
	if (r == 0)
		r = sqlite_bind_field(st, ":key", t->key, sizeof t->key);
	if (r == 0)
		r = sqlite_bind_field(st, ":value", t->value, sizeof t->value);
	return r;
}

int sqlite_tag_put(struct store_tx *tx, const struct tag *t)
{
	return sqlite_tx_put(tx,
			     "INSERT INTO tags (account_id, resource_id, key, value) "
			     "VALUES (:account, :resource_id, :key, :value) "
			     "ON CONFLICT (account_id, resource_id, key) "
			     "DO UPDATE SET value = excluded.value",
			     tag_bind, t, false);
}

int sqlite_tag_delete(struct store_tx *tx, const char *resource_id, const char *key,
		      const char *value)
{
	sqlite3_stmt *st = NULL;
	int r;

	/* a NULL value deletes the key whatever it holds (EC2 DeleteTags
	 * with Key and no Value); no match is not an error */
	r = sqlite_tx_prepare(tx,
			      "DELETE FROM tags WHERE account_id = :account "
			      "AND resource_id = :resource_id AND key = :key "
			      "AND (:value IS NULL OR value = :value)",
			      &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":resource_id", resource_id);
	if (r == 0)
		r = sqlite_bind_str(st, ":key", key);
	if (r == 0)
		r = sqlite_bind_str(st, ":value", value);
	if (r == 0)
		r = sqlite_tx_write(tx, st, SQLITE_FK_MISSING_PARENT, NULL);
	sqlite3_finalize(st);
	return r;
}

int sqlite_tag_delete_resource(struct store_tx *tx, const char *resource_id)
{
	sqlite3_stmt *st = NULL;
	int r;

	/* every revoke and delete runs it: a cached statement */
	r = sqlite_tx_stmt(tx,
			   "DELETE FROM tags WHERE account_id = :account "
			   "AND resource_id = :resource_id",
			   &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":resource_id", resource_id);
	if (r == 0)
		r = sqlite_tx_write(tx, st, SQLITE_FK_MISSING_PARENT, NULL);
	sqlite_tx_put_stmt(tx, st);
	return r;
}

int sqlite_tag_list(struct store_tx *tx, const char *resource_id, struct tag_list *ret)
{
	/* Two statements: with "(:filter IS NULL OR resource_id = :filter)"
	 * SQLite walks every tag of the account even for one resource's. */
	if (resource_id)
		return SQLITE_TX_LIST(tx,
				      "SELECT resource_id, key, value FROM tags "
				      "WHERE account_id = :account AND resource_id = :filter "
				      "ORDER BY key",
				      resource_id, tag_read, ret);
	return SQLITE_TX_LIST(tx,
			      "SELECT resource_id, key, value FROM tags "
			      "WHERE account_id = :account "
			      "ORDER BY resource_id, key",
			      NULL, tag_read, ret);
}
