/* privdrop.h - the API gives up root: `bulkhead serve` started as root runs
 * the API as an unprivileged user, keeping root only for the agent. */
#ifndef BH_PRIVDROP_H
#define BH_PRIVDROP_H

#include <sys/types.h>

#define BH_API_USER "bulkhead"        /* made by scripts/install-deps.sh */
#define BH_API_USER_FALLBACK "nobody"

struct api_user {
	uid_t uid;
	gid_t gid;
	char name[64];
};

/* The user named name, or with name NULL the first of BH_API_USER and
 * BH_API_USER_FALLBACK that exists. -ENOENT when none does, -EPERM for
 * uid 0. */
int api_user_lookup(const char *name, struct api_user *ret);

/* Give u the store's files in dir (bulkhead.db and its WAL and shared
 * memory files, those that exist), so that the dropped API can write them;
 * the directory, the host key and the audit log stay root's. */
int state_store_chown(const char *dir, const struct api_user *u);

/* setgroups/setresgid/setresuid to u for every thread, checked, and
 * PR_SET_NO_NEW_PRIVS. Files opened before stay open. */
int privileges_drop(const struct api_user *u);

#endif
