/* test_forward_ports.c: port specs (forward_ports_parse) and the local-port check (forward.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/forward.h"

/* Parses spec, which must be good, and checks the ports against want (remote, local pairs). */
static void
assert_ports(const char *spec, const struct forward_port *want, size_t n_want)
{
	struct forward_port *got = NULL;
	size_t n = 99;
	char *err = NULL;

	if (forward_ports_parse(spec, &got, &n, &err) != 0)
		fail_msg("\"%s\": %s", spec, err);
	assert_null(err);
	assert_int_equal(n, n_want);
	for (size_t i = 0; i < n; i++) {
		if (got[i].remote != want[i].remote || got[i].local != want[i].local)
			fail_msg("\"%s\" port %zu: %d:%d, not %d:%d", spec, i, got[i].remote,
			         got[i].local, want[i].remote, want[i].local);
	}
	free(got);
}

/* Parses spec, which must be refused with a message holding needle. */
static void
assert_refused(const char *spec, const char *needle)
{
	struct forward_port *got = (struct forward_port *)&got; /* must come back NULL */
	size_t n = 99;
	char *err = NULL;

	if (forward_ports_parse(spec, &got, &n, &err) != -1)
		fail_msg("\"%s\" was accepted", spec ? spec : "(null)");
	assert_null(got);
	assert_int_equal(n, 0);
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("\"%s\": \"%s\" lacks \"%s\"", spec ? spec : "(null)", err, needle);
	/* One sentence on one printable line. */
	for (const char *p = err; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	free(err);
}

static void
test_single_ports(void **state)
{
	(void)state;
	assert_ports("8000", (struct forward_port[]){ { 8000, 8000 } }, 1);
	assert_ports("8000:18000", (struct forward_port[]){ { 8000, 18000 } }, 1);
	assert_ports("1", (struct forward_port[]){ { 1, 1 } }, 1);
	assert_ports("65535:1", (struct forward_port[]){ { 65535, 1 } }, 1);
	/* Leading zeros are still the number. */
	assert_ports("0080:08080", (struct forward_port[]){ { 80, 8080 } }, 1);
}

static void
test_lists_and_ranges(void **state)
{
	(void)state;
	assert_ports(" 8888 ,\t6006:16006 , 9000-9002 ",
	             (struct forward_port[]){ { 8888, 8888 },
	                                      { 6006, 16006 },
	                                      { 9000, 9000 },
	                                      { 9001, 9001 },
	                                      { 9002, 9002 } },
	             5);
	assert_ports("9000-9002:100-102",
	             (struct forward_port[]){ { 9000, 100 }, { 9001, 101 }, { 9002, 102 } }, 3);
	/* A one-port range, and the same remote port on two local ports. */
	assert_ports("7-7,80:8080,80:8081",
	             (struct forward_port[]){ { 7, 7 }, { 80, 8080 }, { 80, 8081 } }, 3);
}

static void
test_thirty_ports(void **state)
{
	struct forward_port want[FORWARD_MAX_PORTS];

	(void)state;
	/* Exactly the service's limit, in one range and in two items. */
	for (int i = 0; i < FORWARD_MAX_PORTS; i++)
		want[i] = (struct forward_port){ 1000 + i, 2000 + i };
	assert_ports("1000-1029:2000-2029", want, FORWARD_MAX_PORTS);
	assert_ports("1000-1019:2000-2019,1020-1029:2020-2029", want, FORWARD_MAX_PORTS);
}

static void
test_empty_items(void **state)
{
	(void)state;
	assert_refused("", "no port given");
	assert_refused("  \t ", "no port given");
	assert_refused(NULL, "no port given");
	assert_refused("1,,2", "1,,2: an empty item");
	assert_refused("1,", "an empty item");
	assert_refused(",1", "an empty item");
	assert_refused(" , ", "an empty item");
}

static void
test_bad_numbers(void **state)
{
	(void)state;
	assert_refused("0", "0: ports are 1 to 65535");
	assert_refused("65536", "65536: ports are 1 to 65535");
	assert_refused("80:0", "80:0: ports are 1 to 65535");
	/* Huge numbers neither overflow nor wrap around to a valid port. */
	assert_refused("99999999999999999999999999", "ports are 1 to 65535");
	assert_refused("18446744073709551696", "ports are 1 to 65535");
	assert_refused("1-99999999999999999999", "ports are 1 to 65535");
	assert_refused("-1", "-1: not REMOTE[:LOCAL]");
	assert_refused("+80", "not REMOTE[:LOCAL]");
	assert_refused("1-", "1-: not REMOTE[:LOCAL]");
	assert_refused("-5", "-5: not REMOTE[:LOCAL]");
	assert_refused("1--2", "not REMOTE[:LOCAL]");
	assert_refused("80:", "80:: not REMOTE[:LOCAL]");
	assert_refused(":80", "not REMOTE[:LOCAL]");
	assert_refused("80:81:82", "not REMOTE[:LOCAL]");
	assert_refused("80x", "80x: not REMOTE[:LOCAL]");
	assert_refused("80 81", "80 81: not REMOTE[:LOCAL]");
	assert_refused("8000,80;", "80;: not REMOTE[:LOCAL]");
	assert_refused("0x50", "not REMOTE[:LOCAL]");
	/* Control bytes in the echo are flattened. */
	assert_refused("8\x1b[2J", "8?[2J: not");
}

static void
test_bad_ranges(void **state)
{
	(void)state;
	assert_refused("8000-7000", "8000-7000: a range goes up");
	assert_refused("1-2:4-3", "1-2:4-3: a range goes up");
	assert_refused("9000-9002:100-101", "9000-9002:100-101: 3 remote ports but 2 local");
	assert_refused("9000:100-101", "9000:100-101: 1 remote port but 2 local");
	assert_refused("1-65535", "1-65535: more than 30 ports in all");
}

static void
test_limits_and_duplicates(void **state)
{
	(void)state;
	assert_refused("1000-1030", "1000-1030: more than 30 ports in all");
	/* 30 in one item, then one more. */
	assert_refused("1000-1029,5", "5: more than 30 ports in all");
	assert_refused("8000,8000", "8000: local port 8000 is given twice");
	assert_refused("8000,1:8000", "1:8000: local port 8000 is given twice");
	assert_refused("9000-9005,9003", "9003: local port 9003 is given twice");
	assert_refused("1-3:10-12,5-6:11-12", "5-6:11-12: local port 11 is given twice");
}

/* A port bound now by a socket of ours (TCP listening, or UDP). */
static int
bound_socket(bool udp, int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (!udp)
		assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
test_port_free(void **state)
{
	(void)state;
	for (int udp = 0; udp < 2; udp++) {
		int port, fd = bound_socket(udp, &port);

		assert_false(forward_port_free(port, udp));
		close(fd);
		assert_true(forward_port_free(port, udp));
		/* The check leaves nothing bound behind: it says the same twice. */
		assert_true(forward_port_free(port, udp));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_ports),
		cmocka_unit_test(test_lists_and_ranges),
		cmocka_unit_test(test_thirty_ports),
		cmocka_unit_test(test_empty_items),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_limits_and_duplicates),
		cmocka_unit_test(test_port_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
