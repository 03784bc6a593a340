/* test_template.c: the Jinja subset: values, loops, conditions, filters, tokens, errors, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/template.h"
#include "common/util.h"

/* A render's result: the text, or every error joined by newlines. */
struct test_template_result {
	int rc;
	char *text;
	char *errors;
	struct template_output out;
};

static struct test_template_result
test_template_run_src(const struct template_source *src, const char *const *assign)
{
	struct test_template_result r = { 0 };
	struct template_vars vars = { 0 };
	struct strv errs = { 0 };
	struct strbuf sb = { 0 };

	for (size_t i = 0; assign && assign[i]; i++) {
		char *err = NULL;

		assert_int_equal(template_vars_assign(&vars, assign[i], false, &err), 0);
	}
	r.rc = template_render(src, &vars, &r.out, &errs);
	for (size_t i = 0; i < errs.n; i++) {
		strbuf_addstr(&sb, errs.v[i]);
		strbuf_addch(&sb, '\n');
	}
	r.errors = strbuf_detach(&sb);
	r.text = r.out.text ? r.out.text : NULL;
	strv_free(&errs);
	template_vars_free(&vars);
	return r;
}

static struct test_template_result
test_template_run(const char *text, const char *const *assign)
{
	struct template_source src = { text, strlen(text), "t.yaml", 0, 0 };

	return test_template_run_src(&src, assign);
}

static void
test_template_result_free(struct test_template_result *r)
{
	template_output_free(&r->out);
	free(r->errors);
}

/* Renders text with the assignments and checks the output exactly. */
static void
test_template_expect(const char *text, const char *const *assign, const char *want)
{
	struct test_template_result r = test_template_run(text, assign);

	if (r.rc != 0)
		fail_msg("render failed: %s", r.errors);
	assert_string_equal(r.text, want);
	test_template_result_free(&r);
}

/* Renders text and checks that it fails with exactly these error lines. */
static void
test_template_expect_error(const char *text, const char *const *assign, const char *want)
{
	struct test_template_result r = test_template_run(text, assign);

	assert_int_equal(r.rc, -1);
	assert_null(r.out.text);
	assert_string_equal(r.errors, want);
	test_template_result_free(&r);
}

static void
test_template_plain_text(void **state)
{
	(void)state;
	test_template_expect("workflow:\n  name: a\n", NULL, "workflow:\n  name: a");
	test_template_expect("", NULL, "");
	test_template_expect("a { b } {x} %}", NULL, "a { b } {x} %}");
}

static void
test_template_variables(void **state)
{
	const char *const vars[] = { "name=demo", "n=3", NULL };

	(void)state;
	test_template_expect("name: {{name}}-{{ n }}-{{   name   }}", vars, "name: demo-3-demo");
	test_template_expect("{{ '}}' }}{{ \"a\\tb\" }}", NULL, "}}a\tb");
}

/* OSMO's --set: int, then float, else string; --set-string keeps strings. */
static void
test_template_set_casting(void **state)
{
	struct template_vars vars = { 0 };
	char *err = NULL;

	(void)state;
	assert_int_equal(template_vars_assign(&vars, "a=42", false, &err), 0);
	assert_int_equal(template_vars_assign(&vars, "b= 2.5 ", false, &err), 0);
	assert_int_equal(template_vars_assign(&vars, "c=1e3", false, &err), 0);
	assert_int_equal(template_vars_assign(&vars, "d=hello=world", false, &err), 0);
	assert_int_equal(template_vars_assign(&vars, "e=42", true, &err), 0);
	assert_int_equal(template_vars_assign(&vars, "f=1_000", false, &err), 0);
	assert_int_equal(template_vars_assign(&vars, "a=7", false, &err), 0);
	assert_int_equal(template_vars_get(&vars, "a")->type, TEMPLATE_INT);
	assert_int_equal(template_vars_get(&vars, "a")->i, 7);
	assert_int_equal(template_vars_get(&vars, "b")->type, TEMPLATE_FLOAT);
	assert_true(template_vars_get(&vars, "c")->f == 1000.0);
	assert_int_equal(template_vars_get(&vars, "d")->type, TEMPLATE_STR);
	assert_string_equal(template_vars_get(&vars, "d")->s, "hello=world");
	assert_int_equal(template_vars_get(&vars, "e")->type, TEMPLATE_STR);
	assert_int_equal(template_vars_get(&vars, "f")->i, 1000);
	assert_int_equal(template_vars_assign(&vars, "novalue", false, &err), -1);
	assert_string_equal(err, "'novalue' is not name=value");
	free(err);
	assert_int_equal(template_vars_assign(&vars, "=1", false, &err), -1);
	free(err);
	template_vars_free(&vars);
}

static void
test_template_special_tokens(void **state)
{
	const char *text = "{{output}} {{ output }} {{input:0}} {{ input:train }} {{host:server}} "
	                   "{{workflow_id}} {{uuid}}";

	(void)state;
	test_template_expect(text, NULL, text);
	/* Even inside loops and beside real variables. */
	test_template_expect("{% for i in range(2) %}{{input:0}}/{{ i }} {% endfor %}", NULL,
	                     "{{input:0}}/0 {{input:0}}/1 ");
	assert_true(template_is_special_token(" host:a ", 8));
	assert_false(template_is_special_token("hosts", 5));
	assert_false(template_is_special_token("input:", 6));
}

static void
test_template_loops(void **state)
{
	const char *const vars[] = { "n=3", NULL };

	(void)state;
	test_template_expect("{% for i in range(3) %}[{{i}}]{% endfor %}", NULL, "[0][1][2]");
	test_template_expect("{% for i in range(n) %}{{i}}{% endfor %}", vars, "012");
	test_template_expect("{% for i in range(2, 5) %}{{i}}{% endfor %}", NULL, "234");
	test_template_expect("{% for i in range(10, 0, -3) %}{{i}},{% endfor %}", NULL,
	                     "10,7,4,1,");
	test_template_expect("{% for i in range(2) %}{% for j in range(i, 2) %}{{i}}{{j}} "
	                     "{% endfor %}{% endfor %}",
	                     NULL, "00 01 11 ");
	test_template_expect("{% for x in ['a', 'b'] %}{{x}}{% else %}none{% endfor %}", NULL,
	                     "ab");
	test_template_expect("{% for x in [] %}{{x}}{% else %}none{% endfor %}", NULL, "none");
	/* The loop variable does not leak. */
	test_template_expect_error("{% for i in range(1) %}{% endfor %}{{ i }}", NULL,
	                           "t.yaml:1:39: undefined variable 'i'\n");
	/* OSMO's own tutorial: a loop building tasks, the first one the lead. */
	test_template_expect("tasks:\n{% for i in range(2) %}\n- name: t{{i}}\n"
	                     "  {% if i == 0 %}lead: true{% endif %}\n{% endfor %}\n",
	                     NULL, "tasks:\n\n- name: t0\n  lead: true\n\n- name: t1\n  \n");
}

static void
test_template_conditions(void **state)
{
	const char *const vars[] = { "n=3", "mode=fast", "zero=0", "empty=", NULL };

	(void)state;
	test_template_expect("{% if n > 2 %}big{% elif n > 1 %}mid{% else %}small{% endif %}", vars,
	                     "big");
	test_template_expect("{% if n == 2 %}a{% elif n != 3 %}b{% else %}c{% endif %}", vars, "c");
	test_template_expect("{% if mode == 'fast' and not zero %}y{% endif %}", vars, "y");
	test_template_expect("{% if zero or empty %}y{% else %}n{% endif %}", vars, "n");
	test_template_expect("{% if n >= 3 and n <= 3 and n < 4 and 2 < n %}ok{% endif %}", vars,
	                     "ok");
	test_template_expect("{{ 'a' if n > 5 else 'b' }}{{ 'x' in 'xyz' }}{{ 4 not in [1, 2] }}",
	                     vars, "bTrueTrue");
	test_template_expect("{{ x is defined }} {{ n is defined }} {{ n is odd }} {{ x is not "
	                     "defined }}",
	                     vars, "False True True True");
	test_template_expect_error("{% if 'a' < 1 %}{% endif %}", NULL,
	                           "t.yaml:1:11: '<' not supported between instances of 'str' "
	                           "and 'int'\n");
}

static void
test_template_arithmetic(void **state)
{
	const char *const vars[] = { "a=7", "b=2", "f=0.5", NULL };

	(void)state;
	test_template_expect("{{ a + b }} {{ a - b }} {{ a * b }} {{ a / b }} {{ a // b }} "
	                     "{{ a % b }} {{ -a % b }} {{ a * f }} {{ (a + 1) * 2 }}",
	                     vars, "9 5 14 3.5 3 1 1 3.5 16");
	test_template_expect("{{ 'ab' + 'cd' }} {{ 'x' * 3 }} {{ a ~ '-' ~ b }} {{ [1] + [2] }}",
	                     vars, "abcd xxx 7-2 [1, 2]");
	test_template_expect_error("{{ a / 0 }}", vars, "t.yaml:1:6: division by zero\n");
	test_template_expect_error("{{ 9223372036854775807 + 1 }}", NULL,
	                           "t.yaml:1:24: integer overflow\n");
	test_template_expect_error(
	        "{{ 1 + 'a' }}", NULL,
	        "t.yaml:1:6: unsupported operand types for +: 'int' and 'str'\n");
}

/* Values print as Python's str() does. */
static void
test_template_python_values(void **state)
{
	(void)state;
	test_template_expect("{{ true }} {{ False }} {{ none }} {{ 1.0 }} {{ 0.1 }} {{ 1e16 }} "
	                     "{{ 1e-5 }} {{ 2.50 }} {{ [1, 'a', None, \"it's\"] }} {{ range(3) }}",
	                     NULL,
	                     "True False None 1.0 0.1 1e+16 1e-05 2.5 [1, 'a', None, \"it's\"] "
	                     "range(0, 3)");
}

static void
test_template_filters(void **state)
{
	const char *const vars[] = { "name=ResNet", "num=12", "pad=  x  ", NULL };

	(void)state;
	test_template_expect("{{ missing | default(10) }} {{ missing | d('z') }} {{ name | "
	                     "default('q') }}",
	                     vars, "10 z ResNet");
	test_template_expect("{{ name | upper }} {{ name | lower }} {{ '3' | int + 1 }} {{ '2.7' | "
	                     "int }} {{ 'x' | int(5) }} {{ num | string ~ '!' }} {{ 3 | float }}",
	                     vars, "RESNET resnet 4 2 5 12! 3.0");
	test_template_expect("[{{ pad | trim }}] {{ name | length }} {{ [1, 2] | join('-') }} "
	                     "{{ name | replace('Net', 'Nxt') }} {{ -3 | abs }}",
	                     vars, "[x] 6 1-2 ResNxt 3");
	test_template_expect_error("{{ name | shout }}", vars,
	                           "t.yaml:1:11: unknown filter 'shout'\n");
	test_template_expect_error("{{ missing | upper }}", NULL,
	                           "t.yaml:1:4: undefined variable 'missing'\n");
}

static void
test_template_comments_and_whitespace(void **state)
{
	(void)state;
	test_template_expect("a{# a comment {{ x }} #}b", NULL, "ab");
	test_template_expect("a  {%- if true -%}  \n  b  {%- endif %}", NULL, "ab");
	test_template_expect("x {{- 1 -}} \n y", NULL, "x1y");
	test_template_expect("{% raw %}{{ not_rendered }}{% if %}{% endraw %}!", NULL,
	                     "{{ not_rendered }}{% if %}!");
	test_template_expect("{% set k = 2 * 3 %}{{ k }}{% for i in range(2) %}{% set k = i %}"
	                     "{% endfor %}{{ k }}",
	                     NULL, "66");
}

/* StrictUndefined, as OSMO renders: the error names the variable and where it is. */
static void
test_template_undefined_variable(void **state)
{
	(void)state;
	test_template_expect_error("workflow:\n  name: x\n  args: [{{ epochs }}]\n", NULL,
	                           "t.yaml:3:13: undefined variable 'epochs'\n");
	/* Every one is reported, each place once even inside a loop. */
	test_template_expect_error("{{ a }}\n{% for i in range(3) %}{{ b }}{% endfor %}\n"
	                           "{% if c %}{% endif %}",
	                           NULL,
	                           "t.yaml:1:4: undefined variable 'a'\n"
	                           "t.yaml:2:27: undefined variable 'b'\n"
	                           "t.yaml:3:7: undefined variable 'c'\n");
}

static void
test_template_unterminated(void **state)
{
	(void)state;
	test_template_expect_error("a\n  {% for i in range(2) %}\n  x\n", NULL,
	                           "t.yaml:2:3: '{% for %}' is never closed with '{% endfor %}'\n");
	test_template_expect_error("{% if true %}{% for i in [] %}{% endif %}", NULL,
	                           "t.yaml:1:31: '{% endif %}' does not close any open block\n");
	test_template_expect_error("{% if true %}\n", NULL,
	                           "t.yaml:1:1: '{% if %}' is never closed with '{% endif %}'\n");
	test_template_expect_error("ok\nname: {{ x\n", NULL,
	                           "t.yaml:2:7: '{{' is never closed with '}}'\n");
	test_template_expect_error("{# note", NULL, "t.yaml:1:1: '{#' is never closed with '#}'\n");
	test_template_expect_error("{% raw %}x", NULL,
	                           "t.yaml:1:1: '{% raw %}' is never closed with '{% endraw %}'\n");
	test_template_expect_error("x\n{% endfor %}", NULL,
	                           "t.yaml:2:1: '{% endfor %}' does not close any open block\n");
	test_template_expect_error("{{ 'abc }}", NULL,
	                           "t.yaml:1:1: '{{' is never closed with '}}'\n");
	test_template_expect_error("{% macro m() %}", NULL,
	                           "t.yaml:1:4: unsupported statement 'macro' (supported: for, if, "
	                           "set, raw)\n");
	test_template_expect_error("{{ }}", NULL, "t.yaml:1:1: empty '{{ }}'\n");
	test_template_expect_error("{{ a b }}", NULL,
	                           "t.yaml:1:6: expected the end of the tag, found 'b'\n");
}

/* Hostile templates are refused quickly rather than rendered. */
static void
test_template_limits(void **state)
{
	struct strbuf sb = { 0 };
	struct test_template_result r;
	int64_t t0 = clock_mono_ms();

	(void)state;
	test_template_expect_error("{% for i in range(1000000000000) %}{% endfor %}", NULL,
	                           "t.yaml:1:1: loops would run more than 100000 times in all\n");
	test_template_expect_error(
	        "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}"
	        "{% endfor %}",
	        NULL, "t.yaml:1:27: loops would run more than 100000 times in all\n");
	test_template_expect_error("{% for i in range(50000) %}{{ 'x' * 1000 }}{% endfor %}", NULL,
	                           "t.yaml:1:28: the rendered spec would exceed 16 MiB\n");
	test_template_expect_error("{{ 'x' * 100000000 }}", NULL,
	                           "t.yaml:1:8: string repetition too large\n");
	for (int i = 0; i < 100; i++)
		strbuf_addstr(&sb, "{% if true %}");
	r = test_template_run(sb.buf, NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.errors, "blocks nested more than 64 levels deep"));
	test_template_result_free(&r);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "{{ ");
	for (int i = 0; i < 100000; i++)
		strbuf_addch(&sb, '(');
	strbuf_addstr(&sb, " }}");
	r = test_template_run(sb.buf, NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.errors, "expression nested more than 64 levels deep"));
	test_template_result_free(&r);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "{{ 1");
	for (int i = 0; i < 5000; i++)
		strbuf_addstr(&sb, " + 1");
	strbuf_addstr(&sb, " }}");
	r = test_template_run(sb.buf, NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.errors, "expression longer than 1000 terms"));
	test_template_result_free(&r);
	strbuf_free(&sb);
	assert_true(clock_mono_ms() - t0 < 5000);
}

/* Random bytes never crash the renderer; errors, if any, are single printable lines. */
static void
test_template_binary_garbage(void **state)
{
	uint32_t seed = 12345;
	char buf[4096];

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct template_source src = { buf, sizeof(buf), "g.bin", 0, 0 };
		struct test_template_result r;

		for (size_t i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245u + 12345u;
			/* Bias towards template syntax so the parser is exercised, not just skipped. */
			buf[i] = (seed >> 16) % 4 == 0 ? "{}%#-() 'x|+"[(seed >> 8) % 12]
			                               : (char)(seed >> 16);
		}
		r = test_template_run_src(&src, NULL);
		for (const char *p = r.errors; *p; p++)
			assert_true(*p == '\n' || ((unsigned char)*p >= 0x20 && *p != 0x7f));
		test_template_result_free(&r);
	}
}

/* Output positions map back to the source: literal text exactly, values to their tag. */
static void
test_template_source_map(void **state)
{
	const char *text = "a: 1\n{% for i in range(2) %}b: {{ i }}\n{% endfor %}c: 2\n";
	struct test_template_result r = test_template_run(text, NULL);
	const char *out;

	(void)state;
	assert_int_equal(r.rc, 0);
	out = r.text;
	assert_string_equal(out, "a: 1\nb: 0\nb: 1\nc: 2");
	/* "a" */
	assert_int_equal(template_source_offset(&r.out, 0), 0);
	/* the second "b" comes from the loop body, like the first */
	assert_int_equal(template_source_offset(&r.out, 10), 28);
	assert_int_equal(template_source_offset(&r.out, 5), 28);
	/* "1" printed by {{ i }} maps to its tag */
	assert_int_equal(template_source_offset(&r.out, 13), 31);
	/* "c" */
	assert_int_equal(template_source_offset(&r.out, 15), (size_t)(strstr(text, "c:") - text));
	test_template_result_free(&r);
}

/* A skipped range (the default-values section) is neither rendered nor output. */
static void
test_template_skip_range(void **state)
{
	const char *text = "a: {{ x }}\ndefault-values:\n  x: {{ broken\nb: 2\n";
	const char *skip = strstr(text, "default-values");
	const char *b = strstr(text, "b: 2");
	struct template_source src = { text, strlen(text), "t.yaml", (size_t)(skip - text),
		                       (size_t)(b - text) };
	const char *const vars[] = { "x=1", NULL };
	struct test_template_result r = test_template_run_src(&src, vars);

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.text, "a: 1\nb: 2");
	assert_int_equal(template_source_offset(&r.out, 5), (size_t)(b - text));
	test_template_result_free(&r);
}

static void
test_template_line_col(void **state)
{
	unsigned line, col;
	const char *t = "ab\nc\xc3\xa9"
	                "d\n";

	(void)state;
	template_line_col(t, strlen(t), 0, &line, &col);
	assert_int_equal(line, 1);
	assert_int_equal(col, 1);
	/* é is two bytes and one column */
	template_line_col(t, strlen(t), 6, &line, &col);
	assert_int_equal(line, 2);
	assert_int_equal(col, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_plain_text),
		cmocka_unit_test(test_template_variables),
		cmocka_unit_test(test_template_set_casting),
		cmocka_unit_test(test_template_special_tokens),
		cmocka_unit_test(test_template_loops),
		cmocka_unit_test(test_template_conditions),
		cmocka_unit_test(test_template_arithmetic),
		cmocka_unit_test(test_template_python_values),
		cmocka_unit_test(test_template_filters),
		cmocka_unit_test(test_template_comments_and_whitespace),
		cmocka_unit_test(test_template_undefined_variable),
		cmocka_unit_test(test_template_unterminated),
		cmocka_unit_test(test_template_limits),
		cmocka_unit_test(test_template_binary_garbage),
		cmocka_unit_test(test_template_source_map),
		cmocka_unit_test(test_template_skip_range),
		cmocka_unit_test(test_template_line_col),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
