/* status.h: every OSMO workflow, group and task status, generated from one list. */
#ifndef OSMO_COMMON_STATUS_H
#define OSMO_COMMON_STATUS_H

#include <stdbool.h>

enum osmo_phase {
	PHASE_UNKNOWN,
	PHASE_QUEUED,
	PHASE_STARTING,
	PHASE_RUNNING,
	PHASE_DONE,
	PHASE_FAILED
};
enum osmo_cause {
	CAUSE_NONE,
	CAUSE_USER,
	CAUSE_UPSTREAM,
	CAUSE_CANCELED,
	CAUSE_INFRA,
	CAUSE_PREEMPTED
};

/* Scope bits: W = a WorkflowStatus value, T = a TaskGroupStatus value. */
#define SCOPE_W  1
#define SCOPE_T  2
#define SCOPE_WT (SCOPE_W | SCOPE_T)

/*
 * id, scope, phase, cause, alive (as OSMO's get_alive_statuses), has error logs (§5.3).
 * The wire name is #id. The order is the enum order, not OSMO's.
 */
/* clang-format off */
#define OSMO_STATUS_LIST(_)                                                          \
	_(UNKNOWN,              0,        PHASE_UNKNOWN,  CAUSE_NONE,      0, 0) \
	_(PENDING,              SCOPE_W,  PHASE_QUEUED,   CAUSE_NONE,      1, 0) \
	_(SUBMITTING,           SCOPE_T,  PHASE_QUEUED,   CAUSE_NONE,      1, 0) \
	_(WAITING,              SCOPE_WT, PHASE_QUEUED,   CAUSE_NONE,      1, 0) \
	_(PROCESSING,           SCOPE_T,  PHASE_QUEUED,   CAUSE_NONE,      1, 0) \
	_(SCHEDULING,           SCOPE_T,  PHASE_QUEUED,   CAUSE_NONE,      1, 0) \
	_(INITIALIZING,         SCOPE_T,  PHASE_STARTING, CAUSE_NONE,      1, 0) \
	_(RUNNING,              SCOPE_WT, PHASE_RUNNING,  CAUSE_NONE,      1, 0) \
	_(COMPLETED,            SCOPE_WT, PHASE_DONE,     CAUSE_NONE,      0, 0) \
	_(RESCHEDULED,          SCOPE_T,  PHASE_DONE,     CAUSE_NONE,      1, 1) \
	_(FAILED,               SCOPE_WT, PHASE_FAILED,   CAUSE_USER,      0, 1) \
	_(FAILED_SUBMISSION,    SCOPE_W,  PHASE_FAILED,   CAUSE_USER,      0, 0) \
	_(FAILED_UPSTREAM,      SCOPE_T,  PHASE_FAILED,   CAUSE_UPSTREAM,  0, 0) \
	_(FAILED_CANCELED,      SCOPE_WT, PHASE_FAILED,   CAUSE_CANCELED,  0, 0) \
	_(FAILED_EXEC_TIMEOUT,  SCOPE_WT, PHASE_FAILED,   CAUSE_CANCELED,  0, 0) \
	_(FAILED_QUEUE_TIMEOUT, SCOPE_WT, PHASE_FAILED,   CAUSE_CANCELED,  0, 0) \
	_(FAILED_SERVER_ERROR,  SCOPE_WT, PHASE_FAILED,   CAUSE_INFRA,     0, 0) \
	_(FAILED_EVICTED,       SCOPE_WT, PHASE_FAILED,   CAUSE_INFRA,     0, 0) \
	_(FAILED_START_ERROR,   SCOPE_WT, PHASE_FAILED,   CAUSE_INFRA,     0, 0) \
	_(FAILED_IMAGE_PULL,    SCOPE_WT, PHASE_FAILED,   CAUSE_INFRA,     0, 0) \
	_(FAILED_BACKEND_ERROR, SCOPE_WT, PHASE_FAILED,   CAUSE_INFRA,     0, 1) \
	_(FAILED_START_TIMEOUT, SCOPE_WT, PHASE_FAILED,   CAUSE_INFRA,     0, 1) \
	_(FAILED_PREEMPTED,     SCOPE_WT, PHASE_FAILED,   CAUSE_PREEMPTED, 0, 1)
/* clang-format on */

enum osmo_status {
#define STATUS_ENUM(id, scope, phase, cause, alive, errlogs) OSMO_##id,
	OSMO_STATUS_LIST(STATUS_ENUM)
#undef STATUS_ENUM
	        OSMO_STATUS_COUNT
};

/* Unknown or NULL strings map to OSMO_UNKNOWN, never to an error. */
enum osmo_status osmo_status_from_wire(const char *s);
const char *osmo_status_wire(enum osmo_status s);
enum osmo_phase osmo_status_phase(enum osmo_status s);
enum osmo_cause osmo_status_cause(enum osmo_status s);
bool osmo_status_in_workflow_enum(enum osmo_status s);
bool osmo_status_in_task_enum(enum osmo_status s);
/* OSMO's alive set: workflows PENDING/RUNNING/WAITING; tasks SUBMITTING..RUNNING and RESCHEDULED. */
bool osmo_status_is_alive(enum osmo_status s);
/* A workflow or group that still changes: alive, but RESCHEDULED tasks are finished. */
bool osmo_status_is_finished(enum osmo_status s);
bool osmo_status_is_failed(enum osmo_status s);
bool osmo_status_is_canceled(enum osmo_status s);
bool osmo_status_is_infra(enum osmo_status s);
bool osmo_status_has_error_logs(enum osmo_status s);

#endif
