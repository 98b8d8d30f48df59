// The web UI's login page on the authenticated listener (docs/auth.md) in headless
// Chromium: an anonymous page load lands on the login page, a wrong password shows the
// error, the right one goes back to the page asked for, logout returns to the login page.
// Run by CTest (`web_login`) or `node --test tests/web/login.test.mjs`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { env, freePort, launchBrowser, newPage, screenshot, Vigil } from './harness.mjs';

describe('login page', () => {
  let vigil;
  let browser;
  let base;
  before(async () => {
    const aport = await freePort();
    vigil = await Vigil.start(`cameras: {}\nauth: {enabled: true, host: 127.0.0.1, port: ${aport}}\n`);
    const add = spawnSync(env.bin, ['--config', path.join(vigil.dir, 'config.yml'), 'user', 'add', 'alice', '--role', 'admin'], {
      input: 'Pa55-word-alice\n',
      encoding: 'utf8',
    });
    assert.equal(add.status, 0, add.stderr);
    base = `http://127.0.0.1:${aport}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await vigil?.stop();
    vigil?.removeDir();
  });

  test('anonymous → login, wrong password → error, right → cameras, logout → login', async () => {
    const page = await newPage(browser);
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');

    await page.getByLabel('User').fill('alice');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    assert.equal(await page.getByRole('alert').textContent(), 'Wrong user name or password.');
    await screenshot(page, 'login-error');

    await page.getByLabel('Password').fill('Pa55-word-alice');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Cameras' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    const logoutLink = page.getByRole('link', { name: 'Log out' });
    await logoutLink.waitFor();
    await screenshot(page, 'login-done');

    await logoutLink.click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    // The cookie is gone: a page load lands on the login page again.
    await page.goto(`${base}/events`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('next'), '/events');
    // The only errors: Chromium's console line for the wrong password's 401.
    assert.deepEqual(page.errors.filter((e) => !/status of 401/.test(e)), []);
  });
});
