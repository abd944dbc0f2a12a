// Resource server descriptions (`features.resourceIndicators.getResourceServerInfo` and the grant
// handlers): which scopes an API offers to whom, and how its access tokens look.
import { errors } from 'oidc-provider';

import { m2mGrants, organizationAudience, resources } from './data.mjs';

export function createResourceServers({ alg, accessTokenTtl }) {
  const describe = (scopes) => ({
    scope: scopes.join(' '),
    accessTokenFormat: 'jwt',
    accessTokenTTL: accessTokenTtl,
    jwt: { sign: { alg } },
  });

  return {
    /** A user's view of an API resource: every scope it defines. */
    forUser(indicator) {
      const scopes = resources[indicator];
      if (!scopes) throw new errors.InvalidTarget();
      return describe(scopes);
    },

    /**
     * A machine-to-machine app's view of an API resource: the scopes of its own roles, or with an
     * organization, the API scopes of its roles in that organization.
     */
    forApp(indicator, clientId, organizationId) {
      if (!resources[indicator]) throw new errors.InvalidTarget();
      const app = m2mGrants[clientId];
      const source = organizationId ? app?.organizations[organizationId]?.resourceScopes : app?.resourceScopes;
      return describe(source?.[indicator] ?? []);
    },

    /**
     * An organization token's resource server (`aud` = `urn:logto:organization:<id>`). Logto gives
     * these tokens a fixed 3600 s; here they follow `--access-token-ttl` (3600 by default).
     */
    forOrganization(organizationId, availableScopes) {
      return {
        ...describe(availableScopes),
        audience: organizationAudience(organizationId),
      };
    },
  };
}
