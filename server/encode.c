/* encode.c: osmo-local's JSON with cJSON (the only server file that includes it). */
#include "server/encode.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/json.h"
#include "common/osmo_time.h"

void
encode_time(int64_t ms, char buf[40])
{
	osmo_time_format_iso(ms, buf);
}

static void
encode_add_str(cJSON *o, const char *key, const char *value)
{
	cJSON_AddItemToObject(o, key, value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

static void
encode_add_owned(cJSON *o, const char *key, char *value)
{
	encode_add_str(o, key, value);
	free(value);
}

static void
encode_add_time(cJSON *o, const char *key, int64_t ms)
{
	char buf[40];

	if (!ms) {
		cJSON_AddItemToObject(o, key, cJSON_CreateNull());
		return;
	}
	encode_time(ms, buf);
	cJSON_AddItemToObject(o, key, cJSON_CreateString(buf));
}

static void
encode_add_secs(cJSON *o, const char *key, double secs)
{
	cJSON_AddItemToObject(o, key, secs < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(secs));
}

/* Submit to start (or to the end, or now): OSMO's queued_time. */
static double
encode_queued_s(const struct eng_workflow *wf, int64_t now_ms)
{
	int64_t until = wf->start_ms ? wf->start_ms : wf->end_ms ? wf->end_ms : now_ms;

	return osmo_time_span_s(wf->submit_ms, until, now_ms);
}

static cJSON *
encode_task(const struct eng_workflow *wf, const struct eng_task *t, const char *base)
{
	cJSON *o = cJSON_CreateObject();
	char pod[40];

	snprintf(pod, sizeof(pod), "%.16s-%.16s", wf->uuid, t->uuid);
	encode_add_str(o, "name", t->name);
	cJSON_AddNumberToObject(o, "retry_id", t->retry_id);
	encode_add_str(o, "status", osmo_status_wire(t->status));
	encode_add_str(o, "failure_message", t->failure_message);
	cJSON_AddItemToObject(o, "exit_code",
	                      t->has_exit_code ? cJSON_CreateNumber(t->exit_code)
	                                       : cJSON_CreateNull());
	encode_add_owned(
	        o, "logs",
	        xasprintf("%s/api/workflow/%s/logs?last_n_lines=1000&task_name=%s&retry_id=%d",
	                  base, wf->id, t->name, t->retry_id));
	encode_add_owned(
	        o, "error_logs",
	        osmo_status_has_error_logs(t->status)
	                ? xasprintf("%s/api/workflow/%s/error_logs?task_name=%s&retry_id=%d", base,
	                            wf->id, t->name, t->retry_id)
	                : NULL);
	encode_add_time(o, "processing_start_time", t->processing_ms);
	encode_add_time(o, "scheduling_start_time", t->scheduling_ms);
	encode_add_time(o, "initializing_start_time", t->initializing_ms);
	encode_add_owned(o, "events",
	                 xasprintf("%s/api/workflow/%s/events?task_name=%s&retry_id=%d", base,
	                           wf->id, t->name, t->retry_id));
	encode_add_time(o, "start_time", t->start_ms);
	encode_add_time(o, "end_time", t->end_ms);
	encode_add_time(o, "input_download_start_time", t->input_download_start_ms);
	encode_add_time(o, "input_download_end_time", t->input_download_end_ms);
	encode_add_time(o, "output_upload_start_time", t->output_upload_start_ms);
	encode_add_str(o, "dashboard_url", NULL);
	encode_add_str(o, "pod_name", pod);
	encode_add_str(o, "pod_ip", t->start_ms ? "127.0.0.1" : NULL);
	encode_add_str(o, "task_uuid", t->uuid);
	encode_add_str(o, "node_name", t->start_ms ? "localhost" : NULL);
	cJSON_AddBoolToObject(o, "lead", t->lead);
	return o;
}

static int
encode_task_order(const void *a, const void *b)
{
	const struct eng_task *x = *(const struct eng_task *const *)a;
	const struct eng_task *y = *(const struct eng_task *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : y->retry_id - x->retry_id;
}

static cJSON *
encode_group(const struct eng_workflow *wf, const struct eng_group *g, const char *base,
             bool verbose)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *tasks = cJSON_CreateArray();
	const struct eng_task **sorted = xcalloc(g->n_tasks ? g->n_tasks : 1, sizeof(*sorted));

	encode_add_str(o, "name", g->name);
	encode_add_str(o, "status", osmo_status_wire(g->status));
	encode_add_time(o, "start_time", g->start_ms);
	encode_add_time(o, "end_time", g->end_ms);
	encode_add_time(o, "processing_start_time", g->processing_ms);
	encode_add_time(o, "scheduling_start_time", g->scheduling_ms);
	encode_add_time(o, "initializing_start_time", g->initializing_ms);
	cJSON *remaining = cJSON_CreateArray();

	/* Upstream groups not yet completed, as OSMO's shrinking set. */
	for (size_t i = 0; i < g->upstream.n; i++)
		for (size_t j = 0; j < wf->n_groups; j++)
			if (strcmp(wf->groups[j].name, g->upstream.v[i]) == 0 &&
			    wf->groups[j].status != OSMO_COMPLETED)
				cJSON_AddItemToArray(remaining,
				                     cJSON_CreateString(g->upstream.v[i]));
	cJSON_AddItemToObject(o, "remaining_upstream_groups", remaining);
	cJSON_AddItemToObject(o, "downstream_groups", json_strv(&g->downstream));
	encode_add_str(o, "failure_message", g->failure_message);
	for (size_t i = 0; i < g->n_tasks; i++)
		sorted[i] = &g->tasks[i];
	qsort(sorted, g->n_tasks, sizeof(*sorted), encode_task_order);
	for (size_t i = 0; i < g->n_tasks; i++) {
		/* Without verbose only the newest retry of each task is listed. */
		if (!verbose && i > 0 && strcmp(sorted[i]->name, sorted[i - 1]->name) == 0)
			continue;
		cJSON_AddItemToArray(tasks, encode_task(wf, sorted[i], base));
	}
	free(sorted);
	cJSON_AddItemToObject(o, "tasks", tasks);
	return o;
}

static cJSON *
encode_labels(const struct eng_workflow *wf)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < wf->n_labels; i++)
		cJSON_AddItemToObject(o, wf->labels[i].key,
		                      cJSON_CreateString(wf->labels[i].value));
	return o;
}

char *
encode_workflow(const struct eng_workflow *wf, const char *base, bool verbose, bool skip_groups,
                int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *groups = cJSON_CreateArray();
	cJSON *plugins = cJSON_CreateObject();
	encode_add_str(o, "name", wf->id);
	encode_add_str(o, "uuid", wf->uuid);
	encode_add_str(o, "submitted_by", wf->user);
	encode_add_str(o, "cancelled_by", wf->cancelled_by);
	encode_add_owned(o, "spec", xasprintf("%s/api/workflow/%s/spec", base, wf->id));
	encode_add_owned(o, "template_spec",
	                 xasprintf("%s/api/workflow/%s/spec?use_template=true", base, wf->id));
	encode_add_owned(o, "logs",
	                 xasprintf("%s/api/workflow/%s/logs?last_n_lines=1000", base, wf->id));
	encode_add_owned(o, "events", xasprintf("%s/api/workflow/%s/events", base, wf->id));
	encode_add_owned(o, "overview", xasprintf("%s/api/workflow/%s", base, wf->id));
	encode_add_str(o, "parent_name", wf->parent_name);
	cJSON_AddItemToObject(o, "parent_job_id",
	                      wf->parent_name ? cJSON_CreateNumber(wf->parent_job_id)
	                                      : cJSON_CreateNull());
	encode_add_str(o, "dashboard_url", NULL);
	encode_add_str(o, "grafana_url", NULL);
	cJSON_AddItemToObject(o, "tags", json_strv(&wf->tags));
	encode_add_time(o, "submit_time", wf->submit_ms);
	encode_add_time(o, "start_time", wf->start_ms);
	encode_add_time(o, "end_time", wf->end_ms);
	encode_add_secs(o, "exec_timeout", wf->exec_timeout_s);
	encode_add_secs(o, "queue_timeout", wf->queue_timeout_s);
	encode_add_secs(o, "duration", osmo_time_span_s(wf->start_ms, wf->end_ms, now_ms));
	encode_add_secs(o, "queued_time", encode_queued_s(wf, now_ms));
	encode_add_str(o, "status", osmo_status_wire(wf->status));
	encode_add_str(o, "outputs", "");
	for (size_t i = 0; !skip_groups && i < wf->n_groups; i++)
		cJSON_AddItemToArray(groups, encode_group(wf, &wf->groups[i], base, verbose));
	cJSON_AddItemToObject(o, "groups", groups);
	encode_add_str(o, "pool", wf->pool);
	encode_add_str(o, "backend", "osmo-local");
	encode_add_str(o, "app_owner", NULL);
	encode_add_str(o, "app_name", NULL);
	encode_add_str(o, "app_version", NULL);
	cJSON_AddBoolToObject(plugins, "rsync", false);
	cJSON_AddItemToObject(o, "plugins", plugins);
	encode_add_str(o, "priority", wf->priority ? wf->priority : "NORMAL");
	cJSON_AddItemToObject(o, "labels", encode_labels(wf));
	cJSON_AddItemToObject(o, "warnings", cJSON_CreateArray());
	return json_print(o);
}

static cJSON *
encode_list_entry(const struct eng_workflow *wf, const char *base, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();
	encode_add_str(o, "user", wf->user);
	encode_add_str(o, "name", wf->id);
	encode_add_str(o, "workflow_uuid", wf->uuid);
	encode_add_time(o, "submit_time", wf->submit_ms);
	encode_add_time(o, "start_time", wf->start_ms);
	encode_add_time(o, "end_time", wf->end_ms);
	encode_add_secs(o, "queued_time", encode_queued_s(wf, now_ms));
	encode_add_secs(o, "duration", osmo_time_span_s(wf->start_ms, wf->end_ms, now_ms));
	encode_add_str(o, "status", osmo_status_wire(wf->status));
	encode_add_owned(o, "overview", xasprintf("%s/api/workflow/%s", base, wf->id));
	encode_add_owned(o, "logs", xasprintf("%s/api/workflow/%s/logs", base, wf->id));
	encode_add_owned(o, "error_logs",
	                 osmo_status_is_failed(wf->status)
	                         ? xasprintf("%s/api/workflow/%s/error_logs", base, wf->id)
	                         : NULL);
	encode_add_str(o, "grafana_url", NULL);
	encode_add_str(o, "dashboard_url", NULL);
	encode_add_str(o, "pool", wf->pool);
	encode_add_str(o, "app_owner", NULL);
	encode_add_str(o, "app_name", NULL);
	encode_add_str(o, "app_version", NULL);
	encode_add_str(o, "priority", wf->priority ? wf->priority : "NORMAL");
	cJSON_AddItemToObject(o, "labels", encode_labels(wf));
	return o;
}

char *
encode_workflow_list(const struct eng_workflow *const *wfs, size_t n, bool more_entries,
                     const char *base, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, encode_list_entry(wfs[i], base, now_ms));
	cJSON_AddItemToObject(o, "workflows", arr);
	cJSON_AddBoolToObject(o, "more_entries", more_entries);
	return json_print(o);
}

char *
encode_submit(const char *name, const char *overview, const char *logs, const char *spec,
              const struct strv *warnings)
{
	cJSON *o = cJSON_CreateObject();

	encode_add_str(o, "name", name);
	encode_add_str(o, "overview", overview);
	encode_add_str(o, "logs", logs);
	encode_add_str(o, "spec", spec);
	encode_add_str(o, "dashboard_url", NULL);
	cJSON_AddItemToObject(o, "warnings", json_strv(warnings));
	return json_print(o);
}

char *
encode_cancel(const char *name)
{
	cJSON *o = cJSON_CreateObject();

	encode_add_str(o, "name", name);
	return json_print(o);
}

char *
encode_error(const char *message, const char *error_code, const char *workflow_id)
{
	cJSON *o = cJSON_CreateObject();

	encode_add_str(o, "message", message);
	encode_add_str(o, "error_code", error_code);
	encode_add_str(o, "workflow_id", workflow_id);
	return json_print(o);
}

char *
encode_validation_error(const char *where, const char *param, const char *msg, const char *input)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *detail = cJSON_CreateArray();
	cJSON *d = cJSON_CreateObject();
	cJSON *loc = cJSON_CreateArray();

	encode_add_str(d, "type", "value_error");
	cJSON_AddItemToArray(loc, cJSON_CreateString(where));
	cJSON_AddItemToArray(loc, cJSON_CreateString(param));
	cJSON_AddItemToObject(d, "loc", loc);
	encode_add_str(d, "msg", msg);
	encode_add_str(d, "input", input);
	cJSON_AddItemToArray(detail, d);
	cJSON_AddItemToObject(o, "detail", detail);
	return json_print(o);
}

/*
 * Bodies built from strings the service does not vouch for (a header, a path, a task name):
 * invalid UTF-8 becomes U+FFFD and DEL is escaped, as server/http.c's error bodies spell them.
 */
static cJSON *
encode_text(const char *s)
{
	char *clean;
	cJSON *item;

	if (!s)
		return cJSON_CreateNull();
	clean = utf8_sanitize(s, strlen(s));
	item = cJSON_CreateString(clean);
	free(clean);
	return item;
}

/* json_print, with DEL as \u007f: cJSON leaves it raw, and only strings can hold it. */
static char *
encode_print_text(cJSON *root)
{
	char *s = json_print(root);
	struct strbuf sb = { 0 };

	if (!strchr(s, 0x7f))
		return s;
	for (const char *p = s; *p; p++) {
		if (*p == 0x7f)
			strbuf_addstr(&sb, "\\u007f");
		else
			strbuf_addch(&sb, *p);
	}
	free(s);
	return strbuf_detach(&sb);
}

/* Adds fixed key/value pairs, each value made by make (a string, or raw JSON); returns o. */
static cJSON *
encode_add_fixed(cJSON *o, const char *const (*pairs)[2], size_t n, cJSON *(*make)(const char *))
{
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToObject(o, pairs[i][0], make(pairs[i][1]));
	return o;
}

char *
encode_version(void)
{
	static const char *const fields[][2] = {
		{ "major", "6" },
		{ "minor", "4" },
		{ "revision", "0" },
		{ "hash", "osmo-local" },
	};
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		encode_add_str(o, fields[i][0], fields[i][1]);
	return json_print(o);
}

char *
encode_health(const char *reason)
{
	cJSON *o = cJSON_CreateObject();

	encode_add_str(o, "status", reason ? "DEGRADED" : "OK");
	if (reason)
		cJSON_AddItemToObject(o, "reason", encode_text(reason));
	return encode_print_text(o);
}

char *
encode_profile_settings(const char *user, const struct eng_profile *set, const char *pool)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *profile = cJSON_CreateObject();
	cJSON *roles = cJSON_CreateArray();
	cJSON *pools = cJSON_CreateArray();

	cJSON_AddItemToObject(profile, "username", encode_text(user));
	cJSON_AddBoolToObject(profile, "email_notification", set && set->email_notification);
	cJSON_AddBoolToObject(profile, "slack_notification", set && set->slack_notification);
	cJSON_AddItemToObject(profile, "pool", encode_text(set && set->pool ? set->pool : pool));
	cJSON_AddItemToObject(o, "profile", profile);
	cJSON_AddItemToArray(roles, cJSON_CreateString("osmo-user"));
	cJSON_AddItemToObject(o, "roles", roles);
	cJSON_AddItemToArray(pools, encode_text(pool));
	cJSON_AddItemToObject(o, "pools", pools);
	cJSON_AddNullToObject(o, "token");
	return encode_print_text(o);
}

char *
encode_pool_list(const char *pool)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *node_sets = cJSON_CreateArray();

	if (pool) {
		cJSON *set = cJSON_CreateObject();
		cJSON *pools = cJSON_CreateArray();
		cJSON *p = cJSON_CreateObject();

		cJSON_AddItemToObject(p, "name", encode_text(pool));
		encode_add_str(p, "description", "osmo-local: this machine");
		encode_add_str(p, "status", "ONLINE");
		cJSON_AddItemToArray(pools, p);
		cJSON_AddItemToObject(set, "pools", pools);
		cJSON_AddItemToArray(node_sets, set);
	}
	cJSON_AddItemToObject(o, "node_sets", node_sets);
	return encode_print_text(o);
}

/* ResourceUsage: what the CLI prints under quota and total; OSMO coerces the counts to strings. */
static cJSON *
encode_resource_usage(unsigned limit, unsigned used)
{
	const unsigned values[] = { used, limit - used, limit, used, limit, limit - used };
	static const char *const keys[] = { "quota_used",  "quota_free",     "quota_limit",
		                            "total_usage", "total_capacity", "total_free" };
	cJSON *o = cJSON_CreateObject();
	char buf[16];

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		snprintf(buf, sizeof(buf), "%u", values[i]);
		encode_add_str(o, keys[i], buf);
	}
	return o;
}

/* PoolMinimal's fields with their defaults, then resource_usage: pydantic's order. */
static cJSON *
encode_pool_usage(const struct encode_pool_capacity *cap, unsigned used)
{
	static const char *const timeouts[] = { "default_exec_timeout", "default_queue_timeout",
		                                "max_exec_timeout", "max_queue_timeout" };
	cJSON *p = cJSON_CreateObject();
	cJSON *resources = cJSON_CreateObject();
	char *desc, mem[32] = "unknown memory", cpus[32] = "unknown CPUs";

	if (cap->mem_bytes)
		snprintf(mem, sizeof(mem), "%.1f GiB memory",
		         (double)cap->mem_bytes / (1024.0 * 1024.0 * 1024.0));
	if (cap->cpus > 0)
		snprintf(cpus, sizeof(cpus), "%ld CPUs", cap->cpus);
	desc = xasprintf("osmo-local: this machine, %u task slot%s, %s, %s, %u GPU%s", cap->slots,
	                 cap->slots == 1 ? "" : "s", cpus, mem, cap->gpus,
	                 cap->gpus == 1 ? "" : "s");
	cJSON_AddItemToObject(p, "name", encode_text(cap->pool));
	encode_add_owned(p, "description", desc);
	encode_add_str(p, "status", "ONLINE");
	cJSON_AddNullToObject(p, "download_type");
	cJSON_AddFalseToObject(p, "enable_maintenance");
	encode_add_str(p, "backend", "osmo-local");
	cJSON_AddNullToObject(p, "default_platform");
	for (size_t i = 0; i < ARRAY_SIZE(timeouts); i++)
		encode_add_str(p, timeouts[i], "");
	cJSON_AddItemToObject(p, "default_exit_actions", cJSON_CreateObject());
	cJSON_AddNullToObject(resources, "gpu");
	cJSON_AddItemToObject(p, "resources", resources);
	cJSON_AddItemToObject(p, "topology_keys", cJSON_CreateArray());
	cJSON_AddItemToObject(p, "platforms", cJSON_CreateObject());
	cJSON_AddItemToObject(p, "resource_usage", encode_resource_usage(cap->slots, used));
	return p;
}

char *
encode_pool_quota(const struct encode_pool_capacity *cap)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *node_sets = cJSON_CreateArray();
	/* A restart can leave more tasks holding slots than --slots now gives. */
	unsigned used = cap->slots_used < cap->slots ? cap->slots_used : cap->slots;

	if (cap->pool) {
		cJSON *set = cJSON_CreateObject();
		cJSON *pools = cJSON_CreateArray();

		cJSON_AddItemToArray(pools, encode_pool_usage(cap, used));
		cJSON_AddItemToObject(set, "pools", pools);
		cJSON_AddItemToArray(node_sets, set);
	}
	cJSON_AddItemToObject(o, "node_sets", node_sets);
	cJSON_AddItemToObject(o, "resource_sum",
	                      cap->pool ? encode_resource_usage(cap->slots, used)
	                                : encode_resource_usage(0, 0));
	return encode_print_text(o);
}

char *
encode_login_info(void)
{
	static const char *const keys[] = {
		"device_endpoint",   "device_client_id", "browser_endpoint",
		"browser_client_id", "token_endpoint",   "logout_endpoint",
	};
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		cJSON_AddNullToObject(o, keys[i]);
	return json_print(o);
}

char *
encode_tag_list(const char *const *tags, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, encode_text(tags[i]));
	cJSON_AddItemToObject(o, "tags", a);
	return encode_print_text(o);
}

char *
encode_task_entry(const struct eng_workflow *wf, const struct eng_task *t)
{
	/* Nothing is reserved here; the service's floats keep their ".0". */
	static const char *const reserved[][2] = {
		{ "storage", "0.0" },
		{ "cpu", "0" },
		{ "memory", "0.0" },
		{ "gpu", "0" },
	};
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "workflow_id", encode_text(wf->id));
	cJSON_AddItemToObject(o, "task_name", encode_text(t->name));
	encode_add_str(o, "node", t->start_ms ? "localhost" : NULL);
	encode_add_time(o, "start_time", t->start_ms);
	encode_add_time(o, "end_time", t->end_ms);
	encode_add_str(o, "status", osmo_status_wire(t->status));
	return encode_print_text(
	        encode_add_fixed(o, reserved, ARRAY_SIZE(reserved), cJSON_CreateRaw));
}

/* OSMO's ListTaskEntry: overview as dev-method services build it, like the workflow's. */
static cJSON *
encode_task_row(const struct encode_task_row *r, const char *base, int64_t now_ms)
{
	/* Nothing is reserved here; the service's floats keep their ".0". */
	static const char *const reserved[][2] = {
		{ "storage", "0.0" },
		{ "cpu", "0" },
		{ "memory", "0.0" },
		{ "gpu", "0" },
	};
	const struct eng_workflow *wf = r->wf;
	const struct eng_task *t = r->t;
	cJSON *o = cJSON_CreateObject();

	encode_add_str(o, "user", wf->user);
	encode_add_str(o, "workflow_id", wf->id);
	encode_add_str(o, "workflow_uuid", wf->uuid);
	encode_add_str(o, "task_name", t->name);
	cJSON_AddNumberToObject(o, "retry_id", t->retry_id);
	encode_add_str(o, "pool", wf->pool);
	encode_add_str(o, "node", t->start_ms ? "localhost" : NULL);
	encode_add_time(o, "start_time", t->start_ms);
	encode_add_time(o, "end_time", t->end_ms);
	encode_add_secs(o, "duration", osmo_time_span_s(t->start_ms, t->end_ms, now_ms));
	encode_add_str(o, "status", osmo_status_wire(t->status));
	encode_add_owned(o, "overview", xasprintf("%s/api/workflow/%s", base, wf->id));
	encode_add_owned(o, "logs",
	                 xasprintf("%s/api/workflow/%s/logs?task_name=%s", base, wf->id, t->name));
	/* The service names error logs for every FAILED* status, FAILED_UPSTREAM too. */
	encode_add_owned(o, "error_logs",
	                 osmo_status_phase(t->status) == PHASE_FAILED
	                         ? xasprintf("%s/api/workflow/%s/error_logs?task_name=%s", base,
	                                     wf->id, t->name)
	                         : NULL);
	encode_add_str(o, "grafana_url", NULL);
	encode_add_str(o, "dashboard_url", NULL);
	encode_add_fixed(o, reserved, ARRAY_SIZE(reserved), cJSON_CreateRaw);
	encode_add_str(o, "priority", wf->priority ? wf->priority : "NORMAL");
	return o;
}

char *
encode_task_list(const struct encode_task_row *rows, size_t n, const char *base, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, encode_task_row(&rows[i], base, now_ms));
	cJSON_AddItemToObject(o, "tasks", arr);
	return json_print(o);
}

char *
encode_error_log_index(const struct eng_workflow *wf, const char *base_url)
{
	struct strbuf sb = { 0 };
	bool first = true;

	/* json.dumps(indent=4) of the service's dict: one key a line, "," ending all but the last. */
	strbuf_addstr(&sb, "Specify task for error logs.\n\n{");
	for (size_t rgi = 0; rgi < wf->n_groups; rgi++) {
		const struct eng_group *g = &wf->groups[rgi];
		const struct eng_task **sorted = xcalloc(g->n_tasks + 1, sizeof(*sorted));

		/* The service reads the verbose query: every retry, by name, newest retry first. */
		for (size_t i = 0; i < g->n_tasks; i++)
			sorted[i] = &g->tasks[i];
		qsort(sorted, g->n_tasks, sizeof(*sorted), encode_task_order);
		for (size_t i = 0; i < g->n_tasks; i++) {
			const struct eng_task *t = sorted[i];
			char *key = xasprintf("%s retry-%d", t->name, t->retry_id);
			char *url =
			        osmo_status_has_error_logs(t->status)
			                ? xasprintf("%s/api/workflow/%s/error_logs?task_name=%s&"
			                            "retry_id=%d",
			                            base_url, wf->id, t->name, t->retry_id)
			                : NULL;
			char *k = encode_print_text(encode_text(key));
			char *v = encode_print_text(encode_text(url));

			strbuf_addf(&sb, "%s\n    %s: %s", first ? "" : ",", k, v);
			first = false;
			free(k);
			free(v);
			free(url);
			free(key);
		}
		free(sorted);
	}
	strbuf_addstr(&sb, first ? "}" : "\n}");
	return strbuf_detach(&sb);
}

char *
encode_query_errors(const struct encode_query_error *errs, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *detail = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++) {
		const struct encode_query_error *e = &errs[i];
		cJSON *d = cJSON_CreateObject();
		cJSON *loc = cJSON_CreateArray();

		cJSON_AddItemToObject(d, "type", encode_text(e->type));
		cJSON_AddItemToArray(loc, cJSON_CreateString("query"));
		cJSON_AddItemToArray(loc, encode_text(e->name));
		if (e->index >= 0)
			cJSON_AddItemToArray(loc, cJSON_CreateNumber((double)e->index));
		cJSON_AddItemToObject(d, "loc", loc);
		cJSON_AddItemToObject(d, "msg", encode_text(e->msg));
		cJSON_AddItemToObject(d, "input", encode_text(e->input));
		if (e->expected) {
			cJSON *ctx = cJSON_CreateObject();

			cJSON_AddItemToObject(ctx, "expected", encode_text(e->expected));
			cJSON_AddItemToObject(d, "ctx", ctx);
		}
		cJSON_AddItemToArray(detail, d);
	}
	cJSON_AddItemToObject(o, "detail", detail);
	return encode_print_text(o);
}

/* RouterResponse; no load balancer, so no cookie. */
static cJSON *
encode_router_item(const char *address, const char *key)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "router_address", encode_text(address));
	cJSON_AddItemToObject(o, "key", encode_text(key));
	encode_add_str(o, "cookie", "");
	return o;
}

char *
encode_router_response(const char *address, const char *key)
{
	return encode_print_text(encode_router_item(address, key));
}

char *
encode_router_responses(const char *address, const char *const *names, const char *const *keys,
                        size_t n)
{
	cJSON *all = names ? cJSON_CreateObject() : cJSON_CreateArray();

	for (size_t i = 0; i < n; i++) {
		cJSON *item = encode_router_item(address, keys[i]);
		char *name;

		if (!names) {
			cJSON_AddItemToArray(all, item);
			continue;
		}
		name = utf8_sanitize(names[i], strlen(names[i]));
		cJSON_AddItemToObject(all, name, item);
		free(name);
	}
	return encode_print_text(all);
}

char *
encode_http_stats(unsigned long connections_total, unsigned long connections_open,
                  unsigned long streams_open, unsigned long upgrades_open)
{
	const struct {
		const char *key;
		unsigned long value;
	} fields[] = {
		{ "connections_total", connections_total },
		{ "connections_open", connections_open },
		{ "streams_open", streams_open },
		{ "upgrades_open", upgrades_open },
	};
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char num[24];

		/* As written: cJSON's doubles would round a count past 2^53. */
		snprintf(num, sizeof(num), "%lu", fields[i].value);
		cJSON_AddItemToObject(o, fields[i].key, cJSON_CreateRaw(num));
	}
	return json_print(o);
}

/* The state file: the record by eng_workflow_table (engine_model.c), both ways. */

/* Where the state file's wording differs from the API reader's. */
static const char *const encode_state_expected[JSON_KIND_COUNT] = {
	[JSON_STR] = "expected a string or null",
	[JSON_STATUS] = "expected a status name",
	[JSON_ARRAY] = "expected a list of objects",
};

/* osmo-local's own files: copied as written, no unknown status, lists capped. */
static const struct json_opts encode_state_opts = {
	.strict_status = true,
	.item_numbers = true,
	/* So a corrupt file cannot ask for gigabytes; the file size caps lists too. */
	.max_items = ENCODE_STATE_MAX_ITEMS,
	.expected = encode_state_expected,
};

static void
encode_state_add(cJSON *o, const struct json_table *t, const char *base)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct json_field *f = &t->fields[i];
		const void *p = base + f->off;
		cJSON *v = NULL;
		char uuid[33];

		switch (f->kind) {
		case JSON_STR:
			v = *(char *const *)p ? cJSON_CreateString(*(char *const *)p)
			                      : cJSON_CreateNull();
			break;
		case JSON_INT:
			v = f->aux != JSON_NO_AUX && !*(const bool *)(base + f->aux)
			            ? cJSON_CreateNull()
			            : cJSON_CreateNumber(*(const int *)p);
			break;
		case JSON_MS:
			v = cJSON_CreateNumber((double)*(const int64_t *)p);
			break;
		case JSON_SECS:
			/* JSON has no NaN or infinity; both mean no timeout, as -1 does. */
			v = cJSON_CreateNumber(isfinite(*(const double *)p) ? *(const double *)p
			                                                    : -1);
			break;
		case JSON_BOOL:
			v = cJSON_CreateBool(*(const bool *)p);
			break;
		case JSON_STATUS:
			v = cJSON_CreateString(osmo_status_wire(*(const enum osmo_status *)p));
			break;
		case JSON_UUID:
			snprintf(uuid, sizeof(uuid), "%.32s", (const char *)p);
			v = cJSON_CreateString(uuid);
			break;
		case JSON_STRV:
			v = json_strv(p);
			break;
		case JSON_ARRAY:
			v = cJSON_CreateArray();
			for (size_t j = 0; j < *(const size_t *)(base + f->aux); j++) {
				cJSON *el = cJSON_CreateObject();

				encode_state_add(el, f->sub, *(char *const *)p + j * f->sub->size);
				cJSON_AddItemToArray(v, el);
			}
			break;
		case JSON_STRINGISH:
		case JSON_TIME:
		case JSON_LABELS:
		case JSON_OBJECT:
		case JSON_KIND_COUNT:
			/* The API's shapes, which no state table uses: the round-trip test finds one. */
			abort();
		}
		cJSON_AddItemToObject(o, f->key, v);
	}
}

/* A state file: its version, then rec's fields by t. */
static char *
encode_state_write(const struct json_table *t, const void *rec)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "version", ENCODE_STATE_VERSION);
	encode_state_add(o, t, rec);
	return json_print(o);
}

char *
encode_state(const struct eng_workflow *wf)
{
	return encode_state_write(&eng_workflow_table, wf);
}

static int encode_state_fail(char **err, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int
encode_state_fail(char **err, const char *path, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	if (!err)
		return -1;
	strbuf_addf(&sb, "%s: ", path[0] ? path : "state");
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(*err);
	*err = strbuf_detach(&sb);
	return -1;
}

/* A state file: its version, then t's fields into out; what both state files share. */
static int
encode_state_read(const char *json, size_t len, const struct json_table *t, void *out, char **err)
{
	struct json_error je;
	const cJSON *version;
	cJSON *root;
	int rc = -1;

	memset(out, 0, t->size);
	if (err)
		*err = NULL;
	if (!json || len == 0)
		return encode_state_fail(err, "", "empty");
	if (len > ENCODE_STATE_MAX_BYTES)
		return encode_state_fail(err, "", "%zu bytes is more than the %zu MiB limit", len,
		                         ENCODE_STATE_MAX_BYTES >> 20);
	root = json_parse(json, len, &je);
	if (!root)
		return encode_state_fail(err, "", "%s", je.what);
	version = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsObject(root))
		encode_state_fail(err, "", "expected an object");
	else if (!version)
		encode_state_fail(err, "version", "missing");
	else if (!cJSON_IsNumber(version))
		encode_state_fail(err, "version", "expected an integer");
	else if (version->valuedouble != ENCODE_STATE_VERSION)
		encode_state_fail(err, "version", "%g is not supported; this osmo-local reads %d",
		                  version->valuedouble, ENCODE_STATE_VERSION);
	else if (json_read(root, t, out, &encode_state_opts, &je) < 0)
		encode_state_fail(err, je.path, "%s", je.what);
	else
		rc = 0;
	cJSON_Delete(root);
	if (rc < 0)
		json_free(t, out);
	return rc;
}

int
encode_state_parse(const char *json, size_t len, struct eng_workflow *out, char **err)
{
	return encode_state_read(json, len, &eng_workflow_table, out, err);
}

char *
encode_profiles(const struct eng_profiles *p)
{
	return encode_state_write(&eng_profiles_table, p);
}

int
encode_profiles_parse(const char *json, size_t len, struct eng_profiles *out, char **err)
{
	return encode_state_read(json, len, &eng_profiles_table, out, err);
}

/* POST /api/profile/settings bodies (routes.c) */

static cJSON *encode_body_error(cJSON *detail, const char *type, const char *key, int index,
                                const char *msg, const cJSON *input);

/* pydantic's lax bool: true and false, 0 and 1, and their words in any case. */
static int
encode_lax_bool(const cJSON *v)
{
	static const char *const words[][6] = { { "0", "off", "f", "false", "n", "no" },
		                                { "1", "on", "t", "true", "y", "yes" } };

	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	if (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1))
		return v->valuedouble == 1;
	for (int b = 0; cJSON_IsString(v) && b < 2; b++)
		for (size_t i = 0; i < ARRAY_SIZE(words[b]); i++)
			if (strcasecmp(v->valuestring, words[b][i]) == 0)
				return b;
	return -1;
}

int
encode_profile_update_parse(const char *json, size_t len, struct encode_profile_update *out,
                            char **err_json)
{
	static const char *const bools[] = { "email_notification", "slack_notification" };
	int *const members[] = { &out->email_notification, &out->slack_notification };
	cJSON *root = len ? cJSON_ParseWithLength(json, len) : NULL;
	cJSON *detail = cJSON_CreateArray();
	const cJSON *pool = cJSON_GetObjectItemCaseSensitive(root, "pool");
	cJSON *o;

	*out = (struct encode_profile_update){ .email_notification = -1, .slack_notification = -1 };
	if (len && !root) {
		encode_body_error(detail, "json_invalid", NULL, 0, "JSON decode error", NULL);
	} else if (!root || cJSON_IsNull(root)) {
		cJSON *null = cJSON_CreateNull();

		encode_body_error(detail, "missing", NULL, -1, "Field required", null);
		cJSON_Delete(null);
	} else if (!cJSON_IsObject(root)) {
		encode_body_error(
		        detail, "model_attributes_type", NULL, -1,
		        "Input should be a valid dictionary or object to extract fields from",
		        root);
	} else {
		/* UserProfile: each field optional, null as absent (exclude_none), extras ignored. */
		for (size_t i = 0; i < ARRAY_SIZE(bools); i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, bools[i]);

			if (!v || cJSON_IsNull(v))
				continue;
			*members[i] = encode_lax_bool(v);
			if (*members[i] < 0)
				encode_body_error(detail,
				                  cJSON_IsString(v) || cJSON_IsNumber(v)
				                          ? "bool_parsing"
				                          : "bool_type",
				                  bools[i], -1,
				                  cJSON_IsString(v) || cJSON_IsNumber(v)
				                          ? "Input should be a valid boolean, "
				                            "unable to interpret "
				                            "input"
				                          : "Input should be a valid boolean",
				                  v);
		}
		if (cJSON_IsString(pool))
			out->pool = xstrdup(pool->valuestring);
		else if (pool && !cJSON_IsNull(pool))
			encode_body_error(detail, "string_type", "pool", -1,
			                  "Input should be a valid string", pool);
	}
	cJSON_Delete(root);
	if (!cJSON_GetArraySize(detail)) {
		cJSON_Delete(detail);
		return 0;
	}
	free(out->pool);
	out->pool = NULL;
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "detail", detail);
	*err_json = json_print(o);
	return -1;
}

/* TemplateSpec request bodies (routes.c) */

enum encode_ts_kind { ENCODE_TS_STR, ENCODE_TS_OPT_STR, ENCODE_TS_STRV };

/* TemplateSpec's fields in pydantic's order, which is also the order of its errors. */
static const struct encode_ts_field {
	const char *key;
	enum encode_ts_kind kind;
	bool required;
	size_t off;
} encode_ts_fields[] = {
	{ "file", ENCODE_TS_STR, true, offsetof(struct encode_template_spec, file) },
	{ "set_variables", ENCODE_TS_STRV, false,
	  offsetof(struct encode_template_spec, set_variables) },
	{ "set_string_variables", ENCODE_TS_STRV, false,
	  offsetof(struct encode_template_spec, set_string_variables) },
	{ "uploaded_templated_spec", ENCODE_TS_OPT_STR, false,
	  offsetof(struct encode_template_spec, uploaded_templated_spec) },
};

/* One FastAPI 422 detail about the body: loc is "body", then key and index when given. */
static cJSON *
encode_body_error(cJSON *detail, const char *type, const char *key, int index, const char *msg,
                  const cJSON *input)
{
	cJSON *d = cJSON_CreateObject();
	cJSON *loc = cJSON_CreateArray();

	encode_add_str(d, "type", type);
	cJSON_AddItemToArray(loc, cJSON_CreateString("body"));
	if (key)
		cJSON_AddItemToArray(loc, cJSON_CreateString(key));
	if (index >= 0)
		cJSON_AddItemToArray(loc, cJSON_CreateNumber(index));
	cJSON_AddItemToObject(d, "loc", loc);
	encode_add_str(d, "msg", msg);
	cJSON_AddItemToObject(d, "input",
	                      input ? cJSON_Duplicate(input, true) : cJSON_CreateObject());
	cJSON_AddItemToArray(detail, d);
	return d;
}

static void
encode_ts_string(cJSON *detail, const struct encode_ts_field *f, const cJSON *v, char **out)
{
	if (cJSON_IsString(v))
		*out = xstrdup(v->valuestring);
	else if (!(f->kind == ENCODE_TS_OPT_STR && cJSON_IsNull(v)))
		encode_body_error(detail, "string_type", f->key, -1,
		                  "Input should be a valid string", v);
}

static void
encode_ts_strv(cJSON *detail, const struct encode_ts_field *f, const cJSON *v, struct strv *out)
{
	int i = 0;

	if (!cJSON_IsArray(v)) {
		encode_body_error(detail, "list_type", f->key, -1, "Input should be a valid list",
		                  v);
		return;
	}
	for (const cJSON *item = v->child; item; item = item->next, i++) {
		if (cJSON_IsString(item))
			strv_push(out, item->valuestring);
		else
			encode_body_error(detail, "string_type", f->key, i,
			                  "Input should be a valid string", item);
	}
}

static bool
encode_ts_known(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(encode_ts_fields); i++)
		if (strcmp(encode_ts_fields[i].key, key) == 0)
			return true;
	return false;
}

/* Fields in order, then extra keys in body order, as pydantic reports them. */
static void
encode_ts_fill(cJSON *detail, const cJSON *root, struct encode_template_spec *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(encode_ts_fields); i++) {
		const struct encode_ts_field *f = &encode_ts_fields[i];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, f->key);
		void *member = (char *)out + f->off;

		if (!v && f->required)
			encode_body_error(detail, "missing", f->key, -1, "Field required", root);
		else if (v && f->kind == ENCODE_TS_STRV)
			encode_ts_strv(detail, f, v, member);
		else if (v)
			encode_ts_string(detail, f, v, member);
	}
	for (const cJSON *v = root->child; v; v = v->next)
		if (!encode_ts_known(v->string))
			encode_body_error(detail, "extra_forbidden", v->string, -1,
			                  "Extra inputs are not permitted", v);
}

int
encode_template_spec_parse(const char *json, size_t len, struct encode_template_spec *out,
                           char **err_json)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	cJSON *detail = cJSON_CreateArray();
	cJSON *o;

	memset(out, 0, sizeof(*out));
	/* json.loads refuses anything but whitespace after the value. */
	while (root && end < json + len && *end && strchr(" \t\r\n", *end))
		end++;
	if (!root || end != json + len) {
		cJSON *d = encode_body_error(detail, "json_invalid", NULL,
		                             (int)((end ? end : json) - json), "JSON decode error",
		                             NULL);
		cJSON *ctx = cJSON_CreateObject();

		encode_add_str(ctx, "error", root ? "Extra data" : "Expecting value");
		cJSON_AddItemToObject(d, "ctx", ctx);
	} else if (!cJSON_IsNull(root) && !cJSON_IsObject(root)) {
		encode_body_error(
		        detail, "model_attributes_type", NULL, -1,
		        "Input should be a valid dictionary or object to extract fields from",
		        root);
	} else if (cJSON_IsObject(root)) {
		encode_ts_fill(detail, root, out);
	}
	cJSON_Delete(root);
	if (!cJSON_GetArraySize(detail)) {
		cJSON_Delete(detail);
		return 0;
	}
	encode_template_spec_free(out);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "detail", detail);
	*err_json = json_print(o);
	return -1;
}

void
encode_template_spec_free(struct encode_template_spec *ts)
{
	free(ts->file);
	free(ts->uploaded_templated_spec);
	strv_free(&ts->set_variables);
	strv_free(&ts->set_string_variables);
	memset(ts, 0, sizeof(*ts));
}

/* An object's string member (names matched without case): 0 (*out NULL if absent), or -1. */
static int
encode_object_string(const char *json, size_t len, const char *name, char **out)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	cJSON *k = cJSON_GetObjectItem(root, name);

	*out = NULL;
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return -1;
	}
	if (cJSON_IsString(k))
		*out = xstrdup(k->valuestring);
	cJSON_Delete(root);
	return 0;
}

int
encode_forward_request(const char *json, size_t len, char **key)
{
	/* Go matches struct fields without case, as osmo-ctrl reads this message. */
	return encode_object_string(json, len, "key", key);
}

int
encode_access_token_parse(const char *json, size_t len, char **token)
{
	if (encode_object_string(json, len, "token", token) < 0)
		return -1;
	return *token ? 0 : -1;
}

char *
encode_jwt_claims(const char *iss, const char *aud, int64_t iat, int64_t exp, const char *user,
                  const char *token_name)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *roles = cJSON_CreateArray();

	encode_add_str(o, "iss", iss);
	encode_add_str(o, "aud", aud);
	cJSON_AddNumberToObject(o, "iat", (double)iat);
	cJSON_AddNumberToObject(o, "nbf", (double)iat);
	cJSON_AddNumberToObject(o, "exp", (double)exp);
	encode_add_str(o, "unique_name", user);
	cJSON_AddItemToArray(roles, cJSON_CreateString("osmo-user"));
	cJSON_AddItemToObject(o, "roles", roles);
	encode_add_str(o, "osmo_token_name", token_name);
	return json_print(o);
}

int
encode_jwt_times(const char *json, size_t len, int64_t *nbf, int64_t *exp)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "nbf");
	cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "exp");
	int rc = cJSON_IsNumber(n) && cJSON_IsNumber(e) ? 0 : -1;

	if (rc == 0) {
		*nbf = (int64_t)n->valuedouble;
		*exp = (int64_t)e->valuedouble;
	}
	cJSON_Delete(root);
	return rc;
}

char *
encode_jwt_response(const char *jwt, int64_t expires_at)
{
	cJSON *o = cJSON_CreateObject();

	encode_add_str(o, "token", jwt);
	cJSON_AddNumberToObject(o, "expires_at", (double)expires_at);
	return json_print(o);
}
