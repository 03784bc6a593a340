/* test_labels.c: workflow label keys, values, --label assignments and list selectors, as OSMO's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "server/labels.h"

/* An input and what OSMO's lib/utils/workflow_labels.py (1da31e19) says; NULL: accepted. */
struct lt_case {
	const char *in, *why;
};

static const struct lt_case lt_keys[] = {
	{ "app", NULL },
	{ "App.v-1_x", NULL },
	{ "9", NULL },
	{ "a_b", NULL },
	{ "example.com/app", NULL },
	{ "team/x", NULL },
	{ "-a", "Workflow label key \"-a\" has an invalid name segment." },
	{ "a-", "Workflow label key \"a-\" has an invalid name segment." },
	{ "bad key", "Workflow label key \"bad key\" has an invalid name segment." },
	{ "foo=", "Workflow label key \"foo=\" has an invalid name segment." },
	{ "\xc3\xa9", "Workflow label key \"\xc3\xa9\" has an invalid name segment." },
	{ "a\n", "Workflow label key \"a\n\" has an invalid name segment." },
	{ "example.com/", "Workflow label key \"example.com/\" has an invalid name segment." },
	{ "Example.com/app", "Workflow label key \"Example.com/app\" has an invalid DNS prefix." },
	{ "/app", "Workflow label key \"/app\" has an invalid DNS prefix." },
	{ "a..b/app", "Workflow label key \"a..b/app\" has an invalid DNS prefix." },
	{ "a-.b/app", "Workflow label key \"a-.b/app\" has an invalid DNS prefix." },
	{ "a/b/c", "Workflow label key \"a/b/c\" is not a valid Kubernetes label key." },
};

static const struct lt_case lt_values[] = {
	{ "x", NULL },
	{ "v1.2_3", NULL },
	{ "", "Workflow label value \"\" is not a valid non-empty Kubernetes label value." },
	{ "-x", "Workflow label value \"-x\" is not a valid non-empty Kubernetes label value." },
	{ "a b", "Workflow label value \"a b\" is not a valid non-empty Kubernetes label value." },
};

static void
lt_expect(char *got, const char *want, const char *in)
{
	if (!want && got)
		fail_msg("'%s': refused (%s)", in, got);
	if (want && !got)
		fail_msg("'%s': accepted, wanted: %s", in, want);
	if (want)
		assert_string_equal(got, want);
	free(got);
}

static void
test_keys_and_values(void **state)
{
	char name[65], prefix[260];
	char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(lt_keys) / sizeof(lt_keys[0]); i++)
		lt_expect(labels_key_error(lt_keys[i].in), lt_keys[i].why, lt_keys[i].in);
	for (size_t i = 0; i < sizeof(lt_values) / sizeof(lt_values[0]); i++)
		lt_expect(labels_value_error(lt_values[i].in), lt_values[i].why, lt_values[i].in);
	/* Names take 63 characters, not 64; a prefix 253. */
	memset(name, 'x', 64);
	name[64] = '\0';
	lt_expect(labels_value_error(name),
	          "Workflow label value "
	          "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" is not a "
	          "valid non-empty Kubernetes label value.",
	          "64 x");
	name[63] = '\0';
	lt_expect(labels_key_error(name), NULL, "63 x");
	for (size_t i = 0; i < 126; i++)
		memcpy(prefix + 2 * i, "a.", 2);
	strcpy(prefix + 252, "b/x");
	lt_expect(labels_key_error(prefix), NULL, "a 253-character prefix");
	memmove(prefix + 2, prefix, strlen(prefix) + 1);
	memcpy(prefix, "a.", 2);
	why = labels_key_error(prefix);
	assert_non_null(why);
	assert_non_null(strstr(why, "has an invalid DNS prefix."));
	free(why);
}

static const struct lt_case lt_assignments[] = {
	{ "k", "Workflow labels must use key=value format." },
	{ "k=", "Workflow label value \"\" is not a valid non-empty Kubernetes label value." },
	{ "=v", "Workflow label key \"\" has an invalid name segment." },
	{ "k=v=w",
	  "Workflow label value \"v=w\" is not a valid non-empty Kubernetes label value." },
};

static void
test_assign(void **state)
{
	struct eng_label *v = NULL;
	struct strv kv = { 0 };
	size_t n = 0;
	char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(lt_assignments) / sizeof(lt_assignments[0]); i++) {
		struct strv one = { 0 };

		strv_push(&one, lt_assignments[i].in);
		assert_int_equal(labels_assign(&v, &n, &one, &why), -1);
		assert_string_equal(why, lt_assignments[i].why);
		assert_int_equal(n, 0);
		free(why);
		strv_free(&one);
	}
	/* A key it has keeps its place and takes the new value; a new one goes last. */
	strv_push(&kv, "team=ml");
	strv_push(&kv, "stage=dev");
	assert_int_equal(labels_assign(&v, &n, &kv, &why), 0);
	strv_free(&kv);
	strv_push(&kv, "stage=prod");
	strv_push(&kv, "owner=jdoe");
	assert_int_equal(labels_assign(&v, &n, &kv, &why), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].key, "team");
	assert_string_equal(v[1].key, "stage");
	assert_string_equal(v[1].value, "prod");
	assert_string_equal(v[2].key, "owner");
	strv_free(&kv);
	/* At most 16 in all. */
	for (int i = 0; i < 14; i++)
		strv_push_owned(&kv, xasprintf("k%d=v", i));
	assert_int_equal(labels_assign(&v, &n, &kv, &why), -1);
	assert_string_equal(why, "Workflows can have at most 16 labels.");
	free(why);
	strv_free(&kv);
	labels_free(v, n);
}

/* Selectors and their patterns ("|"-joined), or the refusal, from parse_workflow_label_selector. */
static const struct {
	const char *in, *patterns, *why;
} lt_selectors[] = {
	{ "team=ml", "ml", NULL },
	{ "team=*", "*", NULL },
	{ "team=ml_*", "ml_*", NULL },
	{ "team=x_(a|b)_(c|d)", "x_a_c|x_a_d|x_b_c|x_b_d", NULL },
	{ "team=(a|b)**(c|a)", "a*c|a*a|b*c|b*a", NULL },
	{ "team=**", "*", NULL },
	{ "team=*_(x|*)", "*_x|*_*", NULL },
	{ "team=a(b|c)d", "abd|acd", NULL },
	{ "k", NULL, "Workflow label selectors must use key=value format." },
	{ "bad key=x", NULL, "Workflow label key \"bad key\" has an invalid name segment." },
	{ "team=", NULL,
	  "Workflow label value \"\" is not a valid non-empty Kubernetes label value." },
	{ "team=(a", NULL, "Workflow label selector alternatives must use (value|value) format." },
	{ "team=a)", NULL, "Workflow label selector alternatives must use (value|value) format." },
	{ "team=a|b", NULL, "Workflow label selector alternatives must use (value|value) format." },
	{ "team=((a|b))", NULL, "Workflow label selector alternatives cannot be nested." },
	{ "team=(a)", NULL,
	  "Workflow label selector alternatives must contain at least two non-empty values." },
	{ "team=(a|)", NULL,
	  "Workflow label selector alternatives must contain at least two non-empty values." },
	{ "team=(a|b)(c|d)(e|f)(g|h)(i|j)(k|l)", NULL,
	  "Workflow label selectors can expand to at most 32 patterns." },
	{ "team=-x*", NULL,
	  "Workflow label value \"-xa\" is not a valid non-empty Kubernetes label value." },
};

static char *
lt_join(const struct strv *sv)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < sv->n; i++)
		strbuf_addf(&sb, "%s%s", i ? "|" : "", sv->v[i]);
	return strbuf_detach(&sb);
}

static void
test_selectors(void **state)
{
	struct labels_selector sel;
	char *why, *big, *joined;

	(void)state;
	for (size_t i = 0; i < sizeof(lt_selectors) / sizeof(lt_selectors[0]); i++) {
		int rc = labels_selector_parse(lt_selectors[i].in, &sel, &why);

		if (lt_selectors[i].why) {
			assert_int_equal(rc, -1);
			assert_string_equal(why, lt_selectors[i].why);
			free(why);
			continue;
		}
		if (rc < 0)
			fail_msg("%s: %s", lt_selectors[i].in, why);
		assert_string_equal(sel.key, "team");
		joined = lt_join(&sel.patterns);
		assert_string_equal(joined, lt_selectors[i].patterns);
		free(joined);
		labels_selector_free(&sel);
	}
	big = xasprintf("team=%04097d", 0);
	assert_int_equal(labels_selector_parse(big, &sel, &why), -1);
	assert_string_equal(why, "Workflow label selectors can be at most 4096 bytes.");
	free(why);
	free(big);
}

static void
test_selector_match(void **state)
{
	static const struct eng_label wf[] = { { "team", "ml_vision" }, { "stage", "prod" } };
	static const struct {
		const char *selector;
		bool match;
	} cases[] = {
		{ "team=ml_vision", true },  { "team=ml", false },     { "team=ml_*", true },
		{ "team=*vision", true },    { "team=*_*", true },     { "team=ML_*", false },
		{ "team=*", true },          { "owner=*", false },     { "stage=(dev|prod)", true },
		{ "stage=(dev|qa)", false }, { "team=ml*vi*n", true }, { "team=ml*x", false },
	};
	struct labels_selector sel;
	char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(labels_selector_parse(cases[i].selector, &sel, &why), 0);
		if (labels_selector_match(&sel, wf, 2) != cases[i].match)
			fail_msg("%s: %s", cases[i].selector,
			         cases[i].match ? "no match" : "a match");
		labels_selector_free(&sel);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_and_values),
		cmocka_unit_test(test_assign),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_selector_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
