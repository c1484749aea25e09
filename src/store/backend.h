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
	int (*sg_rule_update)(struct store_tx *tx, const struct sg_rule *r);
	int (*sg_rule_delete)(struct store_tx *tx, const char *id);

	int (*tag_put)(struct store_tx *tx, const struct tag *t);
	int (*tag_delete)(struct store_tx *tx, const char *resource_id, const char *key,
			  const char *value);
	int (*tag_delete_resource)(struct store_tx *tx, const char *resource_id);
	int (*tag_list)(struct store_tx *tx, const char *resource_id, struct tag_list *ret);
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
