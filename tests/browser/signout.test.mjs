// «Выйти» signs out on the server too: the token the app held is revoked, so a phone that
// is signed out cannot be used to reach the data with it. Offline, signing out still works
// on the device (the token is forgotten there at once) and the server is told nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { phone, startServer, toHome } from './harness.mjs';

let server, browser, context, page;

before(async () => {
  server = await startServer();
  ({ browser, context } = await phone());
  page = await context.newPage();
});
after(async () => {
  await browser?.close();
  server?.close();
});

/** Signs in through the account screen; returns the token the server gave the app. */
async function signIn(login) {
  await toHome(page, server.url);
  await page.click('[data-testid="to-account"]');
  await page.fill('[data-testid="login"]', login);
  await page.fill('[data-testid="password"]', 'demo');
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/login'));
  await page.click('[data-testid="sign-in"]');
  const token = (await (await answer).json()).token;
  await page.waitForSelector('[data-testid="home"]');
  assert.equal((await server.api('GET', '/pull', token)).status, 200);
  return token;
}

async function signOut() {
  await page.click('[data-testid="sync-bar"] .who .ghost');
  await page.click('[data-testid="sign-out"]');
  await page.waitForSelector('[data-testid="sign-in"]');
}

test('«Выйти» revokes the token on the server', async () => {
  const token = await signIn('auditor1');
  const told = page.waitForResponse((r) => r.url().endsWith('/api/v1/logout'));
  await signOut();
  assert.equal((await told).status(), 204);
  const after = await server.api('GET', '/pull', token);
  assert.equal(after.status, 401);
  assert.equal(after.body.code, 'sign_in_again');
});

test('offline, «Выйти» still signs out on the device', async () => {
  const token = await signIn('auditor2');
  await context.setOffline(true);
  await signOut();
  await context.setOffline(false);
  // The device forgot the token; the server never heard, so it stays valid there until it
  // expires or `zakupka-server user revoke` revokes it.
  await toHome(page, server.url);
  await page.click('[data-testid="to-account"]');
  await page.waitForSelector('[data-testid="sign-in"]');
  assert.equal((await server.api('GET', '/pull', token)).status, 200);
});
