/* auth.h: who we are to the service: bearer token with refresh, dev user header, or nothing. */
#ifndef OSMO_CLIENT_AUTH_H
#define OSMO_CLIENT_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "client/api_error.h"
#include "client/http.h"
#include "client/login.h"

/* An access token file is one line; anything larger is not one. */
#define AUTH_TOKEN_FILE_MAX 4096

/* Refresh this many seconds before the token expires (the CLI uses 3; we allow for latency). */
#define AUTH_EXPIRE_WINDOW_S 30

struct auth {
	struct login login; /* kind LOGIN_NONE: send no credentials */
	char *path;         /* login.yaml to rewrite after a refresh; NULL: keep in memory */
	int64_t exp_s;      /* id_token expiry (Unix seconds), 0 when unknown */
};

/* No login file: optionally a dev user sent as x-osmo-user. */
void auth_init_dev(struct auth *a, const char *user);
/* Loads login.yaml; see login_load(). */
int auth_load(struct auth *a, const char *path, bool *loose_perms, struct api_error *err);
/*
 * An OSMO access token read from path (`osmo login --method token --token-file` reads the
 * same file) for the service at url: the first request trades it for a JWT, as the CLI does.
 * Sets *loose_perms when others may read the file. Returns 0, or -1 with err (never the token).
 */
int auth_load_token(struct auth *a, const char *url, const char *path, bool *loose_perms,
                    struct api_error *err);
void auth_free(struct auth *a);
/* Blanks out any token of ours that a server echoed into msg (an error body). */
void auth_scrub(const struct auth *a, char *msg);
/* The service URL the login belongs to, or NULL. */
const char *auth_url(const struct auth *a);

bool auth_can_refresh(const struct auth *a);
/* True when the token expires within AUTH_EXPIRE_WINDOW_S of now_s. */
bool auth_needs_refresh(const struct auth *a, int64_t now_s);
/* Adds Authorization or x-osmo-user to headers. */
void auth_add_headers(const struct auth *a, struct strv *headers);
/*
 * Builds the refresh request: OSMO's JSON exchange or an IdP's form post. The caller owns
 * *url, *body and the strings pushed to headers.
 */
int auth_refresh_request(const struct auth *a, char **url, char **body, struct strv *headers,
                         struct api_error *err);
/*
 * Takes the refresh answer; on success stores the new token and rewrites login.yaml
 * (a failure to rewrite it is left in err with 0 returned: the token still works).
 */
int auth_refresh_apply(struct auth *a, const struct http_result *res, struct api_error *err);

#endif
