// What the browser tests (tests/web/*.mjs, tests/web/stats/*.mjs) share:
// TAP output, psql, pages in their own browser context, axe-core, logging
// in to ebba-web, Tab to an element, and Debian's chromium.  In a folder of
// its own so that 80_web.sh, which runs every tests/web/*.mjs, does not run
// it as a test.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const env = process.env;
let failures = 0;

export const ok = (name) => console.log(`ok - ${name}`);
export const notOk = (name, why) => { failures++; console.log(`not ok - ${name}`); if (why) console.log(`#   ${String(why).split('\n').join('\n#   ')}`); };
export const check = (name, cond, why) => (cond ? ok(name) : notOk(name, why));
export const sql = (q) => {
	const r = spawnSync('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', q], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(r.stderr);
	return r.stdout.trim();
};

// A page in a context of its own (its own cookies: its own login).  With
// refuseDialogs, a dialog is a failure; with seen (a Set), every URL
// requested is added to it.
export async function newPage(browser, { refuseDialogs = false, seen = null } = {}) {
	const ctx = await browser.createBrowserContext();
	const page = await ctx.newPage();
	if (seen) page.on('request', (r) => seen.add(r.url()));
	if (refuseDialogs) page.on('dialog', async (d) => { notOk('no dialog opens', d.message()); await d.dismiss(); });
	await page.setViewport({ width: 1280, height: 900 });
	await page.setBypassCSP(true);  // so axe can be injected; ebba-web itself has no script
	return page;
}

export async function axe(page, name) {
	await page.addScriptTag({ content: AXE });
	const res = await page.evaluate(async () => window.axe.run(document, {
		runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
	const v = res.violations.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
	check(`axe: 0 violations on ${name}`, v.length === 0, v.join('\n'));
}

// Logs in at EBBA_WEB_URL with EBBA_PASSWORD, by mouse or by keyboard
// alone; returns the path it lands on.
export async function login(page, user, keyboard) {
	await page.goto(`${env.EBBA_WEB_URL}/login`);
	if (keyboard) {
		await page.keyboard.press('Tab');  // skip link
		while (!(await page.evaluate(() => document.activeElement && document.activeElement.id === 'user')))
			await page.keyboard.press('Tab');
		await page.keyboard.type(user);
		await page.keyboard.press('Tab');
		await page.keyboard.type(env.EBBA_PASSWORD);
		await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	} else {
		await page.type('#user', user);
		await page.type('#password', env.EBBA_PASSWORD);
		await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
	}
	return new URL(page.url()).pathname;
}

// Presses Tab, at most max times, until the element sel has the focus;
// true if it has.
export const focusIs = (page, sel) => page.evaluate((s) => document.activeElement && document.activeElement.matches(s), sel);
// Whether the focus reaches sel within ms: a page's autofocus is applied at
// its next rendering opportunity, which under load can come after the load
// event a navigation waits for (73_completion once read the focus too early).
export async function focusLands(page, sel, ms = 3000) {
	try {
		await page.waitForFunction((s) => document.activeElement && document.activeElement.matches(s), { timeout: ms }, sel);
		return true;
	} catch {
		return false;
	}
}
export async function tabTo(page, sel, max = 200) {
	for (let n = 0; n < max && !(await focusIs(page, sel)); n++)
		await page.keyboard.press('Tab');
	return focusIs(page, sel);
}

// Runs fn(browser) in a headless chromium (with more command-line args)
// and closes it whatever happens.
export async function withBrowser(fn, args = []) {
	const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new', ...args] });
	try {
		await fn(browser);
	} finally {
		await browser.close();
	}
}

// Runs each part(browser) in turn; one that throws is a failure and the
// next still runs.
export const runParts = (parts, args = []) => withBrowser(async (browser) => {
	for (const part of parts) {
		try { await part(browser); } catch (e) { notOk(`${part.name} ran to the end`, e.stack); }
	}
}, args);

// Ends the test: exit status 1 if any check failed.
export const finish = () => process.exit(failures ? 1 : 0);
