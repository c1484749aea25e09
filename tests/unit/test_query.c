/* test_query.c - decoding of form-encoded EC2 Query parameters: escapes,
 * limits, duplicates and the indexed-list helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "api/query.h"
#include "lib/buf.h"
#include "lib/limits.h"

static int parse(struct params *p, const char *s, struct diag *d)
{
	params_init(p);
	diag_init(d);
	return params_parse(p, s, strlen(s), d);
}

static void test_decodes_escapes_and_plus(void **state)
{
	struct params p;
	struct diag d;

	(void)state;
	assert_int_equal(parse(&p, "Action=CreateVpc&CidrBlock=10.0.0.0%2F16&Name=a+b%20c&Empty=&Bare", &d), 0);
	assert_int_equal(p.count, 5);
	assert_string_equal(params_get(&p, "Action"), "CreateVpc");
	assert_string_equal(params_get(&p, "CidrBlock"), "10.0.0.0/16");
	assert_string_equal(params_get(&p, "Name"), "a b c");
	assert_string_equal(params_get(&p, "Empty"), "");
	assert_string_equal(params_get(&p, "Bare"), "");
	assert_null(params_get(&p, "Missing"));
	params_release(&p);
}

static void test_refuses_bad_escapes_and_nul(void **state)
{
	static const char *const bad[] = { "A=%", "A=%4", "A=%zz", "A=x%00y", "%41%00=1", "=v" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct params p;
		struct diag d;

		assert_int_not_equal(parse(&p, bad[i], &d), 0);
		assert_non_null(d.code);
		params_release(&p);
	}
}

static void test_refuses_duplicates(void **state)
{
	struct params p;
	struct diag d;

	(void)state;
	assert_int_equal(parse(&p, "GroupId.1=sg-1&GroupId.1=sg-2", &d), -EINVAL);
	assert_string_equal(d.code, "InvalidParameter");
	assert_non_null(strstr(d.message, "GroupId.1"));
	params_release(&p);
}

static void test_enforces_length_limits(void **state)
{
	struct buf b = BUF_INIT(1 << 20);
	struct params p;
	struct diag d;
	size_t i;

	(void)state;
	buf_puts(&b, "Value=");
	for (i = 0; i < BH_MAX_PARAM_VALUE; i++)
		buf_putc(&b, 'x');
	assert_int_equal(parse(&p, buf_str(&b), &d), 0);  /* exactly at the limit */
	params_release(&p);
	buf_putc(&b, 'x');
	assert_int_not_equal(parse(&p, buf_str(&b), &d), 0);
	assert_string_equal(d.code, "InvalidParameterValue");
	params_release(&p);

	buf_reset(&b);
	for (i = 0; i <= BH_MAX_PARAM_NAME; i++)
		buf_putc(&b, 'N');
	buf_puts(&b, "=1");
	assert_int_not_equal(parse(&p, buf_str(&b), &d), 0);
	params_release(&p);
	buf_release(&b);
}

static void test_enforces_parameter_count(void **state)
{
	struct buf b = BUF_INIT(1 << 20);
	struct params p;
	struct diag d;
	size_t i;

	(void)state;
	for (i = 0; i < BH_MAX_PARAMS; i++)
		buf_printf(&b, "P%zu=1&", i);
	assert_int_equal(parse(&p, buf_str(&b), &d), 0);
	assert_int_equal(p.count, BH_MAX_PARAMS);
	params_release(&p);
	buf_puts(&b, "One=more");
	assert_int_not_equal(parse(&p, buf_str(&b), &d), 0);
	assert_string_equal(d.code, "InvalidParameterValue");
	params_release(&p);
	buf_release(&b);
}

static void test_list_helpers(void **state)
{
	const char *vals[4];
	struct params p;
	struct diag d;
	size_t max, n;

	(void)state;
	assert_int_equal(parse(&p, "Filter.1.Name=vpc-id&Filter.1.Value.1=a&Filter.1.Value.3=c&Filter.12.Name=x&FilterX=1", &d), 0);
	assert_int_equal(params_list_max(&p, "Filter.", &max, &d), 0);
	assert_int_equal(max, 12);
	assert_int_equal(params_list_values(&p, "Filter.1.Value", vals, 4, &n, &d), 0);
	assert_int_equal(n, 2);  /* the hole at 2 is skipped */
	assert_string_equal(vals[0], "a");
	assert_string_equal(vals[1], "c");
	assert_int_not_equal(params_list_values(&p, "Filter.1.Value", vals, 1, &n, &d), 0);
	params_release(&p);

	assert_int_equal(parse(&p, "GroupId.0=x", &d), 0);
	assert_int_not_equal(params_list_max(&p, "GroupId.", &max, &d), 0);
	params_release(&p);
	assert_int_equal(parse(&p, "GroupId.01=x", &d), 0);
	assert_int_not_equal(params_list_max(&p, "GroupId.", &max, &d), 0);
	params_release(&p);
	assert_int_equal(parse(&p, "GroupId.1001=x", &d), 0);
	assert_int_not_equal(params_list_max(&p, "GroupId.", &max, &d), 0);
	params_release(&p);
	assert_int_equal(parse(&p, "GroupId.99999999999999999999999=x", &d), 0);
	assert_int_not_equal(params_list_max(&p, "GroupId.", &max, &d), 0);
	params_release(&p);
}

static void test_bool(void **state)
{
	struct params p;
	struct diag d;
	bool v = false;

	(void)state;
	assert_int_equal(parse(&p, "DryRun=TRUE&Bad=yes", &d), 0);
	assert_int_equal(params_bool(&p, "DryRun", &v, &d), 0);
	assert_true(v);
	assert_int_equal(params_bool(&p, "Absent", &v, &d), 0);
	assert_true(v);
	assert_int_not_equal(params_bool(&p, "Bad", &v, &d), 0);
	assert_string_equal(d.code, "InvalidParameterValue");
	params_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decodes_escapes_and_plus),
		cmocka_unit_test(test_refuses_bad_escapes_and_nul),
		cmocka_unit_test(test_refuses_duplicates),
		cmocka_unit_test(test_enforces_length_limits),
		cmocka_unit_test(test_enforces_parameter_count),
		cmocka_unit_test(test_list_helpers),
		cmocka_unit_test(test_bool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
