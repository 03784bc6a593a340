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

/*
 * yaml.dump of what safe_load made, recorded from PyYAML 6.0.3: keys sorted, a repeated key
 * once, values as Python prints them, strings quoted and folded as its emitter does, a
 * collection met twice anchored; allow_unicode=True changes only the accent.
 */
static const char yt_dump_in[] =
        "b: [0x1F, 0X1F, 010, 1:30, 1e3, 1.0e+3, 3.0e-4, 1e16x, .inf, yes, y, ~, '', '123', 'a: "
        "b', \"it's\"]\n"
        "a:\n"
        "  when: [2002-12-14, 2001-12-14t21:59:43.10-05:00]\n"
        "  plain: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\n"
        "  single: \"line one\\nline two\\n\"\n"
        "  double: \"set -e\\nfor s in 1 2 3; do\\n  echo \\\"step $s\\\" > /tmp/checkpoint-$s.pt; "
        "echo saved $s\\ndone\"\n"
        "  accent: \"caf\\u00e9\"\n"
        "  shared: &s {k: v}\n"
        "  again: *s\n"
        "  dup: 1\n"
        "  dup: 2\n"
        "  empty: {}\n"
        "  nested: [[1, 2], {z: 1, y: []}]\n";

static const char yt_dump_out[] =
        "a:\n"
        "  accent: \"caf\\xE9\"\n"
        "  again: &id001\n"
        "    k: v\n"
        "  double: \"set -e\\nfor s in 1 2 3; do\\n  echo \\\"step $s\\\" > "
        "/tmp/checkpoint-$s.pt;\\\n"
        "    \\ echo saved $s\\ndone\"\n"
        "  dup: 2\n"
        "  empty: {}\n"
        "  nested:\n"
        "  - - 1\n"
        "    - 2\n"
        "  - y: []\n"
        "    z: 1\n"
        "  plain: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo\n"
        "    pppp\n"
        "  shared: *id001\n"
        "  single: 'line one\n"
        "\n"
        "    line two\n"
        "\n"
        "    '\n"
        "  when:\n"
        "  - 2002-12-14\n"
        "  - 2001-12-14 21:59:43.100000-05:00\n"
        "b:\n"
        "- 31\n"
        "- 0X1F\n"
        "- 8\n"
        "- 90\n"
        "- 1e3\n"
        "- 1000.0\n"
        "- 0.0003\n"
        "- 1e16x\n"
        "- .inf\n"
        "- true\n"
        "- y\n"
        "- null\n"
        "- ''\n"
        "- '123'\n"
        "- 'a: b'\n"
        "- it's\n";

static void
test_yaml_dump(void **state)
{
	static const char ascii_accent[] = "\"caf\\xE9\"";
	const char *accent = strstr(yt_dump_out, ascii_accent);
	struct strbuf sb = { 0 }, unicode = { 0 };
	struct yaml_doc doc;
	struct yaml_error err;
	const char *problem;

	(void)state;
	assert_int_equal(yaml_load(yt_dump_in, strlen(yt_dump_in), NULL, &doc, &err), 0);
	assert_int_equal(yaml_dump(doc.root, false, &sb, &problem), 0);
	assert_string_equal(sb.buf, yt_dump_out);
	strbuf_reset(&sb);
	assert_int_equal(yaml_dump(doc.root, true, &sb, &problem), 0);
	strbuf_add(&unicode, yt_dump_out, (size_t)(accent - yt_dump_out));
	strbuf_addstr(&unicode, "caf\xc3\xa9");
	strbuf_addstr(&unicode, accent + strlen(ascii_accent));
	assert_string_equal(sb.buf, unicode.buf);
	strbuf_free(&sb);
	strbuf_free(&unicode);
	yaml_doc_free(&doc);
}

/* Nodes built on a document, a string as a literal block (OSMO's YamlLiteral): as PyYAML. */
static void
test_yaml_dump_built(void **state)
{
	struct yaml_doc doc = { 0 };
	struct yaml_node *root = yaml_doc_map(&doc), *wf = yaml_doc_map(&doc);
	struct yaml_node *files = yaml_doc_seq(&doc), *f1 = yaml_doc_map(&doc);
	struct yaml_node *f2 = yaml_doc_map(&doc);
	struct yaml_node *script = yaml_doc_scalar(&doc, YAML_TYPE_STR, "echo hi\nexit 0");
	struct yaml_node *spaced = yaml_doc_scalar(&doc, YAML_TYPE_STR, "trailing ");
	struct strbuf sb = { 0 };
	const char *problem;

	(void)state;
	script->literal = spaced->literal = true;
	yaml_map_set(&doc, f1, "path", yaml_doc_scalar(&doc, YAML_TYPE_STR, "/a"));
	yaml_map_set(&doc, f1, "contents", script);
	yaml_map_set(&doc, f2, "path", yaml_doc_scalar(&doc, YAML_TYPE_STR, "/b"));
	yaml_map_set(&doc, f2, "contents", spaced);
	yaml_seq_append(files, f1);
	yaml_seq_append(files, f2);
	yaml_map_set(&doc, wf, "name", yaml_doc_scalar(&doc, YAML_TYPE_STR, "x"));
	yaml_map_set(&doc, wf, "files", files);
	yaml_map_set(&doc, root, "workflow", wf);
	yaml_map_set(&doc, root, "version", yaml_doc_scalar(&doc, YAML_TYPE_INT, "2"));
	/* A key set again takes the new value in its place. */
	yaml_map_set(&doc, wf, "name", yaml_doc_scalar(&doc, YAML_TYPE_STR, "y"));
	assert_int_equal(yaml_dump(root, true, &sb, &problem), 0);
	assert_string_equal(sb.buf, "version: 2\nworkflow:\n  files:\n  - contents: |-\n      echo "
	                            "hi\n      exit 0\n    path: /a\n  - contents: \"trailing \"\n "
	                            "   path: /b\n  name: y\n");
	strbuf_free(&sb);
	yaml_doc_free(&doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_table),      cmocka_unit_test(test_yaml_safe),
		cmocka_unit_test(test_yaml_write),      cmocka_unit_test(test_yaml_dump),
		cmocka_unit_test(test_yaml_dump_built),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
