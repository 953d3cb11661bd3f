// axe-core on every page a candidate meets, in the states they meet it in (with errors, with the picker open,
// in English): no serious or critical violation anywhere.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP,
  PHONE,
  acceptNotice,
  assertAccessible,
  fillConfirmation,
  fillRegistrationForm,
  newCandidate,
  newIdNumber,
  submitAndWait,
  typeInto,
  withBadCheckChar,
  useServerAndBrowser,
} from '../lib/kaowu.mjs';

describe('accessibility (axe-core: no serious or critical violations)', () => {
  const env = useServerAndBrowser();

  // The picker is checked with readings of few results: the results all look alike, and axe needs seconds for
  // the 436 of "yan" (which registration.test.mjs uses).
  for (const [label, size, reading] of [['desktop', DESKTOP, 'niang'], ['phone', PHONE, 'zei']]) {
    test(`every page, from the home page to 个人信息管理 in English (${label})`, async (t) => {
      const c = newCandidate({ name: '买买提·䶮' });
      await env.withPage(t, size, async (page) => {
        await page.goto('/');
        await assertAccessible(page, 'home');

        await page.goto('/login');
        await assertAccessible(page, '/login');
        await page.fill('#login', c.username);
        await page.fill('#password', 'not-the-password');
        await submitAndWait(page, '登录');
        await page.getByRole('alert').waitFor();
        await assertAccessible(page, '/login with an error');

        await page.goto('/register');
        await assertAccessible(page, '/register (notice and consent)');
        await page.getByRole('button', { name: '同意并继续注册' }).click();
        await page.locator('#accept_notice-error').waitFor();
        await assertAccessible(page, '/register/form without consent (errors)');

        await acceptNotice(page);
        await assertAccessible(page, '/register/form');

        await fillRegistrationForm(page, { ...c, idNumber: withBadCheckChar(c.idNumber), passwordConfirmation: 'Other!pass99' });
        await submitAndWait(page, '注册');
        await page.locator('#id_number-error').waitFor();
        await assertAccessible(page, '/register/form with errors');

        await page.fill('#password', c.password);
        await page.fill('#password_confirmation', c.password);
        await page.fill('#id_number', c.idNumber);
        await typeInto(page, '#name', '');
        await page.locator('[data-rare-picker="name"]').click();
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('拼音（不含声调）').fill(reading);
        await dialog.getByRole('button', { name: '查找', exact: true }).click();
        await dialog.locator('button[data-char]').first().waitFor();
        await assertAccessible(page, 'rare-character picker with results');
        await dialog.getByLabel('拼音（不含声调）').fill('1');
        await dialog.getByRole('button', { name: '查找', exact: true }).click();
        await dialog.getByRole('status').filter({ hasText: '拼音字母' }).waitFor();
        await assertAccessible(page, 'rare-character picker with an invalid reading');
        await dialog.getByRole('button', { name: '关闭' }).click();
        await dialog.waitFor({ state: 'hidden' });

        await submitAndWait(page, '注册');
        await page.locator('#confirm_name').waitFor();
        await assertAccessible(page, '/register/confirm');

        await fillConfirmation(page, { name: '买买提', idType: '', idNumber: newIdNumber() });
        await submitAndWait(page, '确认注册');
        await page.locator('#confirm_id_number-error').waitFor();
        await assertAccessible(page, '/register/confirm with errors');

        await fillConfirmation(page, { name: c.name, idType: c.idType, idNumber: c.idNumber });
        await Promise.all([page.waitForURL(/\/me/), page.getByRole('button', { name: '确认注册' }).click()]);
        await assertAccessible(page, '/me (welcome)');
        await page.goto('/me');
        await assertAccessible(page, '/me');

        // 学历学位信息: the empty list and form, a rejected record, a saved one.
        await Promise.all([page.waitForURL(/\/me\/education$/), page.getByRole('link', { name: '填写学历学位信息' }).click()]);
        await assertAccessible(page, '/me/education (empty)');
        await page.selectOption('#level', 'bachelor');
        await page.fill('#school', '北京协和医学院');
        await page.fill('#major', '护理学');
        await page.fill('#enrolled_on', '2015-09');
        await page.fill('#graduated_on', '2019-06');
        await page.fill('#diploma_number', '100231201906003212');
        await submitAndWait(page, '保存（保存后不能删除）');
        await page.locator('#diploma_number-error').waitFor();
        assert.match(await page.locator('#diploma_number-error').innerText(), /培养层次/);
        assert.equal(await page.inputValue('#school'), '北京协和医学院', 'what was typed is kept');
        await assertAccessible(page, '/me/education with errors');
        await page.fill('#diploma_number', '100231201905003212');
        await Promise.all([page.waitForURL(/added=1/), page.getByRole('button', { name: '保存（保存后不能删除）' }).click()]);
        assert.equal(await page.getByTestId('education-record').count(), 1);
        assert.equal(await page.getByTestId('verification').innerText(), '未核验');
        await assertAccessible(page, '/me/education with a record');
        await page.goto('/me');
        assert.equal(await page.locator('li[data-step="education"].done').count(), 1, 'the checklist counts it');

        await Promise.all([page.waitForURL(/\/me$/), page.getByRole('link', { name: 'English' }).click()]);
        await page.getByRole('heading', { level: 1, name: 'My information' }).waitFor();
        assert.equal(await page.getAttribute('html', 'lang'), 'en');
        await assertAccessible(page, '/me in English');

        await Promise.all([page.waitForURL(/\/login/), page.getByRole('button', { name: 'Log out' }).click()]);
        await assertAccessible(page, '/login in English after logging out');
        await page.goto('/register');
        await assertAccessible(page, '/register in English');
        await acceptNotice(page, { english: true });
        await assertAccessible(page, '/register/form in English');
      });
    });
  }
});
