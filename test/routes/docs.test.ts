import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import { createTestDatabase, type TestDatabase } from '../support/databases';

/**
 * `/docs` in a real browser: Debian's Chromium (installed by scripts/ensure-chromium.sh) driven by
 * playwright-core, against the app on a loopback port. Fails, never skips, without Chromium.
 */
const chromiumPath = '/usr/bin/chromium';
// From /work/shared/STACK.md: without the background-networking flags Chromium keeps trying to
// reach outside hosts. playwright-core adds a fresh --user-data-dir itself.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function listen(fetch: (request: Request) => Response | Promise<Response>) {
  let server: ServerType | undefined;
  await new Promise<void>((resolve) => {
    server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  const { port } = server!.address() as AddressInfo;
  return { server: server!, origin: `http://127.0.0.1:${port}` };
}

/** The visible operations as "METHOD /path". */
function visibleOperations(page: Page) {
  return page.$$eval('.opblock', (ops) =>
    ops.map(
      (op) =>
        `${op.querySelector('.opblock-summary-method')?.textContent} ${op.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
    ),
  );
}

/** One operation's block, found by what the user sees in its summary line. */
function operation(page: Page, method: string, path: string) {
  return page
    .locator('.opblock')
    .filter({ has: page.locator('.opblock-summary-method', { hasText: new RegExp(`^${method}$`) }) })
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
}

/** Opens an operation (or keeps it open). */
async function expand(op: Locator) {
  if (!(await op.evaluate((el) => el.classList.contains('is-open')))) {
    await op.locator('.opblock-summary-control').click();
  }
  await op.locator('.opblock-body').waitFor();
}

/** "Try it out", then "Execute"; the status of the answer. */
async function execute(op: Locator) {
  await expand(op);
  const tryOut = op.locator('button.try-out__btn', { hasText: 'Try it out' });
  if (await tryOut.count()) await tryOut.click();
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table td.response-col_status:not(.col_header)');
  await status.waitFor();
  return (await status.textContent())?.trim();
}

describe('GET /docs in Chromium', () => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;
  let server: ServerType;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(
        `${chromiumPath} is missing: run \`bash scripts/ensure-chromium.sh\` (scripts/test.sh does)`,
      );
    }
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase('libsql');
    ({ server, origin } = await listen(createTestApp({ database: db.database, auth0 }).fetch));
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    page = await browser.newPage();
    // Fail a step well before vitest's 30 s test timeout, with Playwright's own message.
    page.setDefaultTimeout(10_000);
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // A CSP violation is only reported on the console; the favicon 404 is expected noise.
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
        pageErrors.push(message.text());
      }
    });
    await page.goto(`${origin}/docs`, { waitUntil: 'load' });
    await page.locator('.opblock').first().waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    if (server) {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await db?.dispose();
    await auth0?.close();
  });

  it('loads only from the app’s own origin', async () => {
    const paths = requested.map((url) => new URL(url));
    expect(paths.filter((url) => url.origin !== origin).map(String)).toEqual([]);
    expect(paths.map((url) => url.pathname)).toEqual(
      expect.arrayContaining([
        '/docs',
        '/docs/assets/swagger-ui-bundle.js',
        '/docs/assets/swagger-ui.css',
        '/docs/assets/init.js',
        '/openapi.json',
      ]),
    );
    expect(pageErrors).toEqual([]);
  });

  it('lists the operations by tag, with a lock on the protected ones', async () => {
    const ops = await visibleOperations(page);
    expect(ops).toEqual(
      expect.arrayContaining(['GET /api/ping', 'GET /api/health', 'GET /api/me', 'PUT /api/profile']),
    );
    const tags = await page.$$eval('.opblock-tag', (hs) => hs.map((h) => h.getAttribute('data-tag')));
    expect(tags).toEqual(expect.arrayContaining(['Health', 'Identity', 'Profile']));
    await expect(page.title()).resolves.toBe('Jobmate API reference');
    await expect(page.locator('.info .title').textContent()).resolves.toMatch(/^Jobmate API/);
    expect(await operation(page, 'GET', '/api/me').locator('.authorization__btn').count()).toBe(1);
    expect(await operation(page, 'GET', '/api/ping').locator('.authorization__btn').count()).toBe(0);
  });

  it('shows the request body schema and the responses', async () => {
    const profile = operation(page, 'PUT', '/api/profile');
    await expand(profile);
    await expect(profile.locator('.opblock-section-request-body').textContent()).resolves.toContain(
      'full_name',
    );
    const statuses = await profile.locator('.responses-table .response-col_status').allTextContents();
    expect(statuses.map((s) => s.trim())).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
  });

  it('narrows the list to a tag with the filter', async () => {
    const all = await visibleOperations(page);
    await page.fill('.operation-filter-input', 'Profile');
    await expect
      .poll(async () => (await visibleOperations(page)).sort())
      .toEqual(['GET /api/profile', 'PUT /api/profile']);
    await page.fill('.operation-filter-input', '');
    await expect.poll(async () => (await visibleOperations(page)).length).toBe(all.length);
  });

  it('“Try it out” on GET /api/ping shows 200 and pong', async () => {
    const ping = operation(page, 'GET', '/api/ping');
    expect(await execute(ping)).toBe('200');
    await expect(
      ping.locator('.live-responses-table td.response-col_description:not(.col_header)').textContent(),
    ).resolves.toContain('"message": "pong"');
  });

  it('sends the bearer token given to “Authorize” to protected operations', async () => {
    const op = operation(page, 'GET', '/api/ping-protected');
    expect(await execute(op)).toBe('401');

    const token = await auth0.sign({ sub: 'auth0|docs' });
    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.dialog-ux');
    await dialog.locator('input[type="text"], input[type="password"]').first().fill(token);
    await dialog.locator('button.authorize').click();
    await dialog.locator('button.btn-done').click();
    // Kept in the page's memory only, not in storage that outlives the tab.
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }))).not.toContain(
      token,
    );

    await op.locator('button.execute').click();
    await expect
      .poll(async () =>
        (
          await op.locator('.live-responses-table td.response-col_status:not(.col_header)').textContent()
        )?.trim(),
      )
      .toBe('200');
    await expect(
      op.locator('.live-responses-table td.response-col_description:not(.col_header)').textContent(),
    ).resolves.toContain('"sub": "auth0|docs"');
  });

  it('renders text from the document as text, and its markup without scripts', async () => {
    const context = await browser.newContext();
    try {
      const evil = await context.newPage();
      const hostile = '<img src=x onerror="window.pwned=1"><b>bold</b>';
      await evil.route('**/openapi.json', (route) =>
        route.fulfill({
          json: {
            openapi: '3.1.0',
            info: { title: hostile, version: '1', description: hostile },
            paths: {
              '/api/x': {
                get: {
                  tags: ['x'],
                  summary: hostile,
                  description: hostile,
                  responses: { 200: { description: hostile } },
                },
              },
            },
          },
        }),
      );
      await evil.goto(`${origin}/docs`);
      await evil.locator('.opblock').first().waitFor();
      await evil.locator('.opblock-summary-control').first().click();
      await evil.locator('.opblock-body').waitFor();
      await expect(evil.locator('.info .title').textContent()).resolves.toContain(hostile);
      await expect(evil.locator('.opblock-summary-description').textContent()).resolves.toBe(hostile);
      expect(await evil.locator('[onerror]').count()).toBe(0);
      expect(await evil.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    } finally {
      await context.close();
    }
  });

  it('made no request to another origin, even while trying operations', () => {
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
