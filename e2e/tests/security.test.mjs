// Account security in the browser: 修改密码 and 登录设备与记录 (devices, ending one, the login history) at both
// widths with axe-core, and the lock after five wrong passwords, told in words, refusing even the right one.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, assertAccessible, assertNoHorizontalScroll, logIn, newCandidate, registerThroughPages, submitAndWait, useServerAndBrowser } from '../lib/kaowu.mjs';

describe('account security', () => {
  const env = useServerAndBrowser();

  const login = logIn;

  /** The last step of 忘记密码: a new password, then a login with it. */
  async function setNewPasswordAndLogIn(page, c) {
    await page.fill('#new_password', 'Nw8#harbour2027');
    await page.fill('#new_password_confirm', 'Nw8#harbour2027');
    await submitAndWait(page, '设置新密码');
    assert.match(await page.getByTestId('password-reset').innerText(), /密码已重置/);
    await login(page, c.username, 'Nw8#harbour2027');
    assert.equal(new URL(page.url()).pathname, '/me');
  }

  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    test(`devices and logins, and changing the password (${label})`, async (t) => {
      await env.withPage(t, size, async (page) => {
        const c = newCandidate();
        await registerThroughPages(page, c);
        await page.getByRole('link', { name: '登录设备与记录' }).click();
        await page.waitForURL(/\/me\/security$/);
        const current = page.locator('[data-testid="sessions"] tr[data-current="true"]');
        assert.equal(await current.count(), 1);
        assert.match(await current.innerText(), /本设备/);
        assert.match(await page.getByTestId('login-history').innerText(), /注册后自动登录/);
        await assertAccessible(page, '/me/security');
        await assertNoHorizontalScroll(page, '/me/security');

        await page.goto('/me/password');
        await page.fill('#current_password', 'not-my-password');
        await page.fill('#new_password', 'Nw8#harbour2027');
        await page.fill('#new_password_confirm', 'Nw8#harbour2027');
        await submitAndWait(page, '修改密码');
        assert.match(await page.getByRole('alert').innerText(), /当前密码不正确/);
        await assertAccessible(page, '/me/password with an error');
        await page.fill('#current_password', c.password);
        await page.fill('#new_password', 'Nw8#harbour2027');
        await page.fill('#new_password_confirm', 'Nw8#harbour2027');
        await submitAndWait(page, '修改密码');
        assert.match(await page.getByTestId('password-changed').innerText(), /密码已修改/);
        await page.goto('/me/security');
        assert.match(await page.getByTestId('login-history').innerText(), /密码错误/, 'the wrong current password is listed');

        // 修改安全问题: the own-question field only when "write my own" is chosen.
        await page.goto('/me/security-question');
        assert.equal(await page.locator('[data-custom-question]').isHidden(), true);
        await page.selectOption('#security_question_choice', 'custom');
        assert.equal(await page.locator('[data-custom-question]').isVisible(), true);
        await page.fill('#security_question', '您养的第一只宠物叫什么？');
        await page.fill('#security_answer', '小白');
        await assertAccessible(page, '/me/security-question');
        await submitAndWait(page, '保存');
        assert.match(await page.getByTestId('question-changed').innerText(), /安全问题已修改/);
      });
    });
  }

  test('five wrong passwords lock the account, even against the right one', async (t) => {
    await env.withPage(t, DESKTOP, async (page) => {
      const c = newCandidate();
      await registerThroughPages(page, c);
      await Promise.all([page.waitForURL(/\/login/), page.getByRole('navigation').getByRole('button', { name: '退出登录' }).click()]);
      for (let i = 0; i < 5; i++) {
        await login(page, c.username, `Wrong!pass20${i}`);
        assert.match(await page.getByRole('alert').innerText(), /用户名\/证件号码或密码不正确/);
      }
      await login(page, c.username, c.password);
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.match(await page.getByRole('alert').innerText(), /错误次数过多.*分钟后解除/s);
      await assertAccessible(page, '/login locked');
    });
  });

  test('forgot the password: the security question, then a new password (phone)', async (t) => {
    await env.withPage(t, PHONE, async (page) => {
      const c = newCandidate();
      await registerThroughPages(page, c);
      await Promise.all([page.waitForURL(/\/login/), page.getByRole('navigation').getByRole('button', { name: '退出登录' }).click()]);
      await page.getByRole('link', { name: '忘记密码？' }).click();
      await page.fill('#login', c.username);
      await submitAndWait(page, '下一步');
      assert.ok((await page.getByTestId('security-question').innerText()).length > 2);
      await page.fill('#answer', 'not the answer');
      await submitAndWait(page, '下一步');
      assert.match(await page.getByRole('alert').innerText(), /安全问题答案不正确/);
      await assertAccessible(page, '/recover/answer with an error');
      await assertNoHorizontalScroll(page, '/recover/answer');
      await page.fill('#answer', c.securityAnswer);
      await submitAndWait(page, '下一步');
      await setNewPasswordAndLogIn(page, c);
    });
  });

  test('forgot the password: a face check through the simulated FaceID page (desktop)', async (t) => {
    await env.withPage(t, DESKTOP, async (page) => {
      const c = newCandidate();
      await registerThroughPages(page, c);
      await Promise.all([page.waitForURL(/\/login/), page.getByRole('navigation').getByRole('button', { name: '退出登录' }).click()]);
      await page.goto('/recover');
      await page.getByRole('link', { name: '通过人脸识别找回密码' }).click();
      await page.fill('#name', c.name);
      await page.fill('#id_number', c.idNumber);
      await assertAccessible(page, '/recover/face');
      await Promise.all([page.waitForURL(/\/sim\/faceid\/verify/), page.getByRole('button', { name: '开始人脸核验' }).click()]);
      await Promise.all([page.waitForURL(/\/recover\/face\/done/), page.getByRole('button', { name: '核验通过' }).click()]);
      await setNewPasswordAndLogIn(page, c);
    });
  });
});
