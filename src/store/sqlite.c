/* sqlite.c - the SQLite backend's connection: open and configure, the lock
 * and transactions, the revision counter, and the statement helpers. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"

/* How long a statement waits for another process (the agent, an admin
 * command) holding the database before it gives up with -EBUSY. */
#define SQLITE_BUSY_TIMEOUT_MS 5000

int sqlite_errno(int rc, enum sqlite_fk_meaning fk)
{
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		return -EEXIST;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return fk == SQLITE_FK_HAS_CHILDREN ? -ENOTEMPTY : -ENOENT;
	}
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:  /* CHECK, NOT NULL, STRICT types: a value the schema refuses */
		return -EINVAL;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_TOOBIG:
		return -E2BIG;
	}
	return -EIO;
}

static int db_exec(sqlite3 *db, const char *sql)
{
	return sqlite_errno(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_FK_MISSING_PARENT);
}

int sqlite_db_prepare(struct sqlite_store *ss, const char *sql, sqlite3_stmt **ret)
{
	const char *tail = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	*ret = NULL;
	rc = sqlite3_prepare_v2(ss->db, sql, -1, &st, &tail);
	if (rc != SQLITE_OK)
		return sqlite_errno(rc, SQLITE_FK_MISSING_PARENT);
	/* Only the first statement would run: refuse text that holds more, so
	 * nothing unscoped can ride behind a scoped one. */
	while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
		tail++;
	if (!st || (tail && *tail)) {
		sqlite3_finalize(st);
		return -EINVAL;
	}
	*ret = st;
	return 0;
}

int sqlite_step_write(sqlite3_stmt *st, enum sqlite_fk_meaning fk, int *ret_changes)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return -EINVAL;  /* a query passed where a write was meant */
	if (rc != SQLITE_DONE)
		return sqlite_errno(rc, fk);
	*ret_changes = sqlite3_changes(sqlite3_db_handle(st));
	return 0;
}

int sqlite_step_row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sqlite_errno(rc, SQLITE_FK_MISSING_PARENT);
}

static int bind_index(sqlite3_stmt *st, const char *name)
{
	int idx = sqlite3_bind_parameter_index(st, name);

	return idx > 0 ? idx : -EINVAL;
}

int sqlite_bind_str(sqlite3_stmt *st, const char *name, const char *s)
{
	int idx = bind_index(st, name), rc;

	if (idx < 0)
		return idx;
	if (s)
		rc = sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
	else
		rc = sqlite3_bind_null(st, idx);
	return sqlite_errno(rc, SQLITE_FK_MISSING_PARENT);
}

int sqlite_bind_field(sqlite3_stmt *st, const char *name, const char *field, size_t size)
{
	if (strnlen(field, size) == size)
		return -EINVAL;
	return sqlite_bind_str(st, name, field);
}

int sqlite_bind_field_or_null(sqlite3_stmt *st, const char *name, const char *field,
			      size_t size)
{
	if (strnlen(field, size) == size)
		return -EINVAL;
	return sqlite_bind_str(st, name, field[0] ? field : NULL);
}

int sqlite_bind_int64(sqlite3_stmt *st, const char *name, long long v)
{
	int idx = bind_index(st, name);

	if (idx < 0)
		return idx;
	return sqlite_errno(sqlite3_bind_int64(st, idx, v), SQLITE_FK_MISSING_PARENT);
}

int sqlite_bind_blob(sqlite3_stmt *st, const char *name, const void *data, size_t len)
{
	int idx = bind_index(st, name);

	if (idx < 0)
		return idx;
	if (len > INT_MAX)
		return -E2BIG;
	return sqlite_errno(sqlite3_bind_blob(st, idx, data, (int)len, SQLITE_TRANSIENT),
			    SQLITE_FK_MISSING_PARENT);
}

int sqlite_col_field(sqlite3_stmt *st, int col, char *field, size_t size)
{
	const unsigned char *text = sqlite3_column_text(st, col);
	int len = sqlite3_column_bytes(st, col);

	if (!text) {
		if (sqlite3_column_type(st, col) != SQLITE_NULL)
			return -ENOMEM;
		field[0] = '\0';
		return 0;
	}
	if (len < 0 || (size_t)len >= size || memchr(text, '\0', (size_t)len))
		return -EIO;
	memcpy(field, text, (size_t)len);
	field[len] = '\0';
	return 0;
}

int sqlite_db_list(struct sqlite_store *ss, const char *sql,
		   int (*read)(sqlite3_stmt *st, void *item), void **items, size_t *count,
		   size_t *cap, size_t item_size)
{
	sqlite3_stmt *st = NULL;
	void *item;
	int r;

	r = sqlite_db_prepare(ss, sql, &st);
	while (r == 0) {
		r = sqlite_step_row(st);
		if (r <= 0)
			break;
		item = list_push_raw(items, count, cap, item_size);
		r = item ? read(st, item) : -ENOMEM;
	}
	sqlite3_finalize(st);
	if (r < 0) {
		free(*items);
		*items = NULL;
		*count = *cap = 0;
	}
	return r;
}

int sqlite_lock(struct sqlite_store *ss)
{
	return -pthread_mutex_lock(&ss->lock);
}

void sqlite_unlock(struct sqlite_store *ss)
{
	pthread_mutex_unlock(&ss->lock);
}

static int bump_revision(struct sqlite_store *ss)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, r;

	r = sqlite_stmt_get(ss, "UPDATE meta SET revision = revision + 1 WHERE id = 1", &st);
	if (r < 0)
		return r;
	r = sqlite_step_write(st, SQLITE_FK_MISSING_PARENT, &changes);
	if (r == 0 && changes != 1)
		r = -EIO;  /* the meta row is gone: a damaged database */
	sqlite_stmt_put(ss, st);
	return r;
}

/* End the open transaction and release the lock: commit when r is 0,
 * bumping the revision in the same transaction when it wrote. Every
 * transaction, reads included, returns only once what it wrote or could
 * have read is on disk (sqlite_sync.c); the wait runs after the lock is
 * released, so other threads commit meanwhile and share the next sync. */
static int finish(struct sqlite_store *ss, int r, bool wrote)
{
	uint64_t ticket = 0;

	if (r == 0 && sqlite3_get_autocommit(ss->db))
		r = -EIO;  /* SQLite already rolled it back after an error */
	if (r == 0)
		r = sqlite_sync_check(ss);  /* no commit after a lost sync */
	if (r == 0 && wrote)
		r = bump_revision(ss);
	if (r == 0)
		r = sqlite_stmt_exec(ss, "COMMIT");
	if (r == 0)
		ticket = sqlite_sync_ticket(ss);
	if (r < 0)
		(void)sqlite_stmt_exec(ss, "ROLLBACK");  /* may already be rolled back */
	sqlite_unlock(ss);
	if (r == 0)
		r = sqlite_sync_wait(ss, ticket);
	return r;
}

int sqlite_op_begin(struct sqlite_store *ss)
{
	int r = sqlite_lock(ss);

	if (r < 0)
		return r;
	r = sqlite_stmt_exec(ss, "BEGIN IMMEDIATE");
	if (r < 0)
		sqlite_unlock(ss);
	return r;
}

int sqlite_op_end(struct sqlite_store *ss, int r, bool wrote)
{
	return finish(ss, r, wrote);
}

int sqlite_read_begin(struct sqlite_store *ss)
{
	int r = sqlite_lock(ss);

	if (r < 0)
		return r;
	r = sqlite_stmt_exec(ss, "BEGIN DEFERRED");
	if (r < 0)
		sqlite_unlock(ss);
	return r;
}

int sqlite_read_end(struct sqlite_store *ss, int r)
{
	return finish(ss, r, false);
}

int sqlite_begin(struct store *s, const char *account_id, struct store_tx **ret)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct sqlite_tx *tx;
	sqlite3_stmt *st = NULL;
	int r;

	tx = calloc(1, sizeof *tx);
	if (!tx)
		return -ENOMEM;
	tx->base.store = s;
	/* an id too long to have been stored names no account */
	if (bh_strlcpy(tx->base.account_id, account_id, sizeof tx->base.account_id) < 0) {
		free(tx);
		return -ENOENT;
	}
	r = sqlite_op_begin(ss);
	if (r < 0) {
		free(tx);
		return r;
	}
	/* The foreign keys would refuse rows for a missing account anyway;
	 * checking here gives the caller one clear answer up front. */
	r = sqlite_tx_stmt(&tx->base, "SELECT 1 FROM accounts WHERE id = :account", &st);
	if (r == 0)
		r = sqlite_step_row(st);
	if (r == 0)
		r = -ENOENT;
	sqlite_stmt_put(ss, st);
	if (r < 0) {
		finish(ss, r, false);
		free(tx);
		return r;
	}
	*ret = &tx->base;
	return 0;
}

int sqlite_commit(struct store_tx *tx)
{
	struct sqlite_tx *stx = sqlite_tx_of(tx);
	int r;

	r = finish(sqlite_store_of(tx->store), 0, stx->dirty);
	free(stx);
	return r;
}

void sqlite_rollback(struct store_tx *tx)
{
	finish(sqlite_store_of(tx->store), -ECANCELED, false);
	free(sqlite_tx_of(tx));
}

static int sqlite_revision(struct store *s, uint64_t *ret)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_lock(ss);
	if (r < 0)
		return r;
	r = sqlite_db_prepare(ss, "SELECT revision FROM meta WHERE id = 1", &st);
	if (r == 0)
		r = sqlite_step_row(st);
	if (r == 0)
		r = -EIO;
	if (r > 0) {
		*ret = (uint64_t)sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	sqlite_unlock(ss);
	return r;
}

/* Run a PRAGMA that answers one row and check the answer, so a setting
 * the library silently ignored (foreign keys compiled out, WAL refused on
 * this filesystem) fails the open instead of weakening the store. */
static int pragma_expect(sqlite3 *db, const char *set, const char *get, const char *want)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *got;
	int r;

	r = db_exec(db, set);
	if (r < 0)
		return r;
	if (sqlite3_prepare_v2(db, get, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	r = sqlite_step_row(st);
	if (r > 0) {
		got = sqlite3_column_text(st, 0);
		r = got && strcmp((const char *)got, want) == 0 ? 0 : -EPROTONOSUPPORT;
	} else if (r == 0) {
		r = -EPROTONOSUPPORT;
	}
	sqlite3_finalize(st);
	return r;
}

static int configure(sqlite3 *db)
{
	int r;

	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, SQLITE_BUSY_TIMEOUT_MS);
	/* no writable_schema tricks or shadow-table writes through SQL */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	r = pragma_expect(db, "PRAGMA journal_mode = WAL", "PRAGMA journal_mode", "wal");
	if (r < 0)
		return r;
	/* FULL: a commit returns only once the WAL is on disk, so an
	 * acknowledged write survives SIGKILL and power loss. After the
	 * migrations sqlite_sync_init() trades it for NORMAL plus our own
	 * WAL sync, which is as durable and shares one sync among writers. */
	r = pragma_expect(db, "PRAGMA synchronous = FULL", "PRAGMA synchronous", "2");
	if (r < 0)
		return r;
	r = pragma_expect(db, "PRAGMA foreign_keys = ON", "PRAGMA foreign_keys", "1");
	if (r < 0)
		return r;
	/* deleted rows (sealed secrets among them) are zeroed, not left in free pages */
	return pragma_expect(db, "PRAGMA secure_delete = ON", "PRAGMA secure_delete", "1");
}

static void sqlite_close(struct store *s)
{
	struct sqlite_store *ss = sqlite_store_of(s);

	sqlite_stmt_cache_clear(ss);
	sqlite3_close(ss->db);
	sqlite_sync_release(ss);
	pthread_mutex_destroy(&ss->lock);
	sqlite_watch_close(ss);
	free(ss->path);
	free(ss);
}

static const struct store_backend_ops sqlite_ops = {
	.name = "sqlite",
	.close = sqlite_close,
	.revision = sqlite_revision,
	.account_create = sqlite_account_create,
	.account_get = sqlite_account_get,
	.account_list = sqlite_account_list,
	.account_delete = sqlite_account_delete,
	.key_create = sqlite_key_create,
	.key_get = sqlite_key_get,
	.key_list = sqlite_key_list,
	.key_set_enabled = sqlite_key_set_enabled,
	.key_delete = sqlite_key_delete,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.vpc_insert = sqlite_vpc_insert,
	.vpc_get = sqlite_vpc_get,
	.vpc_list = sqlite_vpc_list,
	.vpc_update = sqlite_vpc_update,
	.vpc_delete = sqlite_vpc_delete,
	.subnet_insert = sqlite_subnet_insert,
	.subnet_get = sqlite_subnet_get,
	.subnet_list = sqlite_subnet_list,
	.subnet_update = sqlite_subnet_update,
	.subnet_delete = sqlite_subnet_delete,
	.sg_insert = sqlite_sg_insert,
	.sg_get = sqlite_sg_get,
	.sg_list = sqlite_sg_list,
	.sg_delete = sqlite_sg_delete,
	.sg_rule_insert = sqlite_sg_rule_insert,
	.sg_rule_get = sqlite_sg_rule_get,
	.sg_rule_list = sqlite_sg_rule_list,
	.sg_rule_find_same = sqlite_sg_rule_find_same,
	.sg_rule_count = sqlite_sg_rule_count,
	.sg_rule_update = sqlite_sg_rule_update,
	.sg_rule_delete = sqlite_sg_rule_delete,
	.tag_put = sqlite_tag_put,
	.tag_delete = sqlite_tag_delete,
	.tag_delete_resource = sqlite_tag_delete_resource,
	.tag_list = sqlite_tag_list,
	.instance_insert = sqlite_instance_insert,
	.instance_get = sqlite_instance_get,
	.instance_list = sqlite_instance_list,
	.instance_update = sqlite_instance_update,
	.instance_delete = sqlite_instance_delete,
	.eni_insert = sqlite_eni_insert,
	.eni_get = sqlite_eni_get,
	.eni_list = sqlite_eni_list,
	.eni_update = sqlite_eni_update,
	.eni_delete = sqlite_eni_delete,
	.route_table_insert = sqlite_route_table_insert,
	.route_table_get = sqlite_route_table_get,
	.route_table_list = sqlite_route_table_list,
	.route_table_delete = sqlite_route_table_delete,
	.route_insert = sqlite_route_insert,
	.route_update = sqlite_route_update,
	.route_delete = sqlite_route_delete,
	.route_list = sqlite_route_list,
	.rtb_association_insert = sqlite_rtb_association_insert,
	.rtb_association_get = sqlite_rtb_association_get,
	.rtb_association_update = sqlite_rtb_association_update,
	.rtb_association_delete = sqlite_rtb_association_delete,
	.rtb_association_list = sqlite_rtb_association_list,
	.igw_insert = sqlite_igw_insert,
	.igw_get = sqlite_igw_get,
	.igw_list = sqlite_igw_list,
	.igw_update = sqlite_igw_update,
	.igw_delete = sqlite_igw_delete,
	.address_insert = sqlite_address_insert,
	.address_get = sqlite_address_get,
	.address_list = sqlite_address_list,
	.address_update = sqlite_address_update,
	.address_delete = sqlite_address_delete,
	.public_ips_in_use = sqlite_public_ips_in_use,
	.snapshot_load = sqlite_snapshot_load,
	.agent_set_instance_state = sqlite_agent_set_instance_state,
	.agent_set_applied = sqlite_agent_set_applied,
	.agent_status_list = sqlite_agent_status_list,
	.wait_change = sqlite_wait_change,
};

/* read_only: no file created, no migration, no group commit, and SQLite
 * refuses every write (query_only). */
static int open_store(const char *path, bool read_only, struct store **ret)
{
	pthread_mutexattr_t attr;
	struct sqlite_store *ss;
	int fd, rc, r;

	if (!path || !ret)
		return -EINVAL;
	*ret = NULL;
	/* The file holds sealed secrets and every tenant's layout: create it
	 * owner-only. SQLite gives the -wal and -shm files the same mode. */
	fd = read_only ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
		       : open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	close(fd);

	ss = calloc(1, sizeof *ss);
	if (!ss)
		return -ENOMEM;
	ss->base.ops = &sqlite_ops;
	ss->watch_fd = -1;
	ss->path = strdup(path);
	if (!ss->path) {
		free(ss);
		return -ENOMEM;
	}
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	rc = pthread_mutex_init(&ss->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (rc != 0) {
		free(ss->path);
		free(ss);
		return -rc;
	}
	/* Our mutex serialises every use of the connection, so SQLite's own
	 * per-connection mutex would only add cost. */
	rc = sqlite3_open_v2(path, &ss->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
			     NULL);
	if (rc != SQLITE_OK) {
		r = sqlite_errno(rc, SQLITE_FK_MISSING_PARENT);
		goto out;
	}
	/* A reader opens read-write all the same and sets query_only: SQLite
	 * may have to make the -wal and -shm files of a WAL database even to
	 * read it. */
	r = read_only ? db_exec(ss->db, "PRAGMA query_only = ON") : 0;
	if (r == 0)
		r = configure(ss->db);
	if (r < 0)
		goto out;
	r = read_only ? sqlite_schema_check(ss->db) : sqlite_schema_migrate(ss->db);
	if (r == 0 && !read_only)
		r = sqlite_sync_init(ss);
	if (r < 0)
		goto out;
	*ret = &ss->base;
	ss = NULL;
out:
	if (ss)
		sqlite_close(&ss->base);
	return r;
}

int store_open_sqlite(const char *path, struct store **ret)
{
	return open_store(path, false, ret);
}

int store_open_sqlite_readonly(const char *path, struct store **ret)
{
	return open_store(path, true, ret);
}
