// The rule set published (Regelverket, `ebbactl rules explain`) in Chromium
// with axe-core.  Two ways to run:
//   node tests/web/explain.mjs FILE.html   a standalone document from
//     `ebbactl rules explain --format html` (tests/integration/86_explain.sh)
//   node tests/web/explain.mjs             ebba-web's Regelverket, started by
//     tests/integration/80_web.sh (which sets EBBA_WEB_URL and the logins):
//     every logged-in person reaches it from the navigation.
// Prints TAP lines (ok - / not ok -) for tests/run.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const env = process.env;
let failures = 0;
const check = (name, cond, why) => {
	if (cond) { console.log(`ok - ${name}`); return; }
	failures++;
	console.log(`not ok - ${name}`);
	if (why) console.log(`#   ${String(why).split('\n').join('\n#   ')}`);
};

async function axe(page, name) {
	await page.addScriptTag({ content: AXE });
	const res = await page.evaluate(async () => window.axe.run(document, {
		runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
	const v = res.violations.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
	check(`axe: 0 violations on ${name}`, v.length === 0, v.join('\n'));
}

async function newPage(browser) {
	const ctx = await browser.createBrowserContext();
	const page = await ctx.newPage();
	await page.setViewport({ width: 1280, height: 900 });
	await page.setBypassCSP(true);  // so axe can be injected; the pages have no script
	return page;
}

async function file(browser, path) {
	const page = await newPage(browser);
	await page.goto(pathToFileURL(path).href);
	check('the standalone document has lang="sv" and a title',
		(await page.evaluate(() => document.documentElement.lang)) === 'sv' && (await page.title()).startsWith('Regelverket'));
	await axe(page, 'the standalone rule set document');
	await page.browserContext().close();
}

async function login(page, user) {
	await page.goto(`${env.EBBA_WEB_URL}/login`);
	await page.type('#user', user);
	await page.type('#password', env.EBBA_PASSWORD);
	await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
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

const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new'] });
try {
	if (process.argv[2]) await file(browser, process.argv[2]);
	else await web(browser);
} catch (e) {
	check('explain.mjs ran to the end', false, e.stack);
} finally {
	await browser.close();
}
process.exit(failures ? 1 : 0);
