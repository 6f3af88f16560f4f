// Loggar in Chromium, with axe-core (issue 28, item 2).  Run by
// tests/integration/63_audit_log.sh, which plants the rows and sets
// EBBA_WEB_URL, EBBA_PASSWORD, EBBA_AUDITOR, EBBA_CASEWORKER, EBBA_BURST
// (the person with a burst of views today), EBBA_NEVER (a household the
// caseworker viewed but never worked on) and EBBA_PROTECTED (a protected
// household the caseworker viewed).  Not in tests/web/ itself: 80_web.sh
// runs those with its own environment.
// Prints TAP lines (ok - / not ok -) for tests/run.
import { axe, check, finish, login, newPage, runParts, tabTo } from '../lib/browser.mjs';

const env = process.env;
const cells = (page, table) => page.$$eval(`${table} tbody tr`, (rows) => rows.map((r) => r.innerText.replace(/\s+/g, ' ')));

async function reflowAt320(page, name) {
	await page.setViewport({ width: 320, height: 800 });
	const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
	check(`at 320 px ${name} reflows (scrollWidth ${sw} <= ${iw})`, sw <= iw);
	await page.setViewport({ width: 1280, height: 900 });
}

async function auditor(browser) {
	const page = await newPage(browser, { refuseDialogs: true });
	const landed = await login(page, env.EBBA_AUDITOR, true);
	check('the auditor lands on Loggar', landed === '/loggar', landed);
	const nav = await page.$$eval('nav[aria-label="Huvudmeny"] a', (as) => as.map((a) => a.textContent));
	check('the auditor sees only Loggar in the navigation', nav.join('|') === 'Loggar', nav.join('|'));
	await axe(page, 'Loggar');
	await reflowAt320(page, 'Loggar');
	// filter by keyboard: the person, then Sök
	check('keyboard: the person field', await tabTo(page, '#f-person'));
	await page.keyboard.type(env.EBBA_CASEWORKER);
	check('keyboard: Sök', await tabTo(page, 'form.filters button[type=submit]'));
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	const rows = await cells(page, '#logg');
	check('the filtered log holds only the caseworker\'s rows', rows.length > 0 && rows.every((r) => r.includes(env.EBBA_CASEWORKER)), rows.join('\n'));
	check('... among them the protected view, marked', rows.some((r) => r.includes(env.EBBA_PROTECTED) && r.includes('Skyddat')), rows.join('\n'));
	await axe(page, 'Loggar, filtered');
	await page.goto(`${env.EBBA_WEB_URL}/loggar?fran=2026-13-01`);
	const summary = await page.$eval('.error-summary', (d) => d.textContent).catch(() => '');
	check('a bad day is refused, saying what', /Från: skriv ett datum som ÅÅÅÅ-MM-DD/.test(summary), summary);
	await axe(page, 'Loggar with an error');

	await page.goto(`${env.EBBA_WEB_URL}/loggar/uppfoljning`);
	const never = await cells(page, '#lista-never-worked');
	check('Uppföljning finds the view of a household never worked on', never.some((r) => r.includes(env.EBBA_NEVER) && r.includes(env.EBBA_CASEWORKER)), never.join('\n'));
	const prot = await cells(page, '#lista-protected');
	check('Uppföljning finds the view of a protected case', prot.some((r) => r.includes(env.EBBA_PROTECTED)), prot.join('\n'));
	const burst = await cells(page, '#lista-burst');
	check('Uppföljning finds the burst of views', burst.some((r) => r.includes(env.EBBA_BURST) && r.includes('60')), burst.join('\n'));
	const denied = await cells(page, '#lista-denied');
	check('Uppföljning finds the caseworker\'s refusal', denied.some((r) => r.includes(env.EBBA_CASEWORKER) && r.includes('/loggar')), denied.join('\n'));
	const headers = await page.$$eval('table', (ts) => ts.every((t) => t.querySelectorAll('thead th[scope=col]').length > 0 && t.querySelector('caption')));
	check('every table has a caption and column headers', headers);
	await axe(page, 'Uppföljning');
	await reflowAt320(page, 'Uppföljning');
	await page.browserContext().close();
}

async function caseworker(browser) {
	const page = await newPage(browser, { refuseDialogs: true });
	await login(page, env.EBBA_CASEWORKER, false);
	const res = await page.goto(`${env.EBBA_WEB_URL}/loggar`);
	check('a caseworker gets 403 on Loggar', res.status() === 403, res.status());
	await axe(page, 'Loggar refused (403)');
	await page.browserContext().close();
}

await runParts([auditor, caseworker]);
finish();
