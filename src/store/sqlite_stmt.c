/* sqlite_stmt.c - the connection's cache of prepared statements: the hot
 * SQL (every request's key lookup, transaction control, the tenant helpers)
 * is parsed once per connection instead of once per use. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <string.h>

/* A slot is found by the SQL's address (the callers pass string literals)
 * and confirmed by its text, which SQLite keeps: a caller that builds SQL
 * in a buffer reused at the same address still gets its own statement. The
 * address is only compared, never read through. */
static struct sqlite_stmt_slot *slot_find(struct sqlite_store *ss, const char *sql)
{
	struct sqlite_stmt_slot *slot;
	size_t i;

	for (i = 0; i < SQLITE_STMT_CACHE_SLOTS; i++) {
		slot = &ss->stmts[i];
		if (slot->sql != sql || slot->busy)
			continue;
		if (strcmp(sqlite3_sql(slot->st), sql) == 0)
			return slot;
		sqlite3_finalize(slot->st);
		*slot = (struct sqlite_stmt_slot){ 0 };
	}
	return NULL;
}

/* A free slot, else the next idle one in turn (its statement finalized),
 * else NULL when every slot is in use (nested statements). */
static struct sqlite_stmt_slot *slot_claim(struct sqlite_store *ss)
{
	struct sqlite_stmt_slot *slot;
	size_t i;

	for (i = 0; i < SQLITE_STMT_CACHE_SLOTS; i++)
		if (!ss->stmts[i].st)
			return &ss->stmts[i];
	for (i = 0; i < SQLITE_STMT_CACHE_SLOTS; i++) {
		slot = &ss->stmts[ss->stmt_evict++ % SQLITE_STMT_CACHE_SLOTS];
		if (!slot->busy) {
			sqlite3_finalize(slot->st);
			*slot = (struct sqlite_stmt_slot){ 0 };
			return slot;
		}
	}
	return NULL;
}

int sqlite_stmt_get(struct sqlite_store *ss, const char *sql, sqlite3_stmt **ret)
{
	struct sqlite_stmt_slot *slot = slot_find(ss, sql);
	sqlite3_stmt *st = NULL;
	int r;

	if (slot) {
		slot->busy = true;
		*ret = slot->st;
		return 0;
	}
	r = sqlite_db_prepare(ss, sql, &st);
	if (r < 0) {
		*ret = NULL;
		return r;
	}
	slot = slot_claim(ss);
	if (slot)
		*slot = (struct sqlite_stmt_slot){ .sql = sql, .st = st, .busy = true };
	*ret = st;
	return 0;
}

void sqlite_stmt_put(struct sqlite_store *ss, sqlite3_stmt *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < SQLITE_STMT_CACHE_SLOTS; i++) {
		if (ss->stmts[i].st != st)
			continue;
		/* reset ends its read of the database; clearing drops the
		 * bindings, among them the account of a transaction about to end */
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		ss->stmts[i].busy = false;
		return;
	}
	sqlite3_finalize(st);
}

int sqlite_stmt_exec(struct sqlite_store *ss, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_stmt_get(ss, sql, &st);
	if (r < 0)
		return r;
	r = sqlite_step_row(st);
	if (r > 0)
		r = -EINVAL;  /* transaction control answers no rows */
	sqlite_stmt_put(ss, st);
	return r;
}

void sqlite_stmt_cache_clear(struct sqlite_store *ss)
{
	size_t i;

	for (i = 0; i < SQLITE_STMT_CACHE_SLOTS; i++) {
		sqlite3_finalize(ss->stmts[i].st);
		ss->stmts[i] = (struct sqlite_stmt_slot){ 0 };
	}
}
