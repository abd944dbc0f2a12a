// Headless Chromium walks each Python framework sample (python/samples: flask, django, fastapi)
// against the local test identity server, with sessions in a real Redis: not signed in -> sign in
// at the identity server's page -> claims and userinfo shown -> organizations -> an API call
// with an access token -> sign out; then two tabs signing in at once. Each page is checked for
// its content (the session card, the token table with audience, scopes and expiry, the
// organizations with their tokens and a refused non-member, the API call with and without a
// token, the error pages) and for carrying no token value. Screenshots of every step go to
// test-output/browser/python-<framework>-*.png.
//
// Usage: node python-samples.mjs [flask django fastapi]
//   PYTHON (default python/.venv/bin/python, with the logto package built), CHROMIUM
//   (default /usr/bin/chromium), REDIS_SERVER (default redis-server on the PATH),
//   SCREENSHOTS_DIR (also saves <framework>-home.png and <framework>-organizations.png there,
//   the README's pictures, at a fixed 1100-pixel-wide viewport).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const shots = join(root, 'test-output', 'browser');
const python = process.env.PYTHON || join(root, 'python', '.venv', 'bin', 'python');
const USERNAME = 'demo';
const PASSWORD = 'Demo-Passw0rd!';
const STEP_TIMEOUT = 20_000;
const FRAMEWORKS = process.argv.slice(2).length ? process.argv.slice(2) : ['flask', 'django', 'fastapi'];

const children = [];
const dirs = [];
function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => { cleanup(); process.exit(130); });
process.on('SIGTERM', () => { cleanup(); process.exit(143); });

function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

async function startIdp() {
  const idpDir = join(root, 'testing', 'idp');
  if (!existsSync(join(idpDir, 'node_modules', 'oidc-provider'))) {
    const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: idpDir, stdio: 'inherit' });
    if (npm.status !== 0) throw new Error('npm ci in testing/idp failed');
  }
  const child = spawn('node', ['server.mjs', '--port', '0', '--host', '127.0.0.1'], { cwd: idpDir, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const line = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('the test identity server did not start within 60 s')), 60_000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the test identity server exited with ${code}`)); });
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (first) => { clearTimeout(timer); resolvePromise(first); lines.on('line', () => {}); });
  });
  return JSON.parse(line).endpoint.replace(/\/$/, '');
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(process.env.REDIS_SERVER || 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(child);
  await waitFor(async () => {
    // A raw PING over TCP: resolves when Redis answers +PONG.
    const { connect } = await import('node:net');
    return new Promise((ok) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.on('data', (data) => { socket.destroy(); ok(data.toString().startsWith('+PONG')); });
      socket.on('error', () => ok(false));
    });
  }, 'redis-server');
  return `redis://127.0.0.1:${port}/0`;
}

async function waitFor(probe, name, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not start within ${timeout / 1000} s`);
}

async function startSample(framework, endpoint, redisUrl) {
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    LOGTO_ENDPOINT: endpoint,
    LOGTO_APP_ID: 'confidential-app',
    LOGTO_APP_SECRET: 'confidential-secret',
    APP_BASE_URL: appUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    REDIS_URL: redisUrl,
  };
  const child = spawn(python, ['-m', `samples.${framework}_app`], { cwd: join(root, 'python'), env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await waitFor(async () => (await fetch(`${appUrl}/`)).status === 200, `the ${framework} sample`);
  return { appUrl, child };
}

const results = [];
async function step(framework, name, file, page, body) {
  const label = `${framework}: ${name}`;
  try {
    await body();
    results.push({ label, ok: true });
    console.log(`PASS ${label}`);
  } catch (error) {
    results.push({ label, ok: false });
    console.log(`FAIL ${label}: ${error.message.split('\n')[0]}`);
  }
  await page.screenshot({ path: join(shots, `python-${framework}-${file}`), fullPage: true }).catch(() => {});
}

async function expectText(page, selector, pattern) {
  const text = await page.locator(selector).first().textContent({ timeout: STEP_TIMEOUT });
  if (!pattern.test(text ?? '')) throw new Error(`${selector} is ${JSON.stringify(text?.slice(0, 200))}, expected ${pattern}`);
}

/** The page shows claims, never a token: no JWT (they start with `eyJ`) in its HTML. */
async function expectNoToken(page) {
  if ((await page.content()).includes('eyJ')) throw new Error(`${page.url()} carries a token value`);
}

/** With SCREENSHOTS_DIR, the README's picture of the page as it is now. */
async function keep(page, framework, name) {
  if (!process.env.SCREENSHOTS_DIR) return;
  await page.evaluate(() => document.fonts.ready);
  // Down to the footer: the pictures stay small (the README's are under 150 KB).
  const footer = await page.locator('footer').boundingBox();
  const clip = { x: 0, y: 0, width: page.viewportSize().width, height: Math.ceil(footer.y) };
  await page.screenshot({ path: join(process.env.SCREENSHOTS_DIR, `${framework}-${name}.png`), fullPage: true, clip });
}

async function walk(framework, endpoint, redisUrl) {
  const { appUrl, child } = await startSample(framework, endpoint, redisUrl);
  const userDataDir = mkdtempSync(join(tmpdir(), `logto-${framework}-chromium-`));
  dirs.push(userDataDir);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1100, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT);
    console.log(`${framework} sample at ${appUrl}`);

    await step(framework, 'not signed in at first', '1-not-signed-in.png', page, async () => {
      await page.goto(`${appUrl}/`);
      await expectText(page, '#status', /Not authenticated/);
    });
    await step(framework, 'sign in leads to the identity server page', '2-identity-server-sign-in.png', page, async () => {
      await page.click('#sign-in');
      await page.waitForURL((url) => url.href.startsWith(`${endpoint}/interaction/`));
      await page.locator('input[name="username"]').waitFor();
    });
    await step(framework, "back on the app with the user's claims", '3-signed-in.png', page, async () => {
      await page.fill('input[name="username"]', USERNAME);
      await page.fill('input[name="password"]', PASSWORD);
      await page.click('button[type="submit"]');
      await page.waitForURL(`${appUrl}/`);
      await expectText(page, '#status', /Signed in as/);
      await expectText(page, '#user-name', /Demo User/);
      await expectText(page, '#user-sub', /u_demo_0001/);
      // The session card: the ID token's issuer, the session at Logto, a live expiry.
      await expectText(page, '#session', /Session at Logto/);
      await expectText(page, '#session-sid', /\S/); // the sid, or that the identity server sent none
      await expectText(page, '#session-expiry', /expires in \d/);
      // The token table: the opaque user-info token, the API resource's and each organization's
      // token with audience, scopes and expiry.
      await expectText(page, '#tokens tr[data-token="userinfo"]', /opaque/);
      await expectText(page, '#tokens tr[data-token="api"] .aud', /https:\/\/api\.example\.com/);
      await expectText(page, '#tokens tr[data-token="api"] .scopes', /read:data/);
      await expectText(page, '#tokens tr[data-token="api"] .exp', /expires in \d/);
      await expectText(page, '#tokens tr[data-token="org:org-acme"] .aud', /urn:logto:organization:org-acme/);
      await expectText(page, '#tokens tr[data-token="org:org-acme"] .scopes', /read:org/);
      await expectText(page, '#tokens tr[data-token="org:org-globex"] .exp', /expires in \d/);
      await expectNoToken(page);
      await keep(page, framework, 'home');
      const cookies = await context.cookies(appUrl);
      const session = cookies.find((cookie) => cookie.name === 'logto_session');
      if (!session || !session.httpOnly || session.sameSite !== 'Lax') throw new Error('no HttpOnly SameSite=Lax session cookie');
      if (cookies.some((cookie) => cookie.value.includes('eyJ'))) throw new Error('a cookie carries a token');
    });
    await step(framework, 'user info', '4-userinfo.png', page, async () => {
      await page.click('#nav-userinfo');
      await expectText(page, '#userinfo', /demo@example\.com/);
      await expectText(page, '#userinfo', /gh-123/);
      await expectText(page, '#custom-data', /"plan": "pro"/);
      await expectNoToken(page);
    });
    await step(framework, 'organizations', '5-organizations.png', page, async () => {
      await page.click('#nav-organizations');
      await expectText(page, '#organizations', /org-acme/);
      await expectText(page, '#organizations', /urn:logto:organization:org-acme/);
      // Each organization with its name, the user's roles there and its token.
      const acme = '.organization[data-organization="org-acme"]';
      await expectText(page, `${acme} h2`, /Acme/);
      await expectText(page, `${acme} .chip.role`, /admin/);
      await expectText(page, acme, /read:org.*write:org/);
      await expectText(page, acme, /expires in \d/);
      await expectText(page, '.organization[data-organization="org-globex"]', /urn:logto:organization:org-globex/);
      // An organization the user is not a member of: the identity server refuses its token.
      await page.fill('#check', 'org-initech');
      await page.click('form.inline button[type="submit"]');
      await page.waitForURL(`${appUrl}/protected/organizations?check=org-initech`);
      await expectText(page, '#refusal', /No token for org-initech.*not a member/);
      await expectNoToken(page);
      await keep(page, framework, 'organizations');
    });
    await step(framework, 'API call with an access token', '6-api-call.png', page, async () => {
      await page.click('#nav-api');
      await expectText(page, '#api-status', /HTTP 200/);
      await expectText(page, '#api-result', /hello from the API/);
      await expectText(page, '#api-status-without', /HTTP 401/);
      await expectText(page, '#without-token', /WWW-Authenticate/);
      await expectText(page, '#api-token', /read:data/);
      await expectNoToken(page);
    });
    await step(framework, 'sign out leaves the user signed out', '7-signed-out.png', page, async () => {
      await page.click('#sign-out');
      await page.waitForURL(`${appUrl}/`);
      await expectText(page, '#status', /Not authenticated/);
      await page.goto(`${appUrl}/protected`);
      await page.waitForURL((url) => url.href.startsWith(`${endpoint}/`));
    });
    await step(framework, "errors are pages in the sample's style", '7b-error-page.png', page, async () => {
      const forged = await page.goto(`${appUrl}/callback?code=abc&state=forged`);
      if (forged.status() !== 400) throw new Error(`a forged callback answered ${forged.status()}`);
      await expectText(page, '.error-page .code', /400/);
      await expectText(page, '.error-page #auth-error', /\S/);
      const missing = await page.goto(`${appUrl}/no-such-page`);
      if (missing.status() !== 404) throw new Error(`a missing page answered ${missing.status()}`);
      await expectText(page, '.error-page h1', /There is no such page/);
    });
    await step(framework, 'two tabs signing in at once both succeed', '8-two-tabs.png', page, async () => {
      // Both tabs start a sign-in before either finishes. The identity server keeps one login
      // form per browser, so the first tab's form is dead once the second one opens; that tab
      // then reloads its authorization request, which the identity server answers from its
      // new session: the app must still know the first tab's sign-in and complete it.
      const second = await context.newPage();
      second.setDefaultTimeout(STEP_TIMEOUT);
      try {
        let firstAuthorization;
        page.on('request', (request) => {
          if (!firstAuthorization && request.url().startsWith(`${endpoint}/oidc/auth?`)) firstAuthorization = request.url();
        });
        await page.goto(`${appUrl}/sign-in?return_to=/protected`);
        await second.goto(`${appUrl}/sign-in?return_to=/protected/organizations`);
        await second.fill('input[name="username"]', USERNAME);
        await second.fill('input[name="password"]', PASSWORD);
        await second.click('button[type="submit"]');
        await second.waitForURL(`${appUrl}/protected/organizations`);
        await expectText(second, '#organizations', /org-acme/);
        if (!firstAuthorization) throw new Error('the first tab never reached the identity server');
        await page.goto(firstAuthorization);
        await page.waitForURL(`${appUrl}/protected`);
        await expectText(page, '#claims', /u_demo_0001/);
      } finally {
        await second.close().catch(() => {});
      }
    });
  } finally {
    await context.close().catch(() => {});
    child.kill('SIGTERM');
  }
}

const STEPS = 9;
let fatal;
try {
  mkdirSync(shots, { recursive: true });
  if (process.env.SCREENSHOTS_DIR) mkdirSync(process.env.SCREENSHOTS_DIR, { recursive: true });
  const endpoint = await startIdp();
  const redisUrl = await startRedis();
  for (const framework of FRAMEWORKS) await walk(framework, endpoint, redisUrl);
} catch (error) {
  fatal = error;
  console.log(`FAIL setup: ${error.message}`);
} finally {
  cleanup();
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + (fatal ? 1 : 0);
console.log(`screenshots in ${shots}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed === STEPS * FRAMEWORKS.length ? 0 : 1);
