/* test_time.c: parsing and formatting of OSMO timestamps (osmo_time.h) as Unix milliseconds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/osmo_time.h"
#include "common/util.h"

/* Epoch seconds below were computed with `date -u -d <time> +%s`. */
#define T_2026_08_18_140211 INT64_C(1787061731)
#define T_2026_08_18_140200 INT64_C(1787061720)
#define T_2026_08_18_193211 INT64_C(1787081531) /* 14:02:11-05:30 */
#define T_2026_08_18_083211 INT64_C(1787041931) /* 14:02:11+05:30 */
#define T_2024_02_29        INT64_C(1709164800)
#define T_2000_03_01        INT64_C(951868800)
#define T_1969_07_20_201740 INT64_C(-14182940)
#define T_1900_01_01        INT64_C(-2208988800)

static int64_t
parse_ok(const char *s)
{
	int64_t ms = -42;

	if (osmo_time_parse(s, &ms) != 0)
		fail_msg("osmo_time_parse(\"%s\") failed", s);
	return ms;
}

static void
expect_reject(const char *s)
{
	int64_t ms = 0;

	if (osmo_time_parse(s, &ms) != -1)
		fail_msg("osmo_time_parse(\"%s\") accepted it as %lld", s ? s : "(null)",
		         (long long)ms);
}

static void
test_parse_basic(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-08-18T14:02:11"), T_2026_08_18_140211 * 1000);
	assert_int_equal(parse_ok("2026-08-18T14:02:11.482913"), T_2026_08_18_140211 * 1000 + 482);
	assert_int_equal(parse_ok("2026-08-18T14:02:11.5"), T_2026_08_18_140211 * 1000 + 500);
	assert_int_equal(parse_ok("2026-08-18T14:02:11.48"), T_2026_08_18_140211 * 1000 + 480);
	assert_int_equal(parse_ok("2026-08-18T14:02:11.000000"), T_2026_08_18_140211 * 1000);
	assert_int_equal(parse_ok("2026-08-18T14:02:11.999999"), T_2026_08_18_140211 * 1000 + 999);
	assert_int_equal(parse_ok("1970-01-01T00:00:00"), 0);
}

static void
test_parse_space_separator(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-08-18 14:02:11"), T_2026_08_18_140211 * 1000);
	assert_int_equal(parse_ok("2026-08-18 14:02:11.482913"), T_2026_08_18_140211 * 1000 + 482);
}

static void
test_parse_zones(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-08-18T14:02:11Z"), T_2026_08_18_140211 * 1000);
	assert_int_equal(parse_ok("2026-08-18T14:02:11.482913Z"), T_2026_08_18_140211 * 1000 + 482);
	assert_int_equal(parse_ok("2026-08-18T14:02:11+00:00"), T_2026_08_18_140211 * 1000);
	/* The events form: "YYYY-MM-DD HH:MM:SS[.ffffff]+00:00". */
	assert_int_equal(parse_ok("2026-08-18 14:02:11.482913+00:00"),
	                 T_2026_08_18_140211 * 1000 + 482);
	assert_int_equal(parse_ok("2026-08-18T14:02:11-05:30"), T_2026_08_18_193211 * 1000);
	assert_int_equal(parse_ok("2026-08-18T14:02:11+05:30"), T_2026_08_18_083211 * 1000);
	assert_int_equal(parse_ok("2026-08-18T14:02:11.250-05:30"),
	                 T_2026_08_18_193211 * 1000 + 250);
	/* An offset that crosses midnight. */
	assert_int_equal(parse_ok("2026-08-18T23:30:00-01:00"), parse_ok("2026-08-19T00:30:00"));
}

static void
test_parse_minutes_only(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-08-18T14:02"), T_2026_08_18_140200 * 1000);
	assert_int_equal(parse_ok("2026-08-18 14:02"), T_2026_08_18_140200 * 1000);
	assert_int_equal(parse_ok("2026-08-18T14:02Z"), T_2026_08_18_140200 * 1000);
}

static void
test_parse_leap_days(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2024-02-29T00:00:00"), T_2024_02_29 * 1000);
	assert_int_equal(parse_ok("2024-03-01T00:00:00") - parse_ok("2024-02-29T00:00:00"),
	                 86400 * 1000);
	assert_int_equal(parse_ok("2000-02-29T00:00:00") + 86400 * 1000, T_2000_03_01 * 1000);
	expect_reject("2023-02-29T00:00:00");
	expect_reject("1900-02-29T00:00:00");
	expect_reject("2100-02-29T00:00:00");
	assert_int_equal(parse_ok("2023-02-28T23:59:59") + 1000, parse_ok("2023-03-01T00:00:00"));
}

static void
test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"garbage",
		"now",
		"2026",
		"2026-08",
		"2026-08-18",
		"2026-08-18T",
		"2026-13-01T00:00:00",
		"2026-00-10T00:00:00",
		"2026-08-32T00:00:00",
		"2026-08-00T00:00:00",
		"2026-04-31T00:00:00",
		"2026-08-18T24:00:00",
		"2026-08-18T14:60:00",
		"2026-08-18T14:02:61",
		"2026-8-18T14:02:11",
		"2026-08-18T4:02:11",
		"2026/08/18 14:02:11",
		"2026-08-18X14:02:11",
		"2026-08-18T14:02:11x",
		"2026-08-18T14:02:11 ",
		" 2026-08-18T14:02:11",
		"2026-08-18T14:02:11.",
		"2026-08-18T14:02:11.48x",
		"2026-08-18T14:02:11ZZ",
		"2026-08-18T14:02:11+24:00",
		"2026-08-18T14:02:11+05:60",
		"2026-08-18T14:02:11+5",
		"2026-08-18T14:02:11+05:3",
		"2026-08-18T14:02:11\n",
		"2026-08-18T14:02:1",
		"2026-08-18T14:0",
		"2026-08-18T14",
		"-026-08-18T14:02:11",
		"2026-08-18T14:02:11.482913abc",
		"２026-08-18T14:02:11",
	};

	(void)state;
	expect_reject(NULL);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		expect_reject(bad[i]);
}

static void
test_parse_truncated(void **state)
{
	const char *full = "2026-08-18T14:02:11.482913";
	char buf[64];

	(void)state;
	/* Every prefix is rejected except the minutes-only and whole-seconds forms. */
	for (size_t n = 0; n < strlen(full); n++) {
		int64_t ms = 0;
		int rc;

		memcpy(buf, full, n);
		buf[n] = '\0';
		rc = osmo_time_parse(buf, &ms);
		if (n == 16 || n == 19 || n > 20)
			assert_int_equal(rc, 0);
		else if (rc != -1)
			fail_msg("prefix \"%s\" accepted", buf);
	}
}

static void
test_parse_truncated_offset(void **state)
{
	(void)state;
	expect_reject("2026-08-18T14:02:11+");
	expect_reject("2026-08-18T14:02:11-");
	expect_reject("2026-08-18T14:02:11+0");
	expect_reject("2026-08-18T14:02:11+05:");
}

static void
test_pre_epoch(void **state)
{
	char buf[OSMO_TIME_BUF];

	(void)state;
	assert_int_equal(parse_ok("1969-07-20T20:17:40"), T_1969_07_20_201740 * 1000);
	assert_int_equal(parse_ok("1969-12-31T23:59:59"), -1000);
	assert_int_equal(parse_ok("1969-12-31T23:59:59.5"), -500);
	assert_int_equal(parse_ok("1900-01-01T00:00:00"), T_1900_01_01 * 1000);
	osmo_time_format_iso(-500, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.500000");
	osmo_time_format_iso(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999000");
	osmo_time_format_iso(T_1969_07_20_201740 * 1000, buf);
	assert_string_equal(buf, "1969-07-20T20:17:40");
	osmo_time_format_log(-1, buf);
	assert_string_equal(buf, "1969/12/31 23:59:59");
	osmo_time_format_iso(T_1900_01_01 * 1000, buf);
	assert_string_equal(buf, "1900-01-01T00:00:00");
}

static void
test_days_from_civil(void **state)
{
	(void)state;
	assert_int_equal(osmo_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(osmo_days_from_civil(1970, 1, 2), 1);
	assert_int_equal(osmo_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(osmo_days_from_civil(2000, 3, 1), T_2000_03_01 / 86400);
	assert_int_equal(osmo_days_from_civil(2024, 2, 29), T_2024_02_29 / 86400);
	assert_int_equal(osmo_days_from_civil(1900, 1, 1), T_1900_01_01 / 86400);
	assert_int_equal(osmo_days_from_civil(2026, 8, 18), T_2026_08_18_140211 / 86400);
}

static void
test_format_iso(void **state)
{
	char buf[OSMO_TIME_BUF];

	(void)state;
	osmo_time_format_iso(T_2026_08_18_140211 * 1000, buf);
	assert_string_equal(buf, "2026-08-18T14:02:11");
	osmo_time_format_iso(T_2026_08_18_140211 * 1000 + 482, buf);
	assert_string_equal(buf, "2026-08-18T14:02:11.482000");
	osmo_time_format_iso(T_2026_08_18_140211 * 1000 + 7, buf);
	assert_string_equal(buf, "2026-08-18T14:02:11.007000");
	osmo_time_format_iso(0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00");
	osmo_time_format_iso(1, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00.001000");
	osmo_time_format_iso(T_2024_02_29 * 1000 + 86399999, buf);
	assert_string_equal(buf, "2024-02-29T23:59:59.999000");
}

static void
test_format_log(void **state)
{
	char buf[OSMO_TIME_BUF];

	(void)state;
	osmo_time_format_log(T_2026_08_18_140211 * 1000 + 482, buf);
	assert_string_equal(buf, "2026/08/18 14:02:11");
	osmo_time_format_log(T_2026_08_18_140211 * 1000, buf);
	assert_string_equal(buf, "2026/08/18 14:02:11");
	osmo_time_format_log(0, buf);
	assert_string_equal(buf, "1970/01/01 00:00:00");
}

static void
test_round_trip(void **state)
{
	static const int64_t fixed[] = {
		0,
		1,
		-1,
		999,
		-999,
		1000,
		-1000,
		T_2026_08_18_140211 * 1000 + 482,
		T_2024_02_29 * 1000,
		T_2024_02_29 * 1000 - 1,
		T_1969_07_20_201740 * 1000,
		T_1900_01_01 * 1000 + 123,
		INT64_C(253402300799999), /* 9999-12-31T23:59:59.999 */
	};
	uint64_t x = 0x9e3779b97f4a7c15u;
	char iso[OSMO_TIME_BUF], log[OSMO_TIME_BUF];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fixed) + 20000; i++) {
		int64_t ms, back = 0, floor_s;

		if (i < ARRAY_SIZE(fixed)) {
			ms = fixed[i];
		} else {
			/* Spread over 1900..2100. */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			ms = (int64_t)(x % UINT64_C(6311433600000)) - T_1900_01_01 * -1000;
		}
		osmo_time_format_iso(ms, iso);
		if (osmo_time_parse(iso, &back) != 0 || back != ms)
			fail_msg("%lld → \"%s\" → %lld", (long long)ms, iso, (long long)back);

		/* The log form has whole seconds; with '-' for '/' it parses back. */
		osmo_time_format_log(ms, log);
		assert_int_equal(strlen(log), 19);
		assert_int_equal(log[4], '/');
		assert_int_equal(log[7], '/');
		log[4] = log[7] = '-';
		floor_s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
		if (osmo_time_parse(log, &back) != 0 || back != floor_s * 1000)
			fail_msg("%lld → log \"%s\" → %lld", (long long)ms, log, (long long)back);
		/* The log form and the ISO form name the same second. */
		assert_memory_equal(log, iso, 10);
		assert_memory_equal(log + 11, iso + 11, 8);
	}
}

static void
test_span(void **state)
{
	(void)state;
	assert_true(osmo_time_span_s(0, 5000, 9000) < 0);
	assert_true(osmo_time_span_s(1000, 3500, 9000) == 2.5);
	assert_true(osmo_time_span_s(1000, 0, 9000) == 8.0);
	/* A clock behind the server's start never shows a negative duration. */
	assert_true(osmo_time_span_s(9000, 0, 1000) == 0.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_parse_space_separator),
		cmocka_unit_test(test_parse_zones),
		cmocka_unit_test(test_parse_minutes_only),
		cmocka_unit_test(test_parse_leap_days),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_truncated_offset),
		cmocka_unit_test(test_pre_epoch),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_format_iso),
		cmocka_unit_test(test_format_log),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
