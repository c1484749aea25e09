/* sqlite_agent.c - the agent's side of the SQLite backend: the whole
 * desired state at one revision, and what the agent reports back (settled
 * instance states, applied revisions), which never bumps the revision. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "model/snapshot.h"

static int read_revision(struct sqlite_store *ss, uint64_t *ret)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_db_prepare(ss, "SELECT revision FROM meta WHERE id = 1", &st);
	if (r == 0)
		r = sqlite_step_row(st);
	if (r == 0)
		r = -EIO;  /* the meta row is gone: a damaged database */
	if (r > 0) {
		*ret = (uint64_t)sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int sqlite_snapshot_load(struct store *s, struct snapshot *ret)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	int r;

	memset(ret, 0, sizeof *ret);
	/* One read transaction: in WAL mode every statement below sees the
	 * database as of the first one, so the revision matches the rows
	 * while API writers carry on. One statement per table. */
	r = sqlite_read_begin(ss);
	if (r < 0)
		return r;
	r = read_revision(ss, &ret->revision);
	if (r == 0)
		r = sqlite_vpc_load_all(ss, &ret->vpcs);
	if (r == 0)
		r = sqlite_subnet_load_all(ss, &ret->subnets);
	if (r == 0)
		r = sqlite_sg_load_all(ss, &ret->groups);
	if (r == 0)
		r = sqlite_sg_rule_load_all(ss, &ret->rules);
	if (r == 0)
		r = sqlite_instance_load_all(ss, &ret->instances);
	if (r == 0)
		r = sqlite_eni_load_all(ss, &ret->enis);
	if (r == 0)
		r = sqlite_route_table_load_all(ss, &ret->route_tables);
	if (r == 0)
		r = sqlite_route_load_all(ss, &ret->routes);
	if (r == 0)
		r = sqlite_rtb_association_load_all(ss, &ret->associations);
	if (r == 0)
		r = sqlite_igw_load_all(ss, &ret->igws);
	if (r == 0)
		r = sqlite_address_load_all(ss, &ret->addresses);
	r = sqlite_read_end(ss, r);
	if (r < 0)
		snapshot_release(ret);
	return r;
}

int sqlite_agent_set_instance_state(struct store *s, const char *instance_id,
				    const char *from_state, const char *to_state)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	sqlite3_stmt *st = NULL;
	int changes = 0, r;

	r = sqlite_op_begin(ss);
	if (r < 0)
		return r;
	/* compare-and-set: a request that moved the instance on since the
	 * agent read it (a stop during pending) must win */
	r = sqlite_db_prepare(ss,
			      "UPDATE instances SET state = :to_state "
			      "WHERE id = :id AND state = :from_state",
			      &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":id", instance_id);
	if (r == 0)
		r = sqlite_bind_str(st, ":from_state", from_state);
	if (r == 0)
		r = sqlite_bind_str(st, ":to_state", to_state);
	if (r == 0)
		r = sqlite_step_write(st, SQLITE_FK_MISSING_PARENT, &changes);
	sqlite3_finalize(st);
	st = NULL;
	if (r == 0 && changes == 0) {
		r = sqlite_db_prepare(ss, "SELECT 1 FROM instances WHERE id = :id", &st);
		if (r == 0)
			r = sqlite_bind_str(st, ":id", instance_id);
		if (r == 0)
			r = sqlite_step_row(st);
		if (r >= 0)
			r = r > 0 ? -ESTALE : -ENOENT;
		sqlite3_finalize(st);
	}
	/* a report, not a desire: no revision bump */
	return sqlite_op_end(ss, r, false);
}

int sqlite_agent_set_applied(struct store *s, const char *host, uint64_t revision,
			     long long when)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	struct agent_status probe;
	sqlite3_stmt *st = NULL;
	int changes = 0, r;

	if (strnlen(host, sizeof probe.host) == sizeof probe.host || revision > (uint64_t)INT64_MAX)
		return -EINVAL;
	r = sqlite_op_begin(ss);
	if (r < 0)
		return r;
	r = sqlite_db_prepare(ss,
			      "INSERT INTO agent_status (host, applied_revision, updated) "
			      "VALUES (:host, :revision, :updated) ON CONFLICT (host) DO UPDATE "
			      "SET applied_revision = excluded.applied_revision, "
			      "updated = excluded.updated",
			      &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":host", host);
	if (r == 0)
		r = sqlite_bind_int64(st, ":revision", (long long)revision);
	if (r == 0)
		r = sqlite_bind_int64(st, ":updated", when);
	if (r == 0)
		r = sqlite_step_write(st, SQLITE_FK_MISSING_PARENT, &changes);
	sqlite3_finalize(st);
	return sqlite_op_end(ss, r, false);
}

static int agent_status_read(sqlite3_stmt *st, void *item)
{
	struct agent_status *a = item;

	a->applied_revision = (uint64_t)sqlite3_column_int64(st, 1);
	a->updated = sqlite3_column_int64(st, 2);
	return sqlite_col_field(st, 0, a->host, sizeof a->host);
}

int sqlite_agent_status_list(struct store *s, struct agent_status_list *ret)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	int r;

	r = sqlite_lock(ss);
	if (r < 0)
		return r;
	r = SQLITE_DB_LIST(ss, "SELECT host, applied_revision, updated FROM agent_status "
			       "ORDER BY host", agent_status_read, ret);
	sqlite_unlock(ss);
	return r;
}
