// The `/__test/*` routes: inspection and control of the running server for tests (README.md).
import * as crypto from 'node:crypto';
import * as querystring from 'node:querystring';

import { demoUser, users } from './data.mjs';
import { revokeGrant } from './grants/common.mjs';

export const sha256Hex = (value) => crypto.createHash('sha256').update(String(value)).digest('hex');

/** An `http://127.0.0.1` or `http://localhost` URL without credentials or fragment. */
export const isLoopbackHttp = (value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost')
      && !url.username && !url.password && !url.hash;
  } catch {
    return false;
  }
};

/** Requests seen at the token endpoint, for `GET /__test/token-requests`. */
export class TokenRequestLog {
  constructor() {
    this.reset();
  }

  reset() {
    this.total = 0;
    this.byGrantType = {};
    this.byOutcome = {};
    this.byGrantTypeAndOutcome = {};
    this.refreshRequests = [];
  }

  /** Records one answered token request (`form`: its parsed body, `clientId`: who asked). */
  record({ form, clientId, status, body }) {
    const grantType = typeof form.grant_type === 'string' ? form.grant_type : '(none)';
    let outcome = `http_${status}`;
    if (status === 200) outcome = 'ok';
    else if (body && typeof body === 'object' && typeof body.error === 'string') outcome = body.error;

    this.total += 1;
    this.byGrantType[grantType] = (this.byGrantType[grantType] ?? 0) + 1;
    this.byOutcome[outcome] = (this.byOutcome[outcome] ?? 0) + 1;
    this.byGrantTypeAndOutcome[grantType] ??= {};
    this.byGrantTypeAndOutcome[grantType][outcome] = (this.byGrantTypeAndOutcome[grantType][outcome] ?? 0) + 1;

    if (grantType === 'refresh_token') {
      const presented = typeof form.refresh_token === 'string' ? sha256Hex(form.refresh_token) : null;
      const issued = status === 200 && typeof body?.refresh_token === 'string' ? sha256Hex(body.refresh_token) : null;
      const single = (value) => (value === undefined ? null : value);
      this.refreshRequests.push({
        at_ms: Date.now(),
        client_id: clientId ?? null,
        refresh_token_sha256: presented,
        resource: single(form.resource),
        organization_id: single(form.organization_id),
        status,
        outcome,
        issued_refresh_token_sha256: issued,
        rotated: issued !== null && issued !== presented,
      });
    }
  }

  toJSON() {
    return {
      total: this.total,
      by_grant_type: this.byGrantType,
      by_outcome: this.byOutcome,
      by_grant_type_and_outcome: this.byGrantTypeAndOutcome,
      refresh_requests: this.refreshRequests,
    };
  }
}

/** Back-channel logout deliveries (from `/oidc/session/end` and `/__test/end-sessions`). */
export class BackchannelLog {
  deliveries = [];

  record({ client, sub, sid, error }) {
    const entry = {
      at_ms: Date.now(),
      client_id: client.clientId,
      uri: client.backchannelLogoutUri ?? null,
      sub: sub ?? null,
      sid: sid ?? null,
      ok: !error,
      error: error ? String(error.message ?? error) : null,
    };
    this.deliveries.push(entry);
    return entry;
  }
}

async function readBody(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return {};
  if (ctx.is('application/json')) {
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  return { ...querystring.parse(raw) };
}

function fail(ctx, status, description) {
  ctx.status = status;
  ctx.body = { error: status === 404 ? 'not_found' : 'invalid_request', error_description: description };
}

/**
 * Ends every session (of `sub`, if given) like a sign-out of all its apps: back-channel logout
 * tokens to the apps that registered a URI, grants without `offline_access` revoked, the session
 * destroyed.
 */
async function endSessions({ provider, store, backchannelLog }, sub) {
  const logouts = [];
  let ended = 0;
  for (const [id, payload] of store.list('Session')) {
    if (!payload.accountId || (sub && payload.accountId !== sub)) continue;
    const session = await provider.Session.find(id);
    if (!session) continue;
    for (const [clientId, authorization] of Object.entries(session.authorizations ?? {})) {
      let client;
      try {
        client = await provider.Client.find(clientId);
      } catch {
        client = undefined;
      }
      if (client?.backchannelLogoutUri) {
        try {
          await client.backchannelLogout(session.accountId, authorization.sid);
          logouts.push(backchannelLog.record({ client, sub: session.accountId, sid: authorization.sid }));
        } catch (error) {
          logouts.push(backchannelLog.record({ client, sub: session.accountId, sid: authorization.sid, error }));
        }
      }
      if (authorization.grantId && !authorization.persistsLogout) {
        await revokeGrant(provider, authorization.grantId);
      }
    }
    await session.destroy();
    ended += 1;
  }
  return { ended, backchannel_logouts: logouts };
}

/** Koa middleware serving `/__test/*`. */
export function testRoutes(deps) {
  const {
    provider, store, managementTokens, authRequests, tokenLog, backchannelLog, tokenDelay, logoutTokenShape,
  } = deps;

  const routes = {
    'GET /__test/last-auth-request': (ctx) => { ctx.body = authRequests.at(-1) ?? null; },
    'GET /__test/auth-requests': (ctx) => { ctx.body = authRequests; },

    'GET /__test/token-requests': (ctx) => { ctx.body = tokenLog.toJSON(); },
    'POST /__test/token-requests/reset': (ctx) => {
      tokenLog.reset();
      ctx.body = tokenLog.toJSON();
    },

    'POST /__test/token-delay': async (ctx) => {
      const body = await readBody(ctx);
      const ms = Number(body?.ms);
      if (!Number.isInteger(ms) || ms < 0 || ms > 60000) return fail(ctx, 400, '`ms` must be an integer from 0 to 60000');
      tokenDelay.ms = ms;
      ctx.body = { ms };
      return undefined;
    },

    'POST /__test/revoke-grants': async (ctx) => {
      const { sub, client_id: clientId } = ctx.query;
      let revoked = 0;
      for (const [id, grant] of store.list('Grant')) {
        if (sub && grant.accountId !== sub) continue;
        if (clientId && grant.clientId !== clientId) continue;
        await revokeGrant(provider, id);
        revoked += 1;
      }
      ctx.body = { revoked };
    },

    'POST /__test/end-sessions': async (ctx) => {
      ctx.body = await endSessions(deps, ctx.query.sub || undefined);
    },

    'GET /__test/backchannel-logouts': (ctx) => { ctx.body = backchannelLog.deliveries; },

    'GET /__test/logout-tokens': (ctx) => { ctx.body = logoutTokenShape; },
    'POST /__test/logout-tokens': async (ctx) => {
      const body = await readBody(ctx);
      const exp = { true: true, false: false }[String(body?.exp)];
      if (exp === undefined) return fail(ctx, 400, '`exp` must be true or false');
      logoutTokenShape.exp = exp;
      ctx.body = logoutTokenShape;
      return undefined;
    },

    'POST /__test/backchannel-logout': async (ctx) => {
      const body = await readBody(ctx);
      if (!body || typeof body.client_id !== 'string') return fail(ctx, 400, '`client_id` is required');
      const metadata = store.getClient(body.client_id);
      if (!metadata) return fail(ctx, 404, `unknown client ${body.client_id}`);
      const uri = body.backchannel_logout_uri;
      if (uri === null || uri === undefined || uri === '') {
        delete metadata.backchannel_logout_uri;
        delete metadata.backchannel_logout_session_required;
      } else {
        if (!isLoopbackHttp(uri)) return fail(ctx, 400, 'backchannel_logout_uri must be an http://127.0.0.1 or http://localhost URL');
        metadata.backchannel_logout_uri = uri;
        const required = body.backchannel_logout_session_required;
        metadata.backchannel_logout_session_required = required === undefined ? true : [true, 'true'].includes(required);
      }
      try {
        await provider.Client.validate(metadata);
      } catch (error) {
        return fail(ctx, 400, `invalid client metadata: ${error.error_description ?? error.message}`);
      }
      store.putClient(metadata);
      ctx.body = {
        client_id: metadata.client_id,
        backchannel_logout_uri: metadata.backchannel_logout_uri ?? null,
        backchannel_logout_session_required: metadata.backchannel_logout_session_required ?? false,
      };
      return undefined;
    },

    'POST /__test/one-time-tokens': async (ctx) => {
      const body = await readBody(ctx);
      if (!body || typeof body.email !== 'string' || !body.email.includes('@')) {
        return fail(ctx, 400, '`email` is required');
      }
      const expiresIn = body.expiresIn === undefined ? undefined : Number(body.expiresIn);
      if (expiresIn !== undefined && !(Number.isFinite(expiresIn) && expiresIn >= 1)) {
        return fail(ctx, 400, '`expiresIn` must be a number of seconds >= 1');
      }
      ctx.status = 201;
      ctx.body = managementTokens.createOneTimeToken({ email: body.email, expiresIn, context: body.context });
      return undefined;
    },

    'POST /__test/subject-tokens': async (ctx) => {
      const body = await readBody(ctx);
      const userId = body?.userId ?? demoUser.sub;
      if (!users[userId]) return fail(ctx, 404, `unknown user ${userId}`);
      ctx.status = 201;
      ctx.body = managementTokens.createSubjectToken({ userId, context: body?.context });
      return undefined;
    },

    'POST /__test/personal-access-tokens': async (ctx) => {
      const body = await readBody(ctx);
      const userId = body?.userId ?? demoUser.sub;
      if (!users[userId]) return fail(ctx, 404, `unknown user ${userId}`);
      const expiresAt = body?.expiresAt ?? null;
      if (expiresAt !== null && !Number.isFinite(Number(expiresAt))) {
        return fail(ctx, 400, '`expiresAt` must be milliseconds since the epoch or null');
      }
      ctx.status = 201;
      ctx.body = managementTokens.createPersonalAccessToken({
        userId,
        name: body?.name ?? `pat-${crypto.randomBytes(4).toString('hex')}`,
        expiresAt: expiresAt === null ? null : Number(expiresAt),
      });
      return undefined;
    },
  };

  return async (ctx, next) => {
    if (!ctx.path.startsWith('/__test/')) return next();
    const route = routes[`${ctx.method} ${ctx.path}`];
    ctx.set('cache-control', 'no-store');
    if (!route) return fail(ctx, 404, `no test route ${ctx.method} ${ctx.path}`);
    return route(ctx);
  };
}
