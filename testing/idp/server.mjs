#!/usr/bin/env node
// Logto-like OpenID Connect test server built on oidc-provider 9. See README.md.
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as querystring from 'node:querystring';
import { parseArgs } from 'node:util';

import Koa from 'koa';
import mount from 'koa-mount';
import Provider from 'oidc-provider';

import {
  GRANT_TOKEN_EXCHANGE, claimsByScope, clients, demoUser, findUserByEmail, findUserByUsername,
  registerUserByEmail,
} from './data.mjs';
import { registerClientCredentialsGrant } from './grants/client-credentials.mjs';
import { findAccount } from './grants/common.mjs';
import { registerRefreshTokenGrant } from './grants/refresh-token.mjs';
import { registerTokenExchangeGrant } from './grants/token-exchange.mjs';
import { LogoutTokenShape, applyLogoutTokenShape } from './logout-tokens.mjs';
import { ManagementTokens } from './management-tokens.mjs';
import { createResourceServers } from './resource-servers.mjs';
import { MemoryStore, REFRESH_TOKEN_REUSE_INTERVAL_MS } from './store.mjs';
import {
  BackchannelLog, TokenRequestLog, isLoopbackHttp, testRoutes,
} from './test-routes.mjs';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    alg: { type: 'string', default: 'ES384' },
    'access-token-ttl': { type: 'string' },
    'id-token-ttl': { type: 'string' },
    'refresh-token-ttl': { type: 'string' },
    'refresh-token-reuse-interval-ms': { type: 'string' },
  },
});

const log = (...parts) => process.stderr.write(`[test-idp] ${parts.join(' ')}\n`);

const alg = args.alg.toUpperCase();
const ttlArg = (name, fallback) => {
  if (args[name] === undefined) return fallback;
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const accessTokenTtl = ttlArg('access-token-ttl', 3600);
const idTokenTtl = ttlArg('id-token-ttl', 3600);
const refreshTokenTtl = ttlArg('refresh-token-ttl', 14 * 24 * 3600);
const reuseIntervalMs = (() => {
  const raw = args['refresh-token-reuse-interval-ms'];
  if (raw === undefined) return REFRESH_TOKEN_REUSE_INTERVAL_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error('--refresh-token-reuse-interval-ms must be an integer >= 0');
  return value;
})();

function generateSigningKey(algorithm) {
  const curves = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
  let pair;
  if (curves[algorithm]) {
    pair = crypto.generateKeyPairSync('ec', { namedCurve: curves[algorithm] });
  } else if (algorithm === 'RS256' || algorithm === 'PS256') {
    pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  } else {
    throw new Error(`unsupported --alg ${algorithm} (ES256, ES384, ES512, RS256, PS256)`);
  }
  const jwk = pair.privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: crypto.randomBytes(8).toString('hex'), alg: algorithm, use: 'sig' };
}

const signingKey = generateSigningKey(alg);

/** Requests seen at `/oidc/auth`, for `/__test/*`. */
const authRequests = [];
const tokenLog = new TokenRequestLog();
const backchannelLog = new BackchannelLog();
/** `POST /__test/logout-tokens`: whether logout tokens carry `exp` (Logto 1.42+) or not (before). */
const logoutTokenShape = new LogoutTokenShape();
const managementTokens = new ManagementTokens();
/** `POST /__test/token-delay`: how long the token endpoint holds its answers (a slow server). */
const tokenDelay = { ms: 0 };

// Everything oidc-provider stores, clients included (so they can change at run time).
const store = new MemoryStore({ reuseIntervalMs });
clients.forEach((client) => store.putClient(client));
const resourceServers = createResourceServers({ alg, accessTokenTtl });

function queryToObject(search) {
  const out = {};
  for (const [key, value] of new URLSearchParams(search)) {
    if (!(key in out)) out[key] = value;
    else if (Array.isArray(out[key])) out[key].push(value);
    else out[key] = [out[key], value];
  }
  return out;
}

const COOKIE_KEYS = ['logto-test-idp-cookie-key-1'];

function buildProvider(issuer) {
  const provider = new Provider(issuer, {
    // Clients come from the store too (see store.mjs), not from a static `clients` list.
    adapter: store.adapterClass(),
    jwks: { keys: [signingKey] },
    clientDefaults: { id_token_signed_response_alg: alg },
    enabledJWA: {
      idTokenSigningAlgValues: [alg],
      userinfoSigningAlgValues: [alg],
      introspectionSigningAlgValues: [alg],
      authorizationSigningAlgValues: [alg],
    },
    cookies: {
      keys: COOKIE_KEYS,
      long: { sameSite: 'lax', path: '/', signed: true, overwrite: true },
      short: { sameSite: 'lax', path: '/', signed: true, overwrite: true },
    },
    // Like Logto: errors are always the JSON object, whatever the Accept header says.
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
    conformIdTokenClaims: false,
    claims: claimsByScope,
    scopes: ['openid', 'offline_access', ...Object.keys(claimsByScope)],
    extraParams: ['first_screen', 'interaction_mode', 'direct_sign_in', 'identifier', 'organization_id', 'one_time_token'],
    findAccount: async (_ctx, sub) => findAccount(sub),
    // Back-channel logout tokens go to loopback test apps: no protection against requests to
    // special-use addresses (oidc-provider's default `fetch` refuses 127.0.0.1).
    fetch: (url, { dispatcher, ...options }) => globalThis.fetch(url, options),
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      backchannelLogout: { enabled: true },
      // The handler is ours (grants/client-credentials.mjs); enabling the feature makes its tokens
      // introspectable and revocable.
      clientCredentials: { enabled: true },
      // Logto's device flow (1.38+): user codes of 8 letters of its 20 consonants, `XXXX-XXXX`.
      // The pages are plain (no outside fonts); the Logto shape of the answer (its
      // `verification_uri`, no `interval`) is set below.
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        userCodeInputSource: (ctx, form, _out, err) => {
          ctx.type = 'html';
          ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Device sign-in</title></head><body>
<h1>Enter the code shown on your device</h1>${err ? '<p class="error">That code did not work.</p>' : ''}
${form}<button type="submit" form="op.deviceInputForm">Continue</button></body></html>`;
        },
        userCodeConfirmSource: (ctx, form, _client, _deviceInfo, userCode) => {
          ctx.type = 'html';
          ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Confirm the device</title></head><body>
<h1>Sign in on the device showing <code>${escapeHtml(userCode)}</code>?</h1>
${form}<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Cancel</button></body></html>`;
        },
        successSource: (ctx) => {
          ctx.type = 'html';
          ctx.body = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Signed in</title></head><body><h1>Your device is signed in</h1></body></html>';
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        // Like Logto's logout.html: submits `logout=yes` automatically.
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Signing out</title></head>
<body>
<h1>Signing out of Logto test server…</h1>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<script>
  var form = document.forms['op.logoutForm'];
  var input = document.createElement('input');
  input.type = 'hidden'; input.name = 'logout'; input.value = 'yes';
  form.appendChild(input);
  form.submit();
</script>
</body></html>`;
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, indicator) => resourceServers.forUser(indicator),
      },
    },
    extraTokenClaims: (ctx, token) => {
      const params = ctx?.oidc?.params ?? {};
      const claims = {};
      // `organization_id` only with both `resource` and `organization_id` (all grants), as Logto's
      // own claims hook has it: an organization token (no `resource`) names its organization in
      // `aud` alone.
      if (params.organization_id && params.resource && token.resourceServer
        && (token.kind === 'AccessToken' || token.kind === 'ClientCredentials')) {
        claims.organization_id = params.organization_id;
      }
      // Token exchange with an actor token: the grant handler leaves `act` in `token.extra`.
      if (token.kind === 'AccessToken' && token.gty === GRANT_TOKEN_EXCHANGE && token.extra?.act) {
        claims.act = token.extra.act;
      }
      return Object.keys(claims).length ? claims : undefined;
    },
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtl,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtl,
      IdToken: idTokenTtl,
      RefreshToken: refreshTokenTtl,
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 180 * 24 * 3600,
    },
  });

  // Dynamic loopback redirect URIs (ports differ per test run).
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return isLoopbackHttp(value) && new URL(value).pathname.endsWith('/callback');
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value) {
    return isLoopbackHttp(value);
  };

  const grantDeps = { resourceServers, managementTokens, signingKey };
  registerRefreshTokenGrant(provider, grantDeps);
  registerClientCredentialsGrant(provider, grantDeps);
  registerTokenExchangeGrant(provider, grantDeps);

  applyLogoutTokenShape(provider, { shape: logoutTokenShape, signingKey });

  provider.on('backchannel.success', (_ctx, client, sub, sid) => backchannelLog.record({ client, sub, sid }));
  provider.on('backchannel.error', (_ctx, error, client, sub, sid) => {
    backchannelLog.record({ client, sub, sid, error });
  });
  return provider;
}

const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error, username = '') {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in to Logto test server</title></head>
<body>
<h1>Sign in to Logto test server</h1>
${error ? `<p id="error" role="alert" style="color:#b00">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <label>Username <input name="username" autocomplete="username" value="${escapeHtml(username)}" autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password"></label>
  <button type="submit">Sign in</button>
</form>
</body></html>`;
}

/** Logto's messages for its one-time token error codes. */
const ONE_TIME_TOKEN_ERRORS = {
  'one_time_token.token_not_found': 'Token not found.',
  'one_time_token.email_mismatch': 'Email mismatch with given token.',
  'one_time_token.token_expired': 'The token is expired.',
  'one_time_token.token_consumed': 'The token has been consumed.',
  'one_time_token.token_revoked': 'The token has been revoked.',
};

/** The client a token request names: Basic auth user name, or the `client_id` form field. */
function clientIdOf(ctx, form) {
  const match = /^Basic\s+(.+)$/i.exec(ctx.get('authorization'));
  if (match) {
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    try {
      return decodeURIComponent((colon === -1 ? decoded : decoded.slice(0, colon)).replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
  }
  return typeof form.client_id === 'string' ? form.client_id : undefined;
}

async function readRawBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Grants everything the consent prompt asks for and finishes the interaction. */
async function autoConsent(provider, ctx, details) {
  const { prompt: { details: missing }, params, session } = details;
  let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  if (!grant) grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  const result = { consent: {} };
  if (!details.grantId) result.consent.grantId = grantId;
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.respond = false;
}

function buildApp(provider) {
  const app = new Koa();
  app.keys = COOKIE_KEYS; // signed cookies of the mounted provider use the outer app's keys

  // Logto's error shape: add `code` and `message` to every JSON error body.
  app.use(async (ctx, next) => {
    await next();
    const { body } = ctx;
    if (body && typeof body === 'object' && !Buffer.isBuffer(body) && typeof body.error === 'string'
      && typeof body.pipe !== 'function' && !('code' in body)) {
      ctx.body = {
        code: `oidc.${body.error}`,
        message: body.error_description ?? body.error,
        ...body,
      };
    }
  });

  // The device flow in Logto's shape: the user goes to `{endpoint}/device`, and the device
  // authorization answer names it and carries no `interval` (poll every 5 s).
  app.use(async (ctx, next) => {
    if (ctx.path === '/device' && ctx.method === 'GET') {
      ctx.redirect(`/oidc/device${ctx.search}`);
      return undefined;
    }
    await next();
    if (ctx.path === '/oidc/device/auth' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      const endpoint = provider.issuer.replace(/\/oidc$/, '');
      const { interval, ...body } = ctx.body;
      body.verification_uri = `${endpoint}/device`;
      body.verification_uri_complete = `${endpoint}/device?user_code=${encodeURIComponent(body.user_code)}`;
      ctx.body = body;
    }
    return undefined;
  });

  // Test routes (test-routes.mjs), and the log of authorization requests.
  app.use(testRoutes({
    provider, store, managementTokens, authRequests, tokenLog, backchannelLog, tokenDelay, logoutTokenShape,
  }));
  app.use(async (ctx, next) => {
    if (ctx.path === '/oidc/auth' && ctx.method === 'GET') {
      authRequests.push(queryToObject(ctx.querystring));
    }
    await next();
    if (ctx.path === '/oidc/jwks' && ctx.status === 200) ctx.set('cache-control', 'no-cache'); // like Logto
  });

  // Token, revocation and introspection requests: the form is read here once, to record token
  // requests and to accept client_secret_post from clients registered with client_secret_basic
  // (rewritten into Basic auth, which Logto accepts for them too).
  const basicClients = new Map(clients
    .filter((c) => c.token_endpoint_auth_method === 'client_secret_basic')
    .map((c) => [c.client_id, c.client_secret]));
  app.use(async (ctx, next) => {
    if (ctx.method !== 'POST' || !['/oidc/token', '/oidc/token/revocation', '/oidc/token/introspection'].includes(ctx.path)) {
      return next();
    }
    let form = {};
    if (ctx.is('application/x-www-form-urlencoded')) {
      form = { ...querystring.parse(await readRawBody(ctx.req)) };
      const body = { ...form };
      if (!ctx.get('authorization') && typeof body.client_id === 'string'
        && typeof body.client_secret === 'string' && basicClients.has(body.client_id)) {
        const enc = (v) => encodeURIComponent(v);
        ctx.req.headers.authorization = `Basic ${Buffer.from(`${enc(body.client_id)}:${enc(body.client_secret)}`).toString('base64')}`;
        delete body.client_secret;
        delete body.client_id;
      }
      ctx.req.body = querystring.stringify(body);
    }
    await next();
    if (ctx.path === '/oidc/token') {
      tokenLog.record({
        form, clientId: clientIdOf(ctx, form), status: ctx.status, body: ctx.body,
      });
      // Answered after the work is done: a rotated refresh token is already the live one.
      if (tokenDelay.ms > 0) await new Promise((resolve) => { setTimeout(resolve, tokenDelay.ms); });
    }
    return undefined;
  });

  // Interactions: login page, then automatic consent.
  app.use(async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!match) return next();
    const [, uid, login] = match;
    ctx.set('cache-control', 'no-store');
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (error) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: `interaction not found: ${error.message}` };
      return undefined;
    }
    if (details.uid !== uid) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'interaction uid mismatch' };
      return undefined;
    }
    if (ctx.method === 'GET' && !login) {
      if (details.prompt.name === 'consent') return autoConsent(provider, ctx, details);
      const { one_time_token: oneTimeToken, login_hint: loginHint } = details.params;
      if (oneTimeToken !== undefined) {
        // Logto's magic link: `one_time_token` + `login_hint=<email>` sign in without a password.
        const outcome = managementTokens.consumeOneTimeToken(String(oneTimeToken), loginHint);
        if (outcome.error) {
          ctx.type = 'html';
          ctx.body = loginPage(uid, `${outcome.error}: ${ONE_TIME_TOKEN_ERRORS[outcome.error]}`);
          return undefined;
        }
        const user = findUserByEmail(outcome.record.email) ?? registerUserByEmail(outcome.record.email);
        await provider.interactionFinished(ctx.req, ctx.res, {
          login: { accountId: user.sub },
        }, { mergeWithLastSubmission: false });
        ctx.respond = false;
        return undefined;
      }
      ctx.type = 'html';
      ctx.body = loginPage(uid);
      return undefined;
    }
    if (ctx.method === 'POST' && login) {
      const form = querystring.parse(await readRawBody(ctx.req));
      const username = String(form.username ?? '');
      const user = findUserByUsername(username);
      if (!user || user.password !== String(form.password ?? '')) {
        ctx.status = 401;
        ctx.type = 'html';
        ctx.body = loginPage(uid, 'Invalid username or password.', username);
        return undefined;
      }
      await provider.interactionFinished(ctx.req, ctx.res, {
        login: { accountId: user.sub, amr: ['pwd'] },
      }, { mergeWithLastSubmission: false });
      ctx.respond = false;
      return undefined;
    }
    ctx.status = 405;
    return undefined;
  });

  app.use(mount('/oidc', provider));
  return app;
}

// The issuer contains the port, so the provider is built once the socket listens.
const server = http.createServer();
server.listen(Number(args.port), args.host, () => {
  const { port } = server.address();
  const host = args.host.includes(':') ? `[${args.host}]` : args.host;
  const origin = `http://${host}:${port}`;
  const provider = buildProvider(`${origin}/oidc`);
  provider.on('server_error', (_ctx, error) => log('server_error', error?.stack ?? error));
  // Token endpoint errors answer with a generic description (like Logto); the detail goes here.
  provider.on('grant.error', (ctx, error) => {
    log('grant.error', ctx.oidc?.params?.grant_type ?? '-', error.error, error.error_detail ?? error.error_description);
  });
  server.on('request', buildApp(provider).callback());
  process.stdout.write(`${JSON.stringify({ endpoint: origin, issuer: `${origin}/oidc` })}\n`);
  log(`listening on ${origin} (alg ${alg}, demo user ${demoUser.username})`);
});

const shutdown = () => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
