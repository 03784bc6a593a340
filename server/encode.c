/* encode.c: osmo-local's JSON with cJSON (the only server file that includes it). */
#include "encode.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osmo_time.h"

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

static cJSON *
encode_strv(const struct strv *sv)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; sv && i < sv->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(sv->v[i]));
	return a;
}

/* cJSON returns NULL only when out of memory; the server's policy is to abort then. */
static char *
encode_print(cJSON *root)
{
	char *s = cJSON_PrintUnformatted(root);
	char *out;

	cJSON_Delete(root);
	if (!s)
		abort();
	out = xstrdup(s);
	cJSON_free(s);
	return out;
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
	cJSON_AddItemToObject(o, "downstream_groups", encode_strv(&g->downstream));
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
	cJSON_AddItemToObject(o, "tags", encode_strv(&wf->tags));
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
	return encode_print(o);
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
	return encode_print(o);
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
	cJSON_AddItemToObject(o, "warnings", encode_strv(warnings));
	return encode_print(o);
}

char *
encode_cancel(const char *name)
{
	cJSON *o = cJSON_CreateObject();

	encode_add_str(o, "name", name);
	return encode_print(o);
}

char *
encode_error(const char *message, const char *error_code, const char *workflow_id)
{
	cJSON *o = cJSON_CreateObject();

	encode_add_str(o, "message", message);
	encode_add_str(o, "error_code", error_code);
	encode_add_str(o, "workflow_id", workflow_id);
	return encode_print(o);
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
	return encode_print(o);
}
