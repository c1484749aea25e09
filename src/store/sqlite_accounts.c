/* sqlite_accounts.c - the operator side of the SQLite backend: accounts and
 * their access keys (sealed secrets only), and deleting an account whole. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

#define ACCOUNT_COLUMNS "id, name, created"
#define KEY_COLUMNS "id, account_id, enabled, created, sealed_secret"

static int account_read(sqlite3_stmt *st, struct account *a)
{
	int r;

	r = sqlite_col_field(st, 0, a->id, sizeof a->id);
	if (r == 0)
		r = sqlite_col_field(st, 1, a->name, sizeof a->name);
	a->created = sqlite3_column_int64(st, 2);
	return r;
}

static int key_read(sqlite3_stmt *st, struct access_key *k)
{
	const void *blob;
	int len, r;

	r = sqlite_col_field(st, 0, k->id, sizeof k->id);
	if (r == 0)
		r = sqlite_col_field(st, 1, k->account_id, sizeof k->account_id);
	if (r < 0)
		return r;
	k->enabled = sqlite3_column_int(st, 2) != 0;
	k->created = sqlite3_column_int64(st, 3);
	blob = sqlite3_column_blob(st, 4);
	len = sqlite3_column_bytes(st, 4);
	if (len < 0 || (size_t)len > sizeof k->sealed_secret)
		return -EIO;
	if (len > 0 && !blob)
		return -ENOMEM;
	if (len > 0)
		memcpy(k->sealed_secret, blob, (size_t)len);
	k->sealed_len = (size_t)len;
	return 0;
}

/* Step one operator write: -ENOENT when it matched no row. */
static int op_write(sqlite3_stmt *st)
{
	int changes = 0, r;

	r = sqlite_step_write(st, SQLITE_FK_MISSING_PARENT, &changes);
	if (r == 0 && changes == 0)
		r = -ENOENT;
	return r;
}

int sqlite_account_create(struct store *s, const struct account *a)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_op_begin(ss);
	if (r < 0)
		return r;
	r = sqlite_db_prepare(ss, "INSERT INTO accounts (" ACCOUNT_COLUMNS ") "
				  "VALUES (:id, :name, :created)", &st);
	if (r == 0)
		r = sqlite_bind_field(st, ":id", a->id, sizeof a->id);
	if (r == 0)
		r = sqlite_bind_field(st, ":name", a->name, sizeof a->name);
	if (r == 0)
		r = sqlite_bind_int64(st, ":created", a->created);
	if (r == 0)
		r = op_write(st);
	sqlite3_finalize(st);
	return sqlite_op_end(ss, r, true);
}

int sqlite_account_get(struct store *s, const char *id, struct account *ret)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_lock(ss);
	if (r < 0)
		return r;
	r = sqlite_db_prepare(ss, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = :id", &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":id", id);
	if (r == 0)
		r = sqlite_step_row(st);
	if (r == 0)
		r = -ENOENT;
	if (r > 0)
		r = account_read(st, ret);
	sqlite3_finalize(st);
	sqlite_unlock(ss);
	return r;
}

int sqlite_account_list(struct store *s, struct account_list *ret)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	sqlite3_stmt *st = NULL;
	struct account *a;
	int r;

	r = sqlite_lock(ss);
	if (r < 0)
		return r;
	r = sqlite_db_prepare(ss, "SELECT " ACCOUNT_COLUMNS " FROM accounts ORDER BY id", &st);
	while (r == 0) {
		r = sqlite_step_row(st);
		if (r <= 0)
			break;
		a = list_push(ret);
		r = a ? account_read(st, a) : -ENOMEM;
	}
	sqlite3_finalize(st);
	sqlite_unlock(ss);
	if (r < 0)
		list_release(ret);
	return r;
}

int sqlite_account_delete(struct store *s, const char *id)
{
	struct store_tx *tx = NULL;
	int r;

	/* one tenant transaction bound to the account: the purge goes through
	 * the same :account filter as every other tenant statement */
	r = sqlite_begin(s, id, &tx);
	if (r < 0)
		return r;
	r = sqlite_account_purge(tx);
	if (r < 0) {
		sqlite_rollback(tx);
		return r;
	}
	return sqlite_commit(tx);
}

int sqlite_account_purge(struct store_tx *tx)
{
	/* children before parents, so no foreign key ever points at a gap */
	static const char *const purge[] = {
		"DELETE FROM tags WHERE account_id = :account",
		"DELETE FROM eni_groups WHERE account_id = :account",
		"DELETE FROM enis WHERE account_id = :account",
		"DELETE FROM instances WHERE account_id = :account",
		"DELETE FROM addresses WHERE account_id = :account",
		"DELETE FROM routes WHERE account_id = :account",
		"DELETE FROM rtb_associations WHERE account_id = :account",
		"DELETE FROM route_tables WHERE account_id = :account",
		"DELETE FROM internet_gateways WHERE account_id = :account",
		"DELETE FROM sg_rules WHERE account_id = :account",
		"DELETE FROM security_groups WHERE account_id = :account",
		"DELETE FROM subnets WHERE account_id = :account",
		"DELETE FROM vpcs WHERE account_id = :account",
		"DELETE FROM access_keys WHERE account_id = :account",
		"DELETE FROM accounts WHERE id = :account",
	};
	sqlite3_stmt *st = NULL;
	size_t i;
	int changes = 0, r = 0;

	for (i = 0; r == 0 && i < sizeof(purge) / sizeof(purge[0]); i++) {
		r = sqlite_tx_prepare(tx, purge[i], &st);
		if (r == 0)
			r = sqlite_tx_write(tx, st, SQLITE_FK_HAS_CHILDREN, &changes);
		sqlite3_finalize(st);
		st = NULL;
	}
	if (r == 0 && changes == 0)
		r = -ENOENT;  /* the last statement removed no account */
	return r;
}

int sqlite_key_create(struct store *s, const struct access_key *k)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	sqlite3_stmt *st = NULL;
	int r;

	if (k->sealed_len == 0 || k->sealed_len > sizeof k->sealed_secret)
		return -EINVAL;
	r = sqlite_op_begin(ss);
	if (r < 0)
		return r;
	r = sqlite_db_prepare(ss, "INSERT INTO access_keys (" KEY_COLUMNS ") "
				  "VALUES (:id, :account_id, :enabled, :created, :sealed)", &st);
	if (r == 0)
		r = sqlite_bind_field(st, ":id", k->id, sizeof k->id);
	if (r == 0)
		r = sqlite_bind_field(st, ":account_id", k->account_id, sizeof k->account_id);
	if (r == 0)
		r = sqlite_bind_int64(st, ":enabled", k->enabled);
	if (r == 0)
		r = sqlite_bind_int64(st, ":created", k->created);
	if (r == 0)
		r = sqlite_bind_blob(st, ":sealed", k->sealed_secret, k->sealed_len);
	if (r == 0)
		r = op_write(st);
	sqlite3_finalize(st);
	return sqlite_op_end(ss, r, true);
}

int sqlite_key_get(struct store *s, const char *id, struct access_key *ret)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_lock(ss);
	if (r < 0)
		return r;
	/* every request's lookup: a cached statement */
	r = sqlite_stmt_get(ss, "SELECT " KEY_COLUMNS " FROM access_keys WHERE id = :id", &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":id", id);
	if (r == 0)
		r = sqlite_step_row(st);
	if (r == 0)
		r = -ENOENT;
	if (r > 0)
		r = key_read(st, ret);
	sqlite_stmt_put(ss, st);
	sqlite_unlock(ss);
	return r;
}

int sqlite_key_list(struct store *s, const char *account_id, struct access_key_list *ret)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	sqlite3_stmt *st = NULL;
	struct access_key *k;
	int r;

	r = sqlite_lock(ss);
	if (r < 0)
		return r;
	r = sqlite_db_prepare(ss, "SELECT " KEY_COLUMNS " FROM access_keys "
				  "WHERE :owner IS NULL OR account_id = :owner ORDER BY id", &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":owner", account_id);
	while (r == 0) {
		r = sqlite_step_row(st);
		if (r <= 0)
			break;
		k = list_push(ret);
		r = k ? key_read(st, k) : -ENOMEM;
	}
	sqlite3_finalize(st);
	sqlite_unlock(ss);
	if (r < 0)
		list_release(ret);
	return r;
}

int sqlite_key_set_enabled(struct store *s, const char *id, bool enabled)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_op_begin(ss);
	if (r < 0)
		return r;
	r = sqlite_db_prepare(ss, "UPDATE access_keys SET enabled = :enabled WHERE id = :id", &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":id", id);
	if (r == 0)
		r = sqlite_bind_int64(st, ":enabled", enabled);
	if (r == 0)
		r = op_write(st);
	sqlite3_finalize(st);
	return sqlite_op_end(ss, r, true);
}

int sqlite_key_delete(struct store *s, const char *id)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_op_begin(ss);
	if (r < 0)
		return r;
	r = sqlite_db_prepare(ss, "DELETE FROM access_keys WHERE id = :id", &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":id", id);
	if (r == 0)
		r = op_write(st);
	sqlite3_finalize(st);
	return sqlite_op_end(ss, r, true);
}
