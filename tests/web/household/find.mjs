// Sök and Hushåll in Chromium, by keyboard alone, with axe-core (issue 29,
// items 3 and 4).  Run by tests/integration/81_household.sh, which sets
// EBBA_WEB_URL, EBBA_PASSWORD, EBBA_CASEWORKER, EBBA_CASE (a case with two
// months of decisions) and EBBA_PNR (its applicant's identity number).
// Every URL the browser requests is recorded: none may hold the number.
// Prints TAP lines (ok - / not ok -) for tests/run; never the number.
// With EBBA_SHOTS (a directory), the two pages' screenshots go there.
import { axe, check, finish, login, newPage, runParts, tabTo } from '../lib/browser.mjs';

const env = process.env;

async function pressOn(page, sel) {
	if (!(await tabTo(page, sel))) return false;
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	return true;
}

const dashed = env.EBBA_PNR.slice(0, 8) + '-' + env.EBBA_PNR.slice(8);

async function findAndFollow(browser) {
	const seen = new Set();
	const page = await newPage(browser, { refuseDialogs: true, seen });
	await login(page, env.EBBA_CASEWORKER, true);
	check('keyboard: Sök in the navigation', await pressOn(page, 'nav a[href="/sok"]'));
	check('Sök is the page shown', new URL(page.url()).pathname === '/sok', page.url());
	await axe(page, 'Sök');

	// a wrong check digit first: refused at the field, in Swedish
	const bad = env.EBBA_PNR.slice(0, 11) + String((Number(env.EBBA_PNR[11]) + 1) % 10);
	check('keyboard: the identity number field', await tabTo(page, '#personnummer'));
	await page.keyboard.type(bad);
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	const summary = await page.$eval('.error-summary', (d) => d.textContent).catch(() => '');
	check('a number with a wrong check digit is refused, saying what', /Personnummer: ange ett giltigt personnummer/.test(summary), summary);
	await axe(page, 'Sök with an error');

	check('keyboard: back to the field', await tabTo(page, '#personnummer'));
	await page.keyboard.down('Control');
	await page.keyboard.press('a');
	await page.keyboard.up('Control');
	await page.keyboard.press('Backspace');
	await page.keyboard.type(dashed);
	check('keyboard: Sök på personnummer', await pressOn(page, '#sok-pnr'));
	let url = new URL(page.url());
	check('the answer is at /sok, with no query', url.pathname === '/sok' && url.search === '', url.pathname + url.search);
	const found = await page.$$eval('#sokresultat a', (as) => as.map((a) => a.getAttribute('href')));
	check('the case is found', found.includes(`/hushall/${env.EBBA_CASE}`), JSON.stringify(found));
	const html = await page.content();
	check('the number is not shown back on the page', !html.includes(env.EBBA_PNR) && !html.includes(dashed) &&
		(await page.$eval('#personnummer', (i) => i.value)) === '');
	if (env.EBBA_SHOTS) await page.screenshot({ path: `${env.EBBA_SHOTS}/sok.png`, fullPage: true });
	await axe(page, 'Sök with its results');

	check('keyboard: the household', await pressOn(page, `#sokresultat a[href="/hushall/${env.EBBA_CASE}"]`));
	url = new URL(page.url());
	check('Hushåll is the page shown', url.pathname === `/hushall/${env.EBBA_CASE}`, url.pathname);
	const months = await page.$$eval('table caption', (c) => c.map((x) => x.closest('table').querySelectorAll('tbody th[scope=row]').length));
	const text = await page.evaluate(() => document.body.innerText);
	check('the household shows both months', /2026-12/.test(text) && /2027-01/.test(text) && months[0] >= 2, JSON.stringify(months));
	check('... with the amounts as a chart', (await page.$('svg.chart-svg[role=img]')) !== null);
	if (env.EBBA_SHOTS) await page.screenshot({ path: `${env.EBBA_SHOTS}/hushall.png`, fullPage: true });
	await axe(page, 'Hushåll');
	await page.setViewport({ width: 320, height: 640 });
	const wide = await page.evaluate(() => document.documentElement.scrollWidth);
	check('Hushåll reflows at 320 px (no page-wide horizontal scroll)', wide <= 320, String(wide));

	const leaked = [...seen].filter((u) => u.includes(env.EBBA_PNR) || u.includes(dashed) || u.includes(env.EBBA_PNR.slice(0, 8)));
	check('no URL the browser asked for holds the identity number', leaked.length === 0, `${leaked.length} URLs`);
	await page.browserContext().close();
}

await runParts([findAndFollow]);
finish();
