/* crypto.c - thin wrappers over GnuTLS so the rest of bulkhead names one
 * small crypto API and never a library's. */
#include "crypto.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

int bh_sha256(const void *data, size_t len, uint8_t ret[BH_SHA256_LEN])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, ret) < 0 ? -EIO : 0;
}

int bh_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		   uint8_t ret[BH_SHA256_LEN])
{
	return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, key_len, data, len, ret) < 0 ? -EIO : 0;
}

int bh_random(void *ret, size_t len)
{
	return gnutls_rnd(GNUTLS_RND_KEY, ret, len) < 0 ? -EIO : 0;
}

void bh_hex(const uint8_t *data, size_t len, char *ret)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		ret[2 * i] = digits[data[i] >> 4];
		ret[2 * i + 1] = digits[data[i] & 15];
	}
	ret[2 * len] = '\0';
}

bool bh_mem_equal(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc |= x[i] ^ y[i];
	return acc == 0;
}

static int aead_handle(const uint8_t key[BH_AEAD_KEY_LEN], gnutls_aead_cipher_hd_t *ret)
{
	gnutls_datum_t k = { .data = (unsigned char *)key, .size = BH_AEAD_KEY_LEN };

	return gnutls_aead_cipher_init(ret, GNUTLS_CIPHER_AES_256_GCM, &k) < 0 ? -EIO : 0;
}

int bh_aead_seal(const uint8_t key[BH_AEAD_KEY_LEN], const void *plain, size_t plain_len,
		 uint8_t *ret, size_t ret_size, size_t *ret_len)
{
	gnutls_aead_cipher_hd_t h;
	size_t out_len;
	int r;

	if (ret_size < plain_len + BH_AEAD_NONCE_LEN + BH_AEAD_TAG_LEN)
		return -E2BIG;
	r = bh_random(ret, BH_AEAD_NONCE_LEN);
	if (r < 0)
		return r;
	r = aead_handle(key, &h);
	if (r < 0)
		return r;
	out_len = ret_size - BH_AEAD_NONCE_LEN;
	if (gnutls_aead_cipher_encrypt(h, ret, BH_AEAD_NONCE_LEN, NULL, 0, BH_AEAD_TAG_LEN, plain,
				       plain_len, ret + BH_AEAD_NONCE_LEN, &out_len) < 0)
		r = -EIO;
	else
		*ret_len = out_len + BH_AEAD_NONCE_LEN;
	gnutls_aead_cipher_deinit(h);
	return r;
}

int bh_aead_open(const uint8_t key[BH_AEAD_KEY_LEN], const uint8_t *sealed, size_t sealed_len,
		 uint8_t *ret, size_t ret_size, size_t *ret_len)
{
	gnutls_aead_cipher_hd_t h;
	size_t out_len = ret_size;
	int r;

	if (sealed_len < BH_AEAD_NONCE_LEN + BH_AEAD_TAG_LEN)
		return -EBADMSG;
	r = aead_handle(key, &h);
	if (r < 0)
		return r;
	if (gnutls_aead_cipher_decrypt(h, sealed, BH_AEAD_NONCE_LEN, NULL, 0, BH_AEAD_TAG_LEN,
				       sealed + BH_AEAD_NONCE_LEN, sealed_len - BH_AEAD_NONCE_LEN,
				       ret, &out_len) < 0)
		r = -EBADMSG;
	else
		*ret_len = out_len;
	gnutls_aead_cipher_deinit(h);
	return r;
}
