// Headless Chromium walks every page of the axum sample, as in the guide's "Checkpoint: test
// your application" and beyond: signed out -> sign in on the identity server's page -> the
// signed-in home with the session's tokens -> ID token, user info, organizations (and a refused
// one), the API call -> an error page (a forged callback) and a missing page -> sign out.
// Each step asserts what the page shows and leaves a screenshot in test-output/browser/.
//
// Usage: node e2e.mjs
//   Starts testing/idp and the sample app binary itself, unless given their URLs:
//   IDP_ENDPOINT=http://127.0.0.1:PORT APP_URL=http://127.0.0.1:PORT node e2e.mjs
//   SAMPLE_BIN (default: $CARGO_TARGET_DIR or target, then debug/axum-sample; built with cargo
//   when missing), CHROMIUM (default /usr/bin/chromium).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const shots = join(root, 'test-output', 'browser');
const USERNAME = 'demo';
const PASSWORD = 'Demo-Passw0rd!';
const STEP_TIMEOUT = 20_000;
const STEPS = 10;

const children = [];
let userDataDir;
let browser;

function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
}
process.on('SIGINT', () => { cleanup(); process.exit(130); });
process.on('SIGTERM', () => { cleanup(); process.exit(143); });

/** Spawns a process and resolves with the first JSON line it prints on stdout. */
function startPrintingJson(command, args, options, name) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot start ${name}: ${e.message}`)); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited with ${code} before starting`)); });
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try { resolvePromise(JSON.parse(line)); } catch { reject(new Error(`${name} printed ${line}`)); }
      lines.on('line', () => {});
    });
  });
}

async function startIdp() {
  const idpDir = join(root, 'testing', 'idp');
  if (!existsSync(join(idpDir, 'node_modules', 'oidc-provider'))) {
    const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: idpDir, stdio: 'inherit' });
    if (npm.status !== 0) throw new Error('npm ci in testing/idp failed');
  }
  const info = await startPrintingJson('node', ['server.mjs', '--port', '0', '--host', '127.0.0.1'], { cwd: idpDir }, 'the test identity server');
  return info.endpoint;
}

async function startApp(endpoint) {
  const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : join(root, 'target');
  const bin = process.env.SAMPLE_BIN || join(targetDir, 'debug', 'axum-sample');
  if (!process.env.SAMPLE_BIN && !existsSync(bin)) {
    const cargo = spawnSync('cargo', ['build', '-p', 'axum-sample'], { cwd: root, stdio: 'inherit' });
    if (cargo.status !== 0) throw new Error('cargo build -p axum-sample failed');
  }
  const env = {
    ...process.env,
    LOGTO_ENDPOINT: endpoint,
    LOGTO_APP_ID: process.env.LOGTO_APP_ID || 'confidential-app',
    LOGTO_APP_SECRET: process.env.LOGTO_APP_SECRET || 'confidential-secret',
    HOST: '127.0.0.1',
    PORT: '0',
    COOKIE_SECURE: 'false',
  };
  delete env.APP_BASE_URL;
  const info = await startPrintingJson(bin, [], { cwd: root, env }, 'the sample app');
  return info.url;
}

const results = [];
async function step(name, file, page, body) {
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`PASS ${name}`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${error.message.split('\n')[0]}`);
  }
  await page.screenshot({ path: join(shots, file), fullPage: true }).catch(() => {});
}

async function expectText(page, selector, pattern) {
  const text = await page.locator(selector).first().textContent({ timeout: STEP_TIMEOUT });
  if (!pattern.test(text ?? '')) throw new Error(`${selector} is ${JSON.stringify(text)}, expected ${pattern}`);
}

async function expectCount(page, selector, count) {
  const found = await page.locator(selector).count();
  if (found !== count) throw new Error(`${found} elements match ${selector}, expected ${count}`);
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** The page never shows a token: nothing that looks like a JWT (header.payload.) is in it. */
async function expectNoTokenValues(page) {
  const html = await page.content();
  const jwt = html.match(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/);
  expect(!jwt, `the page shows a token: ${jwt?.[0].slice(0, 16)}…`);
}

/** The chips (scopes, roles) inside `locator`. */
async function chipsOf(locator) {
  return (await locator.locator('.chip').allTextContents()).map((text) => text.trim());
}

async function main() {
  mkdirSync(shots, { recursive: true });
  const endpoint = process.env.IDP_ENDPOINT || (await startIdp());
  const appUrl = (process.env.APP_URL || (await startApp(endpoint))).replace(/\/$/, '');
  console.log(`identity server ${endpoint}, app ${appUrl}`);

  userDataDir = mkdtempSync(join(tmpdir(), 'logto-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  browser = context;
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(STEP_TIMEOUT);

  await step('signed out: what the sample is, sign in and create account', '1-signed-out-home.png', page, async () => {
    await page.goto(`${appUrl}/`);
    await expectText(page, '#status', /Not authenticated/);
    await expectText(page, 'h1', /Sign in with Logto/);
    await expectText(page, '#sign-in', /^Sign in$/);
    await expectText(page, '#sign-up', /^Create account$/);
    await expectCount(page, '#sign-out', 0);
  });

  await step('create account opens the register screen, sign in the sign-in page', '2-identity-server-sign-in.png', page, async () => {
    await page.click('#sign-up');
    await page.waitForURL((url) => url.href.startsWith(`${endpoint}/interaction/`));
    const auth = await (await fetch(`${endpoint}/__test/last-auth-request`)).json();
    expect(auth.first_screen === 'register', `sign-up sent first_screen=${auth.first_screen}`);
    await page.goto(`${appUrl}/`);
    await page.click('#sign-in');
    await page.waitForURL((url) => url.href.startsWith(`${endpoint}/interaction/`));
    const again = await (await fetch(`${endpoint}/__test/last-auth-request`)).json();
    expect(!again.first_screen, `sign-in sent first_screen=${again.first_screen}`);
    expect(again.scope.split(' ').includes('read:data'), `sign-in scopes: ${again.scope}`);
    await page.locator('input[name="username"]').waitFor();
  });

  await step('signed-in home: the user, the session and its tokens', '3-signed-in-home.png', page, async () => {
    await page.fill('input[name="username"]', USERNAME);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${appUrl}/`);
    await expectText(page, '#status', /^Signed in$/);
    await expectText(page, '#user-name', /^Demo User$/);
    await expectText(page, '#user-sub', /^u_demo_0001$/);
    await expectText(page, '.profile', /@demo.*demo@example\.com\s*verified/s);
    await expectText(page, '#session', new RegExp(`Issuer\\s*iss\\s*${endpoint}/oidc`));
    await expectText(page, '#session', /Audience\s*aud\s*confidential-app/);
    await expectText(page, '#session', /Refresh token\s*present/);
    const rows = page.locator('#tokens tr.token');
    expect((await rows.count()) === 4, `${await rows.count()} token rows, expected 4 (user info, API, 2 organizations)`);
    await expectText(page, '#tokens tr.token >> nth=0', /User info.*opaque/s);
    await expectText(page, '#tokens tr.token >> nth=1', /https:\/\/api\.example\.com/);
    expect((await chipsOf(rows.nth(1))).join(' ') === 'read:data', `API token scopes: ${await chipsOf(rows.nth(1))}`);
    await expectText(page, '#tokens tr.token >> nth=2', /urn:logto:organization:org-acme/);
    expect((await chipsOf(rows.nth(2))).join(' ') === 'read:org write:org', `Acme token scopes: ${await chipsOf(rows.nth(2))}`);
    await expectText(page, '#tokens tr.token >> nth=3', /urn:logto:organization:org-globex/);
    expect((await chipsOf(rows.nth(3))).join(' ') === 'read:org', `Globex token scopes: ${await chipsOf(rows.nth(3))}`);
    // Live countdowns: the ID token's and each JWT's, ticking.
    await expectCount(page, '[data-expires]', 4);
    const countdown = page.locator('#session [data-expires]');
    const before = await countdown.textContent();
    expect(/^expires in (\d+h )?\d+m \d\ds$/.test(before), `countdown reads ${JSON.stringify(before)}`);
    await page.waitForFunction((text) => document.querySelector('#session [data-expires]').textContent !== text, before);
    await expectNoTokenValues(page);
  });

  await step('ID token page: the verified claims', '4-id-token.png', page, async () => {
    await page.click('nav.main a[href="/protected"]');
    await page.waitForURL(`${appUrl}/protected`);
    await expectText(page, 'nav.main a[aria-current="page"]', /ID token/);
    await expectText(page, '#claims', /Subject \(user id\)\s*sub\s*u_demo_0001/);
    await expectText(page, '#claims', /Organization roles\s*organization_roles\s*org-acme:admin\s*org-globex:member/);
    await expectText(page, '#claims [data-expires]', /expires in/);
    await expectNoTokenValues(page);
  });

  await step('user info page: the userinfo claims, custom data', '5-user-info.png', page, async () => {
    await page.click('nav.main a[href="/protected/userinfo"]');
    await page.waitForURL(`${appUrl}/protected/userinfo`);
    await expectText(page, '#userinfo', /Email\s*email\s*demo@example\.com\s*verified/);
    await expectText(page, '#userinfo', /Address\s*address\s*1 Infinite Loop/);
    await expectText(page, '#userinfo', /Linked identities\s*identities\s*github as gh-123/);
    const custom = JSON.parse(await page.locator('#custom-data').textContent());
    expect(custom.plan === 'pro' && custom.preferences.theme === 'dark', `custom data ${JSON.stringify(custom)}`);
  });

  await step('organizations page: memberships, roles, tokens, and a refusal', '6-organizations.png', page, async () => {
    await page.click('nav.main a[href="/protected/organizations"]');
    await page.waitForURL(`${appUrl}/protected/organizations`);
    const cards = page.locator('.organization');
    await expectCount(page, '.organization', 2);
    await expectText(page, '.organization >> nth=0', /Acme\s*org-acme/);
    expect((await chipsOf(cards.nth(0))).join(' ') === 'admin read:org write:org', `Acme: ${await chipsOf(cards.nth(0))}`);
    await expectText(page, '.organization >> nth=1', /Globex\s*org-globex/);
    expect((await chipsOf(cards.nth(1))).join(' ') === 'member read:org', `Globex: ${await chipsOf(cards.nth(1))}`);
    await expectText(page, '.organization >> nth=0', /urn:logto:organization:org-acme.*expires in/s);
    await page.fill('#check', 'org-initech');
    await page.click('form.inline button');
    await page.waitForURL(`${appUrl}/protected/organizations?check=org-initech`);
    await expectText(page, '#refusal', /org-initech.*not a member.*403 access_denied/s);
    await expectCount(page, '.organization', 2);
    await expectNoTokenValues(page);
  });

  await step('API call page: 200 with the token, 401 without', '7-api-call.png', page, async () => {
    await page.click('nav.main a[href="/protected/api"]');
    await page.waitForURL(`${appUrl}/protected/api`);
    await expectText(page, '#with-token .status', /^200 OK$/);
    const answer = JSON.parse(await page.locator('#with-token .api-body').textContent());
    expect(answer.sub === 'u_demo_0001' && answer.scope.split(' ').includes('read:data'), `API answered ${JSON.stringify(answer)}`);
    await expectText(page, '#without-token .status', /^401 Unauthorized$/);
    await expectText(page, '#without-token', /WWW-Authenticate:\s*Bearer realm="sample-api"/);
    await expectNoTokenValues(page);
  });

  // A forged callback in a browser with no sign-in is a 400 page; in the signed-in one it goes on
  // to the page and changes nothing (the engine's answer in every face).
  const signedIn = await context.cookies();
  await context.clearCookies();
  await step('a forged callback is a readable error page', '8-error-page.png', page, async () => {
    const response = await page.goto(`${appUrl}/callback?code=forged-code&state=forged-state`);
    expect(response.status() === 400, `the forged callback answered ${response.status()}`);
    await expectText(page, '.error-page .code', /400 Bad Request/);
    await expectText(page, '.error-page h1', /Sign-in could not be completed/);
    await expectText(page, '#auth-error', /^Sign-in callback refused: no sign-in session is stored/);
    await expectText(page, '.error-page a.btn.primary', /Back to the home page/);
  });
  await context.clearCookies();
  await context.addCookies(signedIn);
  await page.goto(`${appUrl}/callback?code=forged-code&state=forged-state`);
  await page.waitForURL(`${appUrl}/`);

  await step('a missing page is a readable 404', '9-not-found.png', page, async () => {
    const response = await page.goto(`${appUrl}/no-such-page`);
    expect(response.status() === 404, `a missing page answered ${response.status()}`);
    await expectText(page, '.error-page h1', /There is no such page/);
  });

  await step('the session survived the forged callback; sign out leaves the user signed out', '10-signed-out.png', page, async () => {
    await page.goto(`${appUrl}/`);
    await expectText(page, '#status', /^Signed in$/);
    await page.click('#sign-out');
    await page.waitForURL(`${appUrl}/`);
    await expectText(page, '#status', /Not authenticated/);
    // A protected page now asks for sign-in again.
    await page.goto(`${appUrl}/protected`);
    await page.waitForURL((url) => url.href.startsWith(`${endpoint}/`));
    await page.goto(`${appUrl}/`);
    await expectText(page, '#status', /Not authenticated/);
  });

  await context.close();
}

let fatal;
try {
  await main();
} catch (error) {
  fatal = error;
  console.log(`FAIL setup: ${error.message}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  cleanup();
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + (fatal ? 1 : 0);
console.log(`screenshots in ${shots}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed === STEPS ? 0 : 1);
