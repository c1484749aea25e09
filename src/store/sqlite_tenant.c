/* sqlite_tenant.c - the single place tenant SQL is prepared and run: every
 * statement is bound to the transaction's account here and nowhere else,
 * and the few shared reads are kept from ever naming one. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int tx_prepare(struct store_tx *tx, const char *sql, bool cached, sqlite3_stmt **ret)
{
	struct sqlite_store *ss = sqlite_store_of(tx->store);
	sqlite3_stmt *st = NULL;
	int idx, r;

	*ret = NULL;
	if (!strstr(sql, ":account"))
		return -EINVAL;
	/* After some I/O errors SQLite rolls the whole transaction back on its
	 * own; a statement run then would commit alone, outside the caller's
	 * transaction and without a revision bump. */
	if (sqlite3_get_autocommit(ss->db))
		return -EIO;
	if (cached)
		r = sqlite_stmt_get(ss, sql, &st);
	else
		r = sqlite_db_prepare(ss, sql, &st);
	if (r < 0)
		return r;
	/* strstr alone would accept ":account_id" or the name in a comment */
	idx = sqlite3_bind_parameter_index(st, ":account");
	if (idx == 0) {
		r = -EINVAL;
		goto out;
	}
	/* tx outlives every statement prepared on it */
	r = sqlite_errno(sqlite3_bind_text(st, idx, tx->account_id, -1, SQLITE_STATIC),
			 SQLITE_FK_MISSING_PARENT);
	if (r < 0)
		goto out;
	*ret = st;
	st = NULL;
out:
	if (cached)
		sqlite_stmt_put(ss, st);
	else
		sqlite3_finalize(st);
	return r;
}

int sqlite_tx_prepare(struct store_tx *tx, const char *sql, sqlite3_stmt **ret)
{
	return tx_prepare(tx, sql, false, ret);
}

int sqlite_tx_stmt(struct store_tx *tx, const char *sql, sqlite3_stmt **ret)
{
	return tx_prepare(tx, sql, true, ret);
}

void sqlite_tx_put_stmt(struct store_tx *tx, sqlite3_stmt *st)
{
	sqlite_stmt_put(sqlite_store_of(tx->store), st);
}

int sqlite_tx_prepare_shared(struct store_tx *tx, const char *sql, sqlite3_stmt **ret)
{
	sqlite3_stmt *st = NULL;
	int r;

	*ret = NULL;
	/* crude on purpose: no account column, no :account, not even in a
	 * comment, so what comes back can never say whose a row is */
	if (strstr(sql, "account"))
		return -EINVAL;
	if (sqlite3_get_autocommit(sqlite_store_of(tx->store)->db))
		return -EIO;
	r = sqlite_db_prepare(sqlite_store_of(tx->store), sql, &st);
	if (r < 0)
		return r;
	if (!sqlite3_stmt_readonly(st)) {
		sqlite3_finalize(st);
		return -EINVAL;
	}
	*ret = st;
	return 0;
}

int sqlite_tx_write(struct store_tx *tx, sqlite3_stmt *st, enum sqlite_fk_meaning fk,
		    int *ret_changes)
{
	int changes = 0, r;

	r = sqlite_step_write(st, fk, &changes);
	if (r < 0)
		return r;
	if (changes > 0)
		sqlite_tx_of(tx)->dirty = true;
	if (ret_changes)
		*ret_changes = changes;
	return 0;
}

static int tx_exec(struct store_tx *tx, const char *sql)
{
	return sqlite_stmt_exec(sqlite_store_of(tx->store), sql);
}

int sqlite_tx_call_begin(struct store_tx *tx)
{
	if (sqlite3_get_autocommit(sqlite_store_of(tx->store)->db))
		return -EIO;
	return tx_exec(tx, "SAVEPOINT store_call");
}

int sqlite_tx_call_end(struct store_tx *tx, int r)
{
	int rr;

	if (r < 0)
		(void)tx_exec(tx, "ROLLBACK TO store_call");  /* may be rolled back already */
	rr = tx_exec(tx, "RELEASE store_call");
	return r < 0 ? r : rr;
}

int sqlite_tx_get(struct store_tx *tx, const char *sql, const char *id,
		  int (*read)(sqlite3_stmt *st, void *item), void *ret)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_tx_stmt(tx, sql, &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":id", id);
	if (r == 0)
		r = sqlite_step_row(st);
	if (r == 0)
		r = -ENOENT;  /* absent, or another account's: the same answer */
	if (r > 0)
		r = read(st, ret);
	sqlite_tx_put_stmt(tx, st);
	return r;
}

int sqlite_tx_list(struct store_tx *tx, const char *sql, const char *filter,
		   int (*read)(sqlite3_stmt *st, void *item), void **items, size_t *count,
		   size_t *cap, size_t item_size)
{
	sqlite3_stmt *st = NULL;
	void *item;
	int r;

	r = sqlite_tx_stmt(tx, sql, &st);
	if (r < 0)
		goto out;
	/* a statement without :filter lists everything; passing a filter to
	 * it is a bug, not a request for everything */
	if (sqlite3_bind_parameter_index(st, ":filter") > 0)
		r = sqlite_bind_str(st, ":filter", filter);
	else if (filter)
		r = -EINVAL;
	while (r == 0) {
		r = sqlite_step_row(st);
		if (r <= 0)
			break;
		item = list_push_raw(items, count, cap, item_size);
		r = item ? read(st, item) : -ENOMEM;
	}
out:
	sqlite_tx_put_stmt(tx, st);
	if (r < 0) {
		free(*items);
		*items = NULL;
		*count = *cap = 0;
	}
	return r;
}

int sqlite_tx_put(struct store_tx *tx, const char *sql,
		  int (*bind)(sqlite3_stmt *st, const void *item), const void *item, bool update)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, r;

	r = sqlite_tx_stmt(tx, sql, &st);
	if (r == 0)
		r = bind(st, item);
	if (r == 0)
		r = sqlite_tx_write(tx, st, SQLITE_FK_MISSING_PARENT, &changes);
	if (r == 0 && update && changes == 0)
		r = -ENOENT;
	sqlite_tx_put_stmt(tx, st);
	return r;
}

int sqlite_tx_delete(struct store_tx *tx, const char *sql, const char *id)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, r;

	r = sqlite_tx_stmt(tx, sql, &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":id", id);
	if (r == 0)
		r = sqlite_tx_write(tx, st, SQLITE_FK_HAS_CHILDREN, &changes);
	if (r == 0 && changes == 0)
		r = -ENOENT;
	sqlite_tx_put_stmt(tx, st);
	return r;
}
