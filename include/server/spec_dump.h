/* spec_dump.h: a spec as the service writes it back: yaml.dump of the workflow it loaded. */
#ifndef OSMO_SERVER_SPEC_DUMP_H
#define OSMO_SERVER_SPEC_DUMP_H

#include "common/util.h"

/*
 * The spec the service keeps of rendered text: yaml.dump of what safe_load makes of it, with
 * each submit env_vars item ("K=V") set in every task's environment. NULL with *problem when
 * the text does not load or dump.
 */
char *spec_dump_stored(const char *text, const struct strv *env_vars, const char **problem);

#endif
