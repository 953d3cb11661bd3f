// Shared helpers for the browser tests: start a throw-away `kaowu demo` server, launch Debian's Chromium
// through playwright-core (never a downloaded browser), make valid test data, and drive the registration pages.

import { after, before } from 'node:test';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const KAOWU_BIN = process.env.KAOWU_BIN || '/var/tmp/kaowu-target/debug/kaowu';
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');

/** Sizes used by the tests. */
export const DESKTOP = { viewport: { width: 1280, height: 900 } };
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 };

/** The strong password used for new accounts (contains neither the username nor the ID number / birth date). */
export const PASSWORD = 'Kw7!river2026';

// ---------------------------------------------------------------------------------------------------------------
// Server

/**
 * Starts `kaowu demo` on a free loopback port with a fresh data directory.
 * Resolves once it printed its URL; `stop()` sends SIGTERM and removes the data directory.
 */
export async function startServer({ timeoutMs = 30_000 } = {}) {
  if (!existsSync(KAOWU_BIN)) {
    throw new Error(`kaowu binary not found at ${KAOWU_BIN} (set KAOWU_BIN or run: cargo build -p kaowu)`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'kaowu-e2e-'));
  const child = spawn(KAOWU_BIN, ['demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20_000); // keep the tail for error reports, but always drain the pipe
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const baseURL = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kaowu did not start within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = stdout.match(/kaowu demo is running: (http:\/\/127\.0\.0\.1:\d+)\//);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`kaowu exited early (code ${code}, signal ${signal})\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });

  return {
    baseURL,
    logs: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Browser

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * Runs `fn(page)` in a fresh browser context (own cookies) with a Chinese browser locale.
 * On failure a full-page screenshot goes to e2e/test-results/ and the error is rethrown.
 */
export async function withPage(browser, baseURL, name, options, fn) {
  // allowedFailures: addresses (regular expressions) whose 4xx answers the test itself expects and checks.
  const { allowedFailures = [], ...contextOptions } = options;
  const context = await browser.newContext({ baseURL, locale: 'zh-CN', ...contextOptions });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = await context.newPage();
  // Uncaught script errors and console errors (a blocked script, a failed asset, a CSP violation) fail the test.
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    // Failed loads are judged below by their kind: pages answer 4xx on purpose (a form with errors is a 422).
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      pageErrors.push(`console: ${message.text()} (${message.location().url})`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && response.request().resourceType() !== 'document' && !allowedFailures.some((allowed) => allowed.test(response.url()))) {
      pageErrors.push(`${response.request().resourceType()} ${response.url()} answered ${response.status()}`);
    }
  });
  page.on('requestfailed', (request) => {
    // Leaving a page cancels what it was still loading (ERR_ABORTED): that is no failure.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    pageErrors.push(`${request.resourceType()} ${request.url()} failed: ${request.failure()?.errorText}`);
  });
  try {
    await fn(page);
    assert.deepEqual(pageErrors, [], 'no JavaScript or console errors on the pages');
  } catch (error) {
    try {
      await mkdir(RESULTS_DIR, { recursive: true });
      const file = join(RESULTS_DIR, `${name.replace(/[^A-Za-z0-9_-]+/g, '_')}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.error(`screenshot of the failing page (${page.url()}): ${file}`);
    } catch {
      // the page may be gone; the original error matters more
    }
    throw error;
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Test data

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** The GB 11643 check character of the first 17 digits. */
export function idCheckChar(first17) {
  assert.match(first17, /^\d{17}$/);
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

// A random start per run, then a counter: numbers are unique within a run (and across runs most of the time).
let idSeq = Math.floor(Math.random() * 1000);

/**
 * A valid resident ID number: region 110105, born 1992-03-15, a 3-digit sequence, and its check character.
 * `endsWithX: true` picks a sequence whose check character is X (to test the lower-case x input).
 */
export function newIdNumber({ endsWithX = false } = {}) {
  for (let tries = 0; tries < 1000; tries++) {
    idSeq = (idSeq + 1) % 1000;
    const first17 = '11010519920315' + String(idSeq).padStart(3, '0');
    const check = idCheckChar(first17);
    if (!endsWithX || check === 'X') return first17 + check;
  }
  throw new Error('no ID number found');
}

/** The same number with a wrong check character. */
export function withBadCheckChar(idNumber) {
  const right = idNumber[17];
  const wrong = ID_CHECK.split('').find((c) => c !== right && c !== 'X');
  return idNumber.slice(0, 17) + wrong;
}

/** What /me shows: the first 6 and the last 4 characters, 8 asterisks between. */
export function maskedIdNumber(idNumber) {
  return idNumber.slice(0, 6) + '*'.repeat(8) + idNumber.slice(-4);
}

let userSeq = 0;
export function newUsername(prefix = 'e2e') {
  userSeq += 1;
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}${userSeq}`.slice(0, 32);
}

/** A complete, valid registration. */
export function newCandidate(overrides = {}) {
  return {
    username: newUsername(),
    password: PASSWORD,
    name: '张三',
    idType: 'resident_id',
    idNumber: newIdNumber(),
    securityAnswer: '北京市东城区',
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Page steps

const NOTICE_TEXT = {
  zh: {
    notice: '我已阅读并理解上述特别提示',
    privacy: '我同意按上述规则处理我的个人信息（含敏感个人信息）',
    button: '同意并继续注册',
  },
  en: {
    notice: 'I have read and understood the special notice',
    privacy: 'I agree to the processing of my personal information, including sensitive information, as described',
    button: 'Agree and continue',
  },
};

/** 特别提示 → tick both boxes → the registration form (`english: true` when the page is in English). */
export async function acceptNotice(page, { english = false } = {}) {
  const text = NOTICE_TEXT[english ? 'en' : 'zh'];
  await page.goto('/register');
  await page.getByLabel(text.notice).check();
  await page.getByLabel(text.privacy).check();
  await Promise.all([page.waitForURL(/\/register\/form\?/), page.getByRole('button', { name: text.button }).click()]);
  await page.locator('#username').waitFor();
}

/** Fills the registration form; the name is typed unless `typeName` is false (the caller enters it). */
export async function fillRegistrationForm(page, c, { typeName = true } = {}) {
  await page.fill('#username', c.username);
  await page.fill('#password', c.password);
  await page.fill('#password_confirmation', c.passwordConfirmation ?? c.password);
  if (typeName) await page.fill('#name', c.name);
  await page.selectOption('#id_type', c.idType);
  await page.fill('#id_number', c.idNumber);
  await page.selectOption('#security_question_choice', { index: 0 });
  await page.fill('#security_answer', c.securityAnswer);
}

/** Submits a form with its submit button and waits for the page that answers (POST pages keep their URL). */
export async function submitAndWait(page, buttonName) {
  const navigation = page.waitForNavigation({ waitUntil: 'load' });
  await page.getByRole('main').getByRole('button', { name: buttonName, exact: true }).click();
  await navigation;
}

/**
 * Logs an admin into the console: password, then the code the demo's simulated authenticator app shows.
 * A code opens the console once, so a second login by the same admin on one server needs `freshCode`.
 */
export async function consoleLogIn(page, admin, password, { freshCode = false, checkPages = false } = {}) {
  await page.goto('/admin/login');
  if (checkPages) await assertAccessible(page, '/admin/login');
  await page.fill('#login', admin);
  await page.fill('#password', password);
  await submitAndWait(page, '下一步');
  assert.equal(new URL(page.url()).pathname, '/admin/totp');
  if (checkPages) await assertAccessible(page, '/admin/totp');
  const totp = await page.context().newPage();
  await totp.goto('/sim/authenticator');
  const first = await totp.locator(`[data-account="${admin}"]`).innerText();
  let code = first;
  for (let i = 0; freshCode && i < 70 && code === first; i += 1) {
    await totp.waitForTimeout(500);
    await totp.reload();
    code = await totp.locator(`[data-account="${admin}"]`).innerText();
  }
  await totp.close();
  await page.fill('#code', code);
  await submitAndWait(page, '验证并登录');
  assert.equal(new URL(page.url()).pathname, '/admin');
}

/** The double-entry page, filled with the given identity. */
/** Logs in on the login page (stays there when refused). */
export async function logIn(page, loginName, password) {
  await page.goto('/login');
  await page.fill('#login', loginName);
  await page.fill('#password', password);
  await submitAndWait(page, '登录');
}

export async function fillConfirmation(page, { name, idType, idNumber }) {
  if (name !== undefined) await page.fill('#confirm_name', name);
  if (idType !== undefined) await page.selectOption('#confirm_id_type', idType);
  if (idNumber !== undefined) await page.fill('#confirm_id_number', idNumber);
}

/** The whole registration through the pages, ending on /me. */
export async function registerThroughPages(page, c) {
  await acceptNotice(page);
  await fillRegistrationForm(page, c);
  await submitAndWait(page, '注册');
  await page.locator('#confirm_name').waitFor();
  await fillConfirmation(page, { name: c.name, idType: c.idType, idNumber: c.idNumber });
  await Promise.all([page.waitForURL(/\/me(\?|$)/), page.getByRole('button', { name: '确认注册' }).click()]);
}

/** Types text at the end of an input like a person (click into it, then the keyboard). */
export async function typeInto(page, selector, text) {
  await page.click(selector);
  await page.keyboard.press('End');
  await page.keyboard.type(text);
}

/** Opens the rare-character picker of a name field, searches a reading and clicks a character. */
export async function pickRareChar(page, nameField, pinyin, char) {
  await page.locator(`[data-rare-picker="${nameField}"]`).click();
  const dialog = page.getByRole('dialog', { name: '生僻字输入' });
  await dialog.waitFor();
  await dialog.getByLabel('拼音（不含声调）').fill(pinyin);
  await dialog.getByRole('button', { name: '查找', exact: true }).click();
  const result = dialog.locator(`button[data-char="${char}"]`);
  await result.waitFor();
  await result.click();
  await dialog.waitFor({ state: 'hidden' });
}

/** Fails when the page scrolls sideways. */
export async function assertNoHorizontalScroll(page, what) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `${what}: page is ${scrollWidth}px wide in a ${innerWidth}px window`);
}

// ---------------------------------------------------------------------------------------------------------------
// Accessibility

/** Runs axe-core on the page and fails on any serious or critical violation (listing them). */
export async function assertAccessible(page, what) {
  const t0 = Date.now();
  const results = await new AxeBuilder({ page }).analyze();
  if (process.env.AXE_DEBUG) console.error(`axe ${what}: ${Date.now() - t0} ms; all: ${results.violations.map((v) => `${v.id}(${v.impact}) ${v.nodes.map((n) => n.target).join(' ')}`).join(', ')}`);
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad
    .map((v) => `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` + v.nodes.map((n) => `      at ${JSON.stringify(n.target)}: ${n.failureSummary?.replace(/\n/g, ' ')}`).join('\n'))
    .join('\n');
  if (bad.length) console.error(`axe violations on ${what} (${page.url()}):\n${report}`);
  assert.equal(bad.length, 0, `${what}: ${bad.length} serious/critical accessibility violation(s):\n${report}`);
  return results;
}

/**
 * One server and one browser for the tests of a `describe` block, started before them and stopped after.
 * Returns `withPage(t, size, fn)`: a fresh page of that size on that server, named after test `t`.
 */
export function useServerAndBrowser() {
  const env = { server: null, browser: null };
  before(async () => {
    [env.server, env.browser] = await Promise.all([startServer(), launchBrowser()]);
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  env.withPage = (t, size, fn) => withPage(env.browser, env.server.baseURL, t.name, size, fn);
  return env;
}
