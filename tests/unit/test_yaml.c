/* test_yaml.c: the YAML front end: PyYAML 6 safe_load's types for scalars, safe loading. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/yaml.h"

/* "k: TEXT" through PyYAML 6.0.3's SafeLoader: the tag it resolved, and safe_load's number. */
static const struct {
	const char *text;
	enum yaml_type type;
	const char *value; /* ints and floats: Python's repr */
} test_yaml_scalars[] = {
	{ "0X1F", YAML_TYPE_STR, "" },
	{ "0x1F", YAML_TYPE_INT, "31" },
	{ "1:30", YAML_TYPE_INT, "90" },
	{ "0o17", YAML_TYPE_STR, "" },
	{ "017", YAML_TYPE_INT, "15" },
	{ "0b101", YAML_TYPE_INT, "5" },
	{ "1_000", YAML_TYPE_INT, "1000" },
	{ ".inf", YAML_TYPE_FLOAT, "inf" },
	{ "-.Inf", YAML_TYPE_FLOAT, "-inf" },
	{ ".NaN", YAML_TYPE_FLOAT, "nan" },
	{ "~", YAML_TYPE_NULL, "" },
	{ "null", YAML_TYPE_NULL, "" },
	{ "Null", YAML_TYPE_NULL, "" },
	{ "NULL", YAML_TYPE_NULL, "" },
	{ "", YAML_TYPE_NULL, "" },
	{ "yes", YAML_TYPE_BOOL, "" },
	{ "No", YAML_TYPE_BOOL, "" },
	{ "ON", YAML_TYPE_BOOL, "" },
	{ "off", YAML_TYPE_BOOL, "" },
	{ "y", YAML_TYPE_STR, "" },
	{ "n", YAML_TYPE_STR, "" },
	{ "True", YAML_TYPE_BOOL, "" },
	{ "FALSE", YAML_TYPE_BOOL, "" },
	{ "tRUE", YAML_TYPE_STR, "" },
	{ "2001-12-14", YAML_TYPE_TIMESTAMP, "" },
	{ "2001-12-14t21:59:43.10-05:00", YAML_TYPE_TIMESTAMP, "" },
	{ "2001-12-14 21:59:43.10 -5", YAML_TYPE_TIMESTAMP, "" },
	{ "1e3", YAML_TYPE_STR, "" },
	{ "1.0e+3", YAML_TYPE_FLOAT, "1000.0" },
	{ "1.0e3", YAML_TYPE_STR, "" },
	{ "+1", YAML_TYPE_INT, "1" },
	{ "-0", YAML_TYPE_INT, "0" },
	{ "''", YAML_TYPE_STR, "" },
	{ "\"true\"", YAML_TYPE_STR, "" },
	{ "'yes'", YAML_TYPE_STR, "" },
	{ "!!str 123", YAML_TYPE_STR, "" },
	{ "!!int \"7\"", YAML_TYPE_INT, "7" },
	{ "!!bool false", YAML_TYPE_BOOL, "" },
	{ "!!float 1", YAML_TYPE_FLOAT, "1.0" },
	{ "!!null x", YAML_TYPE_NULL, "" },
	{ "-.5", YAML_TYPE_STR, "" },
	{ ".5", YAML_TYPE_FLOAT, "0.5" },
	{ "1.", YAML_TYPE_FLOAT, "1.0" },
	{ "190:20:30", YAML_TYPE_INT, "685230" },
	{ "1:30.5", YAML_TYPE_FLOAT, "90.5" },
	{ "-1:30", YAML_TYPE_INT, "-90" },
	{ "0_", YAML_TYPE_INT, "0" },
	{ "+0x_1", YAML_TYPE_INT, "1" },
	{ "0b", YAML_TYPE_STR, "" },
	{ "0x", YAML_TYPE_STR, "" },
	{ "<<", YAML_TYPE_MERGE, "" },
	{ "=", YAML_TYPE_VALUE, "" },
	{ "1__0", YAML_TYPE_INT, "10" },
	{ "-0b1_0", YAML_TYPE_INT, "-2" },
	{ "1:60", YAML_TYPE_STR, "" },
	{ "0.1.2", YAML_TYPE_STR, "" },
	{ "12e03", YAML_TYPE_STR, "" },
	{ "abc", YAML_TYPE_STR, "" },
	{ "1,000", YAML_TYPE_STR, "" },
	{ "0777", YAML_TYPE_INT, "511" },
	{ "08", YAML_TYPE_STR, "" },
	{ "+.inf", YAML_TYPE_FLOAT, "inf" },
	{ "-.nan", YAML_TYPE_STR, "" },
	{ "1_000.5_0", YAML_TYPE_FLOAT, "1000.5" },
	{ "! 12", YAML_TYPE_INT, "12" },
};

static void
test_yaml_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(test_yaml_scalars); i++) {
		char *text = xasprintf("k: %s\n", test_yaml_scalars[i].text);
		struct yaml_doc doc;
		struct yaml_error err;
		struct yaml_node *v;
		const char *want = test_yaml_scalars[i].value;

		if (yaml_load(text, strlen(text), NULL, &doc, &err) < 0)
			fail_msg("%s: does not load", test_yaml_scalars[i].text);
		v = yaml_map_get(doc.root, "k", NULL);
		assert_non_null(v);
		if (v->type != test_yaml_scalars[i].type)
			fail_msg("%s: type %d, PyYAML says %d", test_yaml_scalars[i].text, v->type,
			         test_yaml_scalars[i].type);
		if (v->type == YAML_TYPE_INT) {
			long long got;

			assert_true(yaml_int_value(v->value, &got));
			assert_int_equal(got, strtoll(want, NULL, 10));
		} else if (v->type == YAML_TYPE_FLOAT) {
			double got = yaml_float_value(v->value);

			if (strcmp(want, "nan") == 0)
				assert_true(isnan(got));
			else if (strcmp(want, "inf") == 0 || strcmp(want, "-inf") == 0)
				assert_true(isinf(got) && (got < 0) == (want[0] == '-'));
			else
				assert_true(got == strtod(want, NULL));
		}
		yaml_doc_free(&doc);
		free(text);
	}
}

static int
test_yaml_load_error(const char *text, struct yaml_error *err, struct strbuf *sb)
{
	struct yaml_doc doc;
	int rc = yaml_load(text, strlen(text), NULL, &doc, err);

	strbuf_reset(sb);
	if (rc == 0) {
		yaml_doc_free(&doc);
		return 0;
	}
	strbuf_addf(sb, "%zu:%zu: ", err->mark.line + 1, err->mark.column + 1);
	yaml_error_describe(err, sb);
	return rc;
}

/* Safe loading: one document, bounded depth and alias expansion, errors with line:col. */
static void
test_yaml_safe(void **state)
{
	struct strbuf sb = { 0 };
	struct yaml_error err;
	struct yaml_doc doc;
	struct yaml_limits small = { 3, 100 };

	(void)state;
	assert_int_equal(test_yaml_load_error("a: [1, 2\n", &err, &sb), -1);
	assert_string_equal(sb.buf, "2:1: did not find expected ',' or ']' "
	                            "(while parsing a flow sequence at 1:4)");
	assert_int_equal(test_yaml_load_error("a: 1\n---\nb: 2\n", &err, &sb), -1);
	assert_int_equal(err.kind, YAML_ERR_SECOND);
	assert_string_equal(sb.buf, "3:1: expected a single document, found another");
	assert_int_equal(err.context_mark.line, 1);
	assert_int_equal(test_yaml_load_error("a: *x\n", &err, &sb), -1);
	assert_string_equal(sb.buf, "1:4: found undefined alias");
	assert_int_equal(test_yaml_load_error("a: &x [*x]\n", &err, &sb), -1);
	assert_int_equal(err.kind, YAML_ERR_RECURSIVE);
	assert_int_equal(test_yaml_load_error("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	                                      "[[[[[[[[[[[[[[[[",
	                                      &err, &sb),
	                 -1);
	assert_string_equal(sb.buf, "1:65: nested more than 64 levels deep");
	assert_int_equal(yaml_load("a: [[[1]]]", 10, &small, &doc, &err), -1);
	assert_int_equal(err.kind, YAML_ERR_DEPTH);
	/* Billion laughs in small: each level multiplies by four. */
	{
		const char *bomb = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\n"
		                   "c: &c [*b, *b, *b, *b]\nd: [*c, *c]\n";

		assert_int_equal(yaml_load(bomb, strlen(bomb), &small, &doc, &err), -1);
		assert_int_equal(err.kind, YAML_ERR_EXPANSION);
		assert_int_equal(yaml_load(bomb, strlen(bomb), NULL, &doc, &err), 0);
		assert_ptr_equal(yaml_map_get(doc.root, "d", NULL)->items[0],
		                 yaml_map_get(doc.root, "c", NULL));
		yaml_doc_free(&doc);
	}
	/* Empty text: no document, no error; the last of a repeated key wins. */
	assert_int_equal(yaml_load("# nothing\n", 10, NULL, &doc, &err), 0);
	assert_null(doc.root);
	assert_int_equal(yaml_load("k: 1\nk: !!str 2\n", 16, NULL, &doc, &err), 0);
	{
		struct yaml_node *key, *v = yaml_map_get(doc.root, "k", &key);

		assert_string_equal(yaml_scalar(v), "2");
		assert_string_equal(v->tag, "tag:yaml.org,2002:str");
		assert_int_equal(key->start.line, 1);
		assert_int_equal(v->start.column, 3);
	}
	yaml_doc_free(&doc);
	strbuf_free(&sb);
}

/* What the writer quotes reads back as the string it was. */
static void
test_yaml_write(void **state)
{
	struct strbuf sb = { 0 };
	struct yaml_writer *w = yaml_writer_new(&sb);
	const char *problem;
	bool bad;

	(void)state;
	yaml_write_map(w, true);
	yaml_write_str(w, "a");
	yaml_write_str(w, "0x1F");
	yaml_write_str(w, "b");
	yaml_write_str(w, "0X1F");
	yaml_write_str(w, "c");
	yaml_write_str(w, NULL);
	yaml_write_str(w, "d");
	yaml_write_bool(w, true);
	yaml_write_map(w, false);
	assert_int_equal(yaml_writer_finish(w, &bad, &problem), 0);
	assert_string_equal(sb.buf, "a: '0x1F'\nb: 0X1F\nc: null\nd: true\n");
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_table),
		cmocka_unit_test(test_yaml_safe),
		cmocka_unit_test(test_yaml_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
