/* test_buf.c - the bounded buffer keeps its limit and says when it refused,
 * and the strlcpy/snprintf/parse_long replacements report what they did. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

static void test_empty(void **state)
{
	struct buf b = BUF_INIT(16);
	char *p;

	(void)state;
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.len, 0);
	assert_false(b.overflow);
	/* detaching an empty buffer still gives a freeable "" */
	p = buf_detach(&b);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	buf_release(&b);
}

static void test_append_and_str(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_puts(&b, "hello"), 0);
	assert_int_equal(buf_putc(&b, ' '), 0);
	assert_int_equal(buf_append(&b, "worldXXX", 5), 0);
	assert_string_equal(buf_str(&b), "hello world");
	assert_int_equal(b.len, 11);
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_int_equal(b.len, 11);
	/* embedded NUL is kept by length */
	assert_int_equal(buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 14);
	assert_memory_equal(b.data + 11, "a\0b", 4);
	assert_false(b.overflow);
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.limit, 100);
}

static void test_limit_exact(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 5);
	assert_int_equal(buf_puts(&b, "abcde"), 0);
	assert_int_equal(b.len, 5);
	assert_false(b.overflow);
	/* one byte past the limit is refused and the content is unchanged */
	assert_int_equal(buf_putc(&b, 'f'), -E2BIG);
	assert_true(b.overflow);
	assert_string_equal(buf_str(&b), "abcde");
	assert_int_equal(b.len, 5);
	/* an empty append still fits */
	assert_int_equal(buf_append(&b, "", 0), 0);
	buf_release(&b);
}

static void test_limit_refuses_whole_append(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "abc"), 0);
	/* no partial write: six bytes do not fit in the five left */
	assert_int_equal(buf_puts(&b, "defghi"), -E2BIG);
	assert_true(b.overflow);
	assert_string_equal(buf_str(&b), "abc");
	/* a later append that fits still works; overflow stays set */
	assert_int_equal(buf_puts(&b, "de"), 0);
	assert_string_equal(buf_str(&b), "abcde");
	assert_true(b.overflow);
	buf_release(&b);
}

static void test_limit_huge_len(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_puts(&b, "x"), 0);
	/* a length that would wrap len + extra must not get past the check */
	assert_int_equal(buf_append(&b, "y", SIZE_MAX), -E2BIG);
	assert_int_equal(buf_append(&b, "y", SIZE_MAX - 1), -E2BIG);
	assert_true(b.overflow);
	assert_string_equal(buf_str(&b), "x");
	buf_release(&b);
}

static void test_zero_limit(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_putc(&b, 'a'), -E2BIG);
	assert_true(b.overflow);
	assert_string_equal(buf_str(&b), "");
	buf_release(&b);
}

static void test_growth(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	/* past the first 64-byte allocation, several times over */
	buf_init(&b, 10000);
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_putc(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 10000);
	assert_int_equal(strlen(buf_str(&b)), 10000);
	assert_int_equal(b.data[9999], 'a' + 9999 % 26);
	assert_int_equal(buf_putc(&b, 'z'), -E2BIG);
	buf_release(&b);
}

static void test_reset(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	assert_int_equal(buf_puts(&b, "abcd"), 0);
	assert_int_equal(buf_putc(&b, 'e'), -E2BIG);
	assert_true(b.overflow);
	buf_reset(&b);
	assert_false(b.overflow);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_puts(&b, "wxyz"), 0);
	assert_string_equal(buf_str(&b), "wxyz");
	buf_release(&b);
}

static void test_detach(void **state)
{
	struct buf b;
	char *p;

	(void)state;
	buf_init(&b, 32);
	assert_int_equal(buf_puts(&b, "mine now"), 0);
	p = buf_detach(&b);
	assert_string_equal(p, "mine now");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.limit, 32);
	assert_string_equal(buf_str(&b), "");
	free(p);
	/* the buffer is reusable after detach */
	assert_int_equal(buf_puts(&b, "again"), 0);
	assert_string_equal(buf_str(&b), "again");
	buf_release(&b);
}

static void test_printf(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 20);
	assert_int_equal(buf_printf(&b, "%s=%d", "port", 443), 0);
	assert_string_equal(buf_str(&b), "port=443");
	assert_int_equal(buf_printf(&b, " %05d", 42), 0);
	assert_string_equal(buf_str(&b), "port=443 00042");
	assert_int_equal(b.len, strlen("port=443 00042"));
	/* 14 used, 6 left: seven characters are refused whole */
	assert_int_equal(buf_printf(&b, "%s", "1234567"), -E2BIG);
	assert_true(b.overflow);
	assert_string_equal(buf_str(&b), "port=443 00042");
	assert_int_equal(buf_printf(&b, "%s", "123456"), 0);
	assert_int_equal(b.len, 20);
	assert_string_equal(buf_str(&b), "port=443 00042123456");
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	buf_release(&b);
}

static void test_printf_long(void **state)
{
	struct buf b;
	char big[1000];

	(void)state;
	/* one printf larger than the first allocation */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 2000);
	assert_int_equal(buf_printf(&b, "<%s>", big), 0);
	assert_int_equal(b.len, 1001);
	assert_int_equal(b.data[0], '<');
	assert_int_equal(b.data[1000], '>');
	assert_int_equal(b.data[1001], '\0');
	buf_release(&b);
}

static void test_printf_grows_after_content(void **state)
{
	struct buf b;
	char big[200];

	(void)state;
	/* the first try formats into the room left, which is too small: the
	 * content before it must survive, and the second try must be whole */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 1000);
	assert_int_equal(buf_puts(&b, "head:"), 0);
	assert_int_equal(buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, 5 + 201);
	assert_memory_equal(b.data, "head:[zz", 8);
	assert_int_equal(b.data[205], ']');
	assert_int_equal(b.data[206], '\0');
	/* refused by the limit after the room was written into: unchanged */
	b.limit = 210;
	assert_int_equal(buf_printf(&b, "%s", "12345"), -E2BIG);
	assert_int_equal(b.len, 206);
	assert_int_equal(b.data[206], '\0');
	buf_release(&b);
}

static void test_strlcpy(void **state)
{
	char dst[6];

	(void)state;
	assert_int_equal(bh_strlcpy(dst, "abc", sizeof(dst)), 0);
	assert_string_equal(dst, "abc");
	assert_int_equal(bh_strlcpy(dst, "abcde", sizeof(dst)), 0);  /* exactly fits */
	assert_string_equal(dst, "abcde");
	assert_int_equal(bh_strlcpy(dst, "abcdef", sizeof(dst)), -E2BIG);
	assert_string_equal(dst, "abcde");                           /* truncated, terminated */
	assert_int_equal(bh_strlcpy(dst, "a much longer string", sizeof(dst)), -E2BIG);
	assert_string_equal(dst, "a muc");
	assert_int_equal(bh_strlcpy(dst, "", sizeof(dst)), 0);
	assert_string_equal(dst, "");
	dst[0] = 'k';
	assert_int_equal(bh_strlcpy(dst, "x", 0), -E2BIG);           /* nothing written */
	assert_int_equal(dst[0], 'k');
	assert_int_equal(bh_strlcpy(dst, "x", 1), -E2BIG);
	assert_string_equal(dst, "");
}

static void test_snprintf(void **state)
{
	char dst[8];

	(void)state;
	assert_int_equal(bh_snprintf(dst, sizeof(dst), "%d-%s", 12, "ab"), 0);
	assert_string_equal(dst, "12-ab");
	assert_int_equal(bh_snprintf(dst, sizeof(dst), "%s", "1234567"), 0);  /* exactly fits */
	assert_string_equal(dst, "1234567");
	assert_int_equal(bh_snprintf(dst, sizeof(dst), "%s", "12345678"), -E2BIG);
	assert_string_equal(dst, "1234567");
	assert_int_equal(bh_snprintf(dst, sizeof(dst), "%ld", LONG_MIN), -E2BIG);
	assert_int_equal(strlen(dst), 7);
}

static void assert_parse_long(const char *s, long min, long max, int want_rc, long want)
{
	long v = 12345;
	int rc = bh_parse_long(s, min, max, &v);

	if (rc != want_rc)
		fail_msg("bh_parse_long(\"%s\", %ld, %ld) = %d, want %d", s ? s : "(null)", min, max,
			 rc, want_rc);
	/* on failure the output is left alone */
	assert_int_equal(v, want_rc == 0 ? want : 12345);
}

static void test_parse_long_ranges(void **state)
{
	(void)state;
	assert_parse_long("0", 0, 65535, 0, 0);
	assert_parse_long("65535", 0, 65535, 0, 65535);
	assert_parse_long("65536", 0, 65535, -ERANGE, 0);
	assert_parse_long("-1", -1, 255, 0, -1);
	assert_parse_long("-2", -1, 255, -ERANGE, 0);
	assert_parse_long("-1", 0, 65535, -ERANGE, 0);
	assert_parse_long("256", -1, 255, -ERANGE, 0);
	assert_parse_long("9223372036854775807", LONG_MIN, LONG_MAX, 0, LONG_MAX);
	assert_parse_long("-9223372036854775808", LONG_MIN, LONG_MAX, 0, LONG_MIN);
	/* past what a long holds: out of range, not garbage */
	assert_parse_long("9223372036854775808", LONG_MIN, LONG_MAX, -ERANGE, 0);
	assert_parse_long("99999999999999999999999", 0, 10, -ERANGE, 0);
	assert_parse_long("-99999999999999999999999", -10, 10, -ERANGE, 0);
}

static void test_parse_long_garbage(void **state)
{
	(void)state;
	assert_parse_long(NULL, 0, 10, -EINVAL, 0);
	assert_parse_long("", 0, 10, -EINVAL, 0);
	assert_parse_long(" 5", 0, 10, -EINVAL, 0);
	assert_parse_long("5 ", 0, 10, -EINVAL, 0);
	assert_parse_long("+5", 0, 10, -EINVAL, 0);
	assert_parse_long("-", 0, 10, -EINVAL, 0);
	assert_parse_long("--5", -10, 10, -EINVAL, 0);
	assert_parse_long("-+5", -10, 10, -EINVAL, 0);
	assert_parse_long("- 5", -10, 10, -EINVAL, 0);
	assert_parse_long("5a", 0, 10, -EINVAL, 0);
	assert_parse_long("a5", 0, 10, -EINVAL, 0);
	assert_parse_long("0x5", 0, 10, -EINVAL, 0);
	assert_parse_long("5.0", 0, 10, -EINVAL, 0);
	assert_parse_long("1e3", 0, 10000, -EINVAL, 0);
	assert_parse_long("5\n", 0, 10, -EINVAL, 0);
}

/* strtol skips every isspace() character, not only ' ': a FromPort of
 * "\t80" must not become 80. */
static void test_parse_long_leading_whitespace(void **state)
{
	(void)state;
	assert_parse_long("\t5", 0, 10, -EINVAL, 0);
	assert_parse_long("\n5", 0, 10, -EINVAL, 0);
	assert_parse_long("\v5", 0, 10, -EINVAL, 0);
	assert_parse_long("\f5", 0, 10, -EINVAL, 0);
	assert_parse_long("\r5", 0, 10, -EINVAL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_printf_grows_after_content),
		cmocka_unit_test(test_append_and_str),
		cmocka_unit_test(test_limit_exact),
		cmocka_unit_test(test_limit_refuses_whole_append),
		cmocka_unit_test(test_limit_huge_len),
		cmocka_unit_test(test_zero_limit),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_printf_long),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_snprintf),
		cmocka_unit_test(test_parse_long_ranges),
		cmocka_unit_test(test_parse_long_garbage),
		cmocka_unit_test(test_parse_long_leading_whitespace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
