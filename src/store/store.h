/* store.h - the backend-neutral store: accounts, access keys, and every
 * tenant resource, read and written in transactions scoped to one account.
 * Handlers see only this header; backends plug in behind backend.h.
 *
 * Errors common to every call: -EINVAL for a NULL argument, a struct field
 * not NUL-terminated within its array, or a value the schema refuses (a
 * boolean out of range, a protocol past 255); -EBUSY when another process
 * held the database past the busy timeout; -ENOMEM; -EIO for anything else
 * the backend reports. A list call appends to ret, which the caller zeroes
 * first and frees with list_release; on error ret is released and empty.
 *
 * Threads: a store may be shared. One transaction runs at a time; the
 * thread that began it must commit or roll it back, and may not call any
 * other store function meanwhile (that returns -EDEADLK, never hangs). */
#ifndef BH_STORE_H
#define BH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"
#include "model/resources.h"

struct store;     /* a handle on one backend; safe to share between threads */
struct store_tx;  /* one transaction, bound to one account */

#define BH_SEALED_SECRET_MAX 128

struct account {
	char id[13];
	char name[BH_MAX_ACCOUNT_NAME + 1];
	long long created;  /* unix seconds */
};

struct access_key {
	char id[BH_ACCESS_KEY_ID_LEN + 1];
	char account_id[13];
	bool enabled;
	long long created;
	/* the secret sealed under the host key (see hostkey.h); never the clear text */
	uint8_t sealed_secret[BH_SEALED_SECRET_MAX];
	size_t sealed_len;
};

BH_DEFINE_LIST(account_list, struct account);
BH_DEFINE_LIST(access_key_list, struct access_key);

/* Open (creating if needed) the SQLite store at path, in WAL mode, applying
 * pending schema migrations. 0 or -errno. */
int store_open_sqlite(const char *path, struct store **ret);
/* Open the SQLite store at path to read only: nothing created, migrated
 * or written (every write fails). -ENOENT without a store, -ESTALE when
 * its schema is older than this code's (a writer must migrate it first),
 * -EPROTO when newer, or -errno. */
int store_open_sqlite_readonly(const char *path, struct store **ret);
void store_close(struct store *s);

/* The revision counter: bumped by every committed transaction that wrote,
 * account and key changes included. */
int store_revision(struct store *s, uint64_t *ret);

/* --- accounts and keys (operator side, not tenant scoped) --- */
/* All return 0, -ENOENT (no such id), -EEXIST (id taken) or -errno. */
int store_account_create(struct store *s, const struct account *a);
int store_account_get(struct store *s, const char *id, struct account *ret);
int store_account_list(struct store *s, struct account_list *ret);
/* Deletes the account, its keys and all its resources, in one transaction. */
int store_account_delete(struct store *s, const char *id);

/* -ENOENT when k->account_id names no account; -EINVAL for sealed_len 0
 * or above BH_SEALED_SECRET_MAX. */
int store_key_create(struct store *s, const struct access_key *k);
int store_key_get(struct store *s, const char *id, struct access_key *ret);
/* The account's keys sorted by id; account_id NULL lists every key. */
int store_key_list(struct store *s, const char *account_id, struct access_key_list *ret);
int store_key_set_enabled(struct store *s, const char *id, bool enabled);
int store_key_delete(struct store *s, const char *id);

/* --- tenant transactions --- */

/* Begin a write transaction that can see and change account_id's resources
 * only: every read and write below is filtered by it inside the backend, so
 * another account's id behaves exactly like an id that does not exist.
 * Transactions are serialised. -ENOENT when the account does not exist. */
int store_begin(struct store *s, const char *account_id, struct store_tx **ret);
/* Commit and free tx; bumps the revision if the transaction wrote. */
int store_commit(struct store_tx *tx);
/* Roll back and free tx. */
void store_rollback(struct store_tx *tx);
const char *store_tx_account(const struct store_tx *tx);

/* Every get returns -ENOENT for an id the account does not own; every
 * insert returns -EEXIST for a duplicate key; update/delete of an unknown
 * id return -ENOENT. Lists hold all of the account's items, sorted by id.
 * Parents are checked inside the account: inserting or updating a subnet
 * or group whose vpc_id, or a rule whose group_id, the account does not
 * own returns -ENOENT. Deleting a VPC that still has subnets, groups (the
 * default group too: delete it first), route tables (the main one too) or
 * an attached internet gateway returns -ENOTEMPTY. */
int store_vpc_insert(struct store_tx *tx, const struct vpc *v);
int store_vpc_get(struct store_tx *tx, const char *id, struct vpc *ret);
int store_vpc_list(struct store_tx *tx, struct vpc_list *ret);
int store_vpc_update(struct store_tx *tx, const struct vpc *v);
int store_vpc_delete(struct store_tx *tx, const char *id);

int store_subnet_insert(struct store_tx *tx, const struct subnet *sn);
int store_subnet_get(struct store_tx *tx, const char *id, struct subnet *ret);
int store_subnet_list(struct store_tx *tx, struct subnet_list *ret);
int store_subnet_update(struct store_tx *tx, const struct subnet *sn);
int store_subnet_delete(struct store_tx *tx, const char *id);

/* (vpc_id, name) is unique: insert returns -EEXIST on a clash. */
int store_sg_insert(struct store_tx *tx, const struct security_group *g);
int store_sg_get(struct store_tx *tx, const char *id, struct security_group *ret);
int store_sg_list(struct store_tx *tx, struct sg_list *ret);
/* Removes the group's own rules with it. Rules of other groups that name
 * it as their peer (ref_group_id) are the caller's to check; a group that
 * a network interface still uses is -ENOTEMPTY. */
int store_sg_delete(struct store_tx *tx, const char *id);

int store_sg_rule_insert(struct store_tx *tx, const struct sg_rule *r);
int store_sg_rule_get(struct store_tx *tx, const char *id, struct sg_rule *ret);
/* All rules of the account (group_id NULL) or of one group. */
int store_sg_rule_list(struct store_tx *tx, const char *group_id, struct sg_rule_list *ret);
/* Append the rules of like->group_id that are the same rule as like (same
 * direction, protocol, ports and peer; id and description aside), in id
 * order, without reading the group's other rules. On error ret is released. */
int store_sg_rule_find_same(struct store_tx *tx, const struct sg_rule *like,
			    struct sg_rule_list *ret);
/* How many rules the group has: egress 0 ingress, 1 egress, -1 both. */
int store_sg_rule_count(struct store_tx *tx, const char *group_id, int egress, size_t *ret);
int store_sg_rule_update(struct store_tx *tx, const struct sg_rule *r);
int store_sg_rule_delete(struct store_tx *tx, const char *id);

/* Tags: put replaces the value of an existing (resource, key). delete with
 * value NULL removes the key whatever its value; with a value, only if it
 * matches (0 either way when nothing matched). */
int store_tag_put(struct store_tx *tx, const struct tag *t);
int store_tag_delete(struct store_tx *tx, const char *resource_id, const char *key, const char *value);
int store_tag_delete_resource(struct store_tx *tx, const char *resource_id);
/* All tags of the account (resource_id NULL) or of one resource, sorted by
 * resource id then key. */
int store_tag_list(struct store_tx *tx, const char *resource_id, struct tag_list *ret);

/* --- compute and networking (same rules as above) ---
 * A security group with vpc_id "" belongs to the shared public network.
 * An instance or ENI with subnet_id "" lives in the shared public network.
 * Each store call is all-or-nothing, even when it writes several rows. */

/* subnet_id and vpc_id are both "" or both set (-EINVAL otherwise), and
 * then name a subnet of that VPC in the account (-ENOENT otherwise).
 * Instances do not hold their subnet: a terminated one stays listed after
 * its subnet is deleted, and can still be updated as long as its subnet_id
 * does not change. */
int store_instance_insert(struct store_tx *tx, const struct instance *i);
int store_instance_get(struct store_tx *tx, const char *id, struct instance *ret);
int store_instance_list(struct store_tx *tx, struct instance_list *ret);
int store_instance_update(struct store_tx *tx, const struct instance *i);
int store_instance_delete(struct store_tx *tx, const char *id);

/* An ENI's group list is saved and loaded with it (an ordered set):
 * -EINVAL for more than BH_MAX_ENI_GROUPS, an empty id or one given twice;
 * -ENOENT for a group that is not the account's or not in the ENI's
 * network (its VPC, or the public network). subnet_id and vpc_id are both
 * "" or both set (-EINVAL), a subnet of that VPC (-ENOENT); a subnet with
 * ENIs cannot be deleted (-ENOTEMPTY). -EEXIST for a private_ip taken in
 * the subnet, for a public_ip any ENI of any account holds (clear the old
 * holder first when an address moves), and in the public network for a
 * private_ip any account's ENI there holds: those share one router. */
int store_eni_insert(struct store_tx *tx, const struct eni *e);
int store_eni_get(struct store_tx *tx, const char *id, struct eni *ret);
int store_eni_list(struct store_tx *tx, struct eni_list *ret);
int store_eni_update(struct store_tx *tx, const struct eni *e);
int store_eni_delete(struct store_tx *tx, const char *id);

/* kernel_table is assigned by the store on insert (unique per VPC, from
 * 100, skipping Linux's 253-255; a deleted table's number is reused) and
 * written back to rt; what the caller put there is ignored. A VPC has at
 * most one table with is_main (-EEXIST). Deleting a table removes its
 * routes; while any association names it (the main one too) it is
 * -ENOTEMPTY. */
int store_route_table_insert(struct store_tx *tx, struct route_table *rt);
int store_route_table_get(struct store_tx *tx, const char *id, struct route_table *ret);
int store_route_table_list(struct store_tx *tx, struct route_table_list *ret);
int store_route_table_delete(struct store_tx *tx, const char *id);

/* (route_table_id, destination) is the key. Exactly one target is set
 * (-EINVAL otherwise). */
int store_route_insert(struct store_tx *tx, const struct route *r);
int store_route_update(struct store_tx *tx, const struct route *r);
int store_route_delete(struct store_tx *tx, const char *route_table_id, const char *destination);
/* All routes of the account (route_table_id NULL) or of one table. */
int store_route_list(struct store_tx *tx, const char *route_table_id, struct route_list *ret);

/* A subnet has at most one association: insert returns -EEXIST otherwise.
 * The subnet must be in the route table's VPC (-ENOENT otherwise, on
 * update too). is_main is true exactly when subnet_id is "" (-EINVAL).
 * Deleting a subnet deletes its association, as in EC2. */
int store_rtb_association_insert(struct store_tx *tx, const struct rtb_association *a);
int store_rtb_association_get(struct store_tx *tx, const char *id, struct rtb_association *ret);
int store_rtb_association_update(struct store_tx *tx, const struct rtb_association *a);
int store_rtb_association_delete(struct store_tx *tx, const char *id);
int store_rtb_association_list(struct store_tx *tx, struct rtb_association_list *ret);

/* A VPC has at most one gateway attached: -EEXIST for a second. */
int store_igw_insert(struct store_tx *tx, const struct internet_gateway *g);
int store_igw_get(struct store_tx *tx, const char *id, struct internet_gateway *ret);
int store_igw_list(struct store_tx *tx, struct igw_list *ret);
int store_igw_update(struct store_tx *tx, const struct internet_gateway *g);
int store_igw_delete(struct store_tx *tx, const char *id);

/* Public addresses are unique across all accounts: insert returns -EEXIST
 * for a public_ip held by anyone. */
int store_address_insert(struct store_tx *tx, const struct address *a);
int store_address_get(struct store_tx *tx, const char *allocation_id, struct address *ret);
int store_address_list(struct store_tx *tx, struct address_list *ret);
int store_address_update(struct store_tx *tx, const struct address *a);
int store_address_delete(struct store_tx *tx, const char *allocation_id);
/* Every public address in use by any account (EIPs, ENIs' public_ip, and
 * the private_ip of ENIs in the public network, whose addresses are
 * public), once each, sorted as text, in public_ip only: allocation can
 * pick a free one without learning whose they are. */
int store_public_ips_in_use(struct store_tx *tx, struct address_list *ret);

/* --- the agent's side (root, not tenant scoped) --- */

/* Load every account's desired state at one revision, in one read
 * transaction (one statement per table; writers in other processes are not
 * blocked). ret is overwritten, not released first; release it with
 * snapshot_release. Lists are sorted by id (routes by table, destination).
 * Items carry no account: ids are unique in practice, not by constraint. */
struct snapshot;
int store_snapshot_load(struct store *s, struct snapshot *ret);

/* Wait up to timeout_ms (>= 0) for a sign that another connection may
 * have written: what wakes the agent instead of polling the revision. A
 * hint, never a promise: the caller reads the revision either way, and a
 * commit may become visible a moment after its sign. 1 on a sign, 0 when
 * the time ran out (a backend with no way to tell just sleeps), or -errno. */
int store_wait_change(struct store *s, int timeout_ms);

/* Record what the agent made true: an instance's settled state, written
 * only if its state is still from_state (pending -> running, stopping ->
 * stopped, shutting-down -> terminated), so a newer request is never
 * overwritten (-ESTALE then, -ENOENT for no such instance in any account,
 * -EINVAL for an unknown to_state); and the revision the host has applied
 * (host: 1 to 63 bytes). Neither bumps the revision: they report, they do
 * not desire. The status list is sorted by host. */
int store_agent_set_instance_state(struct store *s, const char *instance_id, const char *from_state,
				   const char *to_state);
int store_agent_set_applied(struct store *s, const char *host, uint64_t revision, long long when);
struct agent_status {
	char host[64];
	uint64_t applied_revision;
	long long updated;  /* unix seconds */
};
BH_DEFINE_LIST(agent_status_list, struct agent_status);
int store_agent_status_list(struct store *s, struct agent_status_list *ret);

#endif
