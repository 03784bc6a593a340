/* test_decode.c: decode.h on every fixture and on hostile bodies, with model.c's linking. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/decode.h"
#include "client/api_error.h"
#include "client/model.h"
#include "common/status.h"
#include "common/util.h"

#define assert_near(a, b)            assert_true(fabs((double)(a) - (double)(b)) < 1e-6)
#define assert_contains(hay, needle) assert_contains_at(hay, needle, __FILE__, __LINE__)
/* json_put's value that deletes the key instead of setting it. */
#define DEL    \
	"\x01" \
	"delete"

#define FIVE_MB (5u << 20)
/* A string literal as the (body, len) pair the decoders take. */
#define SL(s) (s), strlen(s)

static const char *
fixture_dir(void)
{
	const char *d = getenv("FIXTURES");

	return d && d[0] ? d : "tests/fixtures";
}

/* Reads a fixture; the buffer is NUL-terminated but *len excludes the NUL. */
static char *
read_fixture(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	long n;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", fixture_dir(), name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* An exact-size copy without a terminating NUL, so ASan sees any read past len. */
static char *
dup_exact(const char *s, size_t n)
{
	char *p = xmalloc(n ? n : 1);

	if (n)
		memcpy(p, s, n);
	return p;
}

static void
assert_contains_at(const char *hay, const char *needle, const char *file, int line)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("%s:%d: \"%s\" does not contain \"%s\"", file, line, hay ? hay : "(null)",
		         needle);
}

static bool
utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p, n, cp;

		if (c < 0x80) {
			p++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

static bool
has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/* Asserts the shape promised by decode.h: "path: what", one clean line. */
static void
assert_decode_error(const struct api_error *err, const char *path)
{
	size_t n = strlen(path);

	assert_int_equal(err->kind, API_ERR_DECODE);
	if (strncmp(err->message, path, n) != 0 || err->message[n] != ':')
		fail_msg("error \"%s\" does not start with \"%s:\"", err->message, path);
	assert_false(has_control(err->message));
	assert_true(utf8_ok(err->message));
}

static bool
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static cJSON *
load_json(const char *name)
{
	size_t len;
	char *text = read_fixture(name, &len);
	cJSON *root = cJSON_ParseWithLength(text, len);

	free(text);
	assert_non_null(root);
	return root;
}

/* Follows "groups[1].tasks[0]"-style paths; "" is the node itself. */
static cJSON *
json_walk(cJSON *node, const char *path)
{
	char seg[256];

	while (*path) {
		size_t n = strcspn(path, ".");
		char *br;

		assert_true(n < sizeof(seg));
		memcpy(seg, path, n);
		seg[n] = '\0';
		br = strchr(seg, '[');
		if (br)
			*br = '\0';
		node = cJSON_GetObjectItemCaseSensitive(node, seg);
		while (br) {
			node = cJSON_GetArrayItem(node, atoi(br + 1));
			br = strchr(br + 1, '[');
		}
		if (!node)
			fail_msg("no JSON node at \"%s\"", seg);
		path += n;
		if (*path == '.')
			path++;
	}
	return node;
}

/* Sets the object member at path to the JSON text value, or deletes it (DEL). */
static void
json_put(cJSON *root, const char *path, const char *value)
{
	const char *dot = strrchr(path, '.');
	char parent[256] = "";
	const char *key = dot ? dot + 1 : path;
	cJSON *obj;

	if (dot) {
		assert_true((size_t)(dot - path) < sizeof(parent));
		memcpy(parent, path, (size_t)(dot - path));
		parent[dot - path] = '\0';
	}
	obj = json_walk(root, parent);
	assert_true(cJSON_IsObject(obj));
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	if (strcmp(value, DEL) != 0) {
		cJSON *v = cJSON_Parse(value);

		if (!v)
			fail_msg("bad JSON in test: %s", value);
		cJSON_AddItemToObject(obj, key, v);
	}
}

/* Loads fixture, applies (path, value) pairs up to a NULL path and prints it. */
static char *
edited_fixture(const char *fixture, va_list ap)
{
	cJSON *root = load_json(fixture);
	const char *path;
	char *text, *out;

	while ((path = va_arg(ap, const char *)) != NULL)
		json_put(root, path, va_arg(ap, const char *));
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	assert_non_null(text);
	out = xstrdup(text);
	cJSON_free(text);
	return out;
}

static int
decode_edited(const char *fixture, struct osmo_workflow *wf, struct api_error *err, ...)
{
	va_list ap;
	char *text;
	int rc;

	va_start(ap, err);
	text = edited_fixture(fixture, ap);
	va_end(ap);
	rc = decode_workflow(text, strlen(text), wf, err);
	free(text);
	return rc;
}

static int
decode_list_edited(struct osmo_workflow_list *list, struct api_error *err, ...)
{
	va_list ap;
	char *text;
	int rc;

	va_start(ap, err);
	text = edited_fixture("workflow_list_page.json", ap);
	va_end(ap);
	rc = decode_workflow_list(text, strlen(text), list, err);
	free(text);
	return rc;
}

static void
decode_fixture_workflow(const char *name, struct osmo_workflow *wf)
{
	struct api_error err = { 0 };
	size_t len;
	char *body = read_fixture(name, &len);
	char *exact = dup_exact(body, len);

	if (decode_workflow(exact, len, wf, &err) != 0)
		fail_msg("%s: %s", name, err.message);
	free(exact);
	free(body);
}

static void
decode_str(const char *json, struct osmo_workflow *wf, struct api_error *err, int want_rc)
{
	int rc = decode_workflow(json, strlen(json), wf, err);

	if (rc != want_rc)
		fail_msg("decode_workflow rc %d (%s) for %s", rc, err->message, json);
}

static void
error_from(long status, const char *body, struct api_error *err)
{
	char *exact = dup_exact(body, strlen(body));

	memset(err, 0x55, sizeof(*err));
	decode_error_body(status, exact, strlen(body), NULL, err);
	free(exact);
	assert_int_equal(err->http_status, status);
	assert_false(has_control(err->message));
	assert_true(utf8_ok(err->message));
	assert_true(strlen(err->message) > 0);
}

static const struct osmo_task *
task_at(const struct osmo_workflow *wf, size_t g, size_t t)
{
	assert_true(g < wf->n_groups);
	assert_true(t < wf->groups[g].n_tasks);
	return &wf->groups[g].tasks[t];
}

static void
b64url(const char *in, struct strbuf *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = (const unsigned char *)in;
	size_t n = strlen(in);

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		strbuf_addch(out, a[v >> 18 & 63]);
		strbuf_addch(out, a[v >> 12 & 63]);
		if (i + 1 < n)
			strbuf_addch(out, a[v >> 6 & 63]);
		if (i + 2 < n)
			strbuf_addch(out, a[v & 63]);
	}
}

/* A JWT with the given payload JSON and a fake header and signature. */
static char *
make_jwt(const char *payload)
{
	struct strbuf sb = { 0 };

	b64url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", &sb);
	strbuf_addch(&sb, '.');
	b64url(payload, &sb);
	strbuf_addstr(&sb, ".c2ln");
	return strbuf_detach(&sb);
}

/* The id_token value of login.yaml's token_login block. */
static char *
login_yaml_id_token(void)
{
	size_t len;
	char *yaml = read_fixture("login.yaml", &len);
	const char *p = strstr(yaml, "id_token: ");
	char *tok;

	assert_non_null(p);
	p += strlen("id_token: ");
	tok = xstrndup(p, strcspn(p, "\r\n"));
	free(yaml);
	return tok;
}

/*
 * Whether utf8_sanitize("", 0) returns an unterminated buffer. Reads only the first byte,
 * which is inside the allocation; a block of the same size is dirtied and freed first so
 * that a reused block does not start with a lucky NUL (ASan fills fresh blocks with 0xbe).
 */
static bool
empty_sanitize_broken(void)
{
	bool broken = false;

	for (int i = 0; i < 8; i++) {
		char *dirty = xmalloc(64), *e;

		memset(dirty, 0x5a, 64);
		free(dirty);
		e = utf8_sanitize("", 0);
		broken |= e[0] != '\0';
		free(e);
	}
	return broken;
}

/* ---- fixtures ---------------------------------------------------------------------- */

static void
test_fixture_query_small(void **state)
{
	struct osmo_workflow wf;
	const struct osmo_group *g;
	const struct osmo_task *t;

	(void)state;
	decode_fixture_workflow("workflow_query_small.json", &wf);
	assert_string_equal(wf.name, "ddp-smoke-3");
	assert_string_equal(wf.uuid, "7c1e5a9b3d2f4e6a8b0c1d2e3f4a5b6c");
	assert_string_equal(wf.submitted_by, "jdoe@example.com");
	assert_null(wf.cancelled_by);
	assert_string_equal(wf.spec_url, "https://osmo.example.com/api/workflow/ddp-smoke-3/spec");
	assert_string_equal(
	        wf.template_spec_url,
	        "https://osmo.example.com/api/workflow/ddp-smoke-3/spec?use_template=true");
	assert_string_equal(
	        wf.logs_url,
	        "https://osmo.example.com/api/workflow/ddp-smoke-3/logs?last_n_lines=1000");
	assert_string_equal(wf.events_url,
	                    "https://osmo.example.com/api/workflow/ddp-smoke-3/events");
	assert_string_equal(wf.overview_url, "https://osmo.example.com/workflows/ddp-smoke-3");
	assert_null(wf.parent_name);
	assert_false(wf.has_parent_job_id);
	assert_string_equal(wf.dashboard_url, "https://k8s-dashboard.example.com/#/"
	                                      "search?namespace=osmo-workflows&q=7c1e5a9b3d2f4e6a");
	assert_contains(wf.grafana_url, "var-uuid=7c1e5a9b3d2f4e6a&from=now-1h&to=now");
	assert_int_equal(wf.tags.n, 0);
	assert_int_equal(wf.submit_ms, INT64_C(1787070004530));
	assert_int_equal(wf.start_ms, INT64_C(1787070161008));
	assert_int_equal(wf.end_ms, 0);
	assert_near(wf.exec_timeout_s, 7200.0);
	assert_near(wf.queue_timeout_s, 5184000.0);
	assert_near(wf.duration_s, 612.30455);
	assert_near(wf.queued_s, 156.478205);
	assert_int_equal(wf.status, OSMO_RUNNING);
	/* "outputs": "" — its content is checked in test_empty_strings. */
	assert_non_null(wf.outputs);
	assert_string_equal(wf.pool, "gb200-prod");
	assert_string_equal(wf.backend, "gb200-east");
	assert_null(wf.app_owner);
	assert_null(wf.app_name);
	assert_false(wf.has_app_version);
	assert_false(wf.plugin_rsync);
	assert_string_equal(wf.priority, "HIGH");
	assert_int_equal(wf.n_labels, 0);
	assert_int_equal(wf.warnings.n, 0);
	assert_int_equal(wf.n_dangling_edges, 0);

	assert_int_equal(wf.n_groups, 1);
	g = &wf.groups[0];
	assert_string_equal(g->name, "ddp");
	assert_int_equal(g->status, OSMO_RUNNING);
	assert_null(g->failure_message);
	assert_int_equal(g->start_ms, INT64_C(1787070161008));
	assert_int_equal(g->end_ms, 0);
	assert_int_equal(g->processing_ms, INT64_C(1787070005114));
	assert_int_equal(g->scheduling_ms, INT64_C(1787070005720));
	assert_int_equal(g->initializing_ms, INT64_C(1787070123377));
	assert_int_equal(g->downstream_names.n, 0);
	assert_int_equal(g->remaining_upstream_names.n, 0);
	assert_int_equal(g->n_downstream, 0);
	assert_int_equal(g->n_tasks, 2);

	t = task_at(&wf, 0, 0);
	assert_string_equal(t->name, "rank0");
	assert_int_equal(t->retry_id, 0);
	assert_int_equal(t->status, OSMO_RUNNING);
	assert_true(t->lead);
	assert_false(t->has_exit_code);
	assert_null(t->failure_message);
	assert_null(t->error_logs_url);
	assert_string_equal(t->logs_url, "https://osmo.example.com/api/workflow/ddp-smoke-3/"
	                                 "logs?last_n_lines=1000&task_name=rank0&retry_id=0");
	assert_string_equal(t->events_url, "https://osmo.example.com/api/workflow/ddp-smoke-3/"
	                                   "events?task_name=rank0&retry_id=0");
	assert_string_equal(t->pod_name, "7c1e5a9b3d2f4e6a-1a2b3c4d5e6f47a8");
	assert_string_equal(t->pod_ip, "10.42.12.8");
	assert_string_equal(t->task_uuid, "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6");
	assert_string_equal(t->node_name, "gb200-node-0301");
	assert_contains(t->dashboard_url, "#/pod/osmo-workflows/7c1e5a9b3d2f4e6a-1a2b3c4d5e6f47a8");
	assert_int_equal(t->processing_ms, INT64_C(1787070005114));
	assert_int_equal(t->start_ms, INT64_C(1787070161008));
	assert_int_equal(t->end_ms, 0);
	assert_int_equal(t->input_download_start_ms, 0);
	assert_int_equal(t->output_upload_start_ms, 0);

	t = task_at(&wf, 0, 1);
	assert_string_equal(t->name, "rank1");
	assert_int_equal(t->status, OSMO_INITIALIZING);
	assert_false(t->lead);
	assert_false(t->has_exit_code);
	assert_int_equal(t->start_ms, 0);
	assert_string_equal(t->pod_ip, "10.42.12.17");
	assert_string_equal(t->node_name, "gb200-node-0302");

	assert_ptr_equal(osmo_group_lead(g), task_at(&wf, 0, 0));
	assert_ptr_equal(osmo_workflow_find_group(&wf, "ddp"), g);
	assert_null(osmo_workflow_find_group(&wf, "nope"));
	assert_ptr_equal(osmo_workflow_find_task(&wf, "rank1", NULL), task_at(&wf, 0, 1));
	assert_null(osmo_workflow_find_task(&wf, "rank9", NULL));
	assert_false(osmo_group_running_with_failures(g));
	osmo_workflow_free(&wf);
	assert_true(all_zero(&wf, sizeof(wf)));
	osmo_workflow_free(NULL);
}

static void
test_fixture_query_running(void **state)
{
	struct osmo_workflow wf;
	const struct osmo_group *g, *found = NULL;
	const struct osmo_task *t;
	static const char *const train_tasks[] = { "trainer", "worker-1", "worker-2", "worker-3" };

	(void)state;
	decode_fixture_workflow("workflow_query_running.json", &wf);
	assert_string_equal(wf.name, "llm-finetune-17");
	assert_string_equal(wf.uuid, "3f9c2a7be1d84c0f9a6b2e5d7c41f0a8");
	assert_int_equal(wf.status, OSMO_RUNNING);
	assert_int_equal(wf.tags.n, 1);
	assert_string_equal(wf.tags.v[0], "nightly");
	assert_int_equal(wf.submit_ms, INT64_C(1787061731482));
	assert_int_equal(wf.start_ms, INT64_C(1787061877120));
	assert_int_equal(wf.end_ms, 0);
	assert_near(wf.exec_timeout_s, 604800.0);
	assert_near(wf.queue_timeout_s, 5184000.0);
	assert_near(wf.duration_s, 3927.415102);
	assert_near(wf.queued_s, 145.637641);
	assert_string_equal(wf.priority, "NORMAL");
	assert_int_equal(wf.n_labels, 2);
	assert_string_equal(wf.labels[0].key, "project");
	assert_string_equal(wf.labels[0].value, "llm-sft");
	assert_string_equal(wf.labels[1].key, "team");
	assert_string_equal(wf.labels[1].value, "robotics_a");
	assert_int_equal(wf.n_groups, 3);

	/* prep-group → train → eval-group, resolved to indices. */
	assert_string_equal(wf.groups[0].name, "prep-group");
	assert_string_equal(wf.groups[1].name, "train");
	assert_string_equal(wf.groups[2].name, "eval-group");
	assert_int_equal(wf.groups[0].n_downstream, 1);
	assert_int_equal(wf.groups[0].downstream[0], 1);
	assert_int_equal(wf.groups[1].n_downstream, 1);
	assert_int_equal(wf.groups[1].downstream[0], 2);
	assert_int_equal(wf.groups[2].n_downstream, 0);
	assert_int_equal(wf.groups[2].remaining_upstream_names.n, 1);
	assert_string_equal(wf.groups[2].remaining_upstream_names.v[0], "train");
	assert_int_equal(wf.n_dangling_edges, 0);

	g = &wf.groups[0];
	assert_int_equal(g->status, OSMO_COMPLETED);
	assert_int_equal(g->start_ms, INT64_C(1787061877120));
	assert_int_equal(g->end_ms, INT64_C(1787062142775));
	t = task_at(&wf, 0, 0);
	assert_string_equal(t->name, "prep");
	assert_int_equal(t->status, OSMO_COMPLETED);
	assert_true(t->has_exit_code);
	assert_int_equal(t->exit_code, 0);
	assert_true(t->lead);
	assert_string_equal(t->node_name, "gb200-node-0113");
	assert_string_equal(t->pod_ip, "10.42.7.19");
	assert_int_equal(t->end_ms, INT64_C(1787062142775));

	g = &wf.groups[1];
	assert_int_equal(g->status, OSMO_RUNNING);
	assert_int_equal(g->start_ms, INT64_C(1787062322519));
	assert_int_equal(g->processing_ms, INT64_C(1787062143412));
	assert_int_equal(g->n_tasks, 4);
	for (size_t i = 0; i < 4; i++) {
		t = task_at(&wf, 1, i);
		assert_string_equal(t->name, train_tasks[i]);
		assert_int_equal(t->status, OSMO_RUNNING);
		assert_int_equal(t->lead, i == 0);
		assert_int_equal(t->retry_id, i == 2 ? 1 : 0);
		assert_false(t->has_exit_code);
		assert_null(t->failure_message);
		assert_int_equal(t->processing_ms, g->processing_ms);
	}
	assert_int_equal(task_at(&wf, 1, 0)->start_ms, INT64_C(1787062322519));
	assert_int_equal(task_at(&wf, 1, 2)->start_ms, INT64_C(1787063589775));
	assert_string_equal(task_at(&wf, 1, 2)->node_name, "gb200-node-0211");
	assert_string_equal(task_at(&wf, 1, 3)->pod_ip, "10.42.9.63");
	assert_ptr_equal(osmo_group_lead(g), task_at(&wf, 1, 0));
	assert_false(osmo_group_running_with_failures(g));

	g = &wf.groups[2];
	assert_int_equal(g->status, OSMO_WAITING);
	assert_int_equal(g->start_ms, 0);
	assert_int_equal(g->processing_ms, 0);
	t = task_at(&wf, 2, 0);
	assert_string_equal(t->name, "evaluate");
	assert_int_equal(t->status, OSMO_WAITING);
	assert_null(t->node_name);
	assert_null(t->pod_ip);
	assert_true(t->lead);

	assert_ptr_equal(osmo_workflow_find_task(&wf, "worker-2", &found), task_at(&wf, 1, 2));
	assert_ptr_equal(found, &wf.groups[1]);
	osmo_workflow_free(&wf);
}

static void
test_fixture_query_running_verbose(void **state)
{
	struct osmo_workflow wf;
	const struct osmo_group *g, *found = NULL;
	const struct osmo_task *t;

	(void)state;
	decode_fixture_workflow("workflow_query_running_verbose.json", &wf);
	assert_string_equal(wf.name, "llm-finetune-17");
	assert_int_equal(wf.n_groups, 3);
	g = &wf.groups[1];
	assert_int_equal(g->n_tasks, 5);
	/* By name, then retry_id descending. */
	assert_string_equal(task_at(&wf, 1, 2)->name, "worker-2");
	assert_int_equal(task_at(&wf, 1, 2)->retry_id, 1);
	assert_int_equal(task_at(&wf, 1, 2)->status, OSMO_RUNNING);
	assert_null(task_at(&wf, 1, 2)->error_logs_url);

	t = task_at(&wf, 1, 3);
	assert_string_equal(t->name, "worker-2");
	assert_int_equal(t->retry_id, 0);
	assert_int_equal(t->status, OSMO_RESCHEDULED);
	assert_false(t->lead);
	assert_true(t->has_exit_code);
	assert_int_equal(t->exit_code, 3001);
	assert_string_equal(t->failure_message,
	                    "Failure reason:\n- Exit code 3001 due to Task worker-2 failure. ");
	assert_string_equal(t->error_logs_url,
	                    "https://osmo.example.com/api/workflow/llm-finetune-17/"
	                    "error_logs?task_name=worker-2&retry_id=0");
	assert_int_equal(t->start_ms, INT64_C(1787062325004));
	assert_int_equal(t->end_ms, INT64_C(1787063472904));
	assert_int_equal(t->input_download_start_ms, INT64_C(1787062325630));
	assert_int_equal(t->input_download_end_ms, INT64_C(1787062490118));
	assert_int_equal(t->output_upload_start_ms, 0);
	assert_string_equal(t->node_name, "gb200-node-0209");
	assert_string_equal(t->pod_name, "3f9c2a7be1d84c0f-7f4d0a3b1c8e4f6d");
	/* task_uuid is shared by every retry. */
	assert_string_equal(t->task_uuid, task_at(&wf, 1, 2)->task_uuid);
	assert_string_equal(task_at(&wf, 1, 4)->name, "worker-3");

	/* The newest retry wins; a RESCHEDULED retry is not a failure. */
	assert_ptr_equal(osmo_workflow_find_task(&wf, "worker-2", &found), task_at(&wf, 1, 2));
	assert_ptr_equal(found, g);
	assert_false(osmo_group_running_with_failures(g));
	assert_int_equal(wf.groups[0].downstream[0], 1);
	assert_int_equal(wf.groups[1].downstream[0], 2);
	osmo_workflow_free(&wf);
}

static void
test_fixture_query_failed_evicted(void **state)
{
	struct osmo_workflow wf;
	const struct osmo_group *g;
	const struct osmo_task *t;
	const char *oom =
	        "Pod c07b5e2a9d134f6e-e29d7a4c1f354b8a error message: The node was low on "
	        "resource: memory.\nFailure reason:\n- Exit code 137 due to Task trainer failure. ";

	(void)state;
	decode_fixture_workflow("workflow_query_failed_evicted.json", &wf);
	assert_string_equal(wf.name, "llm-finetune-16");
	assert_int_equal(wf.status, OSMO_FAILED_EVICTED);
	assert_null(wf.cancelled_by);
	assert_int_equal(wf.submit_ms, INT64_C(1786958140019));
	assert_int_equal(wf.start_ms, INT64_C(1786958222664));
	assert_int_equal(wf.end_ms, INT64_C(1786967299305));
	assert_near(wf.duration_s, 9076.641012);
	assert_near(wf.queued_s, 82.644767);
	assert_int_equal(wf.n_labels, 1);
	assert_string_equal(wf.labels[0].key, "project");
	assert_string_equal(wf.labels[0].value, "llm-sft");
	assert_int_equal(wf.n_groups, 3);
	assert_int_equal(wf.groups[0].downstream[0], 1);
	assert_int_equal(wf.groups[1].downstream[0], 2);
	assert_int_equal(wf.n_dangling_edges, 0);

	g = &wf.groups[1];
	assert_string_equal(g->name, "train");
	assert_int_equal(g->status, OSMO_FAILED_EVICTED);
	assert_string_equal(g->failure_message, oom);
	assert_int_equal(g->start_ms, INT64_C(1786958671903));
	assert_int_equal(g->end_ms, INT64_C(1786967298112));
	assert_int_equal(g->n_tasks, 2);
	t = task_at(&wf, 1, 0);
	assert_string_equal(t->name, "trainer");
	assert_int_equal(t->status, OSMO_FAILED_EVICTED);
	assert_true(t->lead);
	assert_true(t->has_exit_code);
	assert_int_equal(t->exit_code, 3004);
	assert_string_equal(t->failure_message, oom);
	assert_null(t->error_logs_url);
	t = task_at(&wf, 1, 1);
	assert_string_equal(t->name, "worker-1");
	assert_int_equal(t->status, OSMO_FAILED);
	assert_false(t->lead);
	assert_false(t->has_exit_code);
	assert_string_equal(t->failure_message, "Lead task finished");
	assert_string_equal(t->error_logs_url,
	                    "https://osmo.example.com/api/workflow/llm-finetune-16/"
	                    "error_logs?task_name=worker-1&retry_id=0");
	assert_int_equal(t->end_ms, INT64_C(1786967298112));
	assert_false(osmo_group_running_with_failures(g));

	g = &wf.groups[2];
	assert_string_equal(g->name, "eval-group");
	assert_int_equal(g->status, OSMO_FAILED_UPSTREAM);
	assert_string_equal(g->failure_message, "Upstream task failed.");
	assert_int_equal(g->start_ms, 0);
	assert_int_equal(g->end_ms, INT64_C(1786967299305));
	t = task_at(&wf, 2, 0);
	assert_int_equal(t->status, OSMO_FAILED_UPSTREAM);
	assert_true(t->has_exit_code);
	assert_int_equal(t->exit_code, 3000);
	assert_string_equal(t->failure_message, "Upstream task failed.");
	assert_null(t->node_name);
	osmo_workflow_free(&wf);
}

static void
test_fixture_list_page(void **state)
{
	struct osmo_workflow_list list;
	struct api_error err = { 0 };
	size_t len;
	char *body = read_fixture("workflow_list_page.json", &len);
	const struct osmo_workflow_row *r;

	(void)state;
	if (decode_workflow_list(body, len, &list, &err) != 0)
		fail_msg("%s", err.message);
	free(body);
	assert_true(list.more_entries);
	assert_int_equal(list.n_rows, 3);

	r = &list.rows[0];
	assert_string_equal(r->user, "jdoe@example.com");
	assert_string_equal(r->name, "sim-sweep-4");
	assert_string_equal(r->uuid, "5a8e1d7c3b9f4e2a8d6c0b1a2f3e4d5c");
	assert_int_equal(r->status, OSMO_PENDING);
	assert_int_equal(r->submit_ms, INT64_C(1787067602118));
	assert_int_equal(r->start_ms, 0);
	assert_int_equal(r->end_ms, 0);
	assert_near(r->queued_s, 1244.905112);
	assert_true(r->duration_s < 0);
	assert_null(r->error_logs_url);
	assert_string_equal(r->logs_url, "https://osmo.example.com/api/workflow/sim-sweep-4/logs");
	assert_string_equal(r->overview_url, "https://osmo.example.com/workflows/sim-sweep-4");
	assert_string_equal(r->pool, "gb200-prod");
	assert_null(r->app_owner);
	assert_false(r->has_app_version);
	assert_string_equal(r->priority, "LOW");
	assert_int_equal(r->n_labels, 0);

	r = &list.rows[1];
	assert_string_equal(r->name, "llm-finetune-17");
	assert_int_equal(r->status, OSMO_RUNNING);
	assert_int_equal(r->submit_ms, INT64_C(1787061731482));
	assert_int_equal(r->start_ms, INT64_C(1787061877120));
	assert_near(r->duration_s, 3927.415102);
	assert_int_equal(r->n_labels, 2);
	assert_string_equal(r->labels[1].key, "team");
	assert_string_equal(r->labels[1].value, "robotics_a");
	assert_string_equal(r->priority, "NORMAL");

	r = &list.rows[2];
	assert_string_equal(r->name, "llm-finetune-16");
	assert_int_equal(r->status, OSMO_FAILED_EVICTED);
	assert_int_equal(r->end_ms, INT64_C(1786967299305));
	assert_string_equal(r->error_logs_url,
	                    "https://osmo.example.com/api/workflow/llm-finetune-16/error_logs");
	assert_contains(r->grafana_url, "from=now-20h&to=now-17h");
	osmo_workflow_list_free(&list);
	assert_true(all_zero(&list, sizeof(list)));
	osmo_workflow_list_free(NULL);
}

/* GET /api/task (§4.9): every key of the contract's example, and a bad one named by path. */
static void
test_fixture_task_list(void **state)
{
	struct osmo_task_list list;
	struct api_error err = { 0 };
	size_t len;
	char *body = read_fixture("task_list_response.json", &len);
	const struct osmo_task_row *t;

	(void)state;
	if (decode_task_list(body, len, &list, &err) != 0)
		fail_msg("%s", err.message);
	free(body);
	assert_int_equal(list.n_rows, 1);
	t = &list.rows[0];
	assert_string_equal(t->user, "jdoe@example.com");
	assert_string_equal(t->workflow_id, "llm-finetune-17");
	assert_string_equal(t->workflow_uuid, "3f9c2a7be1d84c0f9a6b2e5d7c41f0a8");
	assert_string_equal(t->task_name, "trainer");
	assert_int_equal(t->retry_id, 0);
	assert_string_equal(t->pool, "gb200-prod");
	assert_string_equal(t->node, "gb200-node-0207");
	assert_int_equal(t->start_ms, INT64_C(1787062322519));
	assert_int_equal(t->end_ms, 0);
	assert_near(t->duration_s, 3082.016207);
	assert_int_equal(t->status, OSMO_RUNNING);
	assert_string_equal(t->overview_url, "https://osmo.example.com/workflows/llm-finetune-17");
	assert_string_equal(
	        t->logs_url,
	        "https://osmo.example.com/api/workflow/llm-finetune-17/logs?task_name=trainer");
	assert_null(t->error_logs_url);
	assert_contains(t->grafana_url, "var-uuid=3f9c2a7be1d84c0f");
	assert_contains(t->dashboard_url, "q=3f9c2a7be1d84c0f");
	assert_near(t->storage_gib, 200.0);
	assert_int_equal(t->cpu, 64);
	assert_near(t->memory_gib, 512.0);
	assert_int_equal(t->gpu, 4);
	assert_string_equal(t->priority, "NORMAL");
	osmo_task_list_free(&list);
	assert_true(all_zero(&list, sizeof(list)));

	static const char empty[] = "{\"tasks\": []}";
	assert_int_equal(decode_task_list(empty, strlen(empty), &list, &err), 0);
	assert_int_equal(list.n_rows, 0);
	osmo_task_list_free(&list);

	static const char bad[] = "{\"tasks\": [{\"workflow_id\": \"w-1\", \"task_name\": 3, "
	                          "\"status\": \"FAILED\"}]}";
	assert_int_equal(decode_task_list(bad, strlen(bad), &list, &err), -1);
	assert_int_equal(err.kind, API_ERR_DECODE);
	assert_contains(err.message, "tasks[0].task_name");
	assert_true(all_zero(&list, sizeof(list)));
	api_error_clear(&err);

	static const char missing[] = "{\"summaries\": []}";
	assert_int_equal(decode_task_list(missing, strlen(missing), &list, &err), -1);
	assert_contains(err.message, "tasks");
	api_error_clear(&err);
}

static void
test_fixture_submit_responses(void **state)
{
	struct osmo_submit_result res;
	struct api_error err = { 0 };
	size_t len;
	char *body;

	(void)state;
	body = read_fixture("submit_response.json", &len);
	assert_int_equal(decode_submit_result(body, len, &res, &err), 0);
	free(body);
	assert_string_equal(res.name, "llm-finetune-18");
	assert_string_equal(res.overview_url, "https://osmo.example.com/workflows/llm-finetune-18");
	assert_string_equal(res.logs, "https://osmo.example.com/api/workflow/llm-finetune-18/logs");
	assert_null(res.spec);
	assert_string_equal(res.dashboard_url,
	                    "https://k8s-dashboard.example.com/#/"
	                    "search?namespace=osmo-workflows&q=9b2d4f6a8c0e4a1b");
	assert_int_equal(res.warnings.n, 0);
	osmo_submit_result_free(&res);

	body = read_fixture("submit_dry_run_response.json", &len);
	assert_int_equal(decode_submit_result(body, len, &res, &err), 0);
	free(body);
	assert_string_equal(res.name, "llm-finetune");
	assert_null(res.overview_url);
	assert_null(res.logs);
	assert_null(res.dashboard_url);
	assert_non_null(res.spec);
	assert_true(str_starts_with(res.spec, "version: 2\nworkflow:\n  name: llm-finetune\n"));
	assert_contains(res.spec, "    image: nvcr.io/example/trainer:1.4\n    name: trainer\n");
	assert_int_equal(res.warnings.n, 0);
	osmo_submit_result_free(&res);

	body = read_fixture("submit_validate_response.json", &len);
	assert_int_equal(decode_submit_result(body, len, &res, &err), 0);
	free(body);
	assert_string_equal(res.name, "llm-finetune");
	assert_string_equal(res.logs, "Workflow validation succeeded.");
	assert_null(res.spec);
	assert_int_equal(res.warnings.n, 1);
	assert_string_equal(res.warnings.v[0],
	                    "Workflow is missing label 'cost-center'; add it now to avoid rejected "
	                    "submissions once it is required.");
	osmo_submit_result_free(&res);
	assert_true(all_zero(&res, sizeof(res)));
}

static void
test_fixture_cancel_version_token(void **state)
{
	struct api_error err = { 0 };
	struct osmo_version v;
	char *name = NULL, *id = NULL, *refresh = (char *)"x";
	int64_t exp = 0;
	size_t len;
	char *body;

	(void)state;
	body = read_fixture("cancel_response.json", &len);
	assert_int_equal(decode_cancel(body, len, &name, &err), 0);
	free(body);
	assert_string_equal(name, "llm-finetune-17");
	free(name);

	body = read_fixture("version_response.json", &len);
	assert_int_equal(decode_version(body, len, &v, &err), 0);
	free(body);
	assert_string_equal(v.major, "6");
	assert_string_equal(v.minor, "4");
	assert_string_equal(v.revision, "0");
	assert_string_equal(v.hash, "1da31e1");
	osmo_version_free(&v);

	body = read_fixture("jwt_access_token_response.json", &len);
	assert_int_equal(decode_token_response(body, len, &id, &refresh, &err), 0);
	free(body);
	assert_non_null(id);
	assert_true(str_starts_with(
	        id, "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Im9zbW8ta2V5LTEifQ."));
	assert_true(strlen(id) > 300);
	assert_null(refresh);
	assert_int_equal(decode_jwt_exp(id, &exp), 0);
	assert_int_equal(exp, INT64_C(1787141100));
	free(id);
}

struct error_fixture {
	const char *file;
	long status;
	const char *code;
	const char *text[3];
};

static void
test_fixture_errors(void **state)
{
	static const struct error_fixture cases[] = {
		{ "error_not_found_400.json",
		  400,
		  "DATABASE",
		  { "Workflow llm-finetune-99 is not found." } },
		{ "error_cancel_finished_400.json",
		  400,
		  "USER",
		  { "Workflow llm-finetune-16 is already finished." } },
		{ "error_client_outdated_400.json",
		  400,
		  "OSMO_ERROR",
		  { "Your client is out of date.",
		    "Client version is 6.1.0 but the newest client version is 6.4.0.",
		    "Please update by running the install command in the documentation." } },
		{ "error_restart_not_failed_400.json",
		  400,
		  "SUBMISSION",
		  { "Restart can only be used on FAILED workflows: Workflow llm-finetune-17 has "
		    "status WorkflowStatus.RUNNING" } },
		{ "error_submit_usage_400.json",
		  400,
		  "USAGE",
		  { "Pool gb200-prod has 64 GPUs guaranteed",
		    "Higher gpu counts must be submitted with LOW priority" } },
		{ "error_internal_500.json",
		  500,
		  "",
		  { "Internal server error: Workflow log credential is not set" } },
		{ "error_validation_422.json",
		  422,
		  "",
		  { "query.statuses.0", "Input should be 'PENDING', 'RUNNING'",
		    "'FAILED_START_TIMEOUT' or 'FAILED_PREEMPTED'" } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct api_error err;
		size_t len;
		char *body = read_fixture(cases[i].file, &len);
		char *exact = dup_exact(body, len);

		memset(&err, 0x55, sizeof(err));
		decode_error_body(cases[i].status, exact, len, "cancel llm-finetune-16", &err);
		free(exact);
		free(body);
		assert_int_equal(err.kind, API_ERR_HTTP);
		assert_int_equal(err.http_status, cases[i].status);
		assert_string_equal(err.error_code, cases[i].code);
		assert_true(str_starts_with(err.message, "cancel llm-finetune-16"));
		for (size_t j = 0; j < ARRAY_SIZE(cases[i].text) && cases[i].text[j]; j++)
			assert_contains(err.message, cases[i].text[j]);
		assert_false(has_control(err.message));
		assert_true(utf8_ok(err.message));
		/* The input echoed by FastAPI is not part of the message. */
		assert_null(strstr(err.message, "\"DONE\""));
	}
}

/* ---- hostile variants -------------------------------------------------------------- */

struct edit_case {
	const char *path;
	const char *value;
	const char *error_path;
};

static void
test_wrong_types_name_path(void **state)
{
	static const struct edit_case cases[] = {
		{ "groups[0].tasks[1].status", "5", "groups[0].tasks[1].status" },
		{ "groups[0].tasks[1].status", "null", "groups[0].tasks[1].status" },
		{ "groups[0].tasks[0].exit_code", "\"0\"", "groups[0].tasks[0].exit_code" },
		{ "groups[0].tasks[0].exit_code", "1.5", "groups[0].tasks[0].exit_code" },
		{ "groups[0].tasks[0].exit_code", "1e12", "groups[0].tasks[0].exit_code" },
		{ "groups[0].tasks[0].exit_code", "[]", "groups[0].tasks[0].exit_code" },
		{ "groups[0].tasks[0].retry_id", "\"0\"", "groups[0].tasks[0].retry_id" },
		{ "groups[0].tasks[0].lead", "\"true\"", "groups[0].tasks[0].lead" },
		{ "groups[0].tasks[0].lead", "1", "groups[0].tasks[0].lead" },
		{ "groups[0].tasks[0].name", "42", "groups[0].tasks[0].name" },
		{ "groups[0].tasks[1].start_time", "1787070161", "groups[0].tasks[1].start_time" },
		{ "groups[0].tasks[1].start_time", "\"yesterday\"",
		  "groups[0].tasks[1].start_time" },
		{ "groups[0].tasks[1].node_name", "{}", "groups[0].tasks[1].node_name" },
		{ "groups[0].tasks", "{}", "groups[0].tasks" },
		{ "groups[0].tasks", "[\"rank0\"]", "groups[0].tasks[0]" },
		{ "groups[0].downstream_groups", "\"ddp\"", "groups[0].downstream_groups" },
		{ "groups[0].downstream_groups", "[\"a\", 7]", "groups[0].downstream_groups[1]" },
		{ "groups[0].remaining_upstream_groups", "{}",
		  "groups[0].remaining_upstream_groups" },
		{ "groups[0].failure_message", "false", "groups[0].failure_message" },
		{ "groups[0].status", "[\"RUNNING\"]", "groups[0].status" },
		{ "groups[0].end_time", "\"2026-13-01T00:00:00\"", "groups[0].end_time" },
		{ "groups", "{}", "groups" },
		{ "groups", "[1]", "groups[0]" },
		{ "submit_time", "0", "submit_time" },
		{ "submit_time", "\"\"", "submit_time" },
		{ "duration", "\"612\"", "duration" },
		{ "queued_time", "true", "queued_time" },
		{ "tags", "\"nightly\"", "tags" },
		{ "tags", "[\"a\", null]", "tags[1]" },
		{ "labels", "[]", "labels" },
		{ "labels", "{\"team\": 1}", "labels.team" },
		{ "app_version", "\"3\"", "app_version" },
		{ "parent_job_id", "true", "parent_job_id" },
		{ "status", "{}", "status" },
		{ "name", "[]", "name" },
		{ "warnings", "{}", "warnings" },
		{ "uuid", "12", "uuid" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct osmo_workflow wf;
		struct api_error err = { 0 };

		if (decode_edited("workflow_query_small.json", &wf, &err, cases[i].path,
		                  cases[i].value, NULL) != -1)
			fail_msg("%s = %s was accepted", cases[i].path, cases[i].value);
		assert_decode_error(&err, cases[i].error_path);
		assert_true(all_zero(&wf, sizeof(wf)));
	}
}

static void
test_wrong_types_list_and_small(void **state)
{
	static const struct edit_case cases[] = {
		{ "workflows[1].status", "1", "workflows[1].status" },
		{ "workflows[2].submit_time", DEL, "workflows[2].submit_time" },
		{ "workflows[0].name", DEL, "workflows[0].name" },
		{ "workflows[0].labels", "{\"k\": false}", "workflows[0].labels.k" },
		{ "workflows[0].queued_time", "\"1\"", "workflows[0].queued_time" },
		{ "workflows", "{}", "workflows" },
		{ "workflows", DEL, "workflows" },
		{ "more_entries", "\"yes\"", "more_entries" },
	};
	struct api_error err = { 0 };
	struct osmo_submit_result res;
	struct osmo_version v;
	char *name = (char *)"x";

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct osmo_workflow_list list;

		if (decode_list_edited(&list, &err, cases[i].path, cases[i].value, NULL) != -1)
			fail_msg("%s = %s was accepted", cases[i].path, cases[i].value);
		assert_decode_error(&err, cases[i].error_path);
		assert_true(all_zero(&list, sizeof(list)));
	}

	assert_int_equal(decode_submit_result(SL("{\"logs\": \"x\"}"), &res, &err), -1);
	assert_decode_error(&err, "name");
	assert_true(all_zero(&res, sizeof(res)));
	assert_int_equal(
	        decode_submit_result(SL("{\"name\": \"a\", \"warnings\": [1]}"), &res, &err), -1);
	assert_decode_error(&err, "warnings[0]");
	assert_true(all_zero(&res, sizeof(res)));

	assert_int_equal(decode_cancel(SL("{\"name\": 5}"), &name, &err), -1);
	assert_decode_error(&err, "name");
	assert_null(name);
	name = (char *)"x";
	assert_int_equal(decode_cancel(SL("{}"), &name, &err), -1);
	assert_decode_error(&err, "name");
	assert_null(name);
	assert_int_equal(decode_cancel(SL("[\"name\"]"), &name, &err), -1);
	assert_int_equal(err.kind, API_ERR_DECODE);
	assert_null(name);

	assert_int_equal(decode_version(SL("{\"minor\": \"4\"}"), &v, &err), -1);
	assert_decode_error(&err, "major");
	assert_true(all_zero(&v, sizeof(v)));
	assert_int_equal(decode_version(SL("{\"major\": \"6\", \"minor\": []}"), &v, &err), -1);
	assert_decode_error(&err, "minor");
	assert_true(all_zero(&v, sizeof(v)));
	/* Version coerces numbers to strings; revision and hash are optional. */
	assert_int_equal(
	        decode_version(SL("{\"major\": 6, \"minor\": 4, \"hash\": null}"), &v, &err), 0);
	assert_string_equal(v.major, "6");
	assert_string_equal(v.minor, "4");
	assert_null(v.revision);
	assert_null(v.hash);
	osmo_version_free(&v);

	/* A top level that is not an object. */
	for (size_t i = 0; i < 3; i++) {
		static const char *const tops[] = { "[]", "\"x\"", "42" };
		struct osmo_workflow wf;

		decode_str(tops[i], &wf, &err, -1);
		assert_int_equal(err.kind, API_ERR_DECODE);
		assert_true(all_zero(&wf, sizeof(wf)));
	}
}

static void
test_missing_required(void **state)
{
	static const char *const required[] = {
		"name",
		"status",
		"submit_time",
		"groups[0].name",
		"groups[0].status",
		"groups[0].tasks[1].name",
		"groups[0].tasks[1].status",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		struct osmo_workflow wf;
		struct api_error err = { 0 };

		assert_int_equal(decode_edited("workflow_query_small.json", &wf, &err, required[i],
		                               DEL, NULL),
		                 -1);
		assert_decode_error(&err, required[i]);
		assert_contains(err.message, "missing");
		assert_true(all_zero(&wf, sizeof(wf)));

		/* null is no better than missing for a required key. */
		assert_int_equal(decode_edited("workflow_query_small.json", &wf, &err, required[i],
		                               "null", NULL),
		                 -1);
		assert_decode_error(&err, required[i]);
		assert_true(all_zero(&wf, sizeof(wf)));
	}
}

static void
test_null_vs_missing_optional(void **state)
{
	static const char *const optional[] = {
		"cancelled_by",
		"parent_name",
		"parent_job_id",
		"end_time",
		"start_time",
		"duration",
		"exec_timeout",
		"app_version",
		"app_name",
		"tags",
		"labels",
		"warnings",
		"groups",
		"groups[0].end_time",
		"groups[0].failure_message",
		"groups[0].downstream_groups",
		"groups[0].remaining_upstream_groups",
		"groups[0].tasks",
		"groups[0].tasks[0].exit_code",
		"groups[0].tasks[0].node_name",
		"groups[0].tasks[0].error_logs",
		"groups[0].tasks[0].start_time",
		"groups[0].tasks[0].lead",
		"groups[0].tasks[0].retry_id",
		"plugins",
		"uuid",
	};
	struct osmo_workflow wf;
	struct api_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(optional); i++) {
		for (int del = 0; del < 2; del++) {
			if (decode_edited("workflow_query_small.json", &wf, &err, optional[i],
			                  del ? DEL : "null", NULL) != 0)
				fail_msg("%s %s: %s", optional[i], del ? "missing" : "null",
				         err.message);
			assert_string_equal(wf.name, "ddp-smoke-3");
			osmo_workflow_free(&wf);
		}
	}

	/* The "not sent" values, for null and for missing alike. */
	for (int del = 0; del < 2; del++) {
		const char *v = del ? DEL : "null";
		const struct osmo_task *t;

		assert_int_equal(
		        decode_edited("workflow_query_small.json", &wf, &err, "cancelled_by", v,
		                      "start_time", v, "duration", v, "exec_timeout", v,
		                      "app_version", v, "tags", v, "labels", v, "warnings", v,
		                      "pool", v, "groups[0].downstream_groups", v,
		                      "groups[0].tasks[0].exit_code", v,
		                      "groups[0].tasks[0].node_name", v, "groups[0].tasks[0].lead",
		                      v, "groups[0].tasks[0].retry_id", v,
		                      "groups[0].tasks[0].processing_start_time", v, NULL),
		        0);
		assert_null(wf.cancelled_by);
		assert_null(wf.pool);
		assert_int_equal(wf.start_ms, 0);
		assert_true(wf.duration_s < 0);
		assert_true(wf.exec_timeout_s < 0);
		assert_near(wf.queued_s, 156.478205);
		assert_false(wf.has_app_version);
		assert_int_equal(wf.tags.n, 0);
		assert_int_equal(wf.n_labels, 0);
		assert_int_equal(wf.warnings.n, 0);
		assert_int_equal(wf.groups[0].downstream_names.n, 0);
		assert_int_equal(wf.groups[0].n_downstream, 0);
		t = task_at(&wf, 0, 0);
		assert_false(t->has_exit_code);
		assert_null(t->node_name);
		assert_false(t->lead);
		assert_int_equal(t->retry_id, 0);
		assert_int_equal(t->processing_ms, 0);
		assert_null(osmo_group_lead(&wf.groups[0]));
		osmo_workflow_free(&wf);

		/* No groups at all (skip_groups=true). */
		assert_int_equal(
		        decode_edited("workflow_query_small.json", &wf, &err, "groups", v, NULL),
		        0);
		assert_int_equal(wf.n_groups, 0);
		assert_int_equal(wf.n_dangling_edges, 0);
		assert_null(osmo_workflow_find_task(&wf, "rank0", NULL));
		osmo_workflow_free(&wf);
	}

	/* The sent values of the same keys. */
	assert_int_equal(decode_edited("workflow_query_small.json", &wf, &err, "cancelled_by",
	                               "\"osmo\"", "parent_name", "\"ddp-smoke\"", "parent_job_id",
	                               "2", "app_version", "7", "duration", "0", "plugins",
	                               "{\"rsync\": true}", "groups[0].tasks[0].exit_code", "-9",
	                               "groups[0].tasks[1].exit_code", "0", NULL),
	                 0);
	assert_string_equal(wf.cancelled_by, "osmo");
	assert_string_equal(wf.parent_name, "ddp-smoke");
	assert_true(wf.has_parent_job_id);
	assert_int_equal(wf.parent_job_id, 2);
	assert_true(wf.has_app_version);
	assert_int_equal(wf.app_version, 7);
	assert_near(wf.duration_s, 0);
	assert_true(wf.plugin_rsync);
	assert_true(task_at(&wf, 0, 0)->has_exit_code);
	assert_int_equal(task_at(&wf, 0, 0)->exit_code, -9);
	assert_true(task_at(&wf, 0, 1)->has_exit_code);
	assert_int_equal(task_at(&wf, 0, 1)->exit_code, 0);
	osmo_workflow_free(&wf);

	/* List rows: duration null and more_entries missing. */
	{
		struct osmo_workflow_list list;

		assert_int_equal(decode_list_edited(&list, &err, "more_entries", DEL,
		                                    "workflows[1].duration", "null",
		                                    "workflows[1].labels", DEL, NULL),
		                 0);
		assert_false(list.more_entries);
		assert_true(list.rows[1].duration_s < 0);
		assert_int_equal(list.rows[1].n_labels, 0);
		osmo_workflow_list_free(&list);
		assert_int_equal(decode_list_edited(&list, &err, "more_entries", "false", NULL), 0);
		assert_false(list.more_entries);
		assert_int_equal(list.n_rows, 3);
		osmo_workflow_list_free(&list);
	}
}

static void
test_unknown_fields_ignored(void **state)
{
	struct osmo_workflow wf;
	struct api_error err = { 0 };

	(void)state;
	assert_int_equal(decode_edited("workflow_query_small.json", &wf, &err, "future_field",
	                               "{\"nested\": [1, {\"a\": null}, \"x\"]}", "failure_message",
	                               "\"not in the model\"", "groups[0].extra", "[[[]]]",
	                               "groups[0].tasks[0].output_upload_end_time",
	                               "\"2026-08-18T16:30:00\"", "groups[0].tasks[1].resources",
	                               "{\"gpu\": 8}", "plugins",
	                               "{\"rsync\": false, \"new_plugin\": true}", NULL),
	                 0);
	assert_string_equal(wf.name, "ddp-smoke-3");
	assert_int_equal(wf.status, OSMO_RUNNING);
	assert_int_equal(wf.n_groups, 1);
	assert_int_equal(wf.groups[0].n_tasks, 2);
	assert_string_equal(task_at(&wf, 0, 1)->name, "rank1");
	assert_false(wf.plugin_rsync);
	osmo_workflow_free(&wf);
}

static void
test_unknown_status_strings(void **state)
{
	struct osmo_workflow wf;
	struct osmo_workflow_list list;
	struct api_error err = { 0 };

	(void)state;
	assert_int_equal(decode_edited("workflow_query_small.json", &wf, &err, "status",
	                               "\"running\"", "groups[0].status", "\"\"",
	                               "groups[0].tasks[0].status", "\"EXPLODED\"",
	                               "groups[0].tasks[1].status", "\"FAILED_SOMETHING_NEW\"",
	                               NULL),
	                 0);
	assert_int_equal(wf.status, OSMO_UNKNOWN);
	assert_int_equal(wf.groups[0].status, OSMO_UNKNOWN);
	assert_int_equal(task_at(&wf, 0, 0)->status, OSMO_UNKNOWN);
	assert_int_equal(task_at(&wf, 0, 1)->status, OSMO_UNKNOWN);
	osmo_workflow_free(&wf);

	assert_int_equal(
	        decode_list_edited(&list, &err, "workflows[0].status", "\"ARCHIVED\"", NULL), 0);
	assert_int_equal(list.rows[0].status, OSMO_UNKNOWN);
	assert_int_equal(list.rows[1].status, OSMO_RUNNING);
	osmo_workflow_list_free(&list);
}

static void
test_dangling_edges(void **state)
{
	struct osmo_workflow wf;
	struct api_error err = { 0 };

	(void)state;
	assert_int_equal(decode_edited("workflow_query_running.json", &wf, &err,
	                               "groups[0].downstream_groups", "[\"ghost\", \"train\"]",
	                               "groups[2].downstream_groups", "[\"nobody\"]", NULL),
	                 0);
	assert_int_equal(wf.n_dangling_edges, 2);
	assert_int_equal(wf.groups[0].downstream_names.n, 2);
	assert_int_equal(wf.groups[0].n_downstream, 1);
	assert_int_equal(wf.groups[0].downstream[0], 1);
	assert_int_equal(wf.groups[1].n_downstream, 1);
	assert_int_equal(wf.groups[1].downstream[0], 2);
	assert_int_equal(wf.groups[2].n_downstream, 0);

	/* Linking again gives the same edges and count, without leaking the old ones. */
	osmo_workflow_link(&wf);
	assert_int_equal(wf.n_dangling_edges, 2);
	assert_int_equal(wf.groups[0].n_downstream, 1);
	assert_int_equal(wf.groups[0].downstream[0], 1);
	assert_int_equal(wf.groups[1].downstream[0], 2);

	/* Edges follow names, not positions: drop a name and relink. */
	strv_free(&wf.groups[0].downstream_names);
	strv_push(&wf.groups[0].downstream_names, "eval-group");
	strv_push(&wf.groups[0].downstream_names, "train");
	osmo_workflow_link(&wf);
	assert_int_equal(wf.n_dangling_edges, 1);
	assert_int_equal(wf.groups[0].n_downstream, 2);
	assert_int_equal(wf.groups[0].downstream[0], 2);
	assert_int_equal(wf.groups[0].downstream[1], 1);
	osmo_workflow_free(&wf);
}

static void
test_truncated_fixtures(void **state)
{
	static const char *const names[] = {
		"workflow_query_running.json",    "workflow_query_running_verbose.json",
		"workflow_query_small.json",      "workflow_query_failed_evicted.json",
		"workflow_list_page.json",        "submit_response.json",
		"submit_dry_run_response.json",   "submit_validate_response.json",
		"cancel_response.json",           "version_response.json",
		"jwt_access_token_response.json", "error_validation_422.json",
		"error_client_outdated_400.json",
	};
	size_t tried = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t len, end;
		char *body = read_fixture(names[i], &len);

		end = len;
		while (end > 0 && strchr(" \t\r\n", body[end - 1]))
			end--;
		for (size_t n = 0; n < end; n += 97) {
			char *cut = dup_exact(body, n);
			struct api_error err = { 0 };
			struct osmo_workflow wf;
			struct osmo_workflow_list list;
			struct osmo_submit_result res;
			struct osmo_version v;
			char *name = NULL, *id = NULL, *refresh = NULL;

			assert_int_equal(decode_workflow(cut, n, &wf, &err), -1);
			assert_int_equal(err.kind, API_ERR_DECODE);
			assert_true(all_zero(&wf, sizeof(wf)));
			assert_int_equal(decode_workflow_list(cut, n, &list, &err), -1);
			assert_true(all_zero(&list, sizeof(list)));
			assert_int_equal(decode_submit_result(cut, n, &res, &err), -1);
			assert_true(all_zero(&res, sizeof(res)));
			assert_int_equal(decode_cancel(cut, n, &name, &err), -1);
			assert_null(name);
			assert_int_equal(decode_version(cut, n, &v, &err), -1);
			assert_true(all_zero(&v, sizeof(v)));
			assert_int_equal(decode_token_response(cut, n, &id, &refresh, &err), -1);
			assert_null(id);
			assert_null(refresh);
			assert_int_equal(err.kind, API_ERR_DECODE);
			assert_false(has_control(err.message));

			decode_error_body(400, cut, n, NULL, &err);
			assert_int_equal(err.kind, API_ERR_HTTP);
			assert_false(has_control(err.message));
			assert_true(utf8_ok(err.message));
			free(cut);
			tried++;
		}
		free(body);
	}
	assert_true(tried > 300);
}

static void
test_truncated_jwt(void **state)
{
	char *tok = login_yaml_id_token();
	size_t len = strlen(tok);
	size_t dot2 = (size_t)(strrchr(tok, '.') - tok);

	(void)state;
	for (size_t n = 0; n <= len; n++) {
		char *cut = xstrndup(tok, n);
		int64_t exp = 0;
		int rc = decode_jwt_exp(cut, &exp);

		if (n <= dot2)
			assert_int_equal(rc, -1);
		else
			assert_int_equal(rc, 0);
		if (rc == 0)
			assert_int_equal(exp, INT64_C(1787141100));
		free(cut);
	}
	free(tok);
}

static void
test_invalid_utf8(void **state)
{
	static const char body[] =
	        "{\"name\": \"bad\xffname\", \"status\": \"RUNNING\","
	        " \"submit_time\": \"2026-08-18T14:02:11\","
	        " \"submitted_by\": \"\\u00e9l\\u00e8ve \\ud83d\\ude00 \xf0\x9f\x98\x80\","
	        " \"labels\": {\"k\xfe\": \"v\x80\"},"
	        " \"warnings\": [\"overlong \xc0\xaf\", \"surrogate \xed\xa0\x80\", \"cut "
	        "\xe2\x82\"],"
	        " \"groups\": [{\"name\": \"g\xc3(\", \"status\": \"RUNNING\","
	        "   \"downstream_groups\": [\"h\xff\"], \"tasks\": [{\"name\": \"t\xf5\","
	        "   \"status\": \"RUNNING\", \"failure_message\": \"oops \xf4\x90\x80\x80 end\"}]},"
	        "  {\"name\": \"h\xff\", \"status\": \"WAITING\", \"tasks\": []}]}";
	struct osmo_workflow wf;
	struct api_error err = { 0 };
	char *exact = dup_exact(body, sizeof(body) - 1);

	(void)state;
	if (decode_workflow(exact, sizeof(body) - 1, &wf, &err) != 0)
		fail_msg("%s", err.message);
	free(exact);
	assert_string_equal(wf.name, "bad\xef\xbf\xbdname");
	assert_string_equal(wf.submitted_by,
	                    "\xc3\xa9l\xc3\xa8ve \xf0\x9f\x98\x80 \xf0\x9f\x98\x80");
	assert_int_equal(wf.n_labels, 1);
	assert_true(utf8_ok(wf.labels[0].key));
	assert_true(utf8_ok(wf.labels[0].value));
	assert_contains(wf.labels[0].key, "\xef\xbf\xbd");
	assert_contains(wf.labels[0].value, "\xef\xbf\xbd");
	assert_int_equal(wf.warnings.n, 3);
	for (size_t i = 0; i < wf.warnings.n; i++) {
		assert_true(utf8_ok(wf.warnings.v[i]));
		assert_contains(wf.warnings.v[i], "\xef\xbf\xbd");
	}
	assert_int_equal(wf.n_groups, 2);
	assert_string_equal(wf.groups[0].name, "g\xef\xbf\xbd(");
	assert_true(utf8_ok(task_at(&wf, 0, 0)->name));
	assert_true(utf8_ok(task_at(&wf, 0, 0)->failure_message));
	assert_true(str_starts_with(task_at(&wf, 0, 0)->failure_message, "oops \xef\xbf\xbd"));
	assert_contains(task_at(&wf, 0, 0)->failure_message, " end");
	/* Both sides of an edge are cleaned the same way, so it still links. */
	assert_int_equal(wf.groups[0].n_downstream, 1);
	assert_int_equal(wf.groups[0].downstream[0], 1);
	assert_int_equal(wf.n_dangling_edges, 0);
	osmo_workflow_free(&wf);
}

static void
test_five_megabytes(void **state)
{
	struct strbuf sb = { 0 };
	struct osmo_workflow wf;
	struct api_error err = { 0 };
	const size_t n_groups = 10, n_tasks = 1000;
	char filler[451];

	(void)state;
	memset(filler, 'x', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\0';
	strbuf_addstr(&sb, "{\"name\": \"big-1\", \"status\": \"RUNNING\", "
	                   "\"submit_time\": \"2026-08-18T14:02:11.482913\", \"groups\": [");
	for (size_t g = 0; g < n_groups; g++) {
		strbuf_addf(&sb,
		            "%s{\"name\": \"group-%zu\", \"status\": \"RUNNING\", "
		            "\"downstream_groups\": [",
		            g ? ", " : "", g);
		if (g + 1 < n_groups)
			strbuf_addf(&sb, "\"group-%zu\"", g + 1);
		strbuf_addstr(&sb, "], \"tasks\": [");
		for (size_t t = 0; t < n_tasks; t++)
			strbuf_addf(&sb,
			            "%s{\"name\": \"task-%zu-%04zu\", \"retry_id\": %zu, "
			            "\"status\": \"%s\", \"lead\": %s, \"exit_code\": %s, "
			            "\"start_time\": \"2026-08-18T14:%02zu:%02zu.5\", "
			            "\"failure_message\": \"%s\", \"node_name\": \"node-%zu\"}",
			            t ? ", " : "", g, t, t % 3, t % 2 ? "FAILED" : "RUNNING",
			            t == 0 ? "true" : "false", t % 2 ? "1" : "null", t / 60 % 60,
			            t % 60, filler, t);
		strbuf_addstr(&sb, "]}");
	}
	strbuf_addstr(&sb, "]}");
	assert_true(sb.len > FIVE_MB);

	if (decode_workflow(sb.buf, sb.len, &wf, &err) != 0)
		fail_msg("%s", err.message);
	assert_string_equal(wf.name, "big-1");
	assert_int_equal(wf.n_groups, n_groups);
	for (size_t g = 0; g < n_groups; g++) {
		const struct osmo_group *gr = &wf.groups[g];

		assert_int_equal(gr->n_tasks, n_tasks);
		assert_int_equal(gr->n_downstream, g + 1 < n_groups ? 1 : 0);
		if (g + 1 < n_groups)
			assert_int_equal(gr->downstream[0], g + 1);
		assert_true(osmo_group_running_with_failures(gr));
	}
	assert_string_equal(task_at(&wf, 9, 999)->name, "task-9-0999");
	assert_int_equal(task_at(&wf, 9, 999)->status, OSMO_FAILED);
	assert_int_equal(task_at(&wf, 9, 999)->exit_code, 1);
	assert_int_equal(task_at(&wf, 9, 999)->retry_id, 0);
	assert_false(task_at(&wf, 9, 998)->has_exit_code);
	assert_int_equal(task_at(&wf, 3, 61)->start_ms,
	                 INT64_C(1787061720000) - 2 * 60 * 1000 + 61 * 1000 + 500);
	assert_int_equal(strlen(task_at(&wf, 5, 5)->failure_message), 450);
	assert_int_equal(wf.n_dangling_edges, 0);
	osmo_workflow_free(&wf);
	strbuf_free(&sb);
}

static void
test_deep_nesting(void **state)
{
	const size_t depth = 100000;
	char *open = xmalloc(depth), *both = xmalloc(2 * depth), *objs;
	struct strbuf sb = { 0 };
	struct api_error err = { 0 };
	struct osmo_workflow wf;
	struct osmo_workflow_list list;

	(void)state;
	memset(open, '[', depth);
	memset(both, '[', depth);
	memset(both + depth, ']', depth);
	for (size_t i = 0; i < depth; i++)
		strbuf_addstr(&sb, "{\"a\":");
	objs = strbuf_detach(&sb);

	assert_int_equal(decode_workflow(open, depth, &wf, &err), -1);
	assert_int_equal(err.kind, API_ERR_DECODE);
	assert_int_equal(decode_workflow(both, 2 * depth, &wf, &err), -1);
	assert_int_equal(err.kind, API_ERR_DECODE);
	assert_int_equal(decode_workflow(objs, strlen(objs), &wf, &err), -1);
	assert_int_equal(decode_workflow_list(both, 2 * depth, &list, &err), -1);
	decode_error_body(500, open, depth, NULL, &err);
	assert_false(has_control(err.message));
	decode_error_body(400, both, 2 * depth, NULL, &err);
	assert_false(has_control(err.message));

	/* Deep nesting inside an otherwise valid workflow, under an unknown key. */
	strbuf_addstr(&sb, "{\"name\": \"n-1\", \"status\": \"RUNNING\", "
	                   "\"submit_time\": \"2026-08-18T14:02:11\", \"junk\": ");
	strbuf_add(&sb, both, 2 * depth);
	strbuf_addstr(&sb, "}");
	assert_int_equal(decode_workflow(sb.buf, sb.len, &wf, &err), -1);
	assert_true(all_zero(&wf, sizeof(wf)));
	strbuf_free(&sb);
	free(open);
	free(both);
	free(objs);
}

static void
test_trailing_garbage(void **state)
{
	static const char *const tails[] = {
		"x", "}", "{}", " \n]", ",", "null", "\n{\"name\":1}"
	};
	size_t len;
	char *body = read_fixture("workflow_query_small.json", &len);
	struct osmo_workflow wf;
	struct api_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
		struct strbuf sb = { 0 };

		strbuf_add(&sb, body, len);
		strbuf_addstr(&sb, tails[i]);
		if (decode_workflow(sb.buf, sb.len, &wf, &err) != -1)
			fail_msg("trailing \"%s\" accepted", tails[i]);
		assert_int_equal(err.kind, API_ERR_DECODE);
		assert_true(all_zero(&wf, sizeof(wf)));
		strbuf_free(&sb);
	}
	{
		struct strbuf sb = { 0 };
		char *name = NULL;

		/* Trailing whitespace is fine. */
		strbuf_add(&sb, body, len);
		strbuf_addstr(&sb, " \r\n\t\n");
		assert_int_equal(decode_workflow(sb.buf, sb.len, &wf, &err), 0);
		osmo_workflow_free(&wf);
		strbuf_free(&sb);
		assert_int_equal(decode_cancel(SL("{\"name\": \"a-1\"} x"), &name, &err), -1);
		assert_null(name);
		assert_int_equal(decode_cancel(SL("{\"name\": \"a-1\"}{}"), &name, &err), -1);
		assert_null(name);
	}
	free(body);
}

static void
test_trailing_nul_garbage(void **state)
{
	static const char body[] = "{\"name\": \"a-1\"}\0{\"name\": \"b-2\"} garbage";
	char *exact = dup_exact(body, sizeof(body) - 1);
	struct api_error err = { 0 };
	char *name = NULL;
	int rc;

	(void)state;
	rc = decode_cancel(exact, sizeof(body) - 1, &name, &err);
	free(exact);
	assert_int_equal(rc, -1);
	assert_null(name);
}

static void
test_empty_bodies(void **state)
{
	static const char *const empties[] = { "", " ", "\n", " \r\n\t " };
	struct api_error err = { 0 };

	(void)state;
	for (size_t i = 0; i <= ARRAY_SIZE(empties); i++) {
		const char *b = i < ARRAY_SIZE(empties) ? empties[i] : NULL;
		size_t n = b ? strlen(b) : 0;
		char *exact = b ? dup_exact(b, n) : NULL;
		struct osmo_workflow wf;
		struct osmo_workflow_list list;
		struct osmo_submit_result res;
		struct osmo_version v;
		char *name = NULL, *id = NULL, *refresh = NULL;

		assert_int_equal(decode_workflow(exact, n, &wf, &err), -1);
		assert_int_equal(err.kind, API_ERR_DECODE);
		assert_true(all_zero(&wf, sizeof(wf)));
		assert_int_equal(decode_workflow_list(exact, n, &list, &err), -1);
		assert_int_equal(err.kind, API_ERR_DECODE);
		assert_int_equal(decode_submit_result(exact, n, &res, &err), -1);
		assert_int_equal(decode_cancel(exact, n, &name, &err), -1);
		assert_null(name);
		assert_int_equal(decode_version(exact, n, &v, &err), -1);
		assert_int_equal(decode_token_response(exact, n, &id, &refresh, &err), -1);
		assert_null(id);
		assert_null(refresh);
		free(exact);
	}
}

static void
test_error_plain_text_auth(void **state)
{
	struct api_error err;

	(void)state;
	error_from(401, "Jwt is expired", &err);
	assert_int_equal(err.kind, API_ERR_AUTH);
	assert_contains(err.message, "Jwt is expired");
	assert_string_equal(err.error_code, "");

	error_from(401, "Jwt is missing\n", &err);
	assert_int_equal(err.kind, API_ERR_AUTH);
	assert_contains(err.message, "Jwt is missing");

	error_from(403, "access denied", &err);
	assert_int_equal(err.kind, API_ERR_AUTH);
	assert_contains(err.message, "access denied");

	/* 403 with OSMO's JSON shape (rsync disabled) is still an auth error. */
	error_from(403, "{\"message\": \"rsync is disabled\", \"error_code\": \"USER\"}", &err);
	assert_int_equal(err.kind, API_ERR_AUTH);
	assert_string_equal(err.error_code, "USER");
	assert_contains(err.message, "rsync is disabled");
}

/* Whatever a message quotes, it holds no control byte a terminal would obey. */
static void
test_error_set_flattens_controls(void **state)
{
	struct api_error err = { 0 };

	(void)state;
	api_error_set(&err, API_ERR_HTTP, "peer said %s",
	              "a\033[2Jb\r\nc\x7f\xc2\x9b"
	              "1m é");
	assert_string_equal(err.message, "peer said a [2Jb  c ??1m é");
}

/* The bidi controls and separators a message must not carry, as UTF-8. */
static const char *const bidi_bytes[] = {
	"\xd8\x9c",     "\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xa8", "\xe2\x80\xa9",
	"\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad", "\xe2\x80\xae",
	"\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9",
};

static void
assert_no_bidi(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(bidi_bytes); i++)
		if (strstr(s, bidi_bytes[i]))
			fail_msg("bidi control %zu survives in '%s'", i, s);
}

/* A message cannot reorder or split the line it is shown on. */
static void
test_error_bidi_neutralised(void **state)
{
	struct strbuf all = { 0 };
	struct api_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bidi_bytes); i++) {
		strbuf_addstr(&all, bidi_bytes[i]);
		strbuf_addch(&all, 'a');
	}
	api_error_set(&err, API_ERR_HTTP, "peer said %s", all.buf);
	assert_string_equal(err.message, "peer said ??a???a???a???a???a???a???a???a???a???a"
	                                 "???a???a???a???a");
	api_error_set(&err, API_ERR_HTTP, "%s", "exe.\xe2\x80\xaegnp \xc3\xa9\xe2\x80\x8d");
	assert_string_equal(err.message, "exe.???gnp \xc3\xa9\xe2\x80\x8d");
	strbuf_free(&all);

	error_from(400,
	           "{\"message\": \"file \\u202egnp.exe \\u2066x\\u2069 \\u2028y\", "
	           "\"error_code\": \"US\\u202eER\"}",
	           &err);
	assert_no_bidi(err.message);
	assert_no_bidi(err.error_code);
	assert_contains(err.message, "file gnp.exe x y");
	error_from(503, "busy \xe2\x80\xae\xd8\x9c now", &err);
	assert_no_bidi(err.message);
	assert_contains(err.message, "busy now");
}

static void
test_error_html_and_odd_bodies(void **state)
{
	struct api_error err;

	(void)state;
	error_from(502,
	           "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
	           "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
	           "</body>\r\n</html>\r\n",
	           &err);
	assert_int_equal(err.kind, API_ERR_HTTP);
	assert_contains(err.message, "502 Bad Gateway");

	decode_error_body(500, NULL, 0, NULL, &err);
	assert_int_equal(err.kind, API_ERR_HTTP);
	assert_int_equal(err.http_status, 500);
	assert_true(strlen(err.message) > 0);
	assert_false(has_control(err.message));

	error_from(404, "{\"detail\": \"Not Found\"}", &err);
	assert_int_equal(err.kind, API_ERR_HTTP);
	assert_contains(err.message, "Not Found");
	assert_string_equal(err.error_code, "");

	error_from(400, "{\"detail\": {\"obj\": [1, 2]}}", &err);
	error_from(400, "[1, 2, 3]", &err);
	error_from(400, "\"just a string\"", &err);
	error_from(400, "{\"message\": 17, \"error_code\": [\"USER\"]}", &err);
	assert_string_equal(err.error_code, "");
	error_from(429, "", &err);
	assert_int_equal(err.kind, API_ERR_HTTP);
	error_from(422, "{\"detail\": [{\"loc\": [\"body\", 3, {}], \"msg\": 5}, 7, null]}", &err);
	error_from(400, "\xff\xfe not utf-8 \xc3", &err);
	assert_contains(err.message, "not utf-8");

	/* A long plain-text body is cut to fit, still one clean line. */
	{
		struct strbuf sb = { 0 };

		for (int i = 0; i < 5000; i++)
			strbuf_addstr(&sb, "line\n");
		error_from(503, sb.buf, &err);
		assert_true(strlen(err.message) < sizeof(err.message));
		assert_contains(err.message, "line line");
		strbuf_free(&sb);
	}
}

static void
test_error_control_characters(void **state)
{
	struct api_error err;

	(void)state;
	error_from(
	        400,
	        "{\"message\": \"\\u001b[31mboom\\u001b[0m\\r\\nsecond line\\tend\\u0007\\u007f\","
	        " \"error_code\": \"USER\"}",
	        &err);
	assert_contains(err.message, "boom");
	assert_contains(err.message, "second line");
	assert_null(strchr(err.message, '\x1b'));

	error_from(401, "\x1b[31mJwt\r\nis expired\x1b[0m\x07", &err);
	assert_int_equal(err.kind, API_ERR_AUTH);
	assert_contains(err.message, "is expired");

	error_from(422,
	           "{\"detail\": [{\"loc\": [\"query\", \"st\\u001b]0;x\\u0007\"], "
	           "\"msg\": \"bad\\r\\n\\u001b[2Jvalue\"}]}",
	           &err);
	assert_contains(err.message, "value");

	error_from(400, "{\"detail\": \"\\n\\n\\r\\u001b\"}", &err);
}

static void
test_error_code_control_characters(void **state)
{
	struct api_error err;

	(void)state;
	memset(&err, 0, sizeof(err));
	decode_error_body(400, SL("{\"message\": \"m\", \"error_code\": \"US\\u001b[2JER\\r\\n\"}"),
	                  NULL, &err);
	assert_false(has_control(err.message));
	assert_false(has_control(err.error_code));
}

static void
test_error_message_utf8_cut(void **state)
{
	struct strbuf sb = { 0 };
	struct api_error err;

	(void)state;
	strbuf_addstr(&sb, "{\"message\": \"");
	for (int i = 0; i < 600; i++)
		strbuf_addstr(&sb, "\xc3\xa9");
	strbuf_addstr(&sb, "\"}");
	memset(&err, 0, sizeof(err));
	decode_error_body(400, sb.buf, sb.len, NULL, &err);
	strbuf_free(&sb);
	assert_false(has_control(err.message));
	assert_contains(err.message, "\xc3\xa9\xc3\xa9");
	assert_true(utf8_ok(err.message));
}

static void
test_decode_error_path_is_clean(void **state)
{
	struct osmo_workflow wf;
	struct api_error err = { 0 };

	(void)state;
	assert_int_equal(decode_edited("workflow_query_small.json", &wf, &err, "labels",
	                               "{\"\\u001b]0;pwned\\u0007\": 1}", NULL),
	                 -1);
	assert_int_equal(err.kind, API_ERR_DECODE);
	assert_contains(err.message, "labels.");
	assert_false(has_control(err.message));
}

static void
test_empty_strings(void **state)
{
	struct osmo_workflow wf;
	struct api_error err = { 0 };

	(void)state;
	assert_false(empty_sanitize_broken());
	assert_int_equal(decode_edited("workflow_query_small.json", &wf, &err, "warnings",
	                               "[\"\", \"w\"]", "labels", "{\"\": \"\"}", "cancelled_by",
	                               "\"\"", NULL),
	                 0);
	assert_string_equal(wf.outputs, "");
	assert_string_equal(wf.cancelled_by, "");
	assert_int_equal(wf.warnings.n, 2);
	assert_string_equal(wf.warnings.v[0], "");
	assert_string_equal(wf.warnings.v[1], "w");
	assert_int_equal(wf.n_labels, 1);
	assert_string_equal(wf.labels[0].key, "");
	assert_string_equal(wf.labels[0].value, "");
	osmo_workflow_free(&wf);

	error_from(400, "{\"message\": \"\", \"error_code\": \"\"}", &err);
	assert_string_equal(err.error_code, "");
	error_from(422, "{\"detail\": [{\"loc\": [\"\"], \"msg\": \"\"}]}", &err);
}

static void
test_jwt_exp(void **state)
{
	static const char *const garbage[] = {
		"",
		"garbage",
		"a.b",
		"..",
		"a..c",
		"a.!!!!.c",
		"a.eyJleHAiOjE3ODcxNDExMDB9",
		"a.bm90IGpzb24.c", /* "not json" */
		"a.W10.c",         /* [] */
		"a.e30.c",         /* {} */
	};
	static const char *const payloads[] = {
		"{\"sub\": \"x\"}", "{\"exp\": \"1787141100\"}",
		"{\"exp\": null}",  "{\"exp\": [1]}",
		"{\"exp\": 1",      "42",
	};
	int64_t exp = 0;
	char *tok;

	(void)state;
	tok = login_yaml_id_token();
	assert_int_equal(decode_jwt_exp(tok, &exp), 0);
	assert_int_equal(exp, INT64_C(1787141100));
	free(tok);

	assert_int_equal(decode_jwt_exp(NULL, &exp), -1);
	for (size_t i = 0; i < ARRAY_SIZE(garbage); i++)
		if (decode_jwt_exp(garbage[i], &exp) != -1)
			fail_msg("\"%s\" accepted", garbage[i]);
	for (size_t i = 0; i < ARRAY_SIZE(payloads); i++) {
		tok = make_jwt(payloads[i]);
		if (decode_jwt_exp(tok, &exp) != -1)
			fail_msg("payload %s accepted", payloads[i]);
		free(tok);
	}

	/* Payload lengths that need 0, 1 and 2 padding characters, all without '='. */
	for (int pad = 0; pad < 3; pad++) {
		char payload[64];

		snprintf(payload, sizeof(payload), "{\"exp\":1787141100%.*s}", pad, "  ");
		tok = make_jwt(payload);
		exp = 0;
		assert_int_equal(decode_jwt_exp(tok, &exp), 0);
		assert_int_equal(exp, INT64_C(1787141100));
		free(tok);
	}
	tok = make_jwt("{\"iat\": 1, \"exp\": 4102444800.75, \"roles\": [\"a\"]}");
	assert_int_equal(decode_jwt_exp(tok, &exp), 0);
	assert_int_equal(exp, INT64_C(4102444800));
	free(tok);
	/* Padded standard base64 of {"exp":1} is tolerated. */
	assert_int_equal(decode_jwt_exp("h.eyJleHAiOjF9.s", &exp), 0);
	assert_int_equal(exp, 1);
	assert_int_equal(decode_jwt_exp("h.eyJleHAiOjEwfQ==.s", &exp), 0);
	assert_int_equal(exp, 10);
}

static void
test_token_responses(void **state)
{
	static const char *const bad[] = {
		"{\"token\": \"\"}",
		"{\"expires_at\": 5}",
		"[]",
		"{\"token\": 5}",
		"{\"id_token\": null, \"refresh_token\": \"r\"}",
	};
	struct api_error err = { 0 };
	char *id = NULL, *refresh = NULL;
	const char *idp =
	        "{\"access_token\": \"at\", \"expires_in\": 300, \"id_token\": \"aa.bb.cc\","
	        " \"refresh_token\": \"rt-2\", \"token_type\": \"Bearer\"}";

	(void)state;
	assert_int_equal(decode_token_response(idp, strlen(idp), &id, &refresh, &err), 0);
	assert_string_equal(id, "aa.bb.cc");
	assert_string_equal(refresh, "rt-2");
	free(id);
	free(refresh);

	assert_int_equal(decode_token_response(SL("{\"id_token\": \"x\", \"refresh_token\": null}"),
	                                       &id, &refresh, &err),
	                 0);
	assert_string_equal(id, "x");
	assert_null(refresh);
	free(id);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		id = refresh = (char *)"x";
		if (decode_token_response(bad[i], strlen(bad[i]), &id, &refresh, &err) != -1)
			fail_msg("%s accepted", bad[i]);
		assert_null(id);
		assert_null(refresh);
		assert_true(strlen(err.message) > 0);
	}
}

static void
test_encode_submit_body(void **state)
{
	const char *yaml = "version: 2\nworkflow:\n  name: \"quoted\" \\ back\n"
	                   "  tasks: [\xc3\xa9, \xf0\x9f\x98\x80]\n\ttab\x01\n";
	struct strv vars = { 0 }, svars = { 0 };
	cJSON *root, *item;
	char *body;

	(void)state;
	strv_push(&vars, "epochs=3");
	strv_push(&vars, "lr=0.1");
	strv_push(&svars, "tag=\"v1\"");
	body = encode_submit_body(yaml, &vars, &svars);
	assert_non_null(body);
	root = cJSON_Parse(body);
	assert_non_null(root);
	assert_true(cJSON_IsObject(root));
	assert_int_equal(cJSON_GetArraySize(root), 4);
	item = cJSON_GetObjectItemCaseSensitive(root, "file");
	assert_true(cJSON_IsString(item));
	assert_string_equal(item->valuestring, yaml);
	item = cJSON_GetObjectItemCaseSensitive(root, "set_variables");
	assert_true(cJSON_IsArray(item));
	assert_int_equal(cJSON_GetArraySize(item), 2);
	assert_string_equal(cJSON_GetArrayItem(item, 0)->valuestring, "epochs=3");
	assert_string_equal(cJSON_GetArrayItem(item, 1)->valuestring, "lr=0.1");
	item = cJSON_GetObjectItemCaseSensitive(root, "set_string_variables");
	assert_true(cJSON_IsArray(item));
	assert_int_equal(cJSON_GetArraySize(item), 1);
	assert_string_equal(cJSON_GetArrayItem(item, 0)->valuestring, "tag=\"v1\"");
	item = cJSON_GetObjectItemCaseSensitive(root, "uploaded_templated_spec");
	assert_non_null(item);
	assert_true(cJSON_IsNull(item));
	cJSON_Delete(root);
	free(body);

	/* No variables: empty lists, not missing keys. */
	body = encode_submit_body("version: 2\n", NULL, &(struct strv){ 0 });
	root = cJSON_Parse(body);
	assert_non_null(root);
	item = cJSON_GetObjectItemCaseSensitive(root, "set_variables");
	assert_true(cJSON_IsArray(item));
	assert_int_equal(cJSON_GetArraySize(item), 0);
	item = cJSON_GetObjectItemCaseSensitive(root, "set_string_variables");
	assert_true(cJSON_IsArray(item));
	assert_int_equal(cJSON_GetArraySize(item), 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "file")->valuestring,
	                    "version: 2\n");
	cJSON_Delete(root);
	free(body);
	strv_free(&vars);
	strv_free(&svars);

	body = encode_token_request("tok\"en\\1");
	root = cJSON_Parse(body);
	assert_non_null(root);
	assert_int_equal(cJSON_GetArraySize(root), 1);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "token")->valuestring,
	                    "tok\"en\\1");
	cJSON_Delete(root);
	free(body);
}

/* "Running with failures": a non-lead's newest retry failed while the group is alive. */
/* The service's answers, as recorded, are read without a tree (decode_workflow's quick way). */
static void
test_fixtures_read_without_a_tree(void **state)
{
	static const char *const names[] = {
		"workflow_query_small.json",           "workflow_query_running.json",
		"workflow_query_running_verbose.json", "workflow_query_failed_evicted.json",
		"workflow_query_pending.json",
	};
	static const struct json_opts opts = { .sanitize = true };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct osmo_workflow wf;
		size_t len;
		char *body = read_fixture(names[i], &len);

		if (json_decode(body, len, &osmo_workflow_table, &wf, &opts) != 0)
			fail_msg("%s was left to the tree", names[i]);
		osmo_workflow_free(&wf);
		free(body);
	}
}

static void
test_running_with_failures_rule(void **state)
{
	/* As osmo_workflow_link leaves them: by name, newest retry first. */
	struct osmo_task tasks[] = {
		{ .name = "lead", .status = OSMO_RUNNING, .lead = true },
		{ .name = "worker", .retry_id = 1, .status = OSMO_RUNNING },
		{ .name = "worker", .retry_id = 0, .status = OSMO_FAILED },
	};
	struct osmo_group g = { .name = "g", .status = OSMO_RUNNING, .tasks = tasks, .n_tasks = 3 };

	(void)state;
	/* The failed retry was superseded by a running one. */
	assert_false(osmo_group_running_with_failures(&g));
	tasks[1].status = OSMO_FAILED;
	assert_true(osmo_group_running_with_failures(&g));
	/* A failed lead is not "running with failures": the group is ending. */
	tasks[1].status = OSMO_RUNNING;
	tasks[0].status = OSMO_FAILED;
	assert_false(osmo_group_running_with_failures(&g));
	g.status = OSMO_FAILED;
	tasks[1].status = OSMO_FAILED;
	assert_false(osmo_group_running_with_failures(&g));
}

/* Tasks in another order than the service's (a proxy, a cache, a new server): linking puts
 * them by name, newest retry first, which the newest-retry look and the diff rely on. */
static void
test_link_orders_tasks(void **state)
{
	struct osmo_workflow wf = { 0 };
	struct osmo_group *g;
	static const struct {
		const char *name;
		int retry;
	} rows[] = { { "b", 0 }, { "a", 0 }, { "b", 2 }, { "a", 1 }, { "b", 1 } };

	(void)state;
	wf.n_groups = 1;
	wf.groups = xcalloc(1, sizeof(*wf.groups));
	g = &wf.groups[0];
	g->name = xstrdup("g");
	g->n_tasks = ARRAY_SIZE(rows);
	g->tasks = xcalloc(g->n_tasks, sizeof(*g->tasks));
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		g->tasks[i].name = xstrdup(rows[i].name);
		g->tasks[i].retry_id = rows[i].retry;
	}
	osmo_workflow_link(&wf);
	assert_string_equal(g->tasks[0].name, "a");
	assert_int_equal(g->tasks[0].retry_id, 1);
	assert_int_equal(g->tasks[1].retry_id, 0);
	assert_string_equal(g->tasks[2].name, "b");
	assert_int_equal(g->tasks[2].retry_id, 2);
	assert_int_equal(g->tasks[4].retry_id, 0);
	assert_true(osmo_task_newest(g, 0));
	assert_false(osmo_task_newest(g, 1));
	assert_true(osmo_task_newest(g, 2));
	assert_false(osmo_task_newest(g, 3));
	osmo_workflow_free(&wf);
}

/* PoolResponse as the service emits it (pydantic's keys, counts as strings): every node set's
 * pools in order; what `osmo pool list` indexes is required, and errors name its path. */
static void
test_pool_quota(void **state)
{
	struct osmo_pool_quota q;
	struct api_error err = { 0 };
	const struct osmo_pool_usage *p;
	size_t len;
	char *body = read_fixture("pool_quota_response.json", &len);

	(void)state;
	assert_int_equal(decode_pool_quota(body, len, &q, &err), 0);
	free(body);
	assert_int_equal(q.n_pools, 3);
	p = osmo_pool_quota_find(&q, "gb200-prod");
	assert_non_null(p);
	assert_string_equal(p->backend, "gb200-cluster");
	assert_string_equal(p->status, "ONLINE");
	assert_string_equal(p->usage.quota_used, "64");
	assert_string_equal(p->usage.quota_free, "0");
	assert_string_equal(p->usage.quota_limit, "64");
	assert_string_equal(p->usage.total_free, "8");
	assert_string_equal(q.pools[2].name, "h100-batch");
	assert_string_equal(q.pools[2].usage.quota_free, "32");
	assert_null(osmo_pool_quota_find(&q, "nope"));
	osmo_pool_quota_free(&q);
	assert_int_equal(q.n_pools, 0);

	/* Numbers are taken as strings, as pydantic coerces them; no pools is no pools. */
	assert_int_equal(
	        decode_pool_quota(SL("{\"node_sets\":[{\"pools\":[{\"name\":\"d\","
	                             "\"resource_usage\":{\"quota_used\":1,\"quota_free\":3,"
	                             "\"quota_limit\":4,\"total_usage\":1,"
	                             "\"total_capacity\":4,\"total_free\":3}}]}]}"),
	                          &q, &err),
	        0);
	assert_string_equal(q.pools[0].usage.quota_free, "3");
	assert_null(q.pools[0].backend);
	osmo_pool_quota_free(&q);
	assert_int_equal(decode_pool_quota(SL("{\"node_sets\":[]}"), &q, &err), 0);
	assert_int_equal(q.n_pools, 0);

	assert_int_equal(decode_pool_quota(SL("{}"), &q, &err), -1);
	assert_decode_error(&err, "node_sets");
	assert_true(all_zero(&q, sizeof(q)));
	assert_int_equal(decode_pool_quota(SL("[]"), &q, &err), -1);
	assert_decode_error(&err, "(top level)");
	assert_int_equal(decode_pool_quota(SL("{\"node_sets\":[{}]}"), &q, &err), -1);
	assert_decode_error(&err, "node_sets[0].pools");
	assert_int_equal(
	        decode_pool_quota(
	                SL("{\"node_sets\":[{\"pools\":[{\"name\":\"a\",\"resource_usage\":"
	                   "{\"quota_used\":\"0\",\"quota_free\":\"4\",\"quota_limit\":\"4\","
	                   "\"total_usage\":\"0\",\"total_capacity\":\"4\",\"total_free\":"
	                   "\"4\"}}]},{\"pools\":[{\"name\":\"b\",\"resource_usage\":"
	                   "{\"quota_used\":\"0\"}}]}]}"),
	                &q, &err),
	        -1);
	assert_decode_error(&err, "node_sets[1].pools[0].resource_usage.quota_free");
	assert_true(all_zero(&q, sizeof(q)));
	assert_int_equal(
	        decode_pool_quota(SL("{\"node_sets\":[{\"pools\":[{\"name\":\"a\"}]}]}"), &q, &err),
	        -1);
	assert_decode_error(&err, "node_sets[0].pools[0].resource_usage");
	assert_int_equal(
	        decode_pool_quota(SL("{\"node_sets\":[{\"pools\":[{\"resource_usage\":{}}]}]}"), &q,
	                          &err),
	        -1);
	assert_decode_error(&err, "node_sets[0].pools[0].name");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running_with_failures_rule),
		cmocka_unit_test(test_fixtures_read_without_a_tree),
		cmocka_unit_test(test_link_orders_tasks),
		cmocka_unit_test(test_fixture_query_small),
		cmocka_unit_test(test_fixture_query_running),
		cmocka_unit_test(test_fixture_query_running_verbose),
		cmocka_unit_test(test_fixture_query_failed_evicted),
		cmocka_unit_test(test_fixture_list_page),
		cmocka_unit_test(test_fixture_task_list),
		cmocka_unit_test(test_fixture_submit_responses),
		cmocka_unit_test(test_fixture_cancel_version_token),
		cmocka_unit_test(test_fixture_errors),
		cmocka_unit_test(test_wrong_types_name_path),
		cmocka_unit_test(test_wrong_types_list_and_small),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_null_vs_missing_optional),
		cmocka_unit_test(test_unknown_fields_ignored),
		cmocka_unit_test(test_unknown_status_strings),
		cmocka_unit_test(test_dangling_edges),
		cmocka_unit_test(test_truncated_fixtures),
		cmocka_unit_test(test_truncated_jwt),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_five_megabytes),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_trailing_nul_garbage),
		cmocka_unit_test(test_empty_bodies),
		cmocka_unit_test(test_error_plain_text_auth),
		cmocka_unit_test(test_error_set_flattens_controls),
		cmocka_unit_test(test_error_bidi_neutralised),
		cmocka_unit_test(test_error_html_and_odd_bodies),
		cmocka_unit_test(test_error_control_characters),
		cmocka_unit_test(test_error_code_control_characters),
		cmocka_unit_test(test_error_message_utf8_cut),
		cmocka_unit_test(test_decode_error_path_is_clean),
		cmocka_unit_test(test_empty_strings),
		cmocka_unit_test(test_jwt_exp),
		cmocka_unit_test(test_token_responses),
		cmocka_unit_test(test_encode_submit_body),
		cmocka_unit_test(test_pool_quota),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
