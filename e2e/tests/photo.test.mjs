// 报名照片 in the browser: the requirements first; an upload with two faces is refused with the reason and
// every check listed; a good one is cropped to the 295×413 one-inch photo, shown on the page and ticked on the
// checklist — at desktop and phone width, with axe-core on each state.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DESKTOP, PHONE, assertAccessible, assertNoHorizontalScroll, registerThroughPages, newCandidate, submitAndWait, useServerAndBrowser } from '../lib/kaowu.mjs';

const SAMPLES = process.env.KAOWU_PHOTO_SAMPLES;

describe('registration photo', () => {
  const env = useServerAndBrowser();

  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    test(`a candidate uploads a photo, sees a refusal explained, then the one-inch result (${label})`, async (t) => {
      assert.ok(SAMPLES, 'KAOWU_PHOTO_SAMPLES is set by e2e/run.sh');
      await env.withPage(t, size, async (page) => {
        await registerThroughPages(page, newCandidate());
        assert.equal(await page.locator('li[data-step="photo"].todo').count(), 1, 'the checklist starts with the photo to do');
        await page.locator('li[data-step="photo"] a').click();
        await page.waitForURL(/\/me\/photo$/);
        assert.match(await page.locator('#requirements-title').innerText(), /照片要求/);
        assert.equal(await page.getByTestId('min-size').innerText(), '420×600');
        await assertAccessible(page, '/me/photo before any upload');
        await assertNoHorizontalScroll(page, '/me/photo');

        await page.setInputFiles('#photo', join(SAMPLES, 'two-faces.jpg'));
        await submitAndWait(page, '上传并审核');
        assert.match(await page.locator('#error-summary').innerText(), /检测到多张人脸/);
        const findings = page.getByTestId('finding');
        assert.ok((await findings.count()) >= 4, 'every check on the way is listed');
        assert.match(await findings.last().innerText(), /✘ 未通过\s*人脸检测/);
        assert.equal(await page.getByTestId('no-photo').count(), 1, 'nothing was saved');
        await assertAccessible(page, '/me/photo with a refusal');
        await assertNoHorizontalScroll(page, '/me/photo with a refusal');

        // A PNG saved as .jpg: judged by its content, it passes.
        await page.setInputFiles('#photo', join(SAMPLES, 'png-named.jpg'));
        await submitAndWait(page, '上传并审核');
        assert.match(page.url(), /saved=1/);
        const photo = page.getByTestId('current-photo');
        await photo.waitFor();
        const natural = await photo.evaluate(async (img) => {
          await img.decode();
          return [img.naturalWidth, img.naturalHeight];
        });
        assert.deepEqual(natural, [295, 413], 'the one-inch photo is shown');
        await assertAccessible(page, '/me/photo with a photo');
        await assertNoHorizontalScroll(page, '/me/photo with a photo');

        // Replacing it is allowed until an application is submitted.
        await page.setInputFiles('#photo', join(SAMPLES, 'portrait-2.jpg'));
        await submitAndWait(page, '上传并审核');
        assert.match(page.url(), /saved=1/);

        await page.goto('/me');
        assert.equal(await page.locator('li[data-step="photo"].done').count(), 1, 'the checklist shows the photo done');
      });
    });
  }
});
