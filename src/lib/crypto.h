/* crypto.h - the few primitives bulkhead needs, all from GnuTLS (the library
 * libmicrohttpd already uses for TLS): SHA-256, HMAC-SHA256, AES-256-GCM,
 * random bytes, hex. */
#ifndef BH_CRYPTO_H
#define BH_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BH_SHA256_LEN 32
#define BH_AEAD_KEY_LEN 32
#define BH_AEAD_NONCE_LEN 12
#define BH_AEAD_TAG_LEN 16

int bh_sha256(const void *data, size_t len, uint8_t ret[BH_SHA256_LEN]);
int bh_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		   uint8_t ret[BH_SHA256_LEN]);

/* Fill with cryptographically strong random bytes. 0 or -errno. */
int bh_random(void *ret, size_t len);

/* Lower-case hex of len bytes into ret (2*len+1 bytes). */
void bh_hex(const uint8_t *data, size_t len, char *ret);

/* Constant-time comparison of two equal-length byte strings. */
bool bh_mem_equal(const void *a, const void *b, size_t len);

/* Seal plain under key: ret gets nonce || ciphertext || tag
 * (plain_len + BH_AEAD_NONCE_LEN + BH_AEAD_TAG_LEN bytes). */
int bh_aead_seal(const uint8_t key[BH_AEAD_KEY_LEN], const void *plain, size_t plain_len,
		 uint8_t *ret, size_t ret_size, size_t *ret_len);

/* Open what bh_aead_seal made; -EBADMSG if it was altered or the key differs. */
int bh_aead_open(const uint8_t key[BH_AEAD_KEY_LEN], const uint8_t *sealed, size_t sealed_len,
		 uint8_t *ret, size_t ret_size, size_t *ret_len);

#endif
