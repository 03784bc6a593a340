/* login.h: the official osmo CLI's login.yaml: where it lives, what it holds, rewriting it. */
#ifndef OSMO_CLIENT_LOGIN_H
#define OSMO_CLIENT_LOGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "client/api_error.h"

enum login_kind { LOGIN_NONE, LOGIN_TOKEN, LOGIN_DEV };

struct login {
	char *url;            /* service base URL, trailing '/' stripped */
	enum login_kind kind; /* exactly one of token_login / dev_login was non-null */
	/* token_login */
	char *id_token;
	char *refresh_token; /* NULL when absent or null */
	char *refresh_url;
	char *client_id;
	char *token_username;
	bool osmo_token; /* refresh_url is OSMO's JWT exchange (JSON body), not an IdP (form) */
	/* dev_login */
	char *dev_username;
	char *name; /* display name; ignored when loading, kept when saving */
};

/*
 * The CLI's lookup: $OSMO_CONFIG_FILE_DIR, else $XDG_CONFIG_HOME/osmo, else
 * $HOME/.config/osmo; file login.yaml. Returns 0, or -1 when no directory can be derived.
 */
int login_default_path(char *buf, size_t size);

/*
 * Loads and validates path. On success returns 0 and sets *loose_perms when the file is
 * readable by group or others (the CLI writes 0600). On failure returns -1 with err
 * naming the file and, for YAML problems, line:col. The error never contains a token.
 */
int login_load(const char *path, struct login *out, bool *loose_perms, struct api_error *err);

/* Writes l to path as the CLI does (keys sorted, block style, mode 0600, atomic rename). */
int login_save(const char *path, const struct login *l, struct api_error *err);

void login_free(struct login *l);

#endif
