// ebba-web's What-if page in Chromium: a supervisor chooses a candidate
// (a directory under whatif_rules_dir with a lower attendance requirement,
// set up by 80_web.sh), runs it from the form, waits for the page that
// refreshes itself, and sees the changed households with links to their
// decisions -- the same ones `ebbactl whatif` reports; axe-core finds 0
// violations on the form and on the result; a caseworker is refused.
// Prints TAP lines for tests/run.
import { axe, check, finish, login, newPage, runParts, sql } from './lib/browser.mjs';

const env = process.env;
const URL0 = env.EBBA_WEB_URL;

async function supervisorRuns(browser) {
	const page = await newPage(browser);
	await login(page, env.EBBA_SUPERVISOR);
	await page.goto(`${URL0}/ko`);
	await Promise.all([page.waitForNavigation(), page.click('nav a[href="/whatif"]')]);
	check('the supervisor reaches What-if from the navigation', new URL(page.url()).pathname === '/whatif', page.url());
	const options = await page.$$eval('#kandidat option', (os) => os.map((o) => o.value));
	check('the form offers the candidates under whatif_rules_dir', options.includes(env.EBBA_WHATIF_CANDIDATE), options.join(','));
	await axe(page, 'What-if (the form)');
	// A candidate that does not load is refused at its file:line:column.
	await page.select('#kandidat', env.EBBA_WHATIF_BROKEN);
	await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
	const refused = await page.$eval('.error-summary', (e) => e.innerText).catch(() => '');
	check('a broken candidate is refused with its file:line:column', /checks\.yaml:\d+:\d+: /.test(refused), refused.slice(0, 300));
	await page.select('#kandidat', env.EBBA_WHATIF_CANDIDATE);
	await page.$eval('#period', (e) => { e.value = ''; });
	await page.type('#period', '2026-12');
	await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
	const m = /^\/whatif\/(\d+)$/.exec(new URL(page.url()).pathname);
	check('running it leads to the run\'s own page', m !== null, page.url());
	// The page refreshes itself (meta refresh) until the result is there.
	let t = '';
	for (let i = 0; i < 60; i++) {
		t = await page.evaluate(() => document.body.innerText);
		if (/Ändrade hushåll/.test(t)) break;
		await page.waitForNavigation({ timeout: 5000 }).catch(() => page.reload());
	}
	check('the result arrives on the same page', /Ändrade hushåll/.test(t), t.slice(0, 400));
	const links = await page.$$eval('#andrade-hushall a[href^="/beslut/"]', (as) => as.map((a) => a.getAttribute('href').slice(8)));
	const want = env.EBBA_WHATIF_CHANGED.split(' ').filter(Boolean);
	check('the supervisor sees the changed households, the ones ebbactl whatif reports', want.length > 0 && links.join(' ') === want.join(' '),
		`page: ${links.join(' ')}\nebbactl: ${want.join(' ')}`);
	check('referred households become approved in the transitions table', /Hänvisat\s+Beviljat\s+\d+/.test(t), t.slice(0, 600));
	const who = sql(`select created_by || ' ' || status from ebba.whatif_runs where id = ${m ? m[1] : 0}`);
	check('the run is stored in the supervisor\'s name', who === `${env.EBBA_SUPERVISOR} done`, who);
	await axe(page, 'What-if (the result, with data)');
	await page.screenshot({ path: `${env.EBBA_SCREENS}/whatif.png`, fullPage: true });
	if (links.length) {
		await Promise.all([page.waitForNavigation(), page.click(`#andrade-hushall a[href="/beslut/${links[0]}"]`)]);
		check('a changed household links to its decision', new URL(page.url()).pathname === `/beslut/${links[0]}`, page.url());
	}
	await page.browserContext().close();
}

async function caseworkerRefused(browser) {
	const cw = await newPage(browser);
	await login(cw, env.EBBA_CASEWORKER);
	const r = await cw.goto(`${URL0}/whatif`);
	check('a caseworker is refused What-if', r.status() === 403, r.status());
	const n = await cw.$$eval('nav a[href="/whatif"]', (as) => as.length);
	check('a caseworker\'s navigation has no What-if', n === 0);
	await cw.browserContext().close();
}

await runParts([supervisorRuns, caseworkerRefused]);
finish();
