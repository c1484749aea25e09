/* test_ids.c - the shapes of generated ids, keys and request ids, what the
 * validators refuse, and that generated ids do not repeat. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "model/ids.h"

#define MANY_IDS 5000

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_generate_shape(void **state)
{
	static const char *const prefixes[] = { "vpc", "subnet", "sg", "sgr", "igw", "rtb", "i",
						"eni", "eni-attach" };
	char id[BH_MAX_ID];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t plen = strlen(prefixes[i]);

		assert_int_equal(id_generate(prefixes[i], id), 0);
		assert_int_equal(strlen(id), plen + 1 + BH_ID_HEX_DIGITS);
		assert_memory_equal(id, prefixes[i], plen);
		assert_int_equal(id[plen], '-');
		for (j = plen + 1; id[j]; j++)
			assert_non_null(strchr("0123456789abcdef", id[j]));
		assert_true(id_is_valid(id, prefixes[i]));
	}
}

static void test_generate_bad_prefix(void **state)
{
	char id[BH_MAX_ID];

	(void)state;
	assert_int_equal(id_generate(NULL, id), -EINVAL);
	assert_int_equal(id_generate("", id), -EINVAL);
	assert_int_equal(id_generate("VPC", id), -EINVAL);
	assert_int_equal(id_generate("vpc-", id), -EINVAL);
	assert_int_equal(id_generate("-vpc", id), -EINVAL);
	assert_int_equal(id_generate("v pc", id), -EINVAL);
	/* longest prefix that still fits: 32 - 1 (dash) - 17 - 1 (NUL) = 13 */
	assert_int_equal(id_generate("abcdefghijklm", id), 0);
	assert_int_equal(strlen(id), BH_MAX_ID - 1);
	assert_int_equal(id_generate("abcdefghijklmn", id), -EINVAL);
}

static void test_unique(void **state)
{
	char **ids = calloc(MANY_IDS, sizeof(*ids));
	size_t i;

	(void)state;
	assert_non_null(ids);
	for (i = 0; i < MANY_IDS; i++) {
		ids[i] = malloc(BH_MAX_ID);
		assert_non_null(ids[i]);
		assert_int_equal(id_generate("vpc", ids[i]), 0);
	}
	qsort(ids, MANY_IDS, sizeof(*ids), cmp_str);
	for (i = 1; i < MANY_IDS; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	for (i = 0; i < MANY_IDS; i++)
		free(ids[i]);
	free(ids);
}

static void test_is_valid(void **state)
{
	(void)state;
	assert_true(id_is_valid("vpc-0a1b2c3d4e5f60718", "vpc"));
	assert_true(id_is_valid("vpc-0a1b2c3d", "vpc"));           /* 8-digit form */
	assert_true(id_is_valid("subnet-fffffffffffffffff", "subnet"));
	assert_true(id_is_valid("i-00000000", "i"));
	assert_true(id_is_valid("eni-attach-0a1b2c3d4e5f60718", "eni-attach"));

	assert_false(id_is_valid("vpc-0A1B2C3D4E5F60718", "vpc"));  /* upper-case */
	assert_false(id_is_valid("vpc-0a1b2c3D", "vpc"));
	assert_false(id_is_valid("vpc-0a1b2c3d4e5f6071", "vpc"));   /* 16 */
	assert_false(id_is_valid("vpc-0a1b2c3d4e5f607189", "vpc")); /* 18 */
	assert_false(id_is_valid("vpc-0a1b2c3", "vpc"));            /* 7 */
	assert_false(id_is_valid("vpc-0a1b2c3d4", "vpc"));          /* 9 */
	assert_false(id_is_valid("vpc-", "vpc"));
	assert_false(id_is_valid("vpc", "vpc"));
	assert_false(id_is_valid("", "vpc"));
	assert_false(id_is_valid(NULL, "vpc"));
	assert_false(id_is_valid("vpc-0a1b2c3d", NULL));
	assert_false(id_is_valid("vpc-0a1b2c3g4e5f60718", "vpc"));  /* 'g' */
	assert_false(id_is_valid("vpc_0a1b2c3d4e5f60718", "vpc"));
	assert_false(id_is_valid("vpc-0a1b2c3d4e5f6071 ", "vpc"));
	assert_false(id_is_valid(" vpc-0a1b2c3d4e5f60718", "vpc"));
	assert_false(id_is_valid("subnet-0a1b2c3d4e5f60718", "vpc")); /* wrong prefix */
	assert_false(id_is_valid("vpc-0a1b2c3d4e5f60718", "subnet"));
	assert_false(id_is_valid("vpcx-0a1b2c3d4e5f60718", "vpc"));
	assert_false(id_is_valid("sgr-0a1b2c3d4e5f60718", "sg"));  /* prefix of a prefix */
	assert_false(id_is_valid("sg-0a1b2c3d4e5f60718", "sgr"));
	assert_false(id_is_valid("VPC-0a1b2c3d4e5f60718", "vpc"));
	assert_false(id_is_valid("vpc-vpc-0a1b2c3d", "vpc"));
	assert_false(id_is_valid("vpc--0a1b2c3d", "vpc"));
}

static void test_is_valid_long_input(void **state)
{
	char s[4096];

	(void)state;
	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	memcpy(s, "vpc-", 4);
	assert_false(id_is_valid(s, "vpc"));
}

static void test_account_id(void **state)
{
	char acct[13];
	int i, k;

	(void)state;
	for (k = 0; k < 200; k++) {
		assert_int_equal(account_id_generate(acct), 0);
		assert_int_equal(strlen(acct), 12);
		assert_true(acct[0] >= '1' && acct[0] <= '9');
		for (i = 1; i < 12; i++)
			assert_true(acct[i] >= '0' && acct[i] <= '9');
		assert_true(account_id_is_valid(acct));
	}
	assert_true(account_id_is_valid("123456789012"));
	assert_true(account_id_is_valid("012345678901"));   /* AWS has such accounts */
	assert_false(account_id_is_valid("12345678901"));
	assert_false(account_id_is_valid("1234567890123"));
	assert_false(account_id_is_valid("12345678901a"));
	assert_false(account_id_is_valid("-12345678901"));
	assert_false(account_id_is_valid(" 12345678901"));
	assert_false(account_id_is_valid(""));
	assert_false(account_id_is_valid(NULL));
}

static void test_account_id_digits_spread(void **state)
{
	int seen[10] = { 0 };
	char acct[13];
	int i, k;

	(void)state;
	/* 11 * 300 draws: every digit should turn up, and 1..9 lead */
	for (k = 0; k < 300; k++) {
		assert_int_equal(account_id_generate(acct), 0);
		for (i = 1; i < 12; i++)
			seen[acct[i] - '0']++;
	}
	for (i = 0; i < 10; i++)
		assert_true(seen[i] > 0);
}

static void test_access_key(void **state)
{
	char key[BH_ACCESS_KEY_ID_LEN + 1];
	char other[BH_ACCESS_KEY_ID_LEN + 1];
	int i;

	(void)state;
	assert_int_equal(access_key_id_generate(key), 0);
	assert_int_equal(strlen(key), BH_ACCESS_KEY_ID_LEN);
	assert_memory_equal(key, "AKIA", 4);
	for (i = 4; i < BH_ACCESS_KEY_ID_LEN; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", key[i]));
	assert_true(access_key_id_is_valid(key));
	assert_int_equal(access_key_id_generate(other), 0);
	assert_string_not_equal(key, other);

	assert_true(access_key_id_is_valid("AKIAIOSFODNN7EXAMPLE"));
	assert_false(access_key_id_is_valid("AKIAIOSFODNN7EXAMPL"));    /* 19 */
	assert_false(access_key_id_is_valid("AKIAIOSFODNN7EXAMPLEX"));  /* 21 */
	assert_false(access_key_id_is_valid("AKIAIOSFODNN1EXAMPLE"));   /* '1' not base32 */
	assert_false(access_key_id_is_valid("AKIAIOSFODNN8EXAMPLE"));
	assert_false(access_key_id_is_valid("AKIAiosfodnn7example"));
	assert_false(access_key_id_is_valid("ASIAIOSFODNN7EXAMPLE"));
	assert_false(access_key_id_is_valid("XKIAIOSFODNN7EXAMPLE"));
	assert_false(access_key_id_is_valid(""));
	assert_false(access_key_id_is_valid(NULL));
}

static void test_secret_key(void **state)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char secret[BH_SECRET_KEY_LEN + 1];
	char other[BH_SECRET_KEY_LEN + 1];
	int i;

	(void)state;
	assert_int_equal(secret_key_generate(secret), 0);
	assert_int_equal(strlen(secret), BH_SECRET_KEY_LEN);
	for (i = 0; i < BH_SECRET_KEY_LEN; i++)
		assert_non_null(strchr(alphabet, secret[i]));
	assert_int_equal(secret_key_generate(other), 0);
	assert_string_not_equal(secret, other);
}

static void test_request_id(void **state)
{
	char rid[37], other[37];
	int i;

	(void)state;
	assert_int_equal(request_id_generate(rid), 0);
	assert_int_equal(strlen(rid), 36);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(rid[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", rid[i]));
	}
	assert_int_equal(rid[14], '4');                       /* version 4 */
	assert_non_null(strchr("89ab", rid[19]));             /* RFC 4122 variant */
	assert_int_equal(request_id_generate(other), 0);
	assert_string_not_equal(rid, other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_shape),
		cmocka_unit_test(test_generate_bad_prefix),
		cmocka_unit_test(test_unique),
		cmocka_unit_test(test_is_valid),
		cmocka_unit_test(test_is_valid_long_input),
		cmocka_unit_test(test_account_id),
		cmocka_unit_test(test_account_id_digits_spread),
		cmocka_unit_test(test_access_key),
		cmocka_unit_test(test_secret_key),
		cmocka_unit_test(test_request_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
