/* backend.h - the contract between the public store API (store.c) and one
 * backend: an ops table and the handle and transaction headers they share. */
#ifndef BH_STORE_BACKEND_H
#define BH_STORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define BH_ACCOUNT_ID_SIZE 13  /* 12 digits and the NUL, as struct account */

/* One function per store operation. store.c checks the arguments callers
 * can get wrong (NULL pointers) and forwards; the backend owns everything
 * else, including the account filter on every tenant statement. */
struct store_backend_ops {
	const char *name;
	void (*close)(struct store *s);
	int (*revision)(struct store *s, uint64_t *ret);

	int (*account_create)(struct store *s, const struct account *a);
	int (*account_get)(struct store *s, const char *id, struct account *ret);
	int (*account_list)(struct store *s, struct account_list *ret);
	int (*account_delete)(struct store *s, const char *id);

	int (*key_create)(struct store *s, const struct access_key *k);
	int (*key_get)(struct store *s, const char *id, struct access_key *ret);
	int (*key_list)(struct store *s, const char *account_id, struct access_key_list *ret);
	int (*key_set_enabled)(struct store *s, const char *id, bool enabled);
	int (*key_delete)(struct store *s, const char *id);

	int (*begin)(struct store *s, const char *account_id, struct store_tx **ret);
	int (*commit)(struct store_tx *tx);
	void (*rollback)(struct store_tx *tx);

	int (*vpc_insert)(struct store_tx *tx, const struct vpc *v);
	int (*vpc_get)(struct store_tx *tx, const char *id, struct vpc *ret);
	int (*vpc_list)(struct store_tx *tx, struct vpc_list *ret);
	int (*vpc_update)(struct store_tx *tx, const struct vpc *v);
	int (*vpc_delete)(struct store_tx *tx, const char *id);

	int (*subnet_insert)(struct store_tx *tx, const struct subnet *sn);
	int (*subnet_get)(struct store_tx *tx, const char *id, struct subnet *ret);
	int (*subnet_list)(struct store_tx *tx, struct subnet_list *ret);
	int (*subnet_update)(struct store_tx *tx, const struct subnet *sn);
	int (*subnet_delete)(struct store_tx *tx, const char *id);

	int (*sg_insert)(struct store_tx *tx, const struct security_group *g);
	int (*sg_get)(struct store_tx *tx, const char *id, struct security_group *ret);
	int (*sg_list)(struct store_tx *tx, struct sg_list *ret);
	int (*sg_delete)(struct store_tx *tx, const char *id);

	int (*sg_rule_insert)(struct store_tx *tx, const struct sg_rule *r);
	int (*sg_rule_get)(struct store_tx *tx, const char *id, struct sg_rule *ret);
	int (*sg_rule_list)(struct store_tx *tx, const char *group_id, struct sg_rule_list *ret);
	int (*sg_rule_find_same)(struct store_tx *tx, const struct sg_rule *like,
				 struct sg_rule_list *ret);
	int (*sg_rule_count)(struct store_tx *tx, const char *group_id, int egress, size_t *ret);
	int (*sg_rule_update)(struct store_tx *tx, const struct sg_rule *r);
	int (*sg_rule_delete)(struct store_tx *tx, const char *id);

	int (*tag_put)(struct store_tx *tx, const struct tag *t);
	int (*tag_delete)(struct store_tx *tx, const char *resource_id, const char *key,
			  const char *value);
	int (*tag_delete_resource)(struct store_tx *tx, const char *resource_id);
	int (*tag_list)(struct store_tx *tx, const char *resource_id, struct tag_list *ret);

	int (*instance_insert)(struct store_tx *tx, const struct instance *i);
	int (*instance_get)(struct store_tx *tx, const char *id, struct instance *ret);
	int (*instance_list)(struct store_tx *tx, struct instance_list *ret);
	int (*instance_update)(struct store_tx *tx, const struct instance *i);
	int (*instance_delete)(struct store_tx *tx, const char *id);

	int (*eni_insert)(struct store_tx *tx, const struct eni *e);
	int (*eni_get)(struct store_tx *tx, const char *id, struct eni *ret);
	int (*eni_list)(struct store_tx *tx, struct eni_list *ret);
	int (*eni_update)(struct store_tx *tx, const struct eni *e);
	int (*eni_delete)(struct store_tx *tx, const char *id);

	int (*route_table_insert)(struct store_tx *tx, struct route_table *rt);
	int (*route_table_get)(struct store_tx *tx, const char *id, struct route_table *ret);
	int (*route_table_list)(struct store_tx *tx, struct route_table_list *ret);
	int (*route_table_delete)(struct store_tx *tx, const char *id);

	int (*route_insert)(struct store_tx *tx, const struct route *r);
	int (*route_update)(struct store_tx *tx, const struct route *r);
	int (*route_delete)(struct store_tx *tx, const char *route_table_id,
			    const char *destination);
	int (*route_list)(struct store_tx *tx, const char *route_table_id, struct route_list *ret);

	int (*rtb_association_insert)(struct store_tx *tx, const struct rtb_association *a);
	int (*rtb_association_get)(struct store_tx *tx, const char *id,
				   struct rtb_association *ret);
	int (*rtb_association_update)(struct store_tx *tx, const struct rtb_association *a);
	int (*rtb_association_delete)(struct store_tx *tx, const char *id);
	int (*rtb_association_list)(struct store_tx *tx, struct rtb_association_list *ret);

	int (*igw_insert)(struct store_tx *tx, const struct internet_gateway *g);
	int (*igw_get)(struct store_tx *tx, const char *id, struct internet_gateway *ret);
	int (*igw_list)(struct store_tx *tx, struct igw_list *ret);
	int (*igw_update)(struct store_tx *tx, const struct internet_gateway *g);
	int (*igw_delete)(struct store_tx *tx, const char *id);

	int (*address_insert)(struct store_tx *tx, const struct address *a);
	int (*address_get)(struct store_tx *tx, const char *allocation_id, struct address *ret);
	int (*address_list)(struct store_tx *tx, struct address_list *ret);
	int (*address_update)(struct store_tx *tx, const struct address *a);
	int (*address_delete)(struct store_tx *tx, const char *allocation_id);
	int (*public_ips_in_use)(struct store_tx *tx, struct address_list *ret);

	/* the agent's side: not tenant scoped, never bump the revision */
	int (*snapshot_load)(struct store *s, struct snapshot *ret);
	int (*agent_set_instance_state)(struct store *s, const char *instance_id,
					const char *from_state, const char *to_state);
	int (*agent_set_applied)(struct store *s, const char *host, uint64_t revision,
				 long long when);
	int (*agent_status_list)(struct store *s, struct agent_status_list *ret);
	int (*wait_change)(struct store *s, int timeout_ms);
};

/* A backend embeds this as the first member of its own handle. */
struct store {
	const struct store_backend_ops *ops;
};

/* A backend embeds this as the first member of its own transaction; the
 * account is fixed at begin and never changes. */
struct store_tx {
	struct store *store;
	char account_id[BH_ACCOUNT_ID_SIZE];
};

#define bh_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif
