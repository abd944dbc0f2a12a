// The `refresh_token` grant, written for this test server on oidc-provider's public API, with
// Logto's organization tokens (`organization_id`, Logto RFC 0001).
//
// Order of checks (the same as Logto's): the refresh token (known, this client's, not expired),
// its grant, the requested scope, the account, reuse of a consumed token (which revokes the whole
// grant), organization membership and scope; then rotation, the access token, a new ID token.
// A rotated token only reads as consumed once the storage's grace period is over (store.mjs).
import { errors } from 'oidc-provider';

import {
  GRANT_REFRESH_TOKEN, ORGANIZATIONS_SCOPE, organizationScopesFor,
} from '../data.mjs';
import {
  accessDenied, chainGrantType, requireAccount, requireParams, revokeGrant, singleResource,
  stringParam, withoutUndefined,
} from './common.mjs';

const { InsufficientScope, InvalidGrant, InvalidScope, InvalidTarget } = errors;

/** Refresh tokens older than this (counted from the first one of the chain) are not rotated. */
const MAX_ROTATING_LIFETIME = 365.25 * 24 * 3600;

/**
 * Whether to replace the refresh token: always for public clients (unless sender-constrained),
 * otherwise once 70% of its lifetime has passed. oidc-provider's and Logto's default policy.
 */
export function shouldRotate(client, refreshToken) {
  if (refreshToken.totalLifetime() >= MAX_ROTATING_LIFETIME) return false;
  if (client.clientAuthMethod === 'none' && !refreshToken.isSenderConstrained()) return true;
  return refreshToken.ttlPercentagePassed() >= 70;
}

async function loadRefreshToken(ctx) {
  const { client, provider } = ctx.oidc;
  const token = await provider.RefreshToken.find(String(ctx.oidc.params.refresh_token), {
    ignoreExpiration: true,
  });
  if (!token) throw new InvalidGrant('refresh token not found');
  if (token.clientId !== client.clientId) throw new InvalidGrant('client mismatch');
  if (token.isExpired) throw new InvalidGrant('refresh token is expired');
  if (!token.grantId) throw new InvalidGrant('grantId not found');
  return token;
}

async function loadGrant(ctx, grantId) {
  const grant = await ctx.oidc.provider.Grant.find(grantId, { ignoreExpiration: true });
  if (!grant) throw new InvalidGrant('grant not found');
  if (grant.isExpired) throw new InvalidGrant('grant is expired');
  if (grant.clientId !== ctx.oidc.client.clientId) throw new InvalidGrant('client mismatch');
  return grant;
}

/** The next refresh token of the chain, carrying everything the old one did. */
function successor(provider, client, old) {
  return new provider.RefreshToken({
    accountId: old.accountId,
    acr: old.acr,
    amr: old.amr,
    authTime: old.authTime,
    claims: old.claims,
    client,
    expiresWithSession: old.expiresWithSession,
    grantId: old.grantId,
    gty: chainGrantType(old.gty, GRANT_REFRESH_TOKEN),
    iiat: old.iiat,
    nonce: old.nonce,
    resource: old.resource,
    rotations: (old.rotations ?? 0) + 1,
    scope: old.scope,
    sessionUid: old.sessionUid,
    sid: old.sid,
  });
}

/**
 * The resource of the access token: the `resource` parameter, which must have been granted at
 * sign-in; without it, the granted resource for a token without `openid` (no userinfo use).
 */
function pickResource(ctx, refreshToken, scope) {
  const requested = singleResource(
    ctx,
    'only a single resource indicator value must be requested/resolved during Access Token Request',
  );
  if (requested) {
    if (!refreshToken.resourceIndicators.has(requested)) throw new InvalidTarget();
    return requested;
  }
  if (!scope.has('openid') && typeof refreshToken.resource === 'string') return refreshToken.resource;
  return undefined;
}

async function issueIdToken(ctx, { account, grant, refreshToken, scope }) {
  if (!scope.has('openid')) return undefined;
  const { provider } = ctx.oidc;
  const rejected = grant.getRejectedOIDCClaims();
  const claims = await account.claims('id_token', [...scope].join(' '), {}, rejected);
  const idToken = new provider.IdToken({
    ...claims,
    sub: account.accountId,
    acr: refreshToken.acr,
    amr: refreshToken.amr,
    auth_time: refreshToken.authTime,
  }, { ctx });
  idToken.scope = grant.getOIDCScopeFiltered(scope);
  idToken.mask = {};
  idToken.rejected = rejected;
  idToken.set('nonce', refreshToken.nonce);
  idToken.set('sid', refreshToken.sid);
  return idToken.issue({ use: 'idtoken' });
}

export function registerRefreshTokenGrant(provider, { resourceServers }) {
  async function refreshTokenGrant(ctx) {
    requireParams(ctx, 'refresh_token');
    const { client, params } = ctx.oidc;

    let refreshToken = await loadRefreshToken(ctx);
    const grant = await loadGrant(ctx, refreshToken.grantId);

    if (params.scope) {
      const missing = [...ctx.oidc.requestParamScopes].filter((s) => !refreshToken.scopes.has(s));
      if (missing.length > 0) {
        throw new InvalidScope(
          `refresh token missing requested scope${missing.length > 1 ? 's' : ''}`,
          missing.join(' '),
        );
      }
    }

    ctx.oidc.entity('RefreshToken', refreshToken);
    ctx.oidc.entity('Grant', grant);

    const account = requireAccount(refreshToken.accountId);
    if (refreshToken.accountId !== grant.accountId) throw new InvalidGrant('accountId mismatch');
    ctx.oidc.entity('Account', account);

    // A consumed token (rotated more than the grace period ago) presented again: assume it was
    // stolen and end the whole grant, the newest refresh token included.
    if (refreshToken.consumed) {
      await refreshToken.destroy();
      await revokeGrant(provider, refreshToken.grantId);
      throw new InvalidGrant('refresh token already used');
    }

    const organizationId = stringParam(ctx, 'organization_id');
    if (organizationId !== undefined) {
      if (organizationScopesFor(account.accountId, organizationId) === undefined) {
        throw accessDenied('user is not a member of the organization');
      }
      if (!refreshToken.scopes.has(ORGANIZATIONS_SCOPE)) {
        throw new InsufficientScope('refresh token missing required scope', ORGANIZATIONS_SCOPE);
      }
    }

    let refreshTokenValue = String(params.refresh_token);
    if (shouldRotate(client, refreshToken)) {
      await refreshToken.consume();
      ctx.oidc.entity('RotatedRefreshToken', refreshToken);
      refreshToken = successor(provider, client, refreshToken);
      ctx.oidc.entity('RefreshToken', refreshToken);
      refreshTokenValue = await refreshToken.save();
    }

    const at = new provider.AccessToken({
      accountId: account.accountId,
      client,
      expiresWithSession: refreshToken.expiresWithSession,
      grantId: refreshToken.grantId,
      gty: chainGrantType(refreshToken.gty, GRANT_REFRESH_TOKEN),
      sessionUid: refreshToken.sessionUid,
      sid: refreshToken.sid,
    });

    const scope = params.scope ? ctx.oidc.requestParamScopes : refreshToken.scopes;

    if (organizationId !== undefined && !params.resource) {
      // Organization token: the user's organization scopes that this refresh token carries.
      const available = organizationScopesFor(account.accountId, organizationId);
      at.resourceServer = new provider.ResourceServer(
        `urn:logto:organization:${organizationId}`,
        resourceServers.forOrganization(organizationId, available),
      );
      at.scope = available.filter((s) => scope.has(s)).join(' ');
    } else {
      const resource = pickResource(ctx, refreshToken, scope);
      if (resource) {
        at.resourceServer = new provider.ResourceServer(resource, resourceServers.forUser(resource));
        const offered = at.resourceServer.scopes;
        at.scope = grant.getResourceScopeFiltered(resource, [...scope].filter((s) => offered.has(s)));
      } else {
        at.claims = refreshToken.claims;
        at.scope = grant.getOIDCScopeFiltered(scope);
      }
    }

    ctx.oidc.entity('AccessToken', at);
    const accessToken = await at.save();
    const idToken = await issueIdToken(ctx, { account, grant, refreshToken, scope });

    ctx.body = withoutUndefined({
      access_token: accessToken,
      expires_in: at.expiration,
      id_token: idToken,
      refresh_token: refreshTokenValue,
      scope: refreshToken.scope ? at.scope : (at.scope || undefined),
      token_type: at.tokenType,
    });
  }

  provider.registerGrantType(
    GRANT_REFRESH_TOKEN,
    refreshTokenGrant,
    ['refresh_token', 'scope', 'organization_id', 'resource'],
    ['resource'],
  );
}
