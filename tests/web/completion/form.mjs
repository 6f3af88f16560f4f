// Begär komplettering (issue 29 item 2) in Chromium, by keyboard alone,
// with axe-core: the form, then sent empty with a deadline in the past,
// its error summary taking the focus and linking each error to a field
// that exists; both states reflow at 320 CSS px.  Nothing is asked: the
// refused form stores nothing (73_completion.sh checks the database).
// Run by tests/integration/73_completion.sh, which sets EBBA_WEB_URL,
// EBBA_PASSWORD, EBBA_CASEWORKER and EBBA_REFERRAL.  With EBBA_SHOTS (a
// directory), the two states' screenshots go there.
import { axe, check, finish, focusLands, login, newPage, runParts, tabTo } from '../lib/browser.mjs';

const env = process.env;

async function reflows(page, name) {
	await page.setViewport({ width: 320, height: 800 });
	const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
	check(`${name} reflows at 320 CSS px (no horizontal scrolling)`, !wide);
	await page.setViewport({ width: 1280, height: 900 });
}

async function shot(page, name) {
	if (env.EBBA_SHOTS) await page.screenshot({ path: `${env.EBBA_SHOTS}/${name}.png`, fullPage: true });
}

async function form(browser) {
	const page = await newPage(browser, { refuseDialogs: true });
	await login(page, env.EBBA_CASEWORKER, true);
	await page.goto(`${env.EBBA_WEB_URL}/beslut/${env.EBBA_REFERRAL}`);
	check('keyboard: Begär komplettering on the referral',
	      await tabTo(page, `a[href="/beslut/${env.EBBA_REFERRAL}/komplettering"]`));
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	check('the form is the page shown', new URL(page.url()).pathname === `/beslut/${env.EBBA_REFERRAL}/komplettering`, page.url());
	const unlabelled = await page.$$eval('input:not([type=hidden]), textarea',
		(els) => els.filter((e) => !document.querySelector(`label[for="${e.id}"]`)).map((e) => e.name));
	check('every field has its label', unlabelled.length === 0, unlabelled.join(', '));
	await axe(page, 'Begär komplettering');
	await reflows(page, 'Begär komplettering');
	await shot(page, 'komplettering');

	// nothing chosen, a deadline in the past: refused, by keyboard
	check('keyboard: the deadline field', await tabTo(page, '#sista-dag'));
	await page.keyboard.type('2020-01-01');
	check('keyboard: the send button', await tabTo(page, 'form button[type=submit]'));
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	check('the error summary takes the focus', await focusLands(page, '.error-summary'));
	const links = await page.$$eval('.error-summary a', (as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
	check('the summary lists what to mend, in Swedish', links.length >= 2 && links.every(([t]) => /[a-zåäö]/i.test(t)),
	      JSON.stringify(links));
	const dangling = [];
	for (const [, href] of links)
		if (!href.startsWith('#') || !(await page.$(href))) dangling.push(href);
	check('each error links to a field on the page', dangling.length === 0, dangling.join(', '));
	await axe(page, 'Begär komplettering with errors');
	await reflows(page, 'Begär komplettering with errors');
	await shot(page, 'komplettering-fel');
}

await runParts([form]);
finish();
