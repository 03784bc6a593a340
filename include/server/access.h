/* access.h: who may use osmo-local: its personal access token, the JWTs it trades for, the gate. */
#ifndef OSMO_SERVER_ACCESS_H
#define OSMO_SERVER_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "server/http.h"

/* OSMO's ACCESS_TOKEN_TIMEOUT: a JWT from the exchange lives this long. */
#define ACCESS_JWT_TTL_S 300
/* secrets.token_urlsafe(32), as `osmo token set` makes them. */
#define ACCESS_TOKEN_LEN  43
#define ACCESS_TOKEN_FILE "access_token"
#define ACCESS_KEY_FILE   "jwt_key"

struct access;

struct access_config {
	const char *state_dir; /* holds access_token and jwt_key; made 0700 */
	const char *user;      /* the owner, unique_name in every JWT */
	const char *host; /* the listen address: the only Host/Origin accepted, with localhost */
	unsigned port;
	bool dev_auth;               /* also accept x-osmo-user alone, as a service without auth */
	long jwt_ttl_s;              /* 0: ACCESS_JWT_TTL_S; tests shorten it to see refreshes */
	int64_t (*now_s)(void *ctx); /* NULL: the wall clock */
	void *now_ctx;
};

/*
 * Loads the state directory's token and signing key, creating them (0600) on first start.
 * Returns NULL and sets *err (caller frees) when the directory or a file is not safe to use.
 * *warning (caller frees, may stay NULL) says what was tightened.
 */
struct access *access_new(const struct access_config *cfg, char **err, char **warning);
void access_free(struct access *a);

/* A JWT for the owner, valid from now for the configured TTL; the caller frees it. */
char *access_jwt_new(const struct access *a);
/* NULL when jwt is one of ours and current, else Envoy's words for why not. */
const char *access_jwt_check(const struct access *a, const char *jwt);

/*
 * The check every request passes before its route: the Host and Origin must be this server,
 * a POST body JSON, and a route that is not public needs a JWT (or, with dev_auth, may name
 * its user). Returns true and sets x-osmo-user to the caller, or false with res filled.
 */
bool access_gate(void *ctx, struct server_http_request *req, struct server_http_response *res);

/* POST /api/auth/jwt/access_token: the token exchange (a route handler). */
void access_exchange(void *ctx, const struct server_http_request *req,
                     struct server_http_response *res);
/* Adds the exchange route and makes access_gate the server's gate. */
void access_add_routes(struct server_http *h, struct access *a);

#endif
