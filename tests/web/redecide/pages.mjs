// The pages of a register retry (issue 29 item 1) in Chromium, with
// axe-core: the referral says ebba asked the registers again and links the
// re-decision; the re-decision says it followed a register that did not
// answer and links the referral; both reflow at 320 CSS px.  Run by
// tests/integration/36_redecide.sh, which sets EBBA_WEB_URL, EBBA_PASSWORD,
// EBBA_CASEWORKER, EBBA_REFERRAL and EBBA_REDECISION.  With EBBA_SHOTS (a
// directory), the two pages' screenshots go there.
import { axe, check, finish, login, newPage, runParts } from '../lib/browser.mjs';

const env = process.env;

async function shot(page, name) {
	if (env.EBBA_SHOTS) await page.screenshot({ path: `${env.EBBA_SHOTS}/${name}.png`, fullPage: true });
}

async function reflows(page, name) {
	await page.setViewport({ width: 320, height: 800 });
	const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
	check(`${name} reflows at 320 CSS px (no horizontal scrolling)`, !wide);
	await page.setViewport({ width: 1280, height: 900 });
}

async function referralAndRedecision(browser) {
	const page = await newPage(browser, { refuseDialogs: true });
	await login(page, env.EBBA_CASEWORKER, true);
	await page.goto(`${env.EBBA_WEB_URL}/beslut/${env.EBBA_REDECISION}`);
	let text = await page.$eval('main', (m) => m.innerText);
	check('the re-decision says it followed a register that had not answered',
	      /ett register inte hade svarat första gången/.test(text), text.slice(0, 400));
	check('... and links the referral',
	      (await page.$(`main a[href="/beslut/${env.EBBA_REFERRAL}"]`)) !== null);
	check('... in Swedish: no English reason, no internal key', !/register unavailable|follows|registers-answered/i.test(text), text.slice(0, 400));
	await axe(page, 'the re-decision');
	await reflows(page, 'the re-decision');
	await shot(page, 'redecision');

	await page.goto(`${env.EBBA_WEB_URL}/beslut/${env.EBBA_REFERRAL}`);
	text = await page.$eval('main', (m) => m.innerText);
	check('the referral says ebba asked the registers again and decided anew',
	      /ebba frågade registren igen och har prövat ansökan på nytt/.test(text), text.slice(0, 400));
	check('... and links the re-decision',
	      (await page.$(`main a[href="/beslut/${env.EBBA_REDECISION}"]`)) !== null);
	check('... and offers no Pröva: ebba has decided it again', (await page.$('a[href="#prova"]')) === null);
	check('an income FK pays is not shown as "no payments" while FK did not answer',
	      /inga utbetalningar från dem som svarade; Försäkringskassan svarade inte/.test(text) &&
	      !/\binga utbetalningar ·/.test(text), text.slice(0, 1500));
	await axe(page, 'the re-decided referral');
	await reflows(page, 'the re-decided referral');
	await shot(page, 'referral');
}

await runParts([referralAndRedecision]);
finish();
