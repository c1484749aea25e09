/* hostkey.h - the host key that seals access-key secrets at rest. It lives
 * in a file of its own (mode 0600) beside, never inside, the database. */
#ifndef BH_HOSTKEY_H
#define BH_HOSTKEY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/crypto.h"

struct hostkey {
	uint8_t key[BH_AEAD_KEY_LEN];
};

/* Load path, or create it with a fresh random key (mode 0600, synced with
 * its directory) if absent. Refuses (-EPERM) a key file readable by group
 * or others, and (-EINVAL) one that is not a regular file of exactly
 * BH_AEAD_KEY_LEN bytes. A symlink is not followed (-ELOOP). */
int hostkey_load_or_create(const char *path, struct hostkey *ret);

/* Seal a secret for storage / recover it. 0 or -errno (-EBADMSG when the
 * sealed bytes were altered or belong to another host key, -E2BIG when
 * ret is too small). Sealed output is strlen(secret) + BH_AEAD_NONCE_LEN +
 * BH_AEAD_TAG_LEN bytes; hostkey_open NUL-terminates the secret in ret. */
int hostkey_seal(const struct hostkey *hk, const char *secret, uint8_t *ret, size_t ret_size,
		 size_t *ret_len);
int hostkey_open(const struct hostkey *hk, const uint8_t *sealed, size_t sealed_len, char *ret,
		 size_t ret_size);

#endif
