// The `client_credentials` grant for machine-to-machine apps, written for this test server on
// oidc-provider's public API, following Logto (its RFC 0006 organization tokens for apps):
// - `resource` (exactly one): a JWT for that API, scope = requested ∩ the app's scopes for it
//   (with `organization_id` too: the API scopes of the app's roles in that organization, and an
//   `organization_id` claim);
// - `organization_id` alone: a JWT with `aud` `urn:logto:organization:<id>`, scope = requested ∩
//   the app's organization scopes; an organization the app is not a member of is 403
//   `access_denied`;
// - neither: `invalid_target`.
import { errors } from 'oidc-provider';

import { GRANT_CLIENT_CREDENTIALS, m2mGrants, organizationAudience } from '../data.mjs';
import { accessDenied, stringParam } from './common.mjs';

const { InvalidTarget } = errors;

export function registerClientCredentialsGrant(provider, { resourceServers }) {
  async function clientCredentialsGrant(ctx) {
    const { client, params } = ctx.oidc;
    const organizationId = stringParam(ctx, 'organization_id');
    const membership = organizationId === undefined
      ? undefined
      : m2mGrants[client.clientId]?.organizations[organizationId];

    if (organizationId !== undefined && !membership) {
      throw accessDenied('app has not associated with the organization');
    }

    let requestedResources = [];
    if (params.resource !== undefined) {
      requestedResources = (Array.isArray(params.resource) ? params.resource : [params.resource])
        .filter(Boolean);
    }
    // Every requested resource must exist before the count is looked at (like Logto).
    const infos = requestedResources.map(
      (indicator) => resourceServers.forApp(indicator, client.clientId, organizationId),
    );

    if (organizationId === undefined && requestedResources.length === 0) {
      throw new InvalidTarget('both `resource` and `organization_id` are not provided');
    }

    const requested = params.scope ? [...new Set(String(params.scope).split(' '))] : [];
    const token = new provider.ClientCredentials({
      client,
      scope: requested.join(' ') || undefined,
    });

    if (requestedResources.length > 0) {
      if (requestedResources.length !== 1) {
        throw new InvalidTarget('only a single resource indicator value is supported for this grant type');
      }
      token.resourceServer = new provider.ResourceServer(requestedResources[0], infos[0]);
      const offered = token.resourceServer.scopes;
      token.scope = requested.filter((s) => offered.has(s)).join(' ') || undefined;
    } else {
      const available = membership.organizationScopes;
      token.resourceServer = new provider.ResourceServer(
        organizationAudience(organizationId),
        resourceServers.forOrganization(organizationId, available),
      );
      token.scope = available.filter((s) => requested.includes(s)).join(' ');
    }

    ctx.oidc.entity('ClientCredentials', token);
    const value = await token.save();

    ctx.body = {
      access_token: value,
      expires_in: token.expiration,
      token_type: token.tokenType,
      // Like Logto: `scope` is absent for a resource token without scopes, `""` for an
      // organization token without scopes.
      scope: token.scope,
    };
  }

  provider.registerGrantType(
    GRANT_CLIENT_CREDENTIALS,
    clientCredentialsGrant,
    ['scope', 'organization_id', 'resource'],
    ['resource'],
  );
}
