/* fuzz_template.c: the Jinja subset rendered with variables of every type, and its source map. */
#include <stdlib.h>

#include "fuzz.h"
#include "common/util.h"
#include "server/template.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct template_source src = { .text = text, .len = size, .filename = "t.yaml" };
	struct template_vars vars = { 0 };
	struct template_value list = { .type = TEMPLATE_LIST };
	struct template_output out = { 0 };
	struct strv errors = { 0 };
	char *err = NULL;

	list.items = xcalloc(2, sizeof(*list.items));
	list.items[0] = (struct template_value){ .type = TEMPLATE_INT, .i = 7 };
	list.items[1] = (struct template_value){ .type = TEMPLATE_STR, .s = xstrdup("b") };
	list.n = 2;
	template_vars_set(&vars, "items", list);
	template_vars_assign(&vars, "n=3", false, &err);
	template_vars_assign(&vars, "f=2.5", false, &err);
	template_vars_assign(&vars, "s=x y", true, &err);
	template_vars_set(&vars, "on", (struct template_value){ .type = TEMPLATE_BOOL, .b = true });
	template_vars_set(&vars, "none", (struct template_value){ .type = TEMPLATE_NONE });
	if (template_render(&src, &vars, &out, &errors) == 0) {
		/* Every output byte maps back into the source. */
		for (size_t i = 0; i < out.len; i++)
			if (template_source_offset(&out, i) > size)
				abort();
		template_output_free(&out);
	}
	strv_free(&errors);
	template_vars_free(&vars);
	free(text);
	return 0;
}
