// The console of the exam authorities in the browser, and the candidate's 申请修改注册信息 that it decides: a new
// candidate registers, sees the identity check pass, chooses a 考点 and files a correction with a scan; the demo
// site admin logs in with password and authenticator code, finds the candidate, approves the request and reads
// the audit trail; the candidate sees the result. axe-core on every page on the way, at both widths.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, assertAccessible, consoleLogIn, assertNoHorizontalScroll, newCandidate, newIdNumber, registerThroughPages, submitAndWait, useServerAndBrowser } from '../lib/kaowu.mjs';

const ADMIN = 'admin_1101';
const ADMIN_PASSWORD = 'Kaowu!Admin2026';

/** A small but real PDF: what a phone's scanner app would send. */
function scanPdf() {
  return Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
}

describe('console and correction requests', () => {
  const env = useServerAndBrowser();

  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    test(`a correction request from the candidate to the 考点 and back (${label})`, async (t) => {
      const c = newCandidate();
      const newName = `${c.name}新`;
      await env.withPage(t, size, async (page) => {
        await registerThroughPages(page, c);
        // The identity check runs in the background against the demo's FaceID simulator.
        for (let i = 0; i < 50; i += 1) {
          if ((await page.locator('[data-step="identity"]').innerText()).includes('核验通过')) break;
          await page.waitForTimeout(200);
          await page.reload();
        }
        assert.match(await page.locator('[data-step="identity"]').innerText(), /核验通过/);

        await page.getByRole('link', { name: '向所在考点申请修改注册信息' }).click();
        await page.waitForURL(/\/me\/corrections$/);
        await assertAccessible(page, '/me/corrections without a site');
        await page.getByRole('link', { name: '请先选择所在考点' }).click();
        await page.selectOption('#site', '1101');
        await assertAccessible(page, '/me/site');
        await assertNoHorizontalScroll(page, '/me/site');
        await submitAndWait(page, '保存');
        assert.match(await page.getByTestId('current-site').innerText(), /北京市东城区考点/);

        await page.goto('/me/corrections');
        await page.fill('#name', newName);
        await page.fill('#id_number', c.idNumber);
        await page.fill('#reason', '注册时姓名少录一字');
        await submitAndWait(page, '提交申请');
        // No scan attached: refused, everything typed still there.
        await page.locator('#attachment-error').waitFor();
        assert.equal(await page.inputValue('#name'), newName);
        assert.equal(await page.inputValue('#reason'), '注册时姓名少录一字');
        await assertAccessible(page, '/me/corrections with errors');
        await page.setInputFiles('#attachment', { name: '身份证.pdf', mimeType: 'application/pdf', buffer: scanPdf() });
        await submitAndWait(page, '提交申请');
        assert.match(await page.getByTestId('filed').innerText(), /申请已提交/);
        assert.match(await page.getByTestId('correction-state').innerText(), /待考点审核/);
        await assertAccessible(page, '/me/corrections filed');
        await assertNoHorizontalScroll(page, '/me/corrections');
      });

      await env.withPage(t, size, async (page) => {
        await consoleLogIn(page, ADMIN, ADMIN_PASSWORD, { freshCode: label === 'phone', checkPages: true });
        assert.ok(Number(await page.getByTestId('candidate-count').innerText()) >= 2, 'the demo candidate and the new one');
        assert.equal(await page.getByTestId('chart-registrations').locator('svg[role="img"]').count(), 1);
        await assertAccessible(page, '/admin dashboard');
        await assertNoHorizontalScroll(page, '/admin');

        await page.getByRole('link', { name: '考生', exact: true }).click();
        await page.fill('#username', c.username);
        await submitAndWait(page, '查询');
        await assertAccessible(page, '/admin/candidates with results');
        await page.getByRole('link', { name: c.name, exact: true }).click();
        assert.match(await page.getByTestId('identity-state').innerText(), /核验通过/);
        assert.equal(await page.getByTestId('id-number').innerText(), `${c.idNumber.slice(0, 6)}********${c.idNumber.slice(14)}`);
        await assertAccessible(page, '/admin/candidates/{id}');
        await assertNoHorizontalScroll(page, '/admin/candidates/{id}');

        await page.getByRole('link', { name: '修改申请' }).first().click();
        await page.getByRole('link', { name: c.username }).click();
        await assertAccessible(page, '/admin/corrections/{id}');
        await page.fill('#approve-reason', '已核对身份证原件');
        await submitAndWait(page, '通过并更正');
        assert.match(await page.getByTestId('request-state').innerText(), /已通过/);

        await page.getByRole('link', { name: '审计日志' }).click();
        await page.fill('#candidate', c.username);
        await submitAndWait(page, '查询');
        const trail = await page.getByTestId('audit-log').innerText();
        assert.match(trail, /通过修改申请/);
        assert.match(trail, /已核对身份证原件/);
        assert.ok(!trail.includes(c.idNumber), 'ID numbers masked in the log');
        await assertAccessible(page, '/admin/audit');
      });

      await env.withPage(t, size, async (page) => {
        await page.goto('/login');
        await page.fill('#login', c.username);
        await page.fill('#password', c.password);
        await submitAndWait(page, '登录');
        await page.goto('/me/corrections');
        assert.match(await page.getByTestId('correction-state').innerText(), /已通过，信息已更正/);
        await page.goto('/me');
        assert.match(await page.locator('.person-name').first().innerText(), new RegExp(newName));
      });
    });
  }

  test('the province admin adds a 考点 and its admin; the other console pages and the reset-code page (desktop)', async (t) => {
    await env.withPage(t, DESKTOP, async (page) => {
      await page.goto('/sites');
      assert.match(await page.getByRole('main').innerText(), /北京市东城区考点/);
      await assertAccessible(page, '/sites');
      await page.goto('/recover/code');
      await page.fill('#reset_token', 'NOT-A-CODE');
      await page.fill('#new_password', 'Nw8#harbour2027');
      await page.fill('#new_password_confirm', 'Nw8#harbour2027');
      await submitAndWait(page, '设置新密码');
      await page.locator('#reset_token-error').waitFor();
      assert.equal(await page.inputValue('#reset_token'), 'NOT-A-CODE', 'the typed code stays');
      await assertAccessible(page, '/recover/code with an error');

      await page.goto('/admin/login');
      await page.fill('#login', 'admin_bj');
      await page.fill('#password', ADMIN_PASSWORD);
      await submitAndWait(page, '下一步');
      const totp = await page.context().newPage();
      await totp.goto('/sim/authenticator');
      const code = await totp.locator('[data-account="admin_bj"]').innerText();
      await totp.close();
      await page.fill('#code', code);
      await submitAndWait(page, '验证并登录');
      await page.getByRole('link', { name: '管理员与考点' }).click();
      await page.fill('#code', '1103');
      await page.fill('#name', '北京市西城区考点');
      await page.fill('#address', '北京市西城区西长安街 7 号');
      await page.fill('#phone', '010-6601 0000');
      await submitAndWait(page, '新增考点');
      assert.match(await page.getByTestId('site-created').innerText(), /1103 北京市西城区考点/);
      await page.fill('#username', 'xicheng_staff');
      await page.fill('#display_name', '西城区考点');
      await page.selectOption('#region', '1103');
      await submitAndWait(page, '创建管理员');
      assert.ok((await page.getByTestId('initial-password').innerText()).length >= 20, 'the first password, shown once');
      assert.match(await page.getByTestId('admins').innerText(), /xicheng_staff/);
      await assertAccessible(page, '/admin/admins after creating');
      await page.goto('/admin/jobs');
      await assertAccessible(page, '/admin/jobs');
      await page.goto('/lang?to=en&back=%2Fadmin');
      assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Overview/);
      await assertAccessible(page, '/admin in English');
    });
  });
});
