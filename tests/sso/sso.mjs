// Signing in to ebba through the municipality's identity provider, in
// Chromium, with real parts (tests/sso/stack.sh; run by
// tests/integration/90_sso.sh, which sets the environment): the test
// provider's own login page, Apache with mod_auth_openidc over TLS, and
// ebba-web behind it with auth: proxy.  Prints TAP.
import { readFileSync, writeFileSync } from 'node:fs';
import { axe, check, finish, newPage, ok, runParts, sql } from '../web/lib/browser.mjs';

const env = process.env;
const URL0 = env.EBBA_SSO_URL, ISSUER = env.EBBA_SSO_ISSUER;
const CW = env.EBBA_SSO_CASEWORKER, SV = env.EBBA_SSO_SUPERVISOR;
const NO_MFA = env.EBBA_SSO_NO_MFA, NO_GROUP = env.EBBA_SSO_NO_GROUP;
const DECISION = env.EBBA_SSO_DECISION;
const shots = env.EBBA_SCREENS;

const text = (page) => page.evaluate(() => document.body.innerText);
const h1 = (page) => page.$eval('h1', (h) => h.textContent.trim()).catch(() => '');
const onLoginPage = async (page) => page.url().startsWith(`${ISSUER}/interaction/`) && (await page.$('#username')) !== null;
const count = (q) => Number(sql(q));
const logins = (who) => count(`select count(*) from ebba.access_log where who = '${who}' and action = 'login'`);
const denied = (kind, who) => count(`select count(*) from ebba.access_log where action = 'denied' and object_kind = '${kind}' and object_id = '${who}'`);
const shot = async (page, name) => { if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true }); };

// The browser's back button, pressed until it reaches one of ebba's pages
// from before Logga ut (past the provider's sign-out page): the test asks
// the page's target, in a CDP session of its own, for that history entry,
// and waits for wherever it leads (redirects included).  (puppeteer's own
// goBack stalls here: the provider's page swapped the page's process,
// ebba sending Cross-Origin-Opener-Policy.)  Returns the entry's URL.
async function backToEbba(page) {
	const cdp = await page.createCDPSession();
	try {
		const h = await cdp.send('Page.getNavigationHistory');
		let i = h.currentIndex - 1;
		while (i >= 0 && !(h.entries[i].url.startsWith(URL0) && !h.entries[i].url.endsWith('/utloggad'))) i--;
		if (i < 0) return `(none in ${h.entries.map((e) => e.url).join(' ')})`;
		await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: 20000 }),
			cdp.send('Page.navigateToHistoryEntry', { entryId: h.entries[i].id })]);
		return h.entries[i].url;
	} finally {
		await cdp.detach().catch(() => {});
	}
}

// Through the provider's own page: ebba's address, the provider's login
// form, back at ebba.  Returns the page's path at ebba.
async function signIn(page, user, name) {
	await page.goto(`${URL0}/`);
	check(`${name}: ebba sends the browser to the provider's login page`, await onLoginPage(page), page.url());
	await page.type('#username', user);
	await page.type('#password', env.EBBA_SSO_PASSWORD);
	await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
	const u = new URL(page.url());
	check(`${name}: back at ebba after signing in`, u.origin === URL0, page.url());
	return u.pathname;
}

async function caseworker(browser) {
	const page = await newPage(browser, { refuseDialogs: true });
	const before = logins(CW);
	const path = await signIn(page, CW, 'caseworker');
	check('the two-factor caseworker reaches Arbetskö', path === '/' && /^Arbetskö/.test(await h1(page)), `${path}: ${await h1(page)}`);
	await shot(page, 'sso-queue');
	check('... signed in once, under their own name', logins(CW) === before + 1, logins(CW));
	const who = await page.$eval('.who .person', (e) => e.textContent);
	check("the page header has the provider's name and title", /Anna Åberg/.test(who) && /Socialsekreterare/.test(who), who);
	const rec = sql(`select array_to_string(groups, ',') || '|' || outcome || '|' || acr from ebba.provider_signins where person = '${CW}'`);
	check("the provider's groups at the sign-in are recorded", rec === `caseworker|signed-in|${env.EBBA_SSO_LOA3}`, rec);

	await page.goto(`${URL0}/beslut/${DECISION}`);
	for (const r of await page.$$('#prova-rader input[type=radio][value=accept]')) await r.click();
	await page.type('#pl-note', 'Prövat efter inloggning med två faktorer.');
	await Promise.all([page.waitForNavigation(), page.click('#prova-rader button[value=spara]')]);
	const u = new URL(page.url());
	check('the caseworker resolves the referral', /^\/beslut\/\d+$/.test(u.pathname) && /Beslutet är sparat/.test(await text(page)), page.url());
	const by = sql(`select decided_by || '|' || outcome from ebba.decisions where reviews_decision_id = ${DECISION}`);
	check("the decision's decided_by is the caseworker", by === `${CW}|approved`, by);

	// Everything a thief of the cookies would have.
	const cookies = await page.cookies(URL0);
	const names = cookies.map((c) => c.name);
	check("the browser holds Apache's session cookie and ebba's", names.includes('mod_auth_openidc_session') && names.includes('ebba_session'), names.join(' '));

	// Logga ut: ebba's session, then Apache's, then the provider's (which
	// asks, as a real one may).
	await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button[type=submit]')]);
	check('Logga ut goes on to the provider', page.url().startsWith(ISSUER), page.url());
	const yes = await page.$('button[name=logout]');
	if (yes) await Promise.all([page.waitForNavigation(), yes.click()]);
	check('... and back to ebba: "Du är utloggad"', page.url() === `${URL0}/utloggad` && /Du är utloggad/.test(await text(page)), page.url());
	await axe(page, 'the signed-out page');
	check("ebba's session ended on the server", count(`select count(*) from ebba.access_log where who = '${CW}'`) > 0);

	// The back button: every page before it asks for a sign-in again.
	const went = await backToEbba(page);
	check('after Logga ut the back button gets the sign-in page', await onLoginPage(page), `back to ${went}: ${page.url()} ${await h1(page)}`);
	check('... and shows nothing of the queue', !/Arbetskö|Beslutet är sparat/.test(await text(page)));

	// The cookies replayed in another browser.
	const thief = await newPage(browser);
	await thief.setCookie(...cookies);
	await thief.goto(`${URL0}/ko`);
	check('a replayed cookie after Logga ut gets the sign-in page', await onLoginPage(thief), `${thief.url()} ${await h1(thief)}`);
	check("... and no session for the caseworker", logins(CW) === before + 1, logins(CW));
	await thief.browserContext().close();
	await page.browserContext().close();
}

async function refused(browser, user, name, kind, title, why, forge) {
	const page = await newPage(browser, { refuseDialogs: true });
	const before = denied(kind, user), cwBefore = logins(CW);
	// Whatever the browser says of itself, Apache replaces.
	if (forge) await page.setExtraHTTPHeaders({ 'X-Remote-User': CW, 'X-Ebba-Acr': env.EBBA_SSO_LOA3, 'X-Ebba-Groups': 'ebba-handlaggare,ebba-chef' });
	await signIn(page, user, name);
	const t = await text(page);
	check(`${name} is refused: "${title}"`, (await h1(page)) === title && why.test(t), `${await h1(page)}: ${t.slice(0, 300)}`);
	check(`... with no way into ebba (no menu, no Logga ut)`, (await page.$('nav')) === null && (await page.$('form[action="/logout"]')) === null);
	check(`... a link to sign out at the provider`, (await page.$('main a[href="/logga-ut"]')) !== null);
	check(`... and the refusal is in the access log (denied, ${kind}, ${user})`, denied(kind, user) > before, denied(kind, user));
	if (forge)
		check('... the identity headers the browser sent itself are not believed', logins(CW) === cwBefore && logins(user) === 0, `${logins(CW)} ${logins(user)}`);
	await shot(page, `sso-refused-${kind}`);
	await axe(page, `the refusal page (${kind})`);
	if (forge) {
		await page.setExtraHTTPHeaders({});
		// Out, to sign in again with two factors: the link ends the
		// provider's session too.
		await Promise.all([page.waitForNavigation(), page.click('main a[href="/logga-ut"]')]);
		const trail = [page.url()];
		const yes = await page.$('button[name=logout]');
		if (yes) await Promise.all([page.waitForNavigation(), yes.click()]);
		trail.push(page.url());
		await page.goto(`${URL0}/`);
		trail.push(page.url(), await h1(page));
		check("... and its link signs out at the provider: the next visit asks for a sign-in", await onLoginPage(page), trail.join('\n'));
	}
	await page.browserContext().close();
}

const noSecondFactor = (browser) => refused(browser, NO_MFA, 'the password-only person', 'acr',
	'Inloggningen räcker inte', /två faktorer/, true);
const noGroup = (browser) => refused(browser, NO_GROUP, 'the person without a group', 'groups',
	'Ingen behörighet', /ingen roll i ebba/, false);

async function supervisor(browser) {
	const page = await newPage(browser, { refuseDialogs: true });
	await signIn(page, SV, 'supervisor');
	const nav = await page.$$eval('nav a', (as) => as.map((a) => a.textContent));
	check('the supervisor is signed in with the supervisor\'s pages', nav.includes('Statistik') && !/Ingen behörighet/.test(await h1(page)), nav.join(' '));
	const rec = sql(`select array_to_string(groups, ',') from ebba.provider_signins where person = '${SV}'`);
	check("... the provider's groups recorded: supervisor", rec === 'supervisor', rec);
	await page.browserContext().close();
}

// Out of the group at the provider: the next sign-in is refused, though
// the database role still has the group.
async function removedAtProvider(browser) {
	const people = JSON.parse(readFileSync(env.EBBA_SSO_PEOPLE, 'utf8'));
	people[CW].groups = ['kommun-alla'];
	writeFileSync(env.EBBA_SSO_PEOPLE, JSON.stringify(people, null, 1));
	ok('the caseworker is taken out of ebba-handlaggare at the provider');
	await refused(browser, CW, 'the caseworker out of the group', 'groups', 'Ingen behörighet', /ingen roll i ebba/, false);
	check('... while the database role still has ebba_caseworker',
		sql(`select pg_has_role('${CW}', 'ebba_caseworker', 'MEMBER')`) === 't');
}

await runParts([caseworker, noSecondFactor, noGroup, supervisor, removedAtProvider],
	[`--ignore-certificate-errors-spki-list=${env.EBBA_SSO_SPKI}`]);
finish();
