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

/* Load path, or create it with a fresh random key (mode 0600) if absent.
 * Refuses (-EPERM) a key file readable by group or others. */
int hostkey_load_or_create(const char *path, struct hostkey *ret);

/* Seal a secret for storage / recover it. 0 or -errno (-EBADMSG when the
 * sealed bytes were altered or belong to another host key). */
int hostkey_seal(const struct hostkey *hk, const char *secret, uint8_t *ret, size_t ret_size,
		 size_t *ret_len);
int hostkey_open(const struct hostkey *hk, const uint8_t *sealed, size_t sealed_len, char *ret,
		 size_t ret_size);

#endif
