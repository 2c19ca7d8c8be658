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
  return page.$$eval('details.op:not([hidden])', (ops) =>
    ops.map((op) => `${op.querySelector('.method')?.textContent} ${op.querySelector('.path')?.textContent}`),
  );
}

/** The <details> of one operation, found by what the user sees in its summary line. */
function operation(page: Page, method: string, path: string) {
  return page
    .locator('details.op')
    .filter({ has: page.locator('summary > .method', { hasText: new RegExp(`^${method}$`) }) })
    .filter({ has: page.locator('summary > .path', { hasText: new RegExp(`^${path}$`) }) });
}

/** An element's children's text joined by spaces ("full_name string nullable ..."). */
function spacedText(locator: Locator) {
  return locator.evaluate((el) => [...el.children].map((child) => child.textContent).join(' '));
}

/** The outline line of one property inside a schema view. */
function propertyLine(scope: Locator, name: string) {
  return scope
    .locator('.prop-line', {
      has: scope.page().locator(':scope > .prop-name', { hasText: new RegExp(`^${name}$`) }),
    })
    .first();
}

/** Opens an operation (or keeps it open): its own <summary>, not those of its responses. */
async function expand(op: ReturnType<typeof operation>) {
  if ((await op.getAttribute('open')) === null) await op.locator(':scope > summary').click();
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
    await page.locator('details.op').first().waitFor();
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
      expect.arrayContaining(['/docs', '/docs/assets/docs.js', '/docs/assets/docs.css', '/openapi.json']),
    );
    expect(pageErrors).toEqual([]);
  });

  it('lists the operations by tag, with a lock on the protected ones', async () => {
    const ops = await visibleOperations(page);
    expect(ops).toEqual(
      expect.arrayContaining(['GET /api/ping', 'GET /api/health', 'GET /api/me', 'PUT /api/profile']),
    );
    const tags = await page.$$eval('.tag-section > h2', (hs) => hs.map((h) => h.textContent));
    expect(tags).toEqual(expect.arrayContaining(['Health', 'Identity', 'Profile']));
    await expect(page.title()).resolves.toBe('Jobmate API reference');
    expect(await operation(page, 'GET', '/api/me').locator('summary .lock').count()).toBe(1);
    expect(await operation(page, 'GET', '/api/ping').locator('summary .lock').count()).toBe(0);
  });

  it('shows parameters, the request body schema and the responses', async () => {
    const profile = operation(page, 'PUT', '/api/profile');
    await expand(profile);
    const body = profile.locator('section.block', { hasText: 'Request body' });
    await expect(spacedText(propertyLine(body, 'full_name'))).resolves.toMatch(
      /^full_name string nullable length/,
    );
    await expect(profile.locator('.response .status').allTextContents()).resolves.toEqual(
      expect.arrayContaining(['200', '400', '401', '403']),
    );

    const ping = operation(page, 'GET', '/api/ping');
    await expand(ping);
    const ok = ping.locator('details.response', { hasText: 'The server is up' });
    await expect(spacedText(propertyLine(ok, 'message'))).resolves.toBe(
      'message string required enum: "pong"',
    );
  });

  it('narrows the list with the filter, and says when nothing matches', async () => {
    const all = await visibleOperations(page);
    await page.fill('#filter', '/api/profile');
    const narrowed = await visibleOperations(page);
    expect(narrowed.sort()).toEqual(['GET /api/profile', 'PUT /api/profile']);
    expect(narrowed.length).toBeLessThan(all.length);
    // Every word must match somewhere (method, path, summary, tag...).
    await page.fill('#filter', 'put profile');
    expect(await visibleOperations(page)).toEqual(['PUT /api/profile']);
    await page.fill('#filter', 'get ping');
    expect((await visibleOperations(page)).sort()).toEqual(['GET /api/ping', 'GET /api/ping-protected']);
    await page.fill('#filter', 'no-such-operation');
    expect(await visibleOperations(page)).toEqual([]);
    expect(await page.locator('#no-match').isVisible()).toBe(true);
    await page.fill('#filter', '');
    expect(await visibleOperations(page)).toEqual(all);
  });

  it('“Try it” on GET /api/ping shows 200 and pong', async () => {
    const ping = operation(page, 'GET', '/api/ping');
    await expand(ping);
    await ping.getByRole('button', { name: 'Send' }).click();
    const result = ping.locator('.result');
    await expect(result.locator('.result-line .status').textContent()).resolves.toBe('200');
    await expect(result.locator('.response-body').textContent()).resolves.toBe('{\n  "message": "pong"\n}');
    await expect(spacedText(result.locator('dl'))).resolves.toMatch(/^content-type application\/json /);
  });

  it('sends the pasted bearer token, kept in sessionStorage, to protected operations', async () => {
    const op = operation(page, 'GET', '/api/ping-protected');
    await expand(op);
    await op.getByRole('button', { name: 'Send' }).click();
    await expect(op.locator('.result-line .status').textContent()).resolves.toBe('401');

    const token = await auth0.sign({ sub: 'auth0|docs' });
    await page.fill('#token', token);
    expect(await page.evaluate(() => sessionStorage.getItem('jobmate-docs-token'))).toBe(token);
    await expect(page.locator('#token-state').textContent()).resolves.toMatch(/expires in \d+ min/);
    await op.getByRole('button', { name: 'Send' }).click();
    await expect(op.locator('.result-line .status').textContent()).resolves.toBe('200');
    await expect(op.locator('.response-body').textContent()).resolves.toContain('"sub": "auth0|docs"');
  });

  it('renders text from the document as text, never as markup', async () => {
    const context = await browser.newContext();
    try {
      const evil = await context.newPage();
      const hostile = '<img src=x onerror="window.pwned=1"><b>bold</b>';
      await evil.route('**/openapi.json', (route) =>
        route.fulfill({
          json: {
            openapi: '3.1.0',
            info: { title: hostile, version: '1' },
            paths: {
              '/api/x': {
                get: { tags: [hostile], summary: hostile, responses: { 200: { description: hostile } } },
              },
            },
          },
        }),
      );
      await evil.goto(`${origin}/docs`);
      await evil.locator('details.op').first().waitFor();
      await evil.locator('details.op > summary').click();
      expect(await evil.locator('details.op .op-summary').textContent()).toBe(hostile);
      expect(await evil.locator('#api-title').textContent()).toBe(hostile);
      expect(await evil.locator('img, b').count()).toBe(0);
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
