// Headless Chromium walks the guide's "Checkpoint: test your application" on the axum sample:
// not signed in -> sign in on the identity server's page -> back on the app with the user's
// info -> sign out -> not signed in. A screenshot of each step goes to test-output/browser/.
//
// Usage: node e2e.mjs
//   Starts testing/idp and the sample app binary itself, unless given their URLs:
//   IDP_ENDPOINT=http://127.0.0.1:PORT APP_URL=http://127.0.0.1:PORT node e2e.mjs
//   SAMPLE_BIN (default: target/debug/axum-sample, built with cargo when missing),
//   CHROMIUM (default /usr/bin/chromium).
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
  let bin = process.env.SAMPLE_BIN || join(root, 'target', 'debug', 'axum-sample');
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

async function main() {
  mkdirSync(shots, { recursive: true });
  const endpoint = process.env.IDP_ENDPOINT || (await startIdp());
  const appUrl = (process.env.APP_URL || (await startApp(endpoint))).replace(/\/$/, '');
  console.log(`identity server ${endpoint}, app ${appUrl}`);

  userDataDir = mkdtempSync(join(tmpdir(), 'logto-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  browser = context;
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(STEP_TIMEOUT);

  await step('not signed in at first', '1-not-signed-in.png', page, async () => {
    await page.goto(`${appUrl}/`);
    await expectText(page, '#status', /Not authenticated/);
  });

  await step('sign in leads to the identity server page', '2-identity-server-sign-in.png', page, async () => {
    await page.click('#sign-in');
    await page.waitForURL((url) => url.href.startsWith(`${endpoint}/interaction/`));
    await page.locator('input[name="username"]').waitFor();
  });

  await step('back on the app with the user\'s info', '3-signed-in.png', page, async () => {
    await page.fill('input[name="username"]', USERNAME);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${appUrl}/`);
    await expectText(page, '#status', /Signed in as/);
    await expectText(page, '#user-name', /Demo User/);
    await expectText(page, '#user-sub', /u_demo_0001/);
    await expectText(page, '#userinfo', /demo@example\.com/);
  });

  await step('sign out leaves the user signed out', '4-signed-out.png', page, async () => {
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
process.exit(failed === 0 && passed === 4 ? 0 : 1);
