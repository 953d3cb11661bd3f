// Registration through the pages at desktop width: the rare-character picker and the "·" button,
// the double entry, field errors that keep what the candidate typed, and what 个人信息管理 shows afterwards.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP,
  acceptNotice,
  fillConfirmation,
  fillRegistrationForm,
  maskedIdNumber,
  newCandidate,
  newIdNumber,
  pickRareChar,
  registerThroughPages,
  submitAndWait,
  typeInto,
  withBadCheckChar,
  useServerAndBrowser,
} from '../lib/kaowu.mjs';

const MINORITY_NAME = '买买提·䶮';

describe('registration at desktop width', () => {
  const env = useServerAndBrowser();

  test('full registration with the "·" button and the rare-character picker, ending on 个人信息管理', async (t) => {
    const c = newCandidate({ name: MINORITY_NAME, idNumber: newIdNumber({ endsWithX: true }) });
    await env.withPage(t, DESKTOP, async (page) => {
      await acceptNotice(page);
      await assertHeading(page, '注册账号');
      await fillRegistrationForm(page, c, { typeName: false });

      // Name: type 买买提, insert "·" with the button, then 䶮 from the picker at the cursor.
      await typeInto(page, '#name', '买买提');
      await page.getByRole('button', { name: '少数民族姓名·' }).click();
      assert.equal(await page.inputValue('#name'), '买买提·');
      await pickRareChar(page, 'name', 'yan', '䶮');
      assert.equal(await page.inputValue('#name'), MINORITY_NAME);
      const caret = await page.locator('#name').evaluate((el) => [document.activeElement === el, el.selectionStart, el.value.length]);
      assert.deepEqual(caret, [true, MINORITY_NAME.length, MINORITY_NAME.length], 'focus is back in the name field, cursor after 䶮');

      await submitAndWait(page, '注册');
      await assertHeading(page, '确认注册信息');
      assert.equal(await page.locator('#error-summary').count(), 0, 'no errors after the first entry');
      // Nothing of the first entry is handed back in clear: the second entry starts empty.
      assert.equal(await page.inputValue('#confirm_name'), '');
      assert.equal(await page.inputValue('#confirm_id_number'), '');

      // Second entry: the same name through the same aids, the ID number with a lower-case x.
      await typeInto(page, '#confirm_name', '买买提');
      await page.locator('[data-insert-dot="confirm_name"]').click();
      await pickRareChar(page, 'confirm_name', 'yan', '䶮');
      assert.equal(await page.inputValue('#confirm_name'), MINORITY_NAME);
      await fillConfirmation(page, { idType: 'resident_id', idNumber: c.idNumber.toLowerCase() });
      assert.ok(c.idNumber.endsWith('X'));
      await Promise.all([page.waitForURL(/\/me\?welcome=1$/), page.getByRole('button', { name: '确认注册' }).click()]);

      await assertHeading(page, '个人信息管理');
      await page.getByRole('status').filter({ hasText: '注册成功' }).waitFor();
      assert.equal((await page.locator('.person-name').innerText()).trim(), MINORITY_NAME);
      assert.equal(await page.getByTestId('id-number-masked').innerText(), maskedIdNumber(c.idNumber));
      const html = await page.content();
      for (const form of [c.idNumber, c.idNumber.toLowerCase(), c.idNumber.slice(0, 17)]) {
        assert.ok(!html.includes(form), `the full ID number (${form}) must not be in the page`);
      }
      assert.ok(html.includes(c.username), 'the username is shown');

      const items = page.locator('ul.checklist > li[data-step]');
      assert.equal(await items.count(), 4);
      // 实名核验 runs in the background (the demo's FaceID simulator): done within moments, seen on a reload.
      for (let i = 0; i < 20 && (await page.locator('li[data-step="identity"].done').count()) === 0; i++) {
        await page.waitForTimeout(500);
        await page.reload();
      }
      assert.match(await page.locator('li[data-step="identity"]').innerText(), /核验通过/);
      for (const step of ['photo', 'education', 'wechat']) {
        const item = page.locator(`ul.checklist > li[data-step="${step}"]`);
        assert.equal(await item.getAttribute('class'), 'todo', `${step} is not done`);
        assert.match(await item.locator('.status').innerText(), /未完成/);
      }
      assert.equal(await page.getByTestId('remaining').innerText(), '3');

      // Logged in: the header offers 退出登录 instead of 登录/注册.
      const nav = page.getByRole('navigation', { name: '站点导航' });
      await nav.getByRole('button', { name: '退出登录' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: '登录', exact: true }).count(), 0);
    });
  });

  test('the name aids insert at the cursor, replace a selection, and work with the keyboard alone', async (t) => {
    await env.withPage(t, DESKTOP, async (page) => {
      await acceptNotice(page);
      const name = page.locator('#name');
      await typeInto(page, '#name', '买买提艾力');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      await page.getByRole('button', { name: '少数民族姓名·' }).click();
      assert.equal(await name.inputValue(), '买买提·艾力');

      // Select 艾力 and replace it with a character from the picker.
      await name.evaluate((el) => el.setSelectionRange(4, 6));
      await name.evaluate((el) => el.dispatchEvent(new Event('select')));
      await pickRareChar(page, 'name', 'yan', '䶮');
      assert.equal(await name.inputValue(), '买买提·䶮');

      // Keyboard only: Tab to the picker button, Enter, type the reading, Enter, Tab to the first result, Enter.
      await name.focus();
      await page.keyboard.press('End');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.dataset.rarePicker), 'name');
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: '生僻字输入' });
      await dialog.waitFor();
      assert.equal(await page.evaluate(() => document.activeElement.id), 'rare-pinyin', 'focus moves into the picker');
      await page.keyboard.type('yan');
      await page.keyboard.press('Enter');
      await dialog.getByRole('status').filter({ hasText: /找到 \d+ 个字/ }).waitFor();
      await page.keyboard.press('Tab'); // 查找
      await page.keyboard.press('Tab'); // first result
      const first = await page.evaluate(() => document.activeElement.dataset.char);
      assert.ok(first, 'the first result has the focus');
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await name.inputValue(), '买买提·䶮' + first);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'name', 'focus is back in the name field');

      // Escape closes the picker without inserting anything; focus returns to where it was.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await dialog.waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await name.inputValue(), '买买提·䶮' + first);
      assert.equal(await page.evaluate(() => document.activeElement.dataset.rarePicker), 'name');

      // A reading that is not pinyin is explained in the picker.
      await page.keyboard.press('Enter');
      await dialog.getByLabel('拼音（不含声调）').fill('12');
      await page.keyboard.press('Enter');
      await dialog.getByRole('status').filter({ hasText: '请输入拼音字母' }).waitFor();
      assert.equal(await dialog.locator('button[data-char]').count(), 0);
    });
  });

  test('a name filled in by the page, or tabbed through, gets the characters at its end', async (t) => {
    const c = newCandidate({ name: '买买提' });
    await env.withPage(t, DESKTOP, async (page) => {
      await acceptNotice(page);
      await fillRegistrationForm(page, { ...c, idNumber: withBadCheckChar(c.idNumber) });
      await submitAndWait(page, '注册');
      await page.locator('#id_number-error').waitFor();
      // The server filled the name in again; the candidate has not put the cursor in it.
      await page.getByRole('button', { name: '少数民族姓名·' }).click();
      assert.equal(await page.inputValue('#name'), '买买提·');
      await pickRareChar(page, 'name', 'yan', '䶮');
      assert.equal(await page.inputValue('#name'), '买买提·䶮');

      // Tabbing into the field selects all of it; tabbing on to a button must not make the name be replaced.
      await page.focus('#password_confirmation');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'name');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.dataset.insertDot), 'name');
      await page.keyboard.press('Enter');
      assert.equal(await page.inputValue('#name'), '买买提·䶮·');
    });
  });

  test('an own security question: its field appears when chosen and an empty one is reported there', async (t) => {
    const c = newCandidate();
    await env.withPage(t, DESKTOP, async (page) => {
      await acceptNotice(page);
      const custom = page.getByLabel('自定义问题（选择“自己填写问题”时填写）');
      assert.equal(await custom.isVisible(), false, 'hidden while a suggested question is chosen');
      await fillRegistrationForm(page, c);
      await page.selectOption('#security_question_choice', 'custom');
      await custom.waitFor();
      await submitAndWait(page, '注册');
      await page.locator('#security_question-error').waitFor();
      assert.equal(await custom.isVisible(), true, 'still shown with its error');
      assert.equal(await page.inputValue('#security_question_choice'), 'custom');
      assert.equal(await page.getAttribute('#security_question', 'aria-invalid'), 'true');
      await custom.fill('我的第一位老师姓什么？');
      await page.fill('#password', c.password);
      await page.fill('#password_confirmation', c.password);
      await submitAndWait(page, '注册');
      await assertHeading(page, '确认注册信息');
    });
  });

  test('a second entry that differs is refused, keeps what was typed, and can be corrected', async (t) => {
    const c = newCandidate({ name: '李四' });
    const other = newIdNumber();
    await env.withPage(t, DESKTOP, async (page) => {
      await acceptNotice(page);
      await fillRegistrationForm(page, c);
      await submitAndWait(page, '注册');
      await assertHeading(page, '确认注册信息');

      await fillConfirmation(page, { name: c.name, idType: c.idType, idNumber: other });
      await submitAndWait(page, '确认注册');
      assert.match(new URL(page.url()).pathname, /^\/register\/confirm$/);
      await assertHeading(page, '确认注册信息');

      const error = page.locator('#confirm_id_number-error');
      await error.waitFor();
      assert.match(await error.innerText(), /证件号码/);
      // The message sits in the same field as the input and is announced with it.
      assert.equal(await error.evaluate((el) => el.closest('.field')?.querySelector('input')?.id), 'confirm_id_number');
      assert.equal(await page.getAttribute('#confirm_id_number', 'aria-invalid'), 'true');
      assert.match(await page.getAttribute('#confirm_id_number', 'aria-describedby'), /\bconfirm_id_number-error\b/);
      // The summary at the top names the problem and links to the field.
      const summary = page.getByRole('alert');
      assert.match(await summary.innerText(), /证件号码/);
      assert.equal(await summary.getByRole('link').first().getAttribute('href'), '#confirm_id_number');
      // Only the ID number is flagged; what was typed in the second entry is still there.
      assert.equal(await page.locator('#confirm_name-error, #confirm_id_type-error').count(), 0);
      assert.equal(await page.inputValue('#confirm_name'), c.name);
      assert.equal(await page.inputValue('#confirm_id_type'), c.idType);

      await fillConfirmation(page, { idNumber: c.idNumber });
      await Promise.all([page.waitForURL(/\/me\?welcome=1$/), page.getByRole('button', { name: '确认注册' }).click()]);
      assert.equal((await page.locator('.person-name').innerText()).trim(), c.name);
      assert.equal(await page.getByTestId('id-number-masked').innerText(), maskedIdNumber(c.idNumber));
    });
  });

  test('a wrong check character is reported next to the ID number and nothing typed is lost', async (t) => {
    const c = newCandidate({ name: '买买提·䶮', securityAnswer: '和平里小学' });
    const bad = withBadCheckChar(c.idNumber);
    await env.withPage(t, DESKTOP, async (page) => {
      await acceptNotice(page);
      await fillRegistrationForm(page, { ...c, idNumber: bad });
      await submitAndWait(page, '注册');
      await assertHeading(page, '注册账号');

      const error = page.locator('#id_number-error');
      await error.waitFor();
      assert.match(await error.innerText(), /校验位/);
      assert.equal(await error.evaluate((el) => el.closest('.field')?.querySelector('input')?.id), 'id_number');
      assert.equal(await page.getAttribute('#id_number', 'aria-invalid'), 'true');
      assert.match(await page.getAttribute('#id_number', 'aria-describedby'), /\bid_number-error\b/);
      assert.equal(await page.locator('p.error').count(), 1, 'only the ID number is wrong');
      // Keyboard and screen-reader users start at the error summary; its link leads into the field.
      assert.equal(await page.evaluate(() => document.activeElement.id), 'error-summary');
      const link = page.getByRole('alert').getByRole('link').first();
      assert.equal(await link.getAttribute('href'), '#id_number');
      await link.click();
      assert.equal(await page.evaluate(() => document.activeElement.id), 'id_number');

      assert.equal(await page.inputValue('#username'), c.username);
      assert.equal(await page.inputValue('#name'), c.name);
      assert.equal(await page.inputValue('#id_type'), c.idType);
      assert.equal(await page.inputValue('#id_number'), bad);
      assert.equal(await page.inputValue('#security_answer'), c.securityAnswer);
      // The name aids still work on the re-shown form.
      await page.locator('[data-rare-picker="name"]').waitFor();

      // Correct the number and carry on to the double entry.
      await page.fill('#id_number', c.idNumber);
      if (!(await page.inputValue('#password'))) {
        await page.fill('#password', c.password);
        await page.fill('#password_confirmation', c.password);
      }
      await submitAndWait(page, '注册');
      await assertHeading(page, '确认注册信息');
    });
  });

  test('an ID number already registered is refused on the form', async (t) => {
    const c = newCandidate({ name: '王五' });
    await env.withPage(t, DESKTOP, async (page) => {
      await registerThroughPages(page, c);
    });
    await env.withPage(t, DESKTOP, async (page) => {
      await acceptNotice(page);
      await fillRegistrationForm(page, { ...c, username: c.username + 'b' });
      await submitAndWait(page, '注册');
      await assertHeading(page, '注册账号');
      await page.locator('#id_number-error').waitFor();
      assert.equal(await page.inputValue('#username'), c.username + 'b');
    });
  });

  test('the form is refused until both the notice and the privacy rules are accepted', async (t) => {
    await env.withPage(t, DESKTOP, async (page) => {
      await page.goto('/register');
      await page.getByLabel('我已阅读并理解上述特别提示').check();
      await Promise.all([page.waitForURL(/\/register\/form/), page.getByRole('button', { name: '同意并继续注册' }).click()]);
      await assertHeading(page, '注册须知');
      await page.locator('#accept_privacy-error').waitFor();
      assert.equal(await page.locator('#accept_notice-error').count(), 0);
      assert.equal(await page.getAttribute('#accept_privacy', 'aria-invalid'), 'true');
      assert.equal(await page.locator('#username').count(), 0, 'no registration form yet');
    });
  });
});

async function assertHeading(page, text) {
  assert.equal((await page.getByRole('heading', { level: 1 }).innerText()).trim(), text);
}
