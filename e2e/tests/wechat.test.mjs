// 微信绑定与关注 in the browser: the checklist links to it, the page shows a one-time binding QR code drawn by
// kaowu and waits for the scan, at desktop and phone width, with axe-core. Then the whole round through the
// simulator's phone page (/sim/wechat/phone): scan to bind, the page turns to 已绑定 by itself, log out, scan the
// login code, logged in, unbind, rebind. And the open-platform website login: kaowu → WeChat's qrconnect page →
// confirmed on the phone → back to kaowu, logged in; then the mini-program's wx.login() code gives an API session.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, assertAccessible, assertNoHorizontalScroll, newCandidate, registerThroughPages, useServerAndBrowser } from '../lib/kaowu.mjs';

describe('wechat binding page', () => {
  const env = useServerAndBrowser();

  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    test(`a new candidate opens the binding page from the checklist (${label})`, async (t) => {
      await env.withPage(t, size, async (page) => {
        await registerThroughPages(page, newCandidate());
        assert.equal(await page.locator('li[data-step="wechat"].todo').count(), 1);
        await page.locator('li[data-step="wechat"] a').click();
        await page.waitForURL(/\/me\/wechat$/);
        const qr = page.locator('#bind-qr svg');
        await qr.waitFor();
        const box = await qr.boundingBox();
        assert.ok(box.width >= 150 && box.height >= 150, `the code is large enough to scan: ${box.width}×${box.height}`);
        assert.match(await page.getByTestId('bind-status').innerText(), /等待扫码/);
        assert.equal(await page.getByTestId('wechat-not-following').count(), 1);
        await assertAccessible(page, '/me/wechat');
        await assertNoHorizontalScroll(page, '/me/wechat');
      });
    });

    test(`bind with the simulated phone, log in by scanning, unbind and rebind (${label})`, async (t) => {
      await env.withPage(t, size, async (page) => {
        const candidate = newCandidate();
        await registerThroughPages(page, candidate);
        await page.goto('/me/wechat');
        await page.locator('#bind-qr svg').waitFor();
        const phone = await page.context().newPage();
        const user = label === 'desktop' ? '张三' : '阿依古丽';
        await phone.goto('/sim/wechat/phone');
        await Promise.all([phone.waitForNavigation(), phone.getByRole('button', { name: new RegExp(`^${user}扫一扫绑定二维码`) }).first().click()]);
        assert.match(await phone.locator('main').innerText(), /公众号回复：绑定成功/);
        await page.getByTestId('bind-status').filter({ hasText: '已绑定' }).waitFor({ timeout: 10_000 });
        await assertAccessible(page, '/me/wechat after binding');
        await page.goto('/me');
        assert.equal(await page.locator('li[data-step="wechat"].done').count(), 1, 'bound and following');

        await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '退出登录' }).click()]);
        await page.goto('/login/wechat');
        await page.locator('#bind-qr svg').waitFor();
        await phone.goto('/sim/wechat/phone');
        await Promise.all([phone.waitForNavigation(), phone.getByRole('button', { name: new RegExp(`^${user}扫一扫登录二维码`) }).first().click()]);
        await page.waitForURL(/\/me$/, { timeout: 10_000 });
        assert.match(await page.locator('h1').innerText(), /个人信息管理/);

        // Unbind, then rebind the same WeChat. A scan proves only the phone: the password is asked first.
        await page.goto('/me/wechat');
        await page.waitForURL(/\/me\/reauth/);
        await page.fill('#password', candidate.password);
        await Promise.all([page.waitForURL(/\/me\/wechat$/), page.getByRole('button', { name: '确认' }).click()]);
        await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '解除绑定' }).click()]);
        assert.match(await page.locator('main').innerText(), /已解除微信绑定/);
        await page.locator('#bind-qr svg').waitFor();
        await phone.goto('/sim/wechat/phone');
        await Promise.all([phone.waitForNavigation(), phone.getByRole('button', { name: new RegExp(`^${user}扫一扫绑定二维码`) }).first().click()]);
        await page.getByTestId('bind-status').filter({ hasText: '已绑定' }).waitFor({ timeout: 10_000 });
        await phone.close();
      });
    });

    test(`the login page offers a WeChat login code (${label})`, async (t) => {
      await env.withPage(t, size, async (page) => {
        await page.goto('/login');
        await page.getByRole('link', { name: '微信扫码登录' }).click();
        await page.waitForURL(/\/login\/wechat$/);
        await page.locator('#bind-qr svg').waitFor();
        assert.match(await page.getByTestId('login-status').innerText(), /等待扫码/);
        await assertAccessible(page, '/login/wechat');
        await assertNoHorizontalScroll(page, '/login/wechat');
      });
    });
  }

  test('log in through WeChat\'s website login page, confirmed on the phone', async (t) => {
    await env.withPage(t, DESKTOP, async (page) => {
      // 买买提 is the simulated user no other test binds.
      await registerThroughPages(page, newCandidate());
      await page.goto('/me/wechat');
      await page.locator('#bind-qr svg').waitFor();
      const phone = await page.context().newPage();
      await phone.goto('/sim/wechat/phone');
      await Promise.all([phone.waitForNavigation(), phone.getByRole('button', { name: /^买买提扫一扫绑定二维码/ }).first().click()]);
      await page.getByTestId('bind-status').filter({ hasText: '已绑定' }).waitFor({ timeout: 10_000 });
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '退出登录' }).click()]);

      await page.goto('/login/wechat');
      await page.getByTestId('website-login').click();
      await page.waitForURL(/\/sim\/wechat\/connect\/qrconnect\/wait/);
      const uuid = await page.getByTestId('web-login-uuid').innerText();
      await phone.goto('/sim/wechat/phone');
      await Promise.all([phone.waitForNavigation(), phone.getByRole('button', { name: `买买提确认登录网站（${uuid}）` }).click()]);
      await page.waitForURL(/\/me$/, { timeout: 10_000 });
      assert.match(await page.locator('h1').innerText(), /个人信息管理/);

      // The mini-program: wx.login() on the phone gives a code; kaowu turns it into a session for the same
      // candidate.
      await phone.goto('/sim/wechat/phone');
      await Promise.all([phone.waitForNavigation(), phone.getByRole('button', { name: '买买提打开小程序（wx.login）' }).click()]);
      const code = await phone.getByTestId('mini-code-oSIMUSER0000000000000000003').innerText();
      const answer = await phone.request.post('/api/v1/sessions/wechat-miniprogram', { data: { code } });
      assert.equal(answer.status(), 201);
      const { token } = await answer.json();
      const me = await phone.request.get('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(me.status(), 200);
      await phone.close();
    });
  });
});
