// Helpers shared by the grant handlers. Only oidc-provider's public API is used: the `errors`
// export and the models the provider instance exposes (`provider.AccessToken`, ...).
import { errors } from 'oidc-provider';

import { users, userClaims } from '../data.mjs';

const { AccessDenied, InvalidGrant, InvalidRequest } = errors;

/** Logto answers organization access denials with HTTP 403 (the error's default is 400). */
export function accessDenied(description) {
  const error = new AccessDenied(description);
  error.status = 403;
  error.statusCode = 403;
  return error;
}

/** Throws `invalid_request` unless every named parameter was sent. */
export function requireParams(ctx, ...names) {
  const missing = names.filter((name) => ctx.oidc.params[name] === undefined);
  if (missing.length === 0) return;
  const list = new Intl.ListFormat('en', { type: 'conjunction' }).format(missing.map((n) => `'${n}'`));
  throw new InvalidRequest(`missing required parameter${missing.length > 1 ? 's' : ''} ${list}`);
}

/** A parameter as a string, or `undefined` when absent or empty. */
export function stringParam(ctx, name) {
  const value = ctx.oidc.params[name];
  return value === undefined || value === '' ? undefined : String(value);
}

/** The single `resource` parameter (or `undefined`); several values are `invalid_target`. */
export function singleResource(ctx, description) {
  const { resource } = ctx.oidc.params;
  if (Array.isArray(resource)) {
    if (resource.length > 1) throw new errors.InvalidTarget(description);
    return resource[0] || undefined;
  }
  return resource || undefined;
}

/** The account for oidc-provider's `findAccount` and the grant handlers, or `undefined`. */
export function findAccount(sub) {
  const user = users[sub];
  if (!user) return undefined;
  return {
    accountId: sub,
    claims: async (use, scope) => userClaims(user, use, scope),
  };
}

/** Like Logto's `findAccount`: a token whose user is gone is `invalid_grant`. */
export function requireAccount(sub) {
  const account = findAccount(sub);
  if (!account) throw new InvalidGrant('user not found');
  return account;
}

/**
 * Revokes a grant: every access token, refresh token and authorization code issued under it, and
 * the grant itself.
 */
export async function revokeGrant(provider, grantId) {
  if (!grantId) return;
  await Promise.all([provider.AccessToken, provider.RefreshToken, provider.AuthorizationCode]
    .map((model) => model.revokeByGrantId(grantId)));
  await provider.Grant.adapter.destroy(grantId);
}

/** Appends `gty` to a token's grant type chain (`authorization_code refresh_token`, ...). */
export function chainGrantType(previous, gty) {
  if (!previous) return gty;
  return previous.split(' ').at(-1) === gty ? previous : `${previous} ${gty}`;
}

/** Drops `undefined` members, keeping the order of the others. */
export function withoutUndefined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}
