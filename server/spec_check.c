/* spec_check.c: OSMO's rules across a parsed spec: names, leads, tasks, and the group graph. */
#include "server/spec.h"

#include <stdlib.h>
#include <string.h>

#define SPEC_NAME_RULE                                                                            \
	"names start with a letter and hold letters, digits, '-' and '_', ending in a letter or " \
	"digit"

/* Kubernetes' view of a name, which is how OSMO compares them: lower case, '_' as '-'. */
static char *
spec_check_k8s_name(const char *s)
{
	char *k = xstrdup(s);

	for (char *p = k; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (*p == '_')
			*p = '-';
	}
	return k;
}

struct spec_check_named {
	char *key; /* k8s name, or the exact name for lookups */
	size_t order;
	size_t group, task; /* task == SIZE_MAX for a group */
	struct spec_pos pos;
	const char *name;
};

static int
spec_check_named_cmp(const void *a, const void *b)
{
	const struct spec_check_named *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Every task and group name, sorted for duplicate checks and lookups. */
static struct spec_check_named *
spec_check_named_list(const struct spec *spec, bool k8s, bool with_groups, size_t *count)
{
	struct spec_check_named *v = xcalloc(spec_task_count(spec) + spec->ngroups + 1, sizeof(*v));
	size_t n = 0;

	for (size_t g = 0; g < spec->ngroups; g++) {
		const struct spec_group *gr = &spec->groups[g];

		if (with_groups && !gr->implicit) {
			v[n] = (struct spec_check_named){
				k8s ? spec_check_k8s_name(gr->name) : xstrdup(gr->name),
				n,
				g,
				SIZE_MAX,
				gr->pos,
				gr->name
			};
			n++;
		}
		for (size_t t = 0; t < gr->ntasks; t++) {
			v[n] = (struct spec_check_named){ k8s ? spec_check_k8s_name(
				                                        gr->tasks[t].name)
				                              : xstrdup(gr->tasks[t].name),
				                          n,
				                          g,
				                          t,
				                          gr->tasks[t].pos,
				                          gr->tasks[t].name };
			n++;
		}
	}
	qsort(v, n, sizeof(*v), spec_check_named_cmp);
	*count = n;
	return v;
}

static void
spec_check_named_free(struct spec_check_named *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].key);
	free(v);
}

static const struct spec_check_named *
spec_check_named_find(const struct spec_check_named *v, size_t n, const char *name)
{
	struct spec_check_named key = { .key = (char *)name, .order = 0 };
	size_t lo = util_lower_bound(v, n, sizeof(*v), &key, spec_check_named_cmp);

	return lo < n && strcmp(v[lo].key, name) == 0 ? &v[lo] : NULL;
}

/* Reports a name OSMO refuses: too long (its words), or not its pattern; whether it is fine. */
static bool
spec_check_name(struct spec *spec, struct strv *errors, struct spec_pos pos, const char *what,
                const char *name)
{
	/* OSMO's words; the name is cut at the limit so the message keeps its end. */
	if (strlen(name) > SPEC_MAX_NAME) {
		spec_report(errors, spec->filename, pos,
		            "Name %.*s... is too long. It must be %u characters or less.",
		            (int)SPEC_MAX_NAME, name, SPEC_MAX_NAME);
		spec->long_names++;
	} else if (!spec_name_ok(name))
		spec_report(errors, spec->filename, pos, "invalid %s name '%s': %s", what, name,
		            SPEC_NAME_RULE);
	else
		return true;
	return false;
}

static void
spec_check_names(struct spec *spec, struct strv *errors)
{
	struct spec_check_named *v;
	size_t n;

	if (spec->name)
		spec_check_name(spec, errors, spec->name_pos, "workflow", spec->name);
	for (size_t g = 0; g < spec->ngroups; g++) {
		const struct spec_group *gr = &spec->groups[g];

		/* A top-level task's group "<task>-group" is checked too, once it exists. */
		if (!gr->implicit || strlen(gr->name) > SPEC_MAX_NAME)
			spec_check_name(spec, errors, gr->pos, "group", gr->name);
		for (size_t t = 0; t < gr->ntasks; t++) {
			const struct spec_task *task = &gr->tasks[t];
			char *k = spec_check_k8s_name(task->name);

			if (spec_check_name(spec, errors, task->pos, "task", task->name) &&
			    strcmp(k, "osmo-ctrl") == 0)
				spec_report(errors, spec->filename, task->pos,
				            "task name '%s' is reserved by OSMO", task->name);
			free(k);
		}
	}
	/* OSMO: names are unique across tasks and groups, ignoring case and '-' versus '_'. */
	v = spec_check_named_list(spec, true, true, &n);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(v[i].key, v[i - 1].key) != 0)
			continue;
		size_t first = i - 1;
		while (first > 0 && strcmp(v[first - 1].key, v[i].key) == 0)
			first--;
		bool same = strcmp(v[i].name, v[first].name) == 0;
		spec_report(errors, spec->filename, v[i].pos,
		            "duplicate name '%s': '%s' (line %u) already uses it%s", v[i].name,
		            v[first].name, v[first].pos.line,
		            same ? "" : "; OSMO ignores case and treats '-' and '_' alike");
	}
	spec_check_named_free(v, n);
}

static void
spec_check_leads(struct spec *spec, struct strv *errors)
{
	for (size_t g = 0; g < spec->ngroups; g++) {
		struct spec_group *gr = &spec->groups[g];
		size_t leads = 0, first = 0;

		if (gr->ntasks == 0) {
			spec_report(errors, spec->filename, gr->pos,
			            "group '%s' needs at least one task", gr->name);
			continue;
		}
		/* A group of one leads itself; a bigger one needs exactly one lead. */
		if (gr->ntasks == 1) {
			gr->tasks[0].lead = true;
			gr->lead = 0;
			continue;
		}
		for (size_t t = 0; t < gr->ntasks; t++) {
			if (!gr->tasks[t].lead)
				continue;
			if (leads++ == 0) {
				first = t;
				continue;
			}
			spec_report(errors, spec->filename, gr->tasks[t].lead_pos,
			            "group '%s' has more than one lead: '%s' and '%s' both say "
			            "'lead: true'; exactly one task may lead",
			            gr->name, gr->tasks[first].name, gr->tasks[t].name);
		}
		if (leads == 0)
			spec_report(errors, spec->filename, gr->pos,
			            "group '%s' has %zu tasks and no lead: mark exactly one 'lead: "
			            "true' "
			            "(the group ends when its lead exits)",
			            gr->name, gr->ntasks);
		gr->lead = first;
	}
}

/*
 * Whether a path has a ".." component. OSMO's container resolves "/.." to "/", but osmo-local
 * places these paths under a task's directory, which ".." would leave.
 */
bool
spec_path_climbs(const char *path)
{
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		p += strspn(p, "/");
	}
	return false;
}

static void
spec_check_task(struct spec *spec, const struct spec_group *gr, struct spec_task *task,
                struct strv *errors)
{
	const char *want = task->resource ? task->resource : "default";

	if (task->command.n == 0 && task->command_pos.line)
		spec_report(errors, spec->filename, task->command_pos,
		            "task '%s' needs at least one command", task->name);
	for (size_t r = 0; r < spec->nresources && task->profile == SIZE_MAX; r++)
		if (strcmp(spec->resources[r].name, want) == 0)
			task->profile = r;
	if (task->profile == SIZE_MAX && task->resource)
		spec_report(errors, spec->filename, task->resource_pos,
		            "resource profile '%s' is not defined under workflow.resources",
		            task->resource);
	else if (task->profile == SIZE_MAX)
		spec_report(errors, spec->filename, task->pos,
		            "task '%s' uses the 'default' resource profile, but workflow.resources "
		            "does not define one",
		            task->name);
	for (size_t i = 0; i < task->nfiles; i++) {
		const struct spec_file *f = &task->files[i];
		const char *p = f->path;

		if (!p)
			continue;
		while (*p == '/')
			p++;
		bool reserved = strncmp(p, "osmo", 4) == 0 && (p[4] == '/' || p[4] == '\0');
		if (*p == '\0' || reserved)
			spec_report(errors, spec->filename, f->pos,
			            "file path '%s' is empty or under /osmo, which OSMO reserves",
			            f->path);
		if (spec_path_climbs(f->path))
			spec_report(errors, spec->filename, f->pos,
			            "file path '%s' has a '..' component, which would leave the "
			            "task's directory",
			            f->path);
		for (size_t j = 0; j < i; j++)
			if (task->files[j].path && strcmp(task->files[j].path, f->path) == 0)
				spec_report(
				        errors, spec->filename, f->pos,
				        "task '%s' has two files at '%s' (the other at line %u)",
				        task->name, f->path, task->files[j].pos.line);
	}
	for (size_t i = 0; i < task->ncheckpoints; i++)
		if (task->checkpoints[i].path && spec_path_climbs(task->checkpoints[i].path))
			spec_report(
			        errors, spec->filename, task->checkpoints[i].pos,
			        "checkpoint path '%s' has a '..' component, which would leave the "
			        "task's directory",
			        task->checkpoints[i].path);
	for (size_t i = 0; i < task->ntokens; i++) {
		const struct spec_token *tok = &task->tokens[i];
		bool found = false;

		switch (tok->kind) {
		case SPEC_TOKEN_INPUT_INDEX:
			if (tok->index >= 0 && (size_t)tok->index < task->ninputs)
				break;
			if (task->ninputs == 0)
				spec_report(errors, spec->filename, tok->pos,
				            "{{input:%s}} is out of range: task '%s' has no inputs",
				            tok->arg, task->name);
			else
				spec_report(
				        errors, spec->filename, tok->pos,
				        "{{input:%s}} is out of range: task '%s' has %zu input%s "
				        "({{input:0}} to {{input:%zu}})",
				        tok->arg, task->name, task->ninputs,
				        task->ninputs == 1 ? "" : "s", task->ninputs - 1);
			break;
		case SPEC_TOKEN_INPUT_TASK:
			for (size_t k = 0; k < task->ninputs && !found; k++)
				found = task->inputs[k].kind == SPEC_IO_TASK &&
				        task->inputs[k].task &&
				        strcmp(task->inputs[k].task, tok->arg) == 0;
			if (!found)
				spec_report(errors, spec->filename, tok->pos,
				            "{{input:%s}}: task '%s' has no input from a task "
				            "named '%s'",
				            tok->arg, task->name, tok->arg);
			break;
		case SPEC_TOKEN_HOST:
			for (size_t k = 0; k < gr->ntasks && !found; k++)
				found = strcmp(gr->tasks[k].name, tok->arg) == 0;
			if (found)
				break;
			const struct spec_group *other = NULL;
			if (spec_find_task(spec, tok->arg, &other))
				spec_report(errors, spec->filename, tok->pos,
				            "{{host:%s}} reaches only tasks of the same group: "
				            "'%s' is in "
				            "group '%s', '%s' in group '%s'",
				            tok->arg, tok->arg, other->name, task->name, gr->name);
			else
				spec_report(errors, spec->filename, tok->pos,
				            "{{host:%s}}: there is no task '%s' in group '%s'",
				            tok->arg, tok->arg, gr->name);
			break;
		default:
			break;
		}
	}
}

struct spec_check_edge {
	size_t from, to; /* group indices: to waits for from */
	struct spec_pos pos;
	bool dataset;
};

struct spec_check_graph {
	struct spec_check_edge *v;
	size_t n, cap;
	size_t *out_start; /* edges leaving group g: out[out_start[g] .. out_start[g + 1]) */
	size_t *out;
};

static void
spec_check_graph_add(struct spec_check_graph *gr, size_t from, size_t to, struct spec_pos pos,
                     bool dataset)
{
	if (gr->n == gr->cap) {
		gr->cap = gr->cap ? gr->cap * 2 : 64;
		gr->v = xreallocarray(gr->v, gr->cap, sizeof(*gr->v));
	}
	gr->v[gr->n++] = (struct spec_check_edge){ from, to, pos, dataset };
}

/* Edges by the group they leave, so a walk visits each edge once. */
static void
spec_check_graph_index(struct spec_check_graph *gr, size_t ngroups)
{
	size_t *fill = xcalloc(ngroups + 1, sizeof(*fill));

	gr->out_start = xcalloc(ngroups + 1, sizeof(*gr->out_start));
	gr->out = xcalloc(gr->n + 1, sizeof(*gr->out));
	for (size_t e = 0; e < gr->n; e++)
		gr->out_start[gr->v[e].from + 1]++;
	for (size_t g = 0; g < ngroups; g++)
		gr->out_start[g + 1] += gr->out_start[g];
	for (size_t e = 0; e < gr->n; e++)
		gr->out[gr->out_start[gr->v[e].from] + fill[gr->v[e].from]++] = e;
	free(fill);
}

/* Who writes which dataset, sorted by name so each input finds its producers by search. */
struct spec_check_producer {
	const char *name;
	size_t len;
	size_t group;
};

static int
spec_check_producer_cmp(const void *a, const void *b)
{
	const struct spec_check_producer *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);

	if (c == 0)
		c = (x->len > y->len) - (x->len < y->len);
	return c ? c : (x->group > y->group) - (x->group < y->group);
}

/* A dataset's identity within a workflow: "[bucket/]name", without a ":tag". */
static size_t
spec_check_dataset_key_len(const char *name)
{
	const char *colon = strchr(name, ':');

	return colon ? (size_t)(colon - name) : strlen(name);
}

static void
spec_check_edges(struct spec *spec, struct spec_check_graph *graph, struct strv *errors)
{
	size_t n, np = 0, nout = 0;
	struct spec_check_named *names = spec_check_named_list(spec, false, false, &n);
	struct spec_check_producer *prod;

	for (size_t g = 0; g < spec->ngroups; g++)
		for (size_t t = 0; t < spec->groups[g].ntasks; t++)
			nout += spec->groups[g].tasks[t].noutputs;
	prod = xcalloc(nout + 1, sizeof(*prod));
	for (size_t g = 0; g < spec->ngroups; g++) {
		for (size_t t = 0; t < spec->groups[g].ntasks; t++) {
			const struct spec_task *task = &spec->groups[g].tasks[t];

			for (size_t o = 0; o < task->noutputs; o++) {
				const char *name = task->outputs[o].name;

				if (name)
					prod[np++] = (struct spec_check_producer){
						name, spec_check_dataset_key_len(name), g
					};
			}
		}
	}
	qsort(prod, np, sizeof(*prod), spec_check_producer_cmp);
	for (size_t g = 0; g < spec->ngroups; g++) {
		const struct spec_group *gr = &spec->groups[g];

		for (size_t t = 0; t < gr->ntasks; t++) {
			const struct spec_task *task = &gr->tasks[t];

			for (size_t i = 0; i < task->ninputs; i++) {
				const struct spec_io *in = &task->inputs[i];

				/* A field that failed to parse was reported already. */
				if ((in->kind == SPEC_IO_DATASET && !in->name) ||
				    (in->kind == SPEC_IO_TASK && !in->task))
					continue;
				if (in->kind == SPEC_IO_DATASET) {
					struct spec_check_producer key = {
						in->name, spec_check_dataset_key_len(in->name), 0
					};
					/* Produced in this workflow by another group: wait for it. */
					size_t lo = util_lower_bound(prod, np, sizeof(*prod), &key,
					                             spec_check_producer_cmp);

					for (size_t k = lo;
					     k < np && prod[k].len == key.len &&
					     memcmp(prod[k].name, key.name, key.len) == 0;
					     k++)
						if (prod[k].group != g &&
						    (k == lo || prod[k - 1].group != prod[k].group))
							spec_check_graph_add(graph, prod[k].group,
							                     g, in->ref_pos, true);
					continue;
				}
				if (in->kind != SPEC_IO_TASK || in->workflow_id)
					continue;
				const struct spec_check_named *up =
				        spec_check_named_find(names, n, in->task);
				if (!up) {
					spec_report(errors, spec->filename, in->ref_pos,
					            "input task '%s' of task '%s' is not a task of "
					            "this "
					            "workflow",
					            in->task, task->name);
				} else if (up->group == g) {
					spec_report(errors, spec->filename, in->ref_pos,
					            "task '%s' takes input from '%s' in its own "
					            "group '%s'; "
					            "a group's tasks start together, so it would "
					            "wait for "
					            "itself",
					            task->name, in->task, gr->name);
				} else {
					spec_check_graph_add(graph, up->group, g, in->ref_pos,
					                     false);
				}
			}
		}
	}
	spec_check_named_free(names, n);
	free(prod);
}

static const char *
spec_check_label(const struct spec *spec, size_t g, struct strbuf *sb)
{
	const struct spec_group *gr = &spec->groups[g];

	if (gr->implicit)
		strbuf_addf(sb, "task '%s'", gr->tasks[0].name);
	else
		strbuf_addf(sb, "group '%s'", gr->name);
	return sb->buf;
}

/*
 * Kahn's algorithm leaves exactly the groups on or after a cycle. Walking back along
 * incoming edges from any of them must come round to a group already seen: that loop is a
 * cycle, reported once at the input that closes it.
 */
static void
spec_check_cycles(struct spec *spec, const struct spec_check_graph *graph, bool *in_cycle,
                  struct strv *errors)
{
	size_t ng = spec->ngroups;
	size_t *indeg = xcalloc(ng + 1, sizeof(*indeg)), *queue = xcalloc(ng + 1, sizeof(*queue));
	size_t *back = xcalloc(ng + 1, sizeof(*back)); /* an incoming edge from a remaining group */
	size_t *seen = xcalloc(ng + 1, sizeof(*seen));
	bool *done = xcalloc(ng + 1, sizeof(*done));
	size_t head = 0, tail = 0;

	for (size_t e = 0; e < graph->n; e++)
		indeg[graph->v[e].to]++;
	for (size_t g = 0; g < ng; g++)
		if (indeg[g] == 0)
			queue[tail++] = g;
	while (head < tail) {
		size_t g = queue[head++];

		done[g] = true;
		for (size_t k = graph->out_start[g]; k < graph->out_start[g + 1]; k++)
			if (--indeg[graph->v[graph->out[k]].to] == 0)
				queue[tail++] = graph->v[graph->out[k]].to;
	}
	for (size_t e = 0; e < graph->n; e++)
		if (!done[graph->v[e].from] && !done[graph->v[e].to])
			back[graph->v[e].to] = e + 1;
	for (size_t start = 0; start < ng; start++) {
		size_t g = start, stamp = start + 1;

		if (done[start])
			continue;
		while (!done[g] && seen[g] != stamp && !in_cycle[g]) {
			seen[g] = stamp;
			g = graph->v[back[g] - 1].from;
		}
		if (done[g] || in_cycle[g] || seen[g] != stamp) {
			/* Reached a cycle already reported: this group only follows it. */
			for (size_t h = start; seen[h] == stamp && !in_cycle[h];
			     h = graph->v[back[h] - 1].from)
				seen[h] = 0;
			continue;
		}
		/* g is on a new cycle: collect it, start at its first group, report forwards. */
		size_t len = 0, lowest = g, h = g;
		do {
			in_cycle[h] = true;
			lowest = h < lowest ? h : lowest;
			h = graph->v[back[h] - 1].from;
			len++;
		} while (h != g);
		size_t *cyc = xcalloc(len, sizeof(*cyc));
		h = lowest;
		for (size_t i = len; i-- > 0;) {
			cyc[i] = h;
			h = graph->v[back[h] - 1].from;
		}
		/* cyc runs backwards from lowest; print it forwards, closing on lowest. */
		struct strbuf msg = { 0 }, label = { 0 };
		strbuf_addstr(&msg, "dependency cycle: ");
		for (size_t i = 0; i < len; i++) {
			size_t node = cyc[(i + len - 1) % len];

			strbuf_reset(&label);
			strbuf_addf(&msg, "%s -> ", spec_check_label(spec, node, &label));
		}
		strbuf_reset(&label);
		strbuf_addstr(&msg, spec_check_label(spec, lowest, &label));
		spec_report(errors, spec->filename, graph->v[back[lowest] - 1].pos, "%s", msg.buf);
		strbuf_free(&msg);
		strbuf_free(&label);
		free(cyc);
	}
	free(indeg);
	free(queue);
	free(back);
	free(seen);
	free(done);
}

static int
spec_check_size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* Appends the names of groups idx[0..n) to sv in spec order, each once. */
static void
spec_check_push_groups(const struct spec *spec, size_t *idx, size_t n, struct strv *sv)
{
	qsort(idx, n, sizeof(*idx), spec_check_size_cmp);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || idx[i] != idx[i - 1])
			strv_push(sv, spec->groups[idx[i]].name);
}

static void
spec_check_link_groups(struct spec *spec, const struct spec_check_graph *graph,
                       const bool *in_cycle, struct strv *errors)
{
	size_t *idx = xcalloc(graph->n + 1, sizeof(*idx));
	size_t *in_start = xcalloc(spec->ngroups + 1, sizeof(*in_start));
	size_t *fill = xcalloc(spec->ngroups + 1, sizeof(*fill));

	for (size_t e = 0; e < graph->n; e++) {
		const struct spec_check_edge *ed = &graph->v[e];
		struct spec_group *from = &spec->groups[ed->from], *to = &spec->groups[ed->to];

		/* OSMO wants a task input's group listed before the group that reads it. */
		if (ed->dataset || ed->from < ed->to || (in_cycle[ed->from] && in_cycle[ed->to]))
			continue;
		if (spec->from_tasks && from->implicit && to->implicit)
			spec_report(errors, spec->filename, ed->pos,
			            "task '%s' takes input from task '%s', which comes later; OSMO "
			            "needs upstream tasks listed first",
			            to->tasks[0].name, from->tasks[0].name);
		else
			spec_report(
			        errors, spec->filename, ed->pos,
			        "group '%s' takes input from group '%s', which comes later; OSMO "
			        "needs upstream groups listed first",
			        to->name, from->name);
	}
	/* Downstream from the edges by source; upstream by bucketing the edges per target. */
	for (size_t g = 0; g < spec->ngroups; g++) {
		size_t n = 0;

		for (size_t k = graph->out_start[g]; k < graph->out_start[g + 1]; k++)
			idx[n++] = graph->v[graph->out[k]].to;
		spec_check_push_groups(spec, idx, n, &spec->groups[g].downstream);
	}
	for (size_t e = 0; e < graph->n; e++)
		in_start[graph->v[e].to + 1]++;
	for (size_t g = 0; g < spec->ngroups; g++)
		in_start[g + 1] += in_start[g];
	for (size_t e = 0; e < graph->n; e++) {
		size_t to = graph->v[e].to;

		idx[in_start[to] + fill[to]++] = graph->v[e].from;
	}
	for (size_t g = 0; g < spec->ngroups; g++)
		spec_check_push_groups(spec, idx + in_start[g], in_start[g + 1] - in_start[g],
		                       &spec->groups[g].upstream);
	free(fill);
	free(in_start);
	free(idx);
}

int
spec_check(struct spec *spec, struct strv *errors)
{
	size_t before = errors->n;
	struct spec_check_graph graph = { 0 };
	bool *in_cycle = xcalloc(spec->ngroups + 1, sizeof(*in_cycle));

	spec_check_names(spec, errors);
	spec_check_leads(spec, errors);
	for (size_t g = 0; g < spec->ngroups; g++)
		for (size_t t = 0; t < spec->groups[g].ntasks; t++)
			spec_check_task(spec, &spec->groups[g], &spec->groups[g].tasks[t], errors);
	spec_check_edges(spec, &graph, errors);
	spec_check_graph_index(&graph, spec->ngroups);
	spec_check_cycles(spec, &graph, in_cycle, errors);
	spec_check_link_groups(spec, &graph, in_cycle, errors);
	free(graph.v);
	free(graph.out_start);
	free(graph.out);
	free(in_cycle);
	return errors->n > before ? -1 : 0;
}
