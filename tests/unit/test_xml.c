/* test_xml.c - the XML writer escapes every text, refuses control bytes,
 * and builds EC2's error document; the describe helpers' wildcard match. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api/describe.h"
#include "api/xml.h"

static void test_escapes_text(void **state)
{
	struct buf b = BUF_INIT(4096);

	(void)state;
	xml_text(&b, "groupName", "<a href=\"x\">&'</a>");
	assert_string_equal(buf_str(&b),
			    "<groupName>&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;</groupName>");
	buf_release(&b);
}

static void test_replaces_control_bytes(void **state)
{
	struct buf b = BUF_INIT(4096);

	(void)state;
	xml_text(&b, "v", "a\x01" "b\tc");
	assert_string_equal(buf_str(&b), "<v>a\xef\xbf\xbd" "b\tc</v>");
	buf_release(&b);
}

static void test_replaces_invalid_utf8(void **state)
{
	struct buf b = BUF_INIT(4096);

	(void)state;
	/* é is kept; a lone continuation byte, a cut sequence and an overlong
	 * encoding each become U+FFFD */
	xml_text(&b, "v", "\xc3\xa9|\x80|\xe2\x82|\xc0\xaf");
	assert_string_equal(buf_str(&b), "<v>\xc3\xa9|\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd</v>");
	buf_release(&b);
}

static void test_scalars(void **state)
{
	struct buf b = BUF_INIT(4096);

	(void)state;
	xml_bool(&b, "isDefault", false);
	xml_long(&b, "fromPort", -1);
	assert_string_equal(buf_str(&b), "<isDefault>false</isDefault><fromPort>-1</fromPort>");
	buf_release(&b);
}

static void test_error_document(void **state)
{
	struct buf b = BUF_INIT(4096);

	(void)state;
	xml_error_document(&b, "InvalidVpcID.NotFound", "The vpc ID 'vpc-<x>' does not exist", "req-1");
	assert_string_equal(buf_str(&b),
			    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
			    "<Code>InvalidVpcID.NotFound</Code>"
			    "<Message>The vpc ID &apos;vpc-&lt;x&gt;&apos; does not exist</Message>"
			    "</Error></Errors><RequestID>req-1</RequestID></Response>");
	buf_release(&b);
}

static void test_overflow_is_flagged(void **state)
{
	struct buf b = BUF_INIT(16);

	(void)state;
	xml_text(&b, "description", "far more than sixteen bytes");
	assert_true(b.overflow);
	assert_true(b.len <= 16);
	buf_release(&b);
}

static void test_wildcards(void **state)
{
	(void)state;
	assert_true(wildcard_match("*", ""));
	assert_true(wildcard_match("vpc-*", "vpc-0123"));
	assert_false(wildcard_match("vpc-*", "subnet-1"));
	assert_true(wildcard_match("10.0.?.0/24", "10.0.1.0/24"));
	assert_false(wildcard_match("10.0.?.0/24", "10.0.12.0/24"));
	assert_true(wildcard_match("a*b*c", "aXXbYYc"));
	assert_false(wildcard_match("a*b*c", "aXXbYY"));
	assert_true(wildcard_match("\\*", "*"));
	assert_false(wildcard_match("\\*", "x"));
	assert_true(wildcard_match("exact", "exact"));
	assert_false(wildcard_match("exact", "exactly"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_text),
		cmocka_unit_test(test_replaces_control_bytes),
		cmocka_unit_test(test_replaces_invalid_utf8),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_error_document),
		cmocka_unit_test(test_overflow_is_flagged),
		cmocka_unit_test(test_wildcards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
