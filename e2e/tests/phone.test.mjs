// Phone width (390×844, touch): nothing scrolls sideways, the buttons are in reach, and a whole registration works.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE,
  acceptNotice,
  assertNoHorizontalScroll,
  fillConfirmation,
  fillRegistrationForm,
  maskedIdNumber,
  newCandidate,
  pickRareChar,
  submitAndWait,
  typeInto,
  withBadCheckChar,
  useServerAndBrowser,
} from '../lib/kaowu.mjs';

describe('phone width', () => {
  const env = useServerAndBrowser();

  test('the registration form fits the screen and its register button can be reached', async (t) => {
    await env.withPage(t, PHONE, async (page) => {
      await acceptNotice(page);
      assert.equal(await page.evaluate(() => window.innerWidth), 390);
      await assertNoHorizontalScroll(page, '/register/form');
      const submit = page.getByRole('main').getByRole('button', { name: '注册', exact: true });
      await submit.scrollIntoViewIfNeeded();
      assert.ok(await submit.isVisible(), 'the register button is visible');
      const box = await submit.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `the register button lies inside the screen (${JSON.stringify(box)})`);
      assert.ok(box.height >= 44, `the register button is at least 44px tall (${box.height})`);
      // Every input fits too.
      const overflowing = await page.$$eval('input:not([type=hidden]), select, button', (els) =>
        els.filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > window.innerWidth).map((el) => el.id || el.outerHTML.slice(0, 80)),
      );
      assert.deepEqual(overflowing, [], 'controls wider than the screen');
    });
  });

  test('a whole registration by touch, with errors on the way', async (t) => {
    const c = newCandidate({ name: '阿依古丽·䶮' });
    await env.withPage(t, PHONE, async (page) => {
      await page.goto('/');
      await assertNoHorizontalScroll(page, 'home');
      await page.getByRole('main').getByRole('link', { name: '注册账号' }).tap();
      await page.waitForURL(/\/register$/);
      await assertNoHorizontalScroll(page, '/register');
      await page.getByLabel('我已阅读并理解上述特别提示').tap();
      await page.getByLabel('我同意按上述规则处理我的个人信息（含敏感个人信息）').tap();
      await Promise.all([page.waitForURL(/\/register\/form\?/), page.getByRole('button', { name: '同意并继续注册' }).tap()]);

      await fillRegistrationForm(page, { ...c, idNumber: withBadCheckChar(c.idNumber) }, { typeName: false });
      await typeInto(page, '#name', '阿依古丽');
      await page.getByRole('button', { name: '少数民族姓名·' }).tap();
      await pickRareChar(page, 'name', 'yan', '䶮');
      assert.equal(await page.inputValue('#name'), c.name);
      await submitAndWait(page, '注册');
      await page.locator('#id_number-error').waitFor();
      await assertNoHorizontalScroll(page, '/register/form with errors');
      assert.equal(await page.inputValue('#name'), c.name);

      await page.fill('#id_number', c.idNumber);
      await page.fill('#password', c.password);
      await page.fill('#password_confirmation', c.password);
      await submitAndWait(page, '注册');
      await page.locator('#confirm_name').waitFor();
      await assertNoHorizontalScroll(page, '/register/confirm');

      await fillConfirmation(page, { name: c.name, idType: c.idType, idNumber: c.idNumber });
      const confirm = page.getByRole('button', { name: '确认注册' });
      await Promise.all([page.waitForURL(/\/me\?welcome=1$/), confirm.tap()]);
      await assertNoHorizontalScroll(page, '/me');
      assert.equal((await page.locator('.person-name').innerText()).trim(), c.name);
      assert.equal(await page.getByTestId('id-number-masked').innerText(), maskedIdNumber(c.idNumber));
      // Photo, education and WeChat are to do; the identity check runs in the background and may be done already.
      assert.equal(await page.locator('li[data-step]:not([data-step="identity"]).todo').count(), 3);
    });
  });

  test('the rare-character picker fits the screen', async (t) => {
    await env.withPage(t, PHONE, async (page) => {
      await acceptNotice(page);
      await page.locator('[data-rare-picker="name"]').tap();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('拼音（不含声调）').fill('yan');
      await dialog.getByRole('button', { name: '查找', exact: true }).tap();
      await dialog.locator('button[data-char="䶮"]').waitFor();
      const box = await dialog.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `the dialog lies inside the screen (${JSON.stringify(box)})`);
      assert.ok(box.y >= 0 && box.y + box.height <= 844, `the dialog fits the screen height (${JSON.stringify(box)})`);
      await dialog.getByRole('button', { name: '关闭' }).tap();
      await dialog.waitFor({ state: 'hidden' });
    });
  });
});
