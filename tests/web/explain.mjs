// The rule set published (Regelverket, `ebbactl rules explain`) in Chromium
// with axe-core.  Two ways to run:
//   node tests/web/explain.mjs FILE.html   a standalone document from
//     `ebbactl rules explain --format html` (tests/integration/86_explain.sh)
//   node tests/web/explain.mjs             ebba-web's Regelverket, started by
//     tests/integration/80_web.sh (which sets EBBA_WEB_URL and the logins):
//     caseworkers and supervisors reach it from the navigation (auditors
//     see only Loggar there, tests/web/logs/loggar.mjs).
// Prints TAP lines (ok - / not ok -) for tests/run.
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { axe, check, finish, login, newPage, withBrowser } from './lib/browser.mjs';

const env = process.env;

async function file(browser, path) {
	const page = await newPage(browser);
	await page.goto(pathToFileURL(path).href);
	check('the standalone document has lang="sv" and a title',
		(await page.evaluate(() => document.documentElement.lang)) === 'sv' && (await page.title()).startsWith('Regelverket'));
	await axe(page, 'the standalone rule set document');
	await page.browserContext().close();
}

async function web(browser) {
	for (const [user, who] of [[env.EBBA_CASEWORKER, 'a caseworker'], [env.EBBA_SUPERVISOR, 'a supervisor']]) {
		const page = await newPage(browser);
		await login(page, user);
		await Promise.all([page.waitForNavigation(), page.click('nav a[href="/regelverk"]')]);
		check(`${who} reaches Regelverket from the navigation`, new URL(page.url()).pathname === '/regelverk', page.url());
		const sha = await page.$eval('#sha256', (d) => d.textContent.trim()).catch(() => '');
		check(`Regelverket shows ${who} the rule set's SHA-256`, /^[0-9a-f]{64}$/.test(sha), sha);
		const t = await page.evaluate(() => document.body.innerText);
		check(`Regelverket shows ${who} the delegation and every section`, /Delegationen/.test(t) &&
			/Vad ebba kontrollerar/.test(t) && /Beräkningen/.test(t) && /Parametrar/.test(t) &&
			/Stickprov och granskning/.test(t), t.slice(0, 300));
		check('Regelverket shows the checks and the parameters', (await page.$$('article.check')).length > 10 &&
			(await page.$$('table.param')).length > 10);
		if (who === 'a caseworker') {
			// Beslut names the delegation an approval relied on
			const r = spawnSync('psql', ['-XAtq', '-c', "select id from ebba.decisions where outcome = 'approved' and inbox_id is not null order by id limit 1"], { encoding: 'utf8' });
			const id = r.stdout.trim();
			await page.goto(`${env.EBBA_WEB_URL}/beslut/${id}`);
			const facts = await page.evaluate(() => document.body.innerText);
			check('Beslut of an approval names the delegation it relied on', id !== '' &&
				/Delegation\s+Socialnämnden, beslut \d{4}-\d{2}-\d{2}/.test(facts), `decision ${id}`);
			await page.goto(`${env.EBBA_WEB_URL}/regelverk`);
			check('hostile rule message on Regelverket: nothing runs', (await page.evaluate(() => window.__pwned)) === undefined &&
				(await page.$$('main script, main img')).length === 0);
			await axe(page, 'Regelverket');
		}
		await page.browserContext().close();
	}
}

await withBrowser(async (browser) => {
	try {
		if (process.argv[2]) await file(browser, process.argv[2]);
		else await web(browser);
	} catch (e) {
		check('explain.mjs ran to the end', false, e.stack);
	}
});
finish();
