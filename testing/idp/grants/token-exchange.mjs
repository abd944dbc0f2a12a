// Logto's token-exchange grant (`urn:ietf:params:oauth:grant-type:token-exchange`, Logto RFC
// 0005), written for this test server on oidc-provider's public API.
//
// Only clients whose metadata lists the grant may use it (Logto's `allowTokenExchange`; others
// get oidc-provider's `invalid_request` "requested grant type is not allowed for this client").
// Subject tokens, by `subject_token_type`:
// - `urn:logto:token-type:impersonation_token`: a `sub_...` token from `POST /api/subject-tokens`;
//   single use, 600 s;
// - `urn:ietf:params:oauth:token-type:access_token`: a `sub_...` token as above (legacy), an
//   opaque access token of this server, or a JWT access token of this server (`typ: at+jwt` with a
//   `client_id`; ID tokens are refused); reusable;
// - `urn:logto:token-type:personal_access_token`: a `pat_...` token; reusable until it expires.
// `actor_token` (an opaque access token with `openid`, `actor_token_type` = access token) adds
// an `act: { sub }` claim. The result is one access token (no refresh token, no ID token):
// opaque with the requested OIDC scopes, a JWT for `resource`, or an organization token for
// `organization_id` (403 `access_denied` if the user is not a member).
import { errors } from 'oidc-provider';

import {
  GRANT_TOKEN_EXCHANGE, claimsByScope, clients, organizationAudience, organizationScopesFor,
} from '../data.mjs';
import { verifyOwnJwt } from '../jwt-verify.mjs';
import {
  accessDenied, requireAccount, requireParams, singleResource, stringParam,
} from './common.mjs';

const { InvalidGrant } = errors;

export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
export const TOKEN_TYPE_PERSONAL_ACCESS_TOKEN = 'urn:logto:token-type:personal_access_token';
export const TOKEN_TYPE_IMPERSONATION_TOKEN = 'urn:logto:token-type:impersonation_token';

const oidcScopes = new Set(['openid', 'offline_access', ...Object.keys(claimsByScope)]);
const knownClients = new Set(clients.map((c) => c.client_id));

export function registerTokenExchangeGrant(provider, { resourceServers, managementTokens, signingKey }) {
  function impersonationSubject(value) {
    const record = managementTokens.subjectTokens.get(value);
    if (!record) throw new InvalidGrant('subject token not found');
    if (record.expiresAt <= Date.now()) throw new InvalidGrant('subject token is expired');
    if (record.consumedAt) throw new InvalidGrant('subject token is already consumed');
    return { userId: record.userId, consume: () => { record.consumedAt = Date.now(); } };
  }

  // Like Logto, only tokens issued to a first-party app (here: any registered client) qualify.
  function requireFirstParty(clientId) {
    if (!knownClients.has(clientId)) throw new InvalidGrant('subject token was issued to an unknown client');
  }

  async function accessTokenSubject(value) {
    if (value.startsWith('sub_')) return impersonationSubject(value);

    const opaque = await provider.AccessToken.find(value);
    if (opaque?.accountId) {
      if (opaque.isExpired) throw new InvalidGrant('subject token is expired');
      if (!opaque.clientId) throw new InvalidGrant('subject token is not bound to an issuing client');
      requireFirstParty(opaque.clientId);
      return { userId: opaque.accountId };
    }

    let verified;
    try {
      verified = verifyOwnJwt(value, { privateJwk: signingKey, issuer: provider.issuer });
    } catch {
      throw new InvalidGrant('invalid subject token');
    }
    const { header, payload } = verified;
    const typ = String(header.typ ?? '').toLowerCase().replace(/^application\//, '');
    if (typ !== 'at+jwt' || typeof payload.client_id !== 'string') {
      throw new InvalidGrant('subject token is not an access token');
    }
    if (!payload.sub) throw new InvalidGrant('subject token does not contain a valid `sub` claim');
    requireFirstParty(payload.client_id);
    return { userId: payload.sub };
  }

  function personalAccessTokenSubject(value) {
    const record = managementTokens.personalAccessTokens.get(value);
    if (!record) throw new InvalidGrant('subject token not found');
    if (record.expiresAt && record.expiresAt <= Date.now()) throw new InvalidGrant('subject token is expired');
    return { userId: record.userId };
  }

  async function resolveSubject(value, type) {
    switch (type) {
      case TOKEN_TYPE_IMPERSONATION_TOKEN: return impersonationSubject(value);
      case TOKEN_TYPE_ACCESS_TOKEN: return accessTokenSubject(value);
      case TOKEN_TYPE_PERSONAL_ACCESS_TOKEN: return personalAccessTokenSubject(value);
      default: throw new InvalidGrant('unsupported subject token type');
    }
  }

  async function resolveActor(ctx) {
    const { actor_token: actorToken, actor_token_type: actorTokenType } = ctx.oidc.params;
    if (actorToken && actorTokenType !== TOKEN_TYPE_ACCESS_TOKEN) {
      throw new InvalidGrant('unsupported actor token type');
    }
    if (!actorToken) return undefined;
    const token = await provider.AccessToken.find(String(actorToken));
    if (!token?.accountId) throw new InvalidGrant('invalid actor token');
    if (!token.scope?.split(' ').includes('openid')) {
      throw new InvalidGrant('actor token must have openid scope');
    }
    return token.accountId;
  }

  async function tokenExchangeGrant(ctx) {
    requireParams(ctx, 'subject_token', 'subject_token_type');
    const { client, params } = ctx.oidc;

    const subject = await resolveSubject(String(params.subject_token), String(params.subject_token_type));
    const account = requireAccount(subject.userId);
    ctx.oidc.entity('Account', account);

    const grant = new provider.Grant({ accountId: account.accountId, clientId: client.clientId });

    const organizationId = stringParam(ctx, 'organization_id');
    if (organizationId !== undefined && organizationScopesFor(account.accountId, organizationId) === undefined) {
      throw accessDenied('user is not a member of the organization');
    }

    const at = new provider.AccessToken({
      accountId: account.accountId,
      client,
      gty: GRANT_TOKEN_EXCHANGE,
    });

    const scope = ctx.oidc.requestParamScopes;
    const resource = singleResource(
      ctx,
      'only a single resource indicator value must be requested/resolved during Access Token Request',
    );

    if (organizationId !== undefined && !resource) {
      const available = organizationScopesFor(account.accountId, organizationId);
      const audience = organizationAudience(organizationId);
      at.resourceServer = new provider.ResourceServer(
        audience,
        resourceServers.forOrganization(organizationId, available),
      );
      at.scope = available.filter((s) => scope.has(s)).join(' ');
      grant.addResourceScope(audience, at.scope);
    } else if (resource) {
      at.resourceServer = new provider.ResourceServer(resource, resourceServers.forUser(resource));
      const offered = at.resourceServer.scopes;
      at.scope = [...scope].filter((s) => offered.has(s)).join(' ');
      grant.addResourceScope(resource, at.scope);
    } else {
      at.claims = {};
      at.scope = [...scope].filter((s) => oidcScopes.has(s)).join(' ');
      grant.addOIDCScope(at.scope);
    }

    const actorId = await resolveActor(ctx);
    // `extraTokenClaims` (server.mjs) turns this into the token's `act` claim.
    if (actorId) at.extra = { act: { sub: actorId } };

    at.grantId = await grant.save();
    ctx.oidc.entity('Grant', grant);
    ctx.oidc.entity('AccessToken', at);
    const value = await at.save();
    subject.consume?.();

    ctx.body = {
      access_token: value,
      expires_in: at.expiration,
      scope: at.scope,
      token_type: at.tokenType,
    };
  }

  provider.registerGrantType(
    GRANT_TOKEN_EXCHANGE,
    tokenExchangeGrant,
    ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'organization_id', 'scope', 'resource'],
    ['resource'],
  );
}
