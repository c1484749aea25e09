/* privdrop.c - how `bulkhead serve` started as root gives up root for the
 * API: the user it becomes, the store files it must own, and the drop. */
#include "cmd/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lib/buf.h"

int api_user_lookup(const char *name, struct api_user *ret)
{
	const char *names[] = { name, NULL };
	const char *defaults[] = { BH_API_USER, BH_API_USER_FALLBACK, NULL };
	const char **try = name ? names : defaults;
	struct passwd *pw = NULL;
	size_t i;

	for (i = 0; try[i] && !pw; i++) {
		errno = 0;
		pw = getpwnam(try[i]);
	}
	if (!pw)
		return errno ? -errno : -ENOENT;
	if (pw->pw_uid == 0)
		return -EPERM;  /* that would not be a drop */
	ret->uid = pw->pw_uid;
	ret->gid = pw->pw_gid;
	if (bh_strlcpy(ret->name, pw->pw_name, sizeof(ret->name)) < 0)
		return -ENAMETOOLONG;
	return 0;
}

int state_store_chown(const char *dir, const struct api_user *u)
{
	static const char *const files[] = { "bulkhead.db", "bulkhead.db-wal", "bulkhead.db-shm" };
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (bh_snprintf(path, sizeof(path), "%s/%s", dir, files[i]) < 0)
			return -ENAMETOOLONG;
		if (chown(path, u->uid, u->gid) < 0 && errno != ENOENT)
			return -errno;
	}
	return 0;
}

int privileges_drop(const struct api_user *u)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (setgroups(0, NULL) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
	    setresuid(u->uid, u->uid, u->uid) < 0)
		return -errno;
	/* glibc applies set*id to every thread; check that it took, and that
	 * there is no way back */
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
		return -errno;
	if (ruid != u->uid || euid != u->uid || suid != u->uid || rgid != u->gid || egid != u->gid ||
	    sgid != u->gid || setuid(0) == 0)
		return -EPERM;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
