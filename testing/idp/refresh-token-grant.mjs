// The `refresh_token` grant, copied from oidc-provider 9.13.3 (lib/actions/grants/refresh_token.js)
// and extended like Logto (packages/core/src/oidc/grants/refresh-token.ts) with the
// `organization_id` parameter (Logto RFC 0001: organization tokens).
import difference from 'oidc-provider/lib/helpers/_/difference.js';
import certificateThumbprint from 'oidc-provider/lib/helpers/certificate_thumbprint.js';
import { checkAttestBinding } from 'oidc-provider/lib/helpers/check_attest_binding.js';
import {
  boolean,
  resourceServer as validateResourceServer,
} from 'oidc-provider/lib/helpers/configuration_result.js';
import { AccessDenied, InvalidGrant, InvalidScope, InsufficientScope } from 'oidc-provider/lib/helpers/errors.js';
import * as formatters from 'oidc-provider/lib/helpers/formatters.js';
import {
  applyMtlsBinding,
  checkAccountMismatch,
  createAccessToken,
  issueIdToken,
  validateAccount,
} from 'oidc-provider/lib/helpers/grant_common.js';
import * as grantHelpers from 'oidc-provider/lib/helpers/grants.js';
import resolveResource from 'oidc-provider/lib/helpers/resolve_resource.js';
import revoke from 'oidc-provider/lib/helpers/revoke.js';
import presence from 'oidc-provider/lib/helpers/validate_presence.js';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';

import {
  ORGANIZATIONS_SCOPE, ORGANIZATION_RESOURCE, organizationAudience, organizationScopesFor,
} from './data.mjs';

const gty = 'refresh_token';

async function refreshTokenHandler(provider, helpers, ctx) {
  const {
    checkDpopReplay,
    checkDpopRequired,
    validateDpop,
    validateGrant,
    applyAuthorizationDetails,
    buildTokenResponse,
  } = helpers;

  presence(ctx, 'refresh_token');

  const {
    rotateRefreshToken,
    features: {
      userinfo,
      mTLS: { getCertificate },
      resourceIndicators,
    },
  } = instance(provider).configuration;

  const { RefreshToken } = provider;
  const { client } = ctx.oidc;

  const dPoP = await validateDpop(ctx);

  let refreshTokenValue = ctx.oidc.params.refresh_token;
  let refreshToken = await RefreshToken.find(refreshTokenValue, { ignoreExpiration: true });

  if (!refreshToken) {
    throw new InvalidGrant('refresh token not found');
  }

  if (refreshToken.clientId !== client.clientId) {
    throw new InvalidGrant('client mismatch');
  }

  if (refreshToken.isExpired) {
    throw new InvalidGrant('refresh token is expired');
  }

  let cert;
  if (client.tlsClientCertificateBoundAccessTokens || refreshToken['x5t#S256']) {
    cert = getCertificate(ctx);
    if (!cert) {
      throw new InvalidGrant('mutual TLS client certificate not provided');
    }
  }

  checkDpopRequired(ctx, dPoP);

  if (refreshToken['x5t#S256'] && refreshToken['x5t#S256'] !== certificateThumbprint(cert)) {
    throw new InvalidGrant('failed x5t#S256 verification');
  }

  const grant = await validateGrant(ctx, refreshToken.grantId);

  if (ctx.oidc.params.scope) {
    const missing = difference([...ctx.oidc.requestParamScopes], [...refreshToken.scopes]);

    if (missing.length !== 0) {
      throw new InvalidScope(`refresh token missing requested ${formatters.pluralize('scope', missing.length)}`, missing.join(' '));
    }
  }

  await checkDpopReplay(ctx, dPoP, client.clientId, InvalidGrant);

  if (refreshToken.jkt && (!dPoP || refreshToken.jkt !== dPoP.thumbprint)) {
    throw new InvalidGrant('failed jkt verification');
  }

  if (['attest_jwt_client_auth', 'attest_jwt_client_auth_dpop'].includes(ctx.oidc.client.clientAuthMethod)) {
    await checkAttestBinding(ctx, refreshToken);
  }

  ctx.oidc.entity('RefreshToken', refreshToken);
  ctx.oidc.entity('Grant', grant);

  const account = await validateAccount(provider, ctx, refreshToken, 'refresh token');
  checkAccountMismatch(refreshToken, grant);

  ctx.oidc.entity('Account', account);

  if (refreshToken.consumed) {
    await Promise.all([
      refreshToken.destroy(),
      revoke(ctx, refreshToken.grantId),
    ]);
    throw new InvalidGrant('refresh token already used');
  }

  /* === Logto RFC 0001 === */
  const organizationId = ctx.oidc.params.organization_id || undefined;
  if (organizationId !== undefined) {
    if (organizationScopesFor(account.accountId, organizationId) === undefined) {
      const error = new AccessDenied('user is not a member of the organization');
      error.status = 403;
      error.statusCode = 403;
      throw error;
    }
    if (!refreshToken.scopes.has(ORGANIZATIONS_SCOPE)) {
      throw new InsufficientScope('refresh token missing required scope', ORGANIZATIONS_SCOPE);
    }
  }
  /* === End Logto RFC 0001 === */

  if (
    rotateRefreshToken === true
    || (
      typeof rotateRefreshToken === 'function'
      && boolean(await rotateRefreshToken(ctx), 'rotateRefreshToken')
    )
  ) {
    await refreshToken.consume();
    ctx.oidc.entity('RotatedRefreshToken', refreshToken);

    refreshToken = new RefreshToken({
      accountId: refreshToken.accountId,
      acr: refreshToken.acr,
      amr: refreshToken.amr,
      authTime: refreshToken.authTime,
      claims: refreshToken.claims,
      client,
      expiresWithSession: refreshToken.expiresWithSession,
      iiat: refreshToken.iiat,
      grantId: refreshToken.grantId,
      gty: refreshToken.gty,
      nonce: refreshToken.nonce,
      resource: refreshToken.resource,
      rotations: typeof refreshToken.rotations === 'number' ? refreshToken.rotations + 1 : 1,
      scope: refreshToken.scope,
      sessionUid: refreshToken.sessionUid,
      sid: refreshToken.sid,
      rar: refreshToken.rar,
      'x5t#S256': refreshToken['x5t#S256'],
      jkt: refreshToken.jkt,
      attestationJkt: refreshToken.attestationJkt,
    });

    if (refreshToken.gty && !refreshToken.gty.endsWith(gty)) {
      refreshToken.gty = `${refreshToken.gty} ${gty}`;
    }

    ctx.oidc.entity('RefreshToken', refreshToken);
    refreshTokenValue = await refreshToken.save();
  }

  const at = createAccessToken(provider, ctx, {
    accountId: account.accountId,
    expiresWithSession: refreshToken.expiresWithSession,
    grantId: refreshToken.grantId,
    sessionUid: refreshToken.sessionUid,
    sid: refreshToken.sid,
  }, refreshToken.gty);

  applyMtlsBinding(at, cert);

  if (dPoP) {
    at.setThumbprint('jkt', dPoP.thumbprint);
  }

  if (at.gty && !at.gty.endsWith(gty)) {
    at.gty = `${at.gty} ${gty}`;
  }

  const scope = ctx.oidc.params.scope ? ctx.oidc.requestParamScopes : refreshToken.scopes;

  if (organizationId !== undefined && !ctx.oidc.params.resource) {
    /* === Logto RFC 0001: organization token === */
    const available = new Set(organizationScopesFor(account.accountId, organizationId));
    const granted = new Set([
      ...scope,
      ...(grant.getResourceScope(ORGANIZATION_RESOURCE) || '').split(' ').filter(Boolean),
    ]);
    const orgScope = [...available].filter((s) => granted.has(s)).join(' ');
    const info = validateResourceServer(
      await resourceIndicators.getResourceServerInfo(ctx, ORGANIZATION_RESOURCE, client),
    );
    at.resourceServer = new provider.ResourceServer(organizationAudience(organizationId), {
      ...info,
      scope: orgScope,
    });
    at.scope = orgScope;
    /* === End Logto RFC 0001 === */
  } else {
    const resource = await resolveResource(
      ctx,
      refreshToken,
      { userinfo, resourceIndicators },
      scope,
    );

    if (resource) {
      const resourceServerInfo = validateResourceServer(
        await resourceIndicators.getResourceServerInfo(ctx, resource, ctx.oidc.client),
      );
      at.resourceServer = new provider.ResourceServer(resource, resourceServerInfo);
      at.scope = grant.getResourceScopeFiltered(
        resource,
        [...scope].filter(Set.prototype.has.bind(at.resourceServer.scopes)),
      );
    } else {
      at.claims = refreshToken.claims;
      at.scope = grant.getOIDCScopeFiltered(scope);
    }
  }

  await applyAuthorizationDetails(ctx, at, refreshToken);

  ctx.oidc.entity('AccessToken', at);
  const accessToken = await at.save();

  const idToken = await issueIdToken(provider, ctx, refreshToken, at, grant, scope);

  ctx.body = buildTokenResponse({
    accessToken,
    authorizationDetails: at.rar,
    expiresIn: at.expiration,
    idToken,
    refreshToken: refreshTokenValue,
    scope: refreshToken.scope ? at.scope : (at.scope || undefined),
    tokenType: at.tokenType,
  });
}

/** Replaces the provider's `refresh_token` grant with the Logto-flavoured one above. */
export function registerRefreshTokenGrant(provider) {
  const bound = Object.fromEntries(
    Object.entries(grantHelpers).map(([name, helper]) => [name, helper.bind(undefined, provider)]),
  );
  provider.registerGrantType(
    gty,
    refreshTokenHandler.bind(undefined, provider, bound),
    ['refresh_token', 'scope', 'organization_id', 'resource'],
    ['resource'],
  );
}
