// Passkeys in the browser, with Chromium's virtual authenticator (CDP WebAuthn domain) standing in for the
// phone's Face ID: add one after registering, log out, log in with it without typing a username, see it in the
// login history, remove it, and find that it no longer logs in. Pages are opened at http://localhost (passkeys
// need a domain: WebAuthn refuses IP addresses), and checked with axe-core.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, assertAccessible, assertNoHorizontalScroll, newCandidate, registerThroughPages, withPage, PHONE } from '../lib/kaowu.mjs';
import { useServerAndBrowser } from '../lib/kaowu.mjs';

/** A platform authenticator that verifies the user (face or fingerprint) without asking. */
async function addVirtualAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}

async function logOut(page) {
  await Promise.all([page.waitForURL(/\/login/), page.getByRole('navigation').getByRole('button', { name: '退出登录' }).click()]);
}

describe('passkeys', () => {
  const env = useServerAndBrowser();
  const onLocalhost = (t, size, fn) =>
    withPage(env.browser, env.server.baseURL.replace('127.0.0.1', 'localhost'), t.name, { ...size, allowedFailures: [/\/login\/passkey$/] }, fn);

  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    test(`add a passkey, log in with it, remove it (${label})`, async (t) => {
      await onLocalhost(t, size, async (page) => {
        const { cdp, authenticatorId } = await addVirtualAuthenticator(page);
        const c = newCandidate();
        await registerThroughPages(page, c);
        await page.getByRole('link', { name: '通行密钥' }).click();
        await page.waitForURL(/\/me\/passkeys$/);
        assert.match(await page.getByTestId('no-passkeys').innerText(), /还没有通行密钥/);
        await assertAccessible(page, '/me/passkeys');
        await assertNoHorizontalScroll(page, '/me/passkeys');

        // No name: said in words, nothing asked of the device.
        await page.getByRole('button', { name: '添加通行密钥' }).click();
        assert.match(await page.getByTestId('passkey-status').innerText(), /请为通行密钥起个名字/);
        await page.fill('#passkey-name', '我的电脑');
        await Promise.all([page.waitForURL(/\/me\/passkeys\?added=1$/), page.getByRole('button', { name: '添加通行密钥' }).click()]);
        assert.match(await page.getByTestId('passkey-notice').innerText(), /通行密钥已添加/);
        assert.match(await page.getByTestId('passkeys').innerText(), /我的电脑.*从未使用/s);
        const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
        assert.equal(credentials.length, 1, 'the authenticator holds one passkey');
        assert.equal(credentials[0].isResidentCredential, true, 'a discoverable credential');

        // The same authenticator cannot hold a second passkey for this account.
        await page.fill('#passkey-name', '又一个');
        await page.getByRole('button', { name: '添加通行密钥' }).click();
        await page.getByText('这台设备上已经有本账号的通行密钥').waitFor();

        await logOut(page);
        await assertAccessible(page, '/login with the passkey button');
        await Promise.all([page.waitForURL(/\/me$/), page.getByRole('button', { name: '使用通行密钥登录' }).click()]);
        await page.goto('/me/security');
        assert.match(await page.getByTestId('login-history').innerText(), /通行密钥\s+成功/);
        await page.goto('/me/passkeys');
        assert.doesNotMatch(await page.getByTestId('passkeys').innerText(), /从未使用/, 'the login is recorded as its last use');

        await Promise.all([page.waitForURL(/\?removed=1$/), page.getByRole('button', { name: '删除 我的电脑' }).click()]);
        assert.match(await page.getByTestId('passkey-notice').innerText(), /通行密钥已删除/);
        assert.match(await page.getByTestId('no-passkeys').innerText(), /还没有通行密钥/);

        // The authenticator still offers it, but kaowu no longer accepts it.
        await logOut(page);
        await page.getByRole('button', { name: '使用通行密钥登录' }).click();
        await page.getByText('该通行密钥不能登录本平台').waitFor();
        assert.equal(new URL(page.url()).pathname, '/login');
        await assertAccessible(page, '/login after a refused passkey');
      });
    });
  }
});
