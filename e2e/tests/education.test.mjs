// 学历学位信息 in the browser: CHSI authorisation through the demo's simulator (an expired report, then the
// candidate's own report, which becomes 核验通过), at desktop and phone width, with axe-core on each state.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, assertAccessible, assertNoHorizontalScroll, submitAndWait, useServerAndBrowser } from '../lib/kaowu.mjs';

describe('education records', () => {
  const env = useServerAndBrowser();

  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    test(`the demo candidate adds a verified record from a CHSI report code (${label})`, async (t) => {
      await env.withPage(t, size, async (page) => {
        await page.goto('/login');
        await page.fill('#login', 'demo');
        await page.fill('#password', 'Kaowu!2026');
        await submitAndWait(page, '登录');
        await page.goto('/me/education');
        await assertAccessible(page, '/me/education');
        await assertNoHorizontalScroll(page, '/me/education');

        await page.fill('#code', 'kwdemoexpired001');
        await submitAndWait(page, '学信网核验并添加');
        assert.match(await page.locator('#chsi-errors').innerText(), /已过期/);
        assert.equal(await page.inputValue('#code'), 'kwdemoexpired001', 'the code typed is kept');
        await assertAccessible(page, '/me/education with a CHSI error');

        const before = await page.getByTestId('education-record').count();
        await page.fill('#code', 'KWDEMO2019NURSE1');
        await submitAndWait(page, '学信网核验并添加');
        const records = page.getByTestId('education-record');
        if (before === 0) {
          assert.match(page.url(), /added=1/);
          assert.equal(await records.count(), 1);
          assert.equal(await records.first().getByTestId('verification').innerText(), '核验通过');
          assert.match(await records.first().innerText(), /新疆医科大学/);
        } else {
          // The desktop run added this report already: it cannot be added twice.
          assert.match(await page.locator('#chsi-errors').innerText(), /已通过学信网添加过/);
          assert.equal(await records.count(), before);
        }
        await assertAccessible(page, '/me/education with a verified record');
        await page.goto('/me');
        assert.equal(await page.locator('li[data-step="education"].done').count(), 1);
      });
    });
  }
});
