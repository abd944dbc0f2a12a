// Static data of the Logto test server: clients, the demo user, API resources and organizations.

/** Client table (documented in README.md). */
export const clients = [
  {
    client_id: 'confidential-app',
    client_secret: 'confidential-secret',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    client_id: 'public-app',
    token_endpoint_auth_method: 'none',
  },
  {
    client_id: 'special:app id',
    client_secret: 'p:a%ss+ w0rd',
    token_endpoint_auth_method: 'client_secret_basic',
  },
].map((client) => ({
  ...client,
  application_type: 'web',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  // Placeholders: the real check is `redirectUriAllowed` / `postLogoutRedirectUriAllowed` in server.mjs.
  redirect_uris: ['http://127.0.0.1/callback'],
  post_logout_redirect_uris: ['http://127.0.0.1/'],
}));

export const ORGANIZATIONS_SCOPE = 'urn:logto:scope:organizations';
export const ORGANIZATION_ROLES_SCOPE = 'urn:logto:scope:organization_roles';
export const ORGANIZATION_RESOURCE = 'urn:logto:resource:organizations';
export const organizationAudience = (id) => `urn:logto:organization:${id}`;

/** API resources: indicator -> scopes. Anything else is `invalid_target`. */
export const resources = {
  'https://api.example.com': ['read:data', 'write:data'],
  [ORGANIZATION_RESOURCE]: ['read:org', 'write:org'],
};

export const organizations = {
  'org-acme': { id: 'org-acme', name: 'Acme', description: null },
  'org-globex': { id: 'org-globex', name: 'Globex', description: null },
  'org-initech': { id: 'org-initech', name: 'Initech', description: null },
};

/** Organization role -> organization scopes. */
const organizationRoleScopes = { admin: ['read:org', 'write:org'], member: ['read:org'] };

export const demoUser = {
  username: 'demo',
  password: 'Demo-Passw0rd!',
  sub: 'u_demo_0001',
  name: 'Demo User',
  picture: 'https://example.com/demo.png',
  email: 'demo@example.com',
  email_verified: true,
  phone_number: '+15555550100',
  phone_number_verified: true,
  created_at: 1_700_000_000_000,
  updated_at: 1_700_000_500_000,
  custom_data: { plan: 'pro', preferences: { theme: 'dark' } },
  identities: { github: { userId: 'gh-123', details: { login: 'demo' } } },
  sso_identities: [],
  roles: ['admin'],
  organizations: ['org-acme', 'org-globex'],
  organization_roles: ['org-acme:admin', 'org-globex:member'],
};

export const users = { [demoUser.sub]: demoUser };

export function findUserByUsername(username) {
  return Object.values(users).find((user) => user.username === username);
}

/** Organization scopes the user holds in the organization, or `undefined` if not a member. */
export function organizationScopesFor(sub, organizationId) {
  const user = users[sub];
  if (!user || !user.organizations.includes(organizationId)) return undefined;
  const scopes = new Set();
  for (const entry of user.organization_roles) {
    const [org, role] = entry.split(':');
    if (org === organizationId) (organizationRoleScopes[role] || []).forEach((s) => scopes.add(s));
  }
  return [...scopes];
}

/** Claims by scope, like Logto. `userinfoOnly` claims never go into ID tokens. */
export const claimsByScope = {
  openid: ['sub'],
  profile: ['name', 'picture', 'username', 'created_at', 'updated_at'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  custom_data: ['custom_data'],
  identities: ['identities', 'sso_identities'],
  roles: ['roles'],
  [ORGANIZATIONS_SCOPE]: ['organizations', 'organization_data'],
  [ORGANIZATION_ROLES_SCOPE]: ['organization_roles'],
};
export const userinfoOnly = new Set(['custom_data', 'identities', 'sso_identities', 'organization_data']);

/** All claims of a user for `use` (`id_token` or `userinfo`) and a space-separated scope. */
export function userClaims(user, use, scope) {
  const scopes = new Set(String(scope || '').split(' '));
  const out = { sub: user.sub };
  for (const [s, names] of Object.entries(claimsByScope)) {
    if (!scopes.has(s)) continue;
    for (const name of names) {
      if (use === 'id_token' && userinfoOnly.has(name)) continue;
      if (name === 'organization_data') {
        out.organization_data = user.organizations.map((id) => organizations[id]);
      } else {
        out[name] = user[name];
      }
    }
  }
  return out;
}
