// 考试报名 from a new account to an approved application, in the browser: register, do the checklist (photo,
// education, WeChat bound on the simulated phone, identity check), apply for 中级 护理学, confirm the photo,
// submit, print the 申请表; the demo 考点 admin opens it by its number, approves it; the candidate sees the result
// and the 公告 on the home page. axe-core on every page on the way; the candidate's side also on a phone.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DESKTOP, PHONE, assertAccessible, assertNoHorizontalScroll, consoleLogIn, newCandidate, registerThroughPages, submitAndWait, useServerAndBrowser } from '../lib/kaowu.mjs';

const SAMPLES = process.env.KAOWU_PHOTO_SAMPLES;
const ADMIN = 'admin_1101';
const ADMIN_PASSWORD = 'Kaowu!Admin2026'; // every demo admin's

/** The checklist done through the pages; `phoneUser` is the simulated WeChat user who scans. */
async function completeChecklist(page, phoneUser) {
  for (let i = 0; i < 50; i += 1) {
    if ((await page.locator('[data-step="identity"]').innerText()).includes('核验通过')) break;
    await page.waitForTimeout(200);
    await page.reload();
  }
  await page.goto('/me/photo');
  await page.setInputFiles('#photo', join(SAMPLES, 'portrait-2.jpg'));
  await submitAndWait(page, '上传并审核');
  assert.match(page.url(), /saved=1/);

  await page.goto('/me/education');
  await page.selectOption('#level', 'bachelor');
  await page.fill('#school', '首都医科大学');
  await page.fill('#major', '护理学');
  await page.fill('#enrolled_on', '2010-09');
  await page.fill('#graduated_on', '2014-07');
  await submitAndWait(page, '保存（保存后不能删除）');

  await page.goto('/me/wechat');
  await page.locator('#bind-qr svg').waitFor();
  const phone = await page.context().newPage();
  await phone.goto('/sim/wechat/phone');
  await Promise.all([phone.waitForNavigation(), phone.getByRole('button', { name: new RegExp(`^${phoneUser}扫一扫绑定二维码`) }).first().click()]);
  await phone.close();
  await page.getByTestId('bind-status').filter({ hasText: '已绑定' }).waitFor({ timeout: 10_000 });
}

/** Applies for 中级 护理学 at 1101 and submits; returns the 报名号. */
async function applyAndSubmit(page, label) {
  await page.goto('/me/applications');
  await assertAccessible(page, `/me/applications (${label})`);
  await Promise.all([page.waitForURL(/\/me\/applications\/new/), page.getByTestId('start-application').click()]);
  await page.check('#exam_health_title');
  await page.selectOption('#province', '11');
  await page.selectOption('#site', '1101');
  await page.selectOption('#specialty', '368');
  await page.fill('#work_unit', '北京协和医院');
  // Three years of work: not yet eligible for 中级 with a bachelor's, and told why.
  const year = new Date().getFullYear();
  await page.fill('#started_work', `${year - 2}-07`);
  await page.selectOption('#highest_education', 'bachelor');
  await page.selectOption('#held_title', 'junior');
  await page.fill('#title_certificate_number', `${year - 2}-HS-0001`);
  await assertAccessible(page, `/me/applications/new (${label})`);
  await assertNoHorizontalScroll(page, '/me/applications/new');
  await submitAndWait(page, '保存并查看报考资格');
  assert.match(await page.getByTestId('eligibility').innerText(), /本科学历，工作满4年方可报考中级/);
  assert.equal(await page.getByTestId('submit-application').count(), 0, 'not eligible: no submit button');
  await assertAccessible(page, `/me/applications/{id} not eligible (${label})`);

  // Corrected: started work ten years ago.
  await page.getByRole('link', { name: '修改报名信息' }).click();
  await page.fill('#started_work', `${year - 10}-07`);
  await submitAndWait(page, '保存并查看报考资格');
  assert.match(await page.getByTestId('eligibility').innerText(), /符合/);
  await Promise.all([page.waitForNavigation(), page.getByTestId('confirm-photo').click()]);
  await page.getByTestId('photo-confirmed').waitFor();
  await Promise.all([page.waitForNavigation(), page.getByTestId('submit-application').click()]);
  assert.match(await page.getByTestId('application-state').innerText(), /已提交/);
  await assertAccessible(page, `/me/applications/{id} submitted (${label})`);
  await assertNoHorizontalScroll(page, '/me/applications/{id}');

  const pdf = await page.request.get(await page.getByTestId('print-form').getAttribute('href'));
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.ok((await pdf.body()).subarray(0, 5).equals(Buffer.from('%PDF-')));
  return page.getByTestId('application-number').innerText();
}

describe('exam applications', () => {
  const env = useServerAndBrowser();

  test('apply, print, review and approve (desktop)', async (t) => {
    const c = newCandidate();
    let number;
    await env.withPage(t, DESKTOP, async (page) => {
      await registerThroughPages(page, c);
      await completeChecklist(page, '张三');
      number = await applyAndSubmit(page, 'desktop');
    });

    await env.withPage(t, DESKTOP, async (page) => {
      await consoleLogIn(page, ADMIN, ADMIN_PASSWORD);
      await page.getByRole('link', { name: '报名审核', exact: true }).click();
      assert.match(await page.getByTestId('application-queue').innerText(), new RegExp(number));
      await assertAccessible(page, '/admin/applications');
      await assertNoHorizontalScroll(page, '/admin/applications');
      // On-site mode: the number typed as read off the printed form.
      await page.fill('#number', number);
      await submitAndWait(page, '打开');
      assert.equal(await page.getByTestId('application-number').innerText(), number);
      assert.match(await page.getByTestId('eligibility').innerText(), /符合/);
      const photo = page.locator('img.photo');
      assert.deepEqual(await photo.evaluate(async (img) => { await img.decode(); return [img.naturalWidth, img.naturalHeight]; }), [295, 413]);
      await assertAccessible(page, '/admin/applications/{id}');
      await assertNoHorizontalScroll(page, '/admin/applications/{id}');
      await page.fill('#approve-reason', '材料齐全');
      await Promise.all([page.waitForNavigation(), page.getByTestId('approve').click()]);
      assert.match(await page.getByTestId('application-state').innerText(), /审核通过/);
      assert.match(await page.getByTestId('history').innerText(), /材料齐全/);

    });

    // The 考区 publishes a 公告 for its candidates and looks at its timetable.
    await env.withPage(t, DESKTOP, async (page) => {
      await consoleLogIn(page, 'admin_bj', ADMIN_PASSWORD);
      await page.getByRole('link', { name: '公告', exact: true }).click();
      await assertAccessible(page, '/admin/announcements');
      await page.fill('#title', '北京考区现场确认通知');
      await page.fill('#body', '请携带身份证原件和申请表到考点现场确认。');
      await submitAndWait(page, '发布');
      assert.match(await page.getByTestId('notice').innerText(), /公告已发布/);
      await page.getByRole('link', { name: '考试计划', exact: true }).click();
      assert.equal(await page.locator('#application_opens').count(), 1);
      await assertAccessible(page, '/admin/plan');
      await assertNoHorizontalScroll(page, '/admin/plan');
    });

    await env.withPage(t, DESKTOP, async (page) => {
      await page.goto('/login');
      await page.fill('#login', c.username);
      await page.fill('#password', c.password);
      await submitAndWait(page, '登录');
      await page.goto('/me/applications');
      assert.match(await page.locator('[data-state="approved"]').innerText(), /审核通过/);
      // Notices follow the 所在考点's 考区, which this candidate has not chosen yet.
      await page.goto('/me/site');
      await page.selectOption('#site', '1101');
      await submitAndWait(page, '保存');
      await page.goto('/');
      assert.match(await page.getByTestId('announcement').first().innerText(), /北京考区现场确认通知/);
      await assertAccessible(page, '/ with notices');
    });
  });

  test('the candidate side on a phone', async (t) => {
    await env.withPage(t, PHONE, async (page) => {
      await registerThroughPages(page, newCandidate());
      await completeChecklist(page, '阿依古丽');
      await applyAndSubmit(page, 'phone');
    });
  });
});
