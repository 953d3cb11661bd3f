// Logging in with the username or the ID number, logging out, a wrong password; and the English switch.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP,
  acceptNotice,
  fillConfirmation,
  fillRegistrationForm,
  logIn,
  newCandidate,
  newIdNumber,
  registerThroughPages,
  submitAndWait,
  useServerAndBrowser,
} from '../lib/kaowu.mjs';

describe('login, logout and the language switch', () => {
  const env = useServerAndBrowser();

  const login = logIn;

  async function logout(page) {
    await Promise.all([
      page.waitForURL(/\/login/),
      page.getByRole('navigation').getByRole('button', { name: '退出登录' }).click(),
    ]);
  }

  test('log in with the username, log out, log in with the ID number (lower-case x); a wrong password is refused', async (t) => {
    const c = newCandidate({ name: '赵六', idNumber: newIdNumber({ endsWithX: true }) });
    assert.ok(c.idNumber.endsWith('X'));
    await env.withPage(t, DESKTOP, async (page) => {
      await registerThroughPages(page, c);
      await logout(page);
      await page.getByRole('heading', { level: 1, name: '登录' }).waitFor();
      // Logged out: 个人信息管理 now asks for a login.
      await page.goto('/me');
      assert.match(new URL(page.url()).pathname, /^\/login$/);

      await login(page, c.username, c.password);
      assert.equal(new URL(page.url()).pathname, '/me');
      assert.equal((await page.locator('.person-name').innerText()).trim(), c.name);
      await logout(page);

      await login(page, c.idNumber.toLowerCase(), c.password);
      assert.equal(new URL(page.url()).pathname, '/me');
      assert.equal(await page.locator('dd').filter({ hasText: c.username }).count(), 1, 'the same account');
      // While logged in, the login page sends you to your information.
      await page.goto('/login');
      assert.equal(new URL(page.url()).pathname, '/me');
      await logout(page);

      await login(page, c.idNumber.toLowerCase(), 'Wrong!pass2026');
      assert.equal(new URL(page.url()).pathname, '/login');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /密码不正确/);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'error-summary', 'the error has the focus');
      assert.equal(await page.inputValue('#login'), c.idNumber.toLowerCase(), 'the login name is kept');
      assert.equal(await page.inputValue('#password'), '', 'the password is not echoed back');
      assert.equal(await page.getByRole('navigation').getByRole('link', { name: '登录', exact: true }).count(), 1, 'still logged out');

      // And the demo candidate seeded by `kaowu demo` can log in too.
      await login(page, 'demo', 'Kaowu!2026');
      assert.equal(new URL(page.url()).pathname, '/me');
    });
  });

  test('an empty login is refused with a message', async (t) => {
    await env.withPage(t, DESKTOP, async (page) => {
      await login(page, '', '');
      assert.match(await page.getByRole('alert').innerText(), /请填写用户名或证件号码及密码/);
    });
  });

  test('"English" switches the pages to English and the choice sticks across navigation', async (t) => {
    const c = newCandidate({ name: '孙七' });
    await env.withPage(t, DESKTOP, async (page) => {
      await page.goto('/login');
      await page.getByRole('heading', { level: 1, name: '登录' }).waitFor();
      await Promise.all([page.waitForURL(/\/login$/), page.getByRole('link', { name: 'English' }).click()]);
      await assertH1(page, 'Log in');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await page.getByLabel('Username or ID number').waitFor();

      // It sticks: following links, typing a URL, reloading.
      await Promise.all([page.waitForURL(/\/register$/), page.getByRole('navigation').getByRole('link', { name: 'Register' }).click()]);
      await assertH1(page, 'Before you register');
      await page.getByRole('heading', { name: 'Special notice' }).waitFor();
      await page.goto('/');
      await assertH1(page, 'Home');
      await page.reload();
      await assertH1(page, 'Home');

      // On the registration form the switch keeps you on the form (not back at the consent step).
      await acceptNotice(page, { english: true });
      await assertH1(page, 'Create an account');
      await Promise.all([page.waitForURL(/\/register\/form/), page.getByRole('link', { name: '中文' }).click()]);
      await assertH1(page, '注册账号');
      assert.equal(await page.locator('#username').count(), 1, 'still on the form');
      await Promise.all([page.waitForURL(/\/register\/form/), page.getByRole('link', { name: 'English' }).click()]);
      await assertH1(page, 'Create an account');

      // Registering in English: the messages and 个人信息管理 are in English.
      await fillRegistrationForm(page, c);
      await submitAndWait(page, 'Register');
      await assertH1(page, 'Confirm your details');
      await fillConfirmation(page, { name: c.name, idType: c.idType, idNumber: newIdNumber() });
      await submitAndWait(page, 'Confirm and register');
      assert.match(await page.locator('#confirm_id_number-error').innerText(), /ID number differs/);
      await fillConfirmation(page, { idNumber: c.idNumber });
      await Promise.all([page.waitForURL(/\/me/), page.getByRole('button', { name: 'Confirm and register' }).click()]);
      await assertH1(page, 'My information');
      await page.getByRole('heading', { name: 'To do before applying' }).waitFor();
      assert.match(await page.locator('li[data-step="photo"] .status').innerText(), /To do/);

      // And back to Chinese.
      await Promise.all([page.waitForURL(/\/me(\?|$)/), page.getByRole('link', { name: '中文' }).click()]);
      await assertH1(page, '个人信息管理');
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    });
  });

  test('switching the language on the double-entry pages leads to the form, not to an error', async (t) => {
    const c = newCandidate({ name: '周八' });
    await env.withPage(t, DESKTOP, async (page) => {
      for (const afterMismatch of [false, true]) {
        await acceptNotice(page);
        await fillRegistrationForm(page, c);
        await submitAndWait(page, '注册');
        await assertH1(page, '确认注册信息');
        if (afterMismatch) {
          // Now the page's own URL is /register/confirm, which only answers POST.
          await fillConfirmation(page, { name: c.name, idType: c.idType, idNumber: newIdNumber() });
          await submitAndWait(page, '确认注册');
          await page.locator('#confirm_id_number-error').waitFor();
        }
        const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'English' }).click()]);
        assert.equal(response.status(), 200, `${page.url()} answered ${response.status()}`);
        assert.equal(await page.getAttribute('html', 'lang'), 'en');
        await assertH1(page, 'Create an account');
        await page.getByLabel('Username').waitFor();
        await page.context().clearCookies({ name: 'kaowu_lang' });
      }
    });
  });
});

async function assertH1(page, text) {
  await page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor();
}
