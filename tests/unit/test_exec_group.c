/* test_exec_group.c: which commands a group exec refuses as interactive (exec_group.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "client/exec_group.h"
#include "common/util.h"

static void
test_interactive(void **state)
{
	/* A shell waiting for a terminal's input; the CLI's string-end rule misses "zsh -l". */
	static const struct {
		const char *command;
		bool interactive;
	} cases[] = {
		{ "bash", true },
		{ "/bin/sh", true },
		{ "zsh -l", true },
		{ "bash --login -i", true },
		{ "  /usr/bin/fish  ", true },
		{ "'/bin/ksh'", true },
		{ "tcsh", true },
		{ "csh -f", true },
		{ "bash -", true },
		/* A command (-c, alone or in a cluster) or a script: it runs and exits. */
		{ "bash -c 'echo hi'", false },
		{ "sh -lc 'ls /'", false },
		{ "sh -e -c true", false },
		{ "sh run.sh", false },
		{ "bash -x ./train.sh", false },
		/* Not a shell; the CLI's rule refuses the last, which only ends in "sh". */
		{ "python train.py", false },
		{ "nvidia-smi", false },
		{ "ls /bin/sh", false },
		{ "tail -f log.sh", false },
		/* Nothing to run, or a quote that never closes: the service refuses it anyway. */
		{ "", false },
		{ "   ", false },
		{ "# bash", false },
		{ "'bash", false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (exec_group_interactive(cases[i].command) != cases[i].interactive)
			fail_msg("\"%s\": want %s", cases[i].command,
			         cases[i].interactive ? "interactive" : "not interactive");
	assert_false(exec_group_interactive(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interactive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
