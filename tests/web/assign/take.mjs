// Ta ärendet in Chromium, by keyboard alone, with axe-core (issue 29,
// item 5), and the pages it changed: the decision page, Arbetskö with its
// Handläggare column and filter (reflowing at 320 px, case numbers on one
// line), Drift.  Run by tests/integration/82_assign.sh, which sets
// EBBA_WEB_URL, EBBA_PASSWORD, EBBA_CASEWORKER, EBBA_SUPERVISOR and
// EBBA_DECISION (an open referral whose case nobody has taken).
// Prints TAP lines (ok - / not ok -) for tests/run.
import { axe, check, finish, login, newPage, runParts, tabTo } from '../lib/browser.mjs';

const env = process.env;

async function take(browser) {
	const page = await newPage(browser, { refuseDialogs: true });
	await login(page, env.EBBA_CASEWORKER, true);
	await page.goto(`${env.EBBA_WEB_URL}/beslut/${env.EBBA_DECISION}`);
	let t = await page.evaluate(() => document.body.innerText);
	check('the decision page says nobody has taken the case', /Ingen handläggare har tagit ärendet/.test(t));
	await axe(page, 'the decision page with Ta ärendet');
	const sel = `form[action="/beslut/${env.EBBA_DECISION}/ta"] button`;
	const reached = await tabTo(page, sel);
	check('keyboard: Tab reaches Ta ärendet', reached);
	if (reached)
		await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	t = await page.evaluate(() => document.body.innerText);
	check('Enter takes the case: the page says so, with Släpp ärendet', /Du har tagit ärendet/.test(t) &&
		/Släpp ärendet/.test(t), t.slice(0, 400));
	await axe(page, 'the decision page of a case the person has taken');

	await page.goto(`${env.EBBA_WEB_URL}/ko?tilldelning=mina`);
	const mine = await page.$$eval('#ko-tabell tbody tr td:first-child a', (as) => as.map((a) => a.getAttribute('href')));
	check('Arbetskö, Mina: the case just taken is there', mine.includes(`/beslut/${env.EBBA_DECISION}`), mine.join(' '));
	await axe(page, 'Arbetskö filtered to Mina');
	await page.goto(`${env.EBBA_WEB_URL}/ko`);
	await axe(page, 'Arbetskö with the Handläggare column');
	const ws = await page.$eval('#ko-tabell tbody tr td:first-child', (td) => getComputedStyle(td).whiteSpace);
	check('case numbers do not wrap (computed white-space)', ws === 'nowrap', ws);
	await page.setViewport({ width: 320, height: 640 });
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	check('Arbetskö reflows at 320 px: the page does not scroll sideways (the table scrolls in its region)',
		overflow <= 0, `${overflow} px too wide`);
	const lines = await page.$eval('#ko-tabell tbody tr td:first-child', (td) => {
		const r = td.querySelector('a').getClientRects();
		return r.length;
	});
	check('... and a case number is still one line at 320 px', lines === 1, `${lines} lines`);
	await page.browserContext().close();
}

async function drift(browser) {
	const page = await newPage(browser, { refuseDialogs: true });
	await login(page, env.EBBA_SUPERVISOR, true);
	await page.goto(`${env.EBBA_WEB_URL}/drift`);
	const t = await page.evaluate(() => document.body.innerText);
	check('Drift lists a worker', !/Ingen arbetare har hörts av/.test(t));
	await axe(page, 'Drift with the workers ebbad reports');
	await page.browserContext().close();
}

await runParts([take, drift]);
finish();
