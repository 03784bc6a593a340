/* validate.h: the "osmo-local validate" command. */
#ifndef OSMO_SERVER_VALIDATE_H
#define OSMO_SERVER_VALIDATE_H

/*
 * osmo-local validate SPEC.yaml [--set k=v ...] [--set-string k=v ...]
 * argv[0] is "validate". Errors go to stderr as file:line:col: message; success prints
 * "SPEC.yaml: ok (N groups, M tasks)". Returns the exit status: 0, 1 on errors, 2 on usage.
 */
int validate_main(int argc, char **argv);

#endif
