// Statistik in Chromium (started by tests/integration/80_web_stats.sh,
// which sets the environment and the data): the supervisor reaches the
// page from the navigation and chooses a period with the keyboard alone;
// axe-core finds 0 violations with every table behind the charts open;
// the hostile check id is text; a caseworker is refused.  Writes the
// screenshot docs/img/statistik.png when EBBA_STATS_SCREENSHOT names it.
// Prints TAP lines for tests/run.  (In its own folder: 80_web.sh runs
// every tests/web/*.mjs in its own environment.)
import { mkdirSync } from 'node:fs';
import { axe, check, finish, login, newPage as newBrowserPage, runParts, tabTo } from '../lib/browser.mjs';

const env = process.env;
const URL0 = env.EBBA_WEB_URL;
const newPage = (browser) => newBrowserPage(browser, { refuseDialogs: true });

async function supervisor(browser) {
	const page = await newPage(browser);
	await page.evaluateOnNewDocument(() => {
		for (const ev of ['mousedown', 'mouseup', 'click'])
			window.addEventListener(ev, (e) => { if (e.isTrusted && e.detail > 0) window.__mouse = (window.__mouse || 0) + 1; }, true);
	});
	await login(page, env.EBBA_SUPERVISOR);
	// By keyboard: the navigation link, then the period chooser.
	check('Tab reaches Statistik in the navigation', await tabTo(page, 'nav a[href="/statistik"]'));
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	check('Enter opens Statistik', new URL(page.url()).pathname === '/statistik', page.url());
	check('Tab reaches the month chooser', await tabTo(page, '#manader'));
	// A closed <select> takes the arrow keys: from "6 månader" up to "3 månader".
	await page.keyboard.press('ArrowUp');
	check('the arrow keys choose 3 months', (await page.$eval('#manader', (s) => s.value)) === '3');
	check('Tab reaches the Visa button', await tabTo(page, 'form.filters button[type=submit]', 5));
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	const u = new URL(page.url());
	check('the GET form shows the chosen window', u.searchParams.get('manader') === '3' &&
		/Visar 2026-11 till och med 2027-01/.test(await page.$eval('#perioden', (p) => p.textContent)), page.url());
	check('a table behind a chart opens from the keyboard', await tabTo(page, 'details summary', 80) &&
		(await page.keyboard.press('Enter'), await page.$eval('details', (d) => d.open)));
	check('no mouse event was used', (await page.evaluate(() => window.__mouse || 0)) === 0);

	const pwned = await page.evaluate(() => window.__pwned);
	check('the hostile check id: nothing runs', pwned === undefined &&
		(await page.$$('main script, main svg svg, main img')).length === 0);
	const heads = await page.$$eval('section.trend h3 code', (cs) => cs.map((c) => c.textContent));
	check('the hostile check id: shown as typed', heads.includes(env.EBBA_HOSTILE_CHECK), heads.join(' | '));
	const charts = await page.$$eval('main svg', (ss) => ss.map((s) => {
		const ids = (s.getAttribute('aria-labelledby') || '').split(' ');
		return s.getAttribute('role') === 'img' && ids.length === 2 && ids.every((i) => (document.getElementById(i)?.textContent || '').trim());
	}));
	check(`every chart (${charts.length}) is an image with a title and a description`, charts.length > 3 && charts.every(Boolean));
	const tune = await page.$$eval('table.stats tr.tune th', (t) => t.map((x) => x.textContent.trim()));
	check('the check to tune is highlighted in the table', tune.length === 1 && tune[0] === 'aktivitetskrav', tune.join(' '));

	await page.$$eval('details', (ds) => ds.forEach((d) => { d.open = true; }));
	await axe(page, 'Statistik with data, every table open');
	await page.$$eval('details', (ds) => ds.forEach((d) => { d.open = false; }));
	await axe(page, 'Statistik with data');
	await page.evaluate(() => { window.scrollTo(0, 0); document.activeElement.blur(); });
	mkdirSync(env.EBBA_SCREENS, { recursive: true });
	await page.screenshot({ path: `${env.EBBA_SCREENS}/statistik.png`, fullPage: true });
	if (env.EBBA_STATS_SCREENSHOT)
		await page.screenshot({ path: env.EBBA_STATS_SCREENSHOT, fullPage: true });
	// 320 CSS px wide (WCAG 1.4.10 reflow): nothing wider than the window.
	await page.setViewport({ width: 320, height: 800 });
	const wide = await page.evaluate(() => document.documentElement.scrollWidth);
	check('at 320 px the page reflows (the charts scale)', wide <= 330 || (await page.$$eval('main svg', (ss) => ss.every((s) => s.getBoundingClientRect().width <= 320))), wide);
	await page.browserContext().close();
}

async function caseworker(browser) {
	const page = await newPage(browser);
	await login(page, env.EBBA_CASEWORKER);
	check('a caseworker has no Statistik in the navigation', (await page.$('nav a[href="/statistik"]')) === null);
	const r = await page.goto(`${URL0}/statistik`);
	check('a caseworker is refused Statistik', r.status() === 403, r.status());
	await page.browserContext().close();
}

await runParts([supervisor, caseworker]);
finish();
