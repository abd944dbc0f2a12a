// Static data of the Logto test server: clients, users, API resources and organizations.
import * as crypto from 'node:crypto';

export const GRANT_AUTHORIZATION_CODE = 'authorization_code';
export const GRANT_REFRESH_TOKEN = 'refresh_token';
export const GRANT_CLIENT_CREDENTIALS = 'client_credentials';
export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const GRANT_DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * Client table (documented in README.md). Like Logto, the application type decides the grant
 * types; `allowTokenExchange` (Logto's custom client metadata of the same name) adds the
 * token-exchange grant. Public clients (SPA/native) use `none`, the others `client_secret_basic`.
 */
const applications = [
  {
    client_id: 'confidential-app',
    client_secret: 'confidential-secret',
    type: 'traditional',
    allowTokenExchange: true,
  },
  { client_id: 'public-app', type: 'spa' },
  { client_id: 'special:app id', client_secret: 'p:a%ss+ w0rd', type: 'traditional' },
  { client_id: 'm2m-app', client_secret: 'm2m-secret', type: 'm2m' },
  // A Native app created with the device flow (Logto 1.38+): public, device code and refresh
  // token grants, and the loopback redirect of a command-line tool.
  { client_id: 'native-app', type: 'native' },
];

function clientMetadata({ client_id, client_secret, type, allowTokenExchange }) {
  const extra = allowTokenExchange ? [GRANT_TOKEN_EXCHANGE] : [];
  const common = {
    client_id,
    ...(client_secret ? { client_secret } : {}),
    application_type: 'web',
    token_endpoint_auth_method: client_secret ? 'client_secret_basic' : 'none',
  };
  if (type === 'native') {
    return {
      ...common,
      application_type: 'native',
      grant_types: [GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN, GRANT_DEVICE_CODE],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      post_logout_redirect_uris: [],
    };
  }
  if (type === 'm2m') {
    // Machine-to-machine: no front channel at all.
    return {
      ...common,
      grant_types: [GRANT_CLIENT_CREDENTIALS, ...extra],
      response_types: [],
      redirect_uris: [],
    };
  }
  return {
    ...common,
    grant_types: [GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN, ...extra],
    response_types: ['code'],
    // Placeholders: the real check is `redirectUriAllowed` / `postLogoutRedirectUriAllowed` in
    // server.mjs, which accept any loopback URI.
    redirect_uris: ['http://127.0.0.1/callback'],
    post_logout_redirect_uris: ['http://127.0.0.1/'],
  };
}

/** Client metadata as oidc-provider reads it (served through the storage adapter). */
export const clients = applications.map(clientMetadata);

/** Ids of the clients that may use the token-exchange grant. */
export const tokenExchangeClients = new Set(
  applications.filter((a) => a.allowTokenExchange).map((a) => a.client_id),
);

export const ORGANIZATIONS_SCOPE = 'urn:logto:scope:organizations';
export const ORGANIZATION_ROLES_SCOPE = 'urn:logto:scope:organization_roles';
export const SESSIONS_SCOPE = 'urn:logto:scope:sessions';
export const ORGANIZATION_RESOURCE = 'urn:logto:resource:organizations';
export const organizationAudience = (id) => `urn:logto:organization:${id}`;

export const API_RESOURCE = 'https://api.example.com';

/** API resources: indicator -> scopes. Anything else is `invalid_target`. */
export const resources = {
  [API_RESOURCE]: ['read:data', 'write:data'],
  [ORGANIZATION_RESOURCE]: ['read:org', 'write:org'],
};

export const organizations = {
  'org-acme': { id: 'org-acme', name: 'Acme', description: null },
  'org-globex': { id: 'org-globex', name: 'Globex', description: null },
  'org-initech': { id: 'org-initech', name: 'Initech', description: null },
};

/** Organization role -> organization scopes. */
const organizationRoleScopes = { admin: ['read:org', 'write:org'], member: ['read:org'] };

/**
 * What the machine-to-machine app is allowed, like Logto's machine-to-machine roles:
 * `resourceScopes` from its own roles, and per organization it is a member of, the organization
 * scopes and API resource scopes of its organization roles.
 */
export const m2mGrants = {
  'm2m-app': {
    resourceScopes: { [API_RESOURCE]: ['read:data'] },
    organizations: {
      'org-acme': {
        organizationScopes: ['read:org'],
        resourceScopes: { [API_RESOURCE]: ['read:data', 'write:data'] },
      },
    },
  },
};

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
  // Logto returns the profile address with its stored (camelCase) keys.
  address: {
    formatted: '1 Infinite Loop, Springfield, OR 97403, US',
    streetAddress: '1 Infinite Loop',
    locality: 'Springfield',
    region: 'OR',
    postalCode: '97403',
    country: 'US',
  },
  created_at: 1_700_000_000_000,
  updated_at: 1_700_000_500_000,
  custom_data: { plan: 'pro', preferences: { theme: 'dark' } },
  identities: { github: { userId: 'gh-123', details: { login: 'demo' } } },
  sso_identities: [],
  roles: ['admin'],
  organizations: ['org-acme', 'org-globex'],
  organization_roles: ['org-acme:admin', 'org-globex:member'],
};

/** Users by sub. New users appear when a one-time token registers an unknown email. */
export const users = { [demoUser.sub]: demoUser };

export function findUserByUsername(username) {
  return Object.values(users).find((user) => user.username === username);
}

export function findUserByEmail(email) {
  const wanted = String(email).toLowerCase();
  return Object.values(users).find((user) => user.email?.toLowerCase() === wanted);
}

/** Registers a user known only by a verified email (Logto's magic-link registration). */
export function registerUserByEmail(email) {
  const now = Date.now();
  const user = {
    username: null,
    password: undefined,
    sub: `u_${crypto.randomBytes(6).toString('hex')}`,
    name: null,
    picture: null,
    email: String(email),
    email_verified: true,
    phone_number: null,
    phone_number_verified: false,
    address: undefined,
    created_at: now,
    updated_at: now,
    custom_data: {},
    identities: {},
    sso_identities: [],
    roles: [],
    organizations: [],
    organization_roles: [],
  };
  users[user.sub] = user;
  return user;
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
  address: ['address'],
  custom_data: ['custom_data'],
  identities: ['identities', 'sso_identities'],
  roles: ['roles'],
  [ORGANIZATIONS_SCOPE]: ['organizations', 'organization_data'],
  [ORGANIZATION_ROLES_SCOPE]: ['organization_roles'],
  // Only for Logto's account API (session management); never adds claims.
  [SESSIONS_SCOPE]: [],
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
      } else if (user[name] !== undefined) {
        out[name] = user[name];
      }
    }
  }
  return out;
}
