/* ids.c - making and checking EC2-shaped identifiers: resource ids, account
 * ids, access key pairs and request ids, all drawn from bh_random. */
#include "ids.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/crypto.h"

/* EC2's older ids had 8 hex digits; such ids still appear in requests. */
#define ID_SHORT_HEX_DIGITS 8

static const char base32_upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char base64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A prefix is lower-case letters with inner dashes ("eni-attach"), as every
 * EC2 prefix is; anything else is a caller bug. The id must still fit
 * BH_MAX_ID with its dash and digits. */
static bool prefix_is_valid(const char *prefix)
{
	size_t i, len;

	if (!prefix)
		return false;
	len = strnlen(prefix, BH_MAX_ID);
	if (len == 0 || len + 1 + BH_ID_HEX_DIGITS + 1 > BH_MAX_ID)
		return false;
	if (prefix[0] == '-' || prefix[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++) {
		if ((prefix[i] < 'a' || prefix[i] > 'z') && prefix[i] != '-')
			return false;
	}
	return true;
}

int id_generate(const char *prefix, char ret[BH_MAX_ID])
{
	uint8_t raw[(BH_ID_HEX_DIGITS + 1) / 2];
	char hex[sizeof(raw) * 2 + 1];
	int r;

	if (!prefix_is_valid(prefix))
		return -EINVAL;
	r = bh_random(raw, sizeof(raw));
	if (r < 0)
		return r;
	bh_hex(raw, sizeof(raw), hex);
	/* 9 random bytes give 18 digits; EC2 shows 17 (68 bits). */
	return bh_snprintf(ret, BH_MAX_ID, "%s-%.*s", prefix, BH_ID_HEX_DIGITS, hex);
}

bool id_is_valid(const char *s, const char *prefix)
{
	size_t plen, len, i;

	if (!s || !prefix_is_valid(prefix))
		return false;
	plen = strlen(prefix);
	len = strnlen(s, BH_MAX_ID);
	if (len >= BH_MAX_ID || strncmp(s, prefix, plen) != 0 || s[plen] != '-')
		return false;
	len -= plen + 1;
	if (len != BH_ID_HEX_DIGITS && len != ID_SHORT_HEX_DIGITS)
		return false;
	for (i = 0; i < len; i++) {
		if (!is_lower_hex(s[plen + 1 + i]))
			return false;
	}
	return true;
}

/* Real AWS account ids may start with 0, so only generation avoids it. */
bool account_id_is_valid(const char *s)
{
	size_t i;

	if (!s || strnlen(s, 13) != 12)
		return false;
	for (i = 0; i < 12; i++) {
		if (!is_digit(s[i]))
			return false;
	}
	return true;
}

/* A uniform digit in [lo, lo + n) by rejection, so no digit is likelier than
 * another (a plain byte % 10 would favour 0..5). */
static int random_digit(unsigned lo, unsigned n, char *ret)
{
	unsigned limit = 256 - 256 % n;
	uint8_t b;
	int r;

	do {
		r = bh_random(&b, 1);
		if (r < 0)
			return r;
	} while (b >= limit);
	*ret = (char)('0' + lo + b % n);
	return 0;
}

int account_id_generate(char ret[13])
{
	int i, r;

	r = random_digit(1, 9, &ret[0]);
	for (i = 1; i < 12 && r == 0; i++)
		r = random_digit(0, 10, &ret[i]);
	/* Never leave a half-made id that could pass for a real one. */
	ret[r < 0 ? 0 : 12] = '\0';
	return r;
}

/* Fill ret with len characters from an alphabet of 32 or 64 symbols; a power
 * of two, so masking a random byte is unbiased. */
static int random_from_alphabet(const char *alphabet, uint8_t mask, char *ret, size_t len)
{
	uint8_t raw[64];
	size_t i;
	int r;

	if (len > sizeof(raw))
		return -EINVAL;
	r = bh_random(raw, len);
	if (r < 0)
		return r;
	for (i = 0; i < len; i++)
		ret[i] = alphabet[raw[i] & mask];
	ret[len] = '\0';
	return 0;
}

int access_key_id_generate(char ret[BH_ACCESS_KEY_ID_LEN + 1])
{
	memcpy(ret, "AKIA", 4);
	return random_from_alphabet(base32_upper, 31, ret + 4, BH_ACCESS_KEY_ID_LEN - 4);
}

int secret_key_generate(char ret[BH_SECRET_KEY_LEN + 1])
{
	return random_from_alphabet(base64_chars, 63, ret, BH_SECRET_KEY_LEN);
}

bool access_key_id_is_valid(const char *s)
{
	size_t i;

	if (!s || strnlen(s, BH_ACCESS_KEY_ID_LEN + 1) != BH_ACCESS_KEY_ID_LEN)
		return false;
	if (memcmp(s, "AKIA", 4) != 0)
		return false;
	for (i = 4; i < BH_ACCESS_KEY_ID_LEN; i++) {
		if (!strchr(base32_upper, s[i]))
			return false;
	}
	return true;
}

int request_id_generate(char ret[37])
{
	uint8_t u[16];
	char hex[33];
	int r;

	r = bh_random(u, sizeof(u));
	if (r < 0)
		return r;
	/* RFC 4122 version 4 (random), variant 10xx. */
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	bh_hex(u, sizeof(u), hex);
	return bh_snprintf(ret, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
			   hex + 20);
}
