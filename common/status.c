/* status.c: the status table's wire names and predicates. */
#include "common/status.h"

#include <string.h>

struct status_info {
	const char *wire;
	unsigned scope;
	enum osmo_phase phase;
	enum osmo_cause cause;
	bool alive;
	bool error_logs;
};

static const struct status_info status_table[] = {
#define STATUS_INFO(id, scope, phase, cause, alive, errlogs) \
	[OSMO_##id] = { #id, scope, phase, cause, alive, errlogs },
	OSMO_STATUS_LIST(STATUS_INFO)
#undef STATUS_INFO
};

_Static_assert(sizeof(status_table) / sizeof(status_table[0]) == OSMO_STATUS_COUNT,
               "status table covers every status");

static const struct status_info *
status_get(enum osmo_status s)
{
	if ((unsigned)s >= OSMO_STATUS_COUNT)
		s = OSMO_UNKNOWN;
	return &status_table[s];
}

enum osmo_status
osmo_status_from_wire(const char *s)
{
	if (!s)
		return OSMO_UNKNOWN;
	/* Every task's status is looked up: the first letter rules out most at once. */
	for (int i = 1; i < OSMO_STATUS_COUNT; i++)
		if (status_table[i].wire[0] == s[0] && strcmp(status_table[i].wire, s) == 0)
			return (enum osmo_status)i;
	return OSMO_UNKNOWN;
}

const char *
osmo_status_wire(enum osmo_status s)
{
	return status_get(s)->wire;
}

enum osmo_phase
osmo_status_phase(enum osmo_status s)
{
	return status_get(s)->phase;
}

enum osmo_cause
osmo_status_cause(enum osmo_status s)
{
	return status_get(s)->cause;
}

bool
osmo_status_in_workflow_enum(enum osmo_status s)
{
	return status_get(s)->scope & SCOPE_W;
}

bool
osmo_status_in_task_enum(enum osmo_status s)
{
	return status_get(s)->scope & SCOPE_T;
}

bool
osmo_status_is_alive(enum osmo_status s)
{
	return status_get(s)->alive;
}

bool
osmo_status_is_finished(enum osmo_status s)
{
	enum osmo_phase p = status_get(s)->phase;

	return p == PHASE_DONE || p == PHASE_FAILED;
}

bool
osmo_status_is_failed(enum osmo_status s)
{
	return status_get(s)->phase == PHASE_FAILED;
}

bool
osmo_status_is_canceled(enum osmo_status s)
{
	return status_get(s)->cause == CAUSE_CANCELED;
}

bool
osmo_status_is_infra(enum osmo_status s)
{
	return status_get(s)->cause == CAUSE_INFRA;
}

bool
osmo_status_has_error_logs(enum osmo_status s)
{
	return status_get(s)->error_logs;
}
