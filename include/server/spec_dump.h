/* spec_dump.h: a spec as the service writes it back: a dry run's text and the spec it keeps. */
#ifndef OSMO_SERVER_SPEC_DUMP_H
#define OSMO_SERVER_SPEC_DUMP_H

#include <stdbool.h>
#include <stddef.h>

#include "server/engine_model.h"
#include "common/util.h"

/*
 * A dry run's spec: yaml.dump of the workflow section of rendered text, its labels set to the
 * n labels when it has a labels key or set_labels (--label, or a resubmit's labels), as
 * construct_workflow_dict leaves it. NULL with *problem when the text does not load or dump.
 */
char *spec_dump_dry_run(const char *text, const struct eng_label *labels, size_t n, bool set_labels,
                        const char **problem);

/*
 * The spec the service keeps: yaml.dump of {'version': 2, 'workflow': saved_spec()} of the
 * rendered text, each env_vars item ("K=V") in every task's environment, the n labels (none:
 * no key), top-level tasks as groups of one, fields at their default left out and files'
 * contents as literal blocks. NULL with *problem when the text does not load or dump.
 */
char *spec_dump_stored(const char *text, const struct strv *env_vars,
                       const struct eng_label *labels, size_t n, const char **problem);

#endif
