/*
 * fuzz_spec.c: a submitted spec rendered, parsed and checked, then written back as the service
 * keeps it, which must load again (osmo-local answers 500 where it does not).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "server/engine_model.h"
#include "server/spec.h"
#include "server/spec_dump.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *raw = fuzz_text(data, size), *rendered = NULL, *out;
	struct strv vars = { 0 }, string_vars = { 0 }, env = { 0 }, errors = { 0 };
	struct eng_label label = { .key = "team", .value = "infra" };
	struct spec spec = { 0 }, again = { 0 };
	const char *problem;
	int rc;

	strv_push(&vars, "n=3");
	strv_push(&vars, "ratio=0.5");
	strv_push(&string_vars, "tag=v1");
	strv_push(&env, "SEED=1");
	/* As the engine: the body's spec is a C string. */
	rc = spec_load(raw, strlen(raw), "spec.yaml", &vars, &string_vars, &spec, &rendered,
	               &errors);
	if (spec.loaded && rendered) {
		free(spec_dump_dry_run(rendered, &label, 1, true, &problem));
		free(spec_dump_dry_run(rendered, NULL, 0, false, &problem));
	}
	if (rc == 0) {
		out = spec_dump_stored(rendered, &env, &label, 1, &problem);
		strv_free(&errors);
		if (!out ||
		    spec_load(out, strlen(out), "spec.yaml", NULL, NULL, &again, NULL, &errors) < 0)
			abort();
		spec_free(&again);
		free(out);
	}
	spec_free(&spec);
	strv_free(&errors);
	strv_free(&env);
	strv_free(&string_vars);
	strv_free(&vars);
	free(rendered);
	free(raw);
	return 0;
}
