/* sqlite_internal.h - what the SQLite backend's files share: the handle,
 * the transaction, and the few helpers every statement goes through. */
#ifndef BH_STORE_SQLITE_INTERNAL_H
#define BH_STORE_SQLITE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/backend.h"

/* Prepared statements kept per connection (sqlite_stmt.c). */
#define SQLITE_STMT_CACHE_SLOTS 64

struct sqlite_stmt_slot {
	const char *sql;  /* the caller's text pointer: compared, never read */
	sqlite3_stmt *st;
	bool busy;        /* handed out, not yet put back */
};

struct sqlite_store {
	struct store base;
	sqlite3 *db;
	/* One connection, one writer: begin takes it, commit/rollback give it
	 * back. Error-checking, so a nested begin fails instead of hanging. */
	pthread_mutex_t lock;
	/* store_wait_change: the database's path, and an inotify descriptor
	 * on its directory, opened on first use (-1: none, or it failed) */
	char *path;
	int watch_fd;
	bool watch_tried;
	/* under lock, like db */
	struct sqlite_stmt_slot stmts[SQLITE_STMT_CACHE_SLOTS];
	size_t stmt_evict;
	/* group commit (sqlite_sync.c) */
	struct sqlite_sync {
		pthread_mutex_t lock;  /* guards the fields below but written */
		pthread_cond_t done;   /* a leader's sync ended */
		bool ready;            /* lock and done initialised */
		bool grouped;          /* synchronous=NORMAL + our WAL sync is on */
		bool written;          /* the last COMMIT appended frames (under ss->lock) */
		int fd;                /* the -wal file */
		int err;               /* sticky: a sync failed, -EIO */
		uint64_t committed;    /* commits that appended frames, in order */
		uint64_t synced;       /* every commit up to this one is on disk */
		uint64_t started;      /* the newest commit a sync has begun for */
	} sync;
};

struct sqlite_tx {
	struct store_tx base;
	bool dirty;  /* a write changed at least one row: commit bumps the revision */
};

static inline struct sqlite_store *sqlite_store_of(struct store *s)
{
	return bh_container_of(s, struct sqlite_store, base);
}

static inline struct sqlite_tx *sqlite_tx_of(struct store_tx *tx)
{
	return bh_container_of(tx, struct sqlite_tx, base);
}

/* What a failed SQLITE_CONSTRAINT_FOREIGNKEY means depends on the statement:
 * an insert or update names a parent that is not there, a delete would
 * orphan children. */
enum sqlite_fk_meaning {
	SQLITE_FK_MISSING_PARENT,  /* -> -ENOENT */
	SQLITE_FK_HAS_CHILDREN,    /* -> -ENOTEMPTY */
};

/* Map an SQLite result code to -errno (see store.h for the contract). */
int sqlite_errno(int rc, enum sqlite_fk_meaning fk);

/* Operator-side SQL (accounts, keys, meta), not tenant scoped. */
int sqlite_db_prepare(struct sqlite_store *ss, const char *sql, sqlite3_stmt **ret);

/* The statement cache (sqlite_stmt.c), under the connection's lock. get
 * is sqlite_db_prepare from the cache: the same checks, the statement
 * prepared once and kept; put hands it back (reset, bindings cleared), or
 * finalizes one that did not fit. Never sqlite3_finalize what get gave.
 * exec runs one cached statement that answers no rows (BEGIN, COMMIT...).
 * clear finalizes them all, before the connection closes. */
int sqlite_stmt_get(struct sqlite_store *ss, const char *sql, sqlite3_stmt **ret);
void sqlite_stmt_put(struct sqlite_store *ss, sqlite3_stmt *st);
int sqlite_stmt_exec(struct sqlite_store *ss, const char *sql);
void sqlite_stmt_cache_clear(struct sqlite_store *ss);

/* Step a write statement to its end and report how many rows it changed. */
int sqlite_step_write(sqlite3_stmt *st, enum sqlite_fk_meaning fk, int *ret_changes);

/* Step a read statement once: 1 for a row, 0 at the end, or -errno. */
int sqlite_step_row(sqlite3_stmt *st);

/* Bind by parameter name. The text binders refuse (-EINVAL) a fixed-size
 * field that is not NUL-terminated within its size; _or_null binds "" as
 * NULL. A name the statement lacks is a bug and returns -EINVAL. */
int sqlite_bind_field(sqlite3_stmt *st, const char *name, const char *field, size_t size);
int sqlite_bind_field_or_null(sqlite3_stmt *st, const char *name, const char *field,
			      size_t size);
int sqlite_bind_str(sqlite3_stmt *st, const char *name, const char *s);  /* NULL binds NULL */
int sqlite_bind_int64(sqlite3_stmt *st, const char *name, long long v);
int sqlite_bind_blob(sqlite3_stmt *st, const char *name, const void *data, size_t len);

/* Copy a text column (NULL reads as "") into a fixed field; -EIO if the
 * stored text does not fit, which only a damaged database can cause. */
int sqlite_col_field(sqlite3_stmt *st, int col, char *field, size_t size);

/* Operator-side list: prepare sql (no parameters), append one item per row
 * with read. On error the list is released. */
int sqlite_db_list(struct sqlite_store *ss, const char *sql,
		   int (*read)(sqlite3_stmt *st, void *item), void **items, size_t *count,
		   size_t *cap, size_t item_size);
#define SQLITE_DB_LIST(ss, sql, read, l)                                        \
	sqlite_db_list((ss), (sql), (read), (void **)&(l)->items, &(l)->count, \
		       &(l)->cap, sizeof(*(l)->items))

/* --- sqlite_tenant.c: tenancy in one place ---
 *
 * The one way tenant SQL is prepared: the text must use the parameter
 * :account, which is bound here to the transaction's account and nowhere
 * else. SQL without it, or with a second statement behind the first, is
 * refused with -EINVAL before it can run. Tests call it directly. */
int sqlite_tx_prepare(struct store_tx *tx, const char *sql, sqlite3_stmt **ret);
/* The same from the statement cache: give it back with sqlite_tx_put_stmt. */
int sqlite_tx_stmt(struct store_tx *tx, const char *sql, sqlite3_stmt **ret);
void sqlite_tx_put_stmt(struct store_tx *tx, sqlite3_stmt *st);

/* The one kind of cross-account statement a tenant transaction may run: a
 * read whose text never names an account (so no owner can come back), for
 * what must be unique across tenants (public addresses). -EINVAL for text
 * that mentions "account" or for a statement that writes. */
int sqlite_tx_prepare_shared(struct store_tx *tx, const char *sql, sqlite3_stmt **ret);

/* The same inside a tenant transaction; sets tx->dirty when it changed rows
 * and reports how many it changed. */
int sqlite_tx_write(struct store_tx *tx, sqlite3_stmt *st, enum sqlite_fk_meaning fk,
		    int *ret_changes);

/* Make one store call that runs several statements all-or-nothing inside
 * the caller's transaction (a savepoint): end rolls the call back when r
 * is negative, and returns r or the release's error. */
int sqlite_tx_call_begin(struct store_tx *tx);
int sqlite_tx_call_end(struct store_tx *tx, int r);

/* The shapes every tenant resource shares, all through sqlite_tx_prepare.
 * read fills one item from a row; bind binds an item's own parameters.
 * get: :id, -ENOENT when no row of this account has it.
 * list: appends every row; binds filter (may be NULL) to :filter when the
 *       SQL has it; on error the list is released.
 * put: an insert (-EEXIST, -ENOENT for a missing parent) or, with update,
 *      an update that must match a row (-ENOENT).
 * delete: :id, -ENOENT when nothing matched, -ENOTEMPTY when rows of
 *         another table still depend on it. */
int sqlite_tx_get(struct store_tx *tx, const char *sql, const char *id,
		  int (*read)(sqlite3_stmt *st, void *item), void *ret);
int sqlite_tx_list(struct store_tx *tx, const char *sql, const char *filter,
		   int (*read)(sqlite3_stmt *st, void *item), void **items, size_t *count,
		   size_t *cap, size_t item_size);
#define SQLITE_TX_LIST(tx, sql, filter, read, l)                                        \
	sqlite_tx_list((tx), (sql), (filter), (read), (void **)&(l)->items, &(l)->count, \
		       &(l)->cap, sizeof(*(l)->items))
int sqlite_tx_put(struct store_tx *tx, const char *sql,
		  int (*bind)(sqlite3_stmt *st, const void *item), const void *item, bool update);
int sqlite_tx_delete(struct store_tx *tx, const char *sql, const char *id);

/* Run the migrations up to the newest this code knows (sqlite_schema.c).
 * -EPROTO when the database is newer than the code. */
int sqlite_schema_migrate(sqlite3 *db);
/* The same, stopping after version target: tests build an older database
 * with it to check the upgrade from there. */
int sqlite_schema_migrate_to(sqlite3 *db, int target);
extern const int sqlite_schema_version;
/* 0 when the database is at the version this code knows; -ESTALE when
 * older (migrations pending), -EPROTO when newer. Changes nothing. */
int sqlite_schema_check(sqlite3 *db);

/* Remove every row of the transaction's account, the account included
 * (sqlite_accounts.c); -ENOENT when there is no such account. */
int sqlite_account_purge(struct store_tx *tx);

/* --- the ops table's entries, by file --- */

/* sqlite_accounts.c */
int sqlite_account_create(struct store *s, const struct account *a);
int sqlite_account_get(struct store *s, const char *id, struct account *ret);
int sqlite_account_list(struct store *s, struct account_list *ret);
int sqlite_account_delete(struct store *s, const char *id);
int sqlite_key_create(struct store *s, const struct access_key *k);
int sqlite_key_get(struct store *s, const char *id, struct access_key *ret);
int sqlite_key_list(struct store *s, const char *account_id, struct access_key_list *ret);
int sqlite_key_set_enabled(struct store *s, const char *id, bool enabled);
int sqlite_key_delete(struct store *s, const char *id);

/* sqlite.c: transactions, also used by the operator-side calls */
int sqlite_begin(struct store *s, const char *account_id, struct store_tx **ret);
int sqlite_commit(struct store_tx *tx);
void sqlite_rollback(struct store_tx *tx);
/* The connection's lock: 0, or -EDEADLK when this thread already holds it
 * (a store call made inside an open transaction). */
int sqlite_lock(struct sqlite_store *ss);
void sqlite_unlock(struct sqlite_store *ss);
/* Operator-side write transaction on the same lock, no account: begin
 * locks; end commits when r is 0 (bumping the revision if wrote) or rolls
 * back otherwise, unlocks, and returns r or the commit's error. */
int sqlite_op_begin(struct sqlite_store *ss);
int sqlite_op_end(struct sqlite_store *ss, int r, bool wrote);
/* Operator-side read transaction (deferred: it does not block writers in
 * other processes) on the same lock: every statement between begin and end
 * sees one state of the database. end commits when r is 0, else rolls
 * back; unlocks; returns r or the commit's error. */
int sqlite_read_begin(struct sqlite_store *ss);
int sqlite_read_end(struct sqlite_store *ss, int r);

/* sqlite_network.c */
int sqlite_vpc_insert(struct store_tx *tx, const struct vpc *v);
int sqlite_vpc_get(struct store_tx *tx, const char *id, struct vpc *ret);
int sqlite_vpc_list(struct store_tx *tx, struct vpc_list *ret);
int sqlite_vpc_update(struct store_tx *tx, const struct vpc *v);
int sqlite_vpc_delete(struct store_tx *tx, const char *id);
int sqlite_subnet_insert(struct store_tx *tx, const struct subnet *sn);
int sqlite_subnet_get(struct store_tx *tx, const char *id, struct subnet *ret);
int sqlite_subnet_list(struct store_tx *tx, struct subnet_list *ret);
int sqlite_subnet_update(struct store_tx *tx, const struct subnet *sn);
int sqlite_subnet_delete(struct store_tx *tx, const char *id);

/* sqlite_groups.c */
int sqlite_sg_insert(struct store_tx *tx, const struct security_group *g);
int sqlite_sg_get(struct store_tx *tx, const char *id, struct security_group *ret);
int sqlite_sg_list(struct store_tx *tx, struct sg_list *ret);
int sqlite_sg_delete(struct store_tx *tx, const char *id);
int sqlite_sg_rule_insert(struct store_tx *tx, const struct sg_rule *r);
int sqlite_sg_rule_get(struct store_tx *tx, const char *id, struct sg_rule *ret);
int sqlite_sg_rule_list(struct store_tx *tx, const char *group_id, struct sg_rule_list *ret);
int sqlite_sg_rule_find_same(struct store_tx *tx, const struct sg_rule *like,
			     struct sg_rule_list *ret);
int sqlite_sg_rule_count(struct store_tx *tx, const char *group_id, int egress, size_t *ret);
int sqlite_sg_rule_update(struct store_tx *tx, const struct sg_rule *r);
int sqlite_sg_rule_delete(struct store_tx *tx, const char *id);

/* Every account's rows of one table for the snapshot, sorted by id (then
 * account); the caller holds a read transaction. One statement each. */
int sqlite_vpc_load_all(struct sqlite_store *ss, struct vpc_list *ret);
int sqlite_subnet_load_all(struct sqlite_store *ss, struct subnet_list *ret);
int sqlite_sg_load_all(struct sqlite_store *ss, struct sg_list *ret);
int sqlite_sg_rule_load_all(struct sqlite_store *ss, struct sg_rule_list *ret);
int sqlite_instance_load_all(struct sqlite_store *ss, struct instance_list *ret);
int sqlite_eni_load_all(struct sqlite_store *ss, struct eni_list *ret);
int sqlite_route_table_load_all(struct sqlite_store *ss, struct route_table_list *ret);
int sqlite_route_load_all(struct sqlite_store *ss, struct route_list *ret);
int sqlite_rtb_association_load_all(struct sqlite_store *ss, struct rtb_association_list *ret);
int sqlite_igw_load_all(struct sqlite_store *ss, struct igw_list *ret);
int sqlite_address_load_all(struct sqlite_store *ss, struct address_list *ret);

/* sqlite_compute.c */
int sqlite_instance_insert(struct store_tx *tx, const struct instance *i);
int sqlite_instance_get(struct store_tx *tx, const char *id, struct instance *ret);
int sqlite_instance_list(struct store_tx *tx, struct instance_list *ret);
int sqlite_instance_update(struct store_tx *tx, const struct instance *i);
int sqlite_instance_delete(struct store_tx *tx, const char *id);
int sqlite_eni_insert(struct store_tx *tx, const struct eni *e);
int sqlite_eni_get(struct store_tx *tx, const char *id, struct eni *ret);
int sqlite_eni_list(struct store_tx *tx, struct eni_list *ret);
int sqlite_eni_update(struct store_tx *tx, const struct eni *e);
int sqlite_eni_delete(struct store_tx *tx, const char *id);

/* sqlite_routing.c */
int sqlite_route_table_insert(struct store_tx *tx, struct route_table *rt);
int sqlite_route_table_get(struct store_tx *tx, const char *id, struct route_table *ret);
int sqlite_route_table_list(struct store_tx *tx, struct route_table_list *ret);
int sqlite_route_table_delete(struct store_tx *tx, const char *id);
int sqlite_route_insert(struct store_tx *tx, const struct route *r);
int sqlite_route_update(struct store_tx *tx, const struct route *r);
int sqlite_route_delete(struct store_tx *tx, const char *route_table_id,
			const char *destination);
int sqlite_route_list(struct store_tx *tx, const char *route_table_id, struct route_list *ret);
int sqlite_rtb_association_insert(struct store_tx *tx, const struct rtb_association *a);
int sqlite_rtb_association_get(struct store_tx *tx, const char *id,
			       struct rtb_association *ret);
int sqlite_rtb_association_update(struct store_tx *tx, const struct rtb_association *a);
int sqlite_rtb_association_delete(struct store_tx *tx, const char *id);
int sqlite_rtb_association_list(struct store_tx *tx, struct rtb_association_list *ret);

/* sqlite_internet.c */
int sqlite_igw_insert(struct store_tx *tx, const struct internet_gateway *g);
int sqlite_igw_get(struct store_tx *tx, const char *id, struct internet_gateway *ret);
int sqlite_igw_list(struct store_tx *tx, struct igw_list *ret);
int sqlite_igw_update(struct store_tx *tx, const struct internet_gateway *g);
int sqlite_igw_delete(struct store_tx *tx, const char *id);
int sqlite_address_insert(struct store_tx *tx, const struct address *a);
int sqlite_address_get(struct store_tx *tx, const char *allocation_id, struct address *ret);
int sqlite_address_list(struct store_tx *tx, struct address_list *ret);
int sqlite_address_update(struct store_tx *tx, const struct address *a);
int sqlite_address_delete(struct store_tx *tx, const char *allocation_id);
int sqlite_public_ips_in_use(struct store_tx *tx, struct address_list *ret);

/* sqlite_agent.c */
int sqlite_snapshot_load(struct store *s, struct snapshot *ret);
int sqlite_agent_set_instance_state(struct store *s, const char *instance_id,
				    const char *from_state, const char *to_state);
int sqlite_agent_set_applied(struct store *s, const char *host, uint64_t revision,
			     long long when);
int sqlite_agent_status_list(struct store *s, struct agent_status_list *ret);

/* sqlite_sync.c: group commit. init (after the migrations, which commit
 * with FULL) switches the connection to synchronous=NORMAL and takes over
 * the WAL sync when that is as durable (see the file's comment); otherwise
 * the rest are no-ops and FULL stays. Under the connection lock after a
 * successful COMMIT, ticket numbers that commit (or, for one that wrote
 * nothing, names the newest commit it could have seen); wait, called after
 * the lock is released, returns once that commit is on disk (0) or -EIO.
 * check is -EIO once a sync has failed. */
int sqlite_sync_init(struct sqlite_store *ss);
void sqlite_sync_release(struct sqlite_store *ss);
int sqlite_sync_check(struct sqlite_store *ss);
uint64_t sqlite_sync_ticket(struct sqlite_store *ss);
int sqlite_sync_wait(struct sqlite_store *ss, uint64_t ticket);
/* The WAL sync itself, fdatasync(); tests swap it to see a failing disk. */
extern int (*sqlite_wal_fdatasync)(int fd);

/* sqlite_watch.c */
int sqlite_wait_change(struct store *s, int timeout_ms);
void sqlite_watch_close(struct sqlite_store *ss);

/* sqlite_tags.c */
int sqlite_tag_put(struct store_tx *tx, const struct tag *t);
int sqlite_tag_delete(struct store_tx *tx, const char *resource_id, const char *key,
		      const char *value);
int sqlite_tag_delete_resource(struct store_tx *tx, const char *resource_id);
int sqlite_tag_list(struct store_tx *tx, const char *resource_id, struct tag_list *ret);

#endif
