// The caseworker's pages as issue 25 asks (items 5-8), in Chromium:
//  - one source for every figure: the attendance on Beslut is the rule's
//    (valid absence counted), a preschool-lunch child's norm line is the
//    lunch norm, both read from the decision's trace;
//  - Swedish for caseworkers: a crawl over every page of the demo finds no
//    check id, no snake_case name, no English register error and no English
//    number form outside the Underlag and Regler sections;
//  - Referensram from the browser, by keyboard alone: a frame created for a
//    case that has none, an error naming its field, an edit, and two people
//    editing at once (the second is told, nothing is overwritten);
//  - GOV.UK behaviour: focus on the error summary of a refused form, what was
//    saved and Nästa ärende after saving, a skip link to the queue, reflow at
//    320 CSS px; axe on every new page state.
// Started by tests/integration/80_web.sh (EBBA_WEB_URL, the logins; a second
// caseworker EBBA_CASEWORKER2 for the conflict).
import { mkdirSync } from 'node:fs';
import { axe, check, finish, login, newPage, runParts, sql, tabTo, focusIs, focusLands } from './lib/browser.mjs';

const env = process.env;
const URL0 = env.EBBA_WEB_URL;
const SHOTS = env.EBBA_SCREENS;
const text = (page) => page.evaluate(() => document.body.innerText);
// The page's text without its Underlag and Regler parts.
const plainText = (page) => page.evaluate(() => {
	const b = document.body.cloneNode(true);
	b.querySelectorAll('.underlag, .regler').forEach((e) => e.remove());
	return b.innerText;
});

// --- item 5 -----------------------------------------------------------------

async function figures(browser) {
	const page = await newPage(browser);
	await login(page, env.EBBA_CASEWORKER);
	// A decision where attended alone and attended + valid absence give
	// different shares: the page must show the rule's.
	const row = sql(`select d.id || '|' || (f->'attendance_figures'->>'percent') || '|' ||
		((f->'attendance_figures'->>'attended')::int * 100 / (f->'attendance_figures'->>'scheduled')::int)
		from ebba.decisions d, json_array_elements(d.trace->'registers') f
		where (f->'attendance_figures'->>'excused')::int > 0 and d.inbox_id is not null
		and (f->'attendance_figures'->>'percent')::int <>
		    (f->'attendance_figures'->>'attended')::int * 100 / (f->'attendance_figures'->>'scheduled')::int
		order by d.id limit 1`);
	check('the demo has a decision where valid absence changes the attendance', row !== '', row);
	const [id, rule, attendedOnly] = row.split('|');
	await page.goto(`${URL0}/beslut/${id}`);
	const caps = await page.$$eval('caption', (cs) => cs.map((c) => c.textContent));
	check(`the attendance on the page is the rule's (${rule} %, valid absence counted)`,
		caps.some((c) => c.includes(`närvaro ${rule} %`)) && !caps.some((c) => c.includes(`närvaro ${attendedOnly} %`)), caps.join(' | '));
	const msg = sql(`select message from ebba.decision_checks where decision_id = ${id} and check_id = 'plan-attendance'`);
	check('... and the rule\'s own message says the same figure', msg === '' || msg.includes(`${rule} %`), msg);

	// A child with lunch in preschool: the norm line is the lunch norm.
	const lunch = sql(`select d.id || '|' || (l->>'what') || '|' || (l->>'amount') from ebba.decisions d,
		json_array_elements(d.trace->'rules'->'lines') l
		where l->>'basis' like 'lunch i förskolan%' and d.inbox_id is not null order by d.id limit 1`);
	check('the demo has a decision with a preschool-lunch child', lunch !== '', lunch);
	const [lid, what, amount] = lunch.split('|');
	const age = Number(/(\d+) år$/.exec(what)[1]);
	const table = sql(`select (g->>'amount') from ebba.decisions d,
		json_array_elements(d.trace->'rules'->'parameters'->'riksnorm_children_preschool_lunch'->'value') g
		where d.id = ${lid} and (g->>'from_age')::int <= ${age} and ${age} <= (g->>'to_age')::int`);
	check(`the rule's line is the lunch norm of its age group (${amount} kr)`, table === amount, `${table} vs ${amount}`);
	await page.goto(`${URL0}/beslut/${lid}`);
	const rows = await page.$$eval('tr', (trs) => trs.map((r) => r.innerText.replace(/\s+/g, ' ').trim()));
	const kr = Number(amount).toLocaleString('sv-SE').replace(/\s/g, ' ');
	const line = rows.find((r) => r.startsWith(`Norm: ${what}`));
	check('the page shows that line with the lunch norm', !!line && line.endsWith(` ${kr}`) && /lunch i förskolan/.test(line), `${line} (want ${kr})`);
	await page.browserContext().close();
}

// --- item 6 -----------------------------------------------------------------

const CHECK_IDS = sql('select distinct check_id from ebba.decision_checks').split('\n').filter(Boolean);
const ENGLISH = /\b(unavailable|gave up|attempts?|well-formed|HTTP \d{3}|timed? ?out|error|not found|invalid response)\b/i;

function problems(t) {
	const bad = [];
	for (const id of CHECK_IDS)
		if (new RegExp(`(^|[^\\w-])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w-])`).test(t)) bad.push(`check id ${id}`);
	for (const m of t.matchAll(/\b[a-z]+(?:_[a-z0-9]+)+\b/g)) bad.push(`snake_case ${m[0]}`);
	const en = ENGLISH.exec(t);
	if (en) bad.push(`English "${en[0]}"`);
	for (const m of t.matchAll(/\b\d+\.\d+ ?%/g)) bad.push(`number ${m[0]}`);
	if (/\b1 personer\b/.test(t)) bad.push('"1 personer"');
	return bad;
}

async function crawl(browser) {
	const decisions = sql('select id from ebba.decisions order by id').split('\n').filter(Boolean);
	const withFrame = sql('select min(case_id) from ebba.case_frames');
	const noFrame = sql(`select min(d.case_id) from ebba.decisions d where d.inbox_id is not null
		and not exists (select 1 from ebba.case_frames f where f.case_id = d.case_id)`);
	const outage = env.EBBA_DECISION_OUTAGE;
	for (const [user, extra] of [[env.EBBA_CASEWORKER, []], [env.EBBA_SUPERVISOR, ['/statistik', '/drift', '/whatif']]]) {
		const page = await newPage(browser);
		await login(page, user);
		const paths = ['/ko', '/stickprov', `/referensram/${withFrame}`, `/referensram/${noFrame}`,
			...extra, ...decisions.map((d) => `/beslut/${d}`)];
		const found = [];
		for (const p of paths) {
			const r = await page.goto(`${URL0}${p}`);
			if (r.status() !== 200) { found.push(`${p}: HTTP ${r.status()}`); continue; }
			for (const b of problems(await plainText(page))) found.push(`${p}: ${b}`);
		}
		check(`${user}: ${paths.length} pages show no check id, snake_case name or English outside Underlag and Regler`,
			found.length === 0, found.slice(0, 20).join('\n'));
		if (user === env.EBBA_CASEWORKER) {
			// The refused Pröva form (a page state of its own) and the register outage.
			await page.goto(`${URL0}/beslut/${outage}`);
			const t = await plainText(page);
			check('a register that did not answer is named in Swedish', /Försäkringskassan \(SSBTEK\) svarade inte/.test(t), t.slice(0, 600));
			const under = await page.$$eval('details.underlag', (ds) => ds.map((d) => d.textContent));
			check('... with the technical reason folded under Underlag', under.some((u) => ENGLISH.test(u)), under.join(' | '));
			// (December 2026 uses the official table: a provisional value, if
			// any, is one sentence; the unit test test_rules checks that a
			// 2027 decision says "Riksnormen 2027 är preliminär" once.)
			const provisional = (t.match(/ är preliminär/g) || []).length;
			check('at most one line per provisional value, no parameter names', provisional <= 1 && !/Preliminärt värde: parametern/.test(t), t);
		}
		await page.browserContext().close();
	}
}

// --- item 8 -----------------------------------------------------------------

async function reflowAt320(page, name) {
	await page.setViewport({ width: 320, height: 800 });
	const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
	check(`at 320 px ${name} reflows (scrollWidth ${sw} <= ${iw})`, sw <= iw);
	const regions = await page.$$eval('.table-wrap', (ws) => ws.every((w) => w.getAttribute('tabindex') === '0' && w.getAttribute('role') === 'region'));
	check(`... its wide tables scroll in a focusable region of their own (${name})`, regions);
	if (SHOTS) await page.screenshot({ path: `${SHOTS}/320-${name.replace(/\W+/g, '-')}.png`, fullPage: true });
	await page.setViewport({ width: 1280, height: 900 });
}

async function govuk(browser) {
	const page = await newPage(browser);
	await login(page, env.EBBA_CASEWORKER);
	await page.goto(`${URL0}/ko`);
	await reflowAt320(page, 'Arbetskö');
	// The skip link to the queue table, second after "Hoppa till innehållet".
	await page.keyboard.press('Tab');
	await page.keyboard.press('Tab');
	check('the second Tab is the skip link to the queue', await focusIs(page, 'a.skip[href="#ko-tabell"]'));
	await page.keyboard.press('Enter');
	check('... and Enter takes the focus to the queue table', await focusIs(page, '#ko-tabell'));
	const id = env.EBBA_DECISION_PAGES;
	await page.goto(`${URL0}/beslut/${id}`);
	await reflowAt320(page, 'Beslut');
	// A refused form: the error summary has the focus, without script.
	await page.click('#k0-avslag');
	await Promise.all([page.waitForNavigation(), page.click('#prova-rader button[value=spara]')]);
	check('a refused form puts the focus on the error summary', await focusLands(page, '.error-summary'),
		await page.evaluate(() => document.activeElement && document.activeElement.outerHTML.slice(0, 80)));
	const links = await page.$$eval('.error-summary a', (as) => as.map((a) => a.getAttribute('href')));
	check('... whose links lead to the field (a rejection without a reason)', links.includes('#k0r') && await page.$('#k0r') !== null, links.join(' '));
	await axe(page, 'Pröva refused');
	await reflowAt320(page, 'Pröva');
	// Saved: what was saved, and Nästa ärende.
	for (const r of await page.$$('#prova-rader input[type=radio][value=accept]')) await r.click();
	await page.type('#pl-note', 'Närvaron styrkt.');
	await Promise.all([page.waitForNavigation(), page.click('#prova-rader button[value=spara]')]);
	const t = await text(page);
	const saved = new URL(page.url());
	check('after saving, the page says what was saved', saved.searchParams.get('sparat') && /Beslutet är sparat/.test(t) && /Beviljat, [\d ]+ kr/.test(t), t.slice(0, 300));
	const next = await page.$eval('.notice a.button', (a) => [a.textContent, a.getAttribute('href')]).catch(() => null);
	await axe(page, 'a person\'s decision just saved');
	await page.goto(`${URL0}/ko`);
	const first = await page.$eval('#ko-tabell tbody a[href^="/beslut/"]', (x) => x.getAttribute('href'));
	check('... and offers Nästa ärende (the first in the queue)', next && next[0] === 'Nästa ärende' && next[1] === first, `${JSON.stringify(next)} vs ${first}`);
	await axe(page, 'Arbetskö after saving');
	await page.browserContext().close();
}

// --- item 7 -----------------------------------------------------------------

// Fills the field sel by keyboard: Tab to it, select what is there, type.
async function typeInto(page, sel, value) {
	check(`Tab reaches ${sel}`, await tabTo(page, sel, 120));
	await page.keyboard.down('Control'); await page.keyboard.press('a'); await page.keyboard.up('Control');
	await page.keyboard.press('Backspace');
	await page.keyboard.type(value);
}

async function submitByKeyboard(page) {
	await tabTo(page, 'main form button[type=submit]', 200);
	const [resp] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	return resp;
}

async function frames(browser) {
	const caseId = sql(`select min(d.case_id) from ebba.decisions d where d.inbox_id is not null
		and not exists (select 1 from ebba.case_frames f where f.case_id = d.case_id)`);
	check('the demo has a case without a frame', caseId !== '');
	const a = await newPage(browser);
	await a.evaluateOnNewDocument(() => {
		for (const ev of ['mousedown', 'mouseup', 'click'])
			window.addEventListener(ev, (e) => { if (e.isTrusted && e.detail > 0) window.__mouse = (window.__mouse || 0) + 1; }, true);
	});
	await login(a, env.EBBA_CASEWORKER, true);
	let r = await a.goto(`${URL0}/referensram/${caseId}`);
	check('Referensram offers a new frame for a case that has none', r.status() === 200 && /Ny referensram/.test(await text(a)));
	await axe(a, 'a new frame');
	await reflowAt320(a, 'Referensram (new)');
	// An error names its field and the problem; the summary has the focus.
	await typeInto(a, '#valid_until', '2027-06-30');
	await typeInto(a, '#months', '7');
	await typeInto(a, '#cost_rent', 'sextusen');
	r = await submitByKeyboard(a);
	const summary = await a.$$eval('.error-summary a', (as) => as.map((x) => [x.getAttribute('href'), x.textContent]));
	check('a wrong amount is refused (422) naming the field: "Hyra: ange taket i hela kronor"', r.status() === 422 &&
		summary.some(([h, t]) => h === '#cost_rent' && t.startsWith('Hyra: ange taket i hela kronor')), JSON.stringify(summary));
	check('... with the focus on the error summary', await focusLands(a, '.error-summary'));
	check('... and the other fields kept as typed', (await a.$eval('#valid_until', (i) => i.value)) === '2027-06-30');
	await axe(a, 'a new frame refused');
	// Amounts as Swedes write them.
	await typeInto(a, '#cost_rent', '6 150 kr');
	await typeInto(a, '#cost_electricity', '350');
	r = await submitByKeyboard(a);
	check('the frame is created (303 to the frame, "sparad")', /\/referensram\/.*\?sparat=1$/.test(a.url()) && /Referensramen är sparad \(version 1\)/.test(await text(a)), a.url());
	const stored = sql(`select (frame->'approved_costs'->>'rent') || '|' || (frame->'approved_costs'->>'electricity') || '|' || version || '|' || updated_by
		from ebba.case_frames where case_id = '${caseId}'`);
	check('"6 150 kr" is stored as 6150, by the caseworker, version 1', stored === `6150|350|1|${env.EBBA_CASEWORKER}`, stored);
	await axe(a, 'a frame saved');
	// Two people edit at once.
	const b = await newPage(browser);
	await login(b, env.EBBA_CASEWORKER2, true);
	await b.goto(`${URL0}/referensram/${caseId}`);
	await a.goto(`${URL0}/referensram/${caseId}`);
	await typeInto(a, '#cost_rent', '6 200');
	await submitByKeyboard(a);
	check('the first to save gets version 2', /sparat=2$/.test(a.url()), a.url());
	await typeInto(b, '#cost_electricity', '999');
	r = await submitByKeyboard(b);
	const bt = await text(b);
	check('the second gets a conflict (409) saying who changed the frame, in Swedish', r.status() === 409 &&
		bt.includes(`${env.EBBA_CASEWORKER} ändrade referensramen`) && /Ingenting skrevs över/.test(bt), bt.slice(0, 500));
	check('... with the focus on the message', await focusLands(b, '.error-summary'));
	check('... and the form now shows the stored version', (await b.$eval('input[name=version]', (i) => i.value)) === '2' &&
		(await b.$eval('#cost_rent', (i) => i.value)) === '6 200');
	if (SHOTS) await b.screenshot({ path: `${SHOTS}/referensram-conflict.png`, fullPage: true });
	const after = sql(`select (frame->'approved_costs'->>'rent') || '|' || (frame->'approved_costs'->>'electricity') || '|' || version
		from ebba.case_frames where case_id = '${caseId}'`);
	check('nothing was overwritten', after === '6200|350|2', after);
	const hist = sql(`select string_agg(version || ':' || updated_by || ':' || (frame->'approved_costs'->>'rent'), ' ' order by version)
		from ebba.case_frame_versions where case_id = '${caseId}'`);
	check('each version is kept', hist === `1:${env.EBBA_CASEWORKER}:6150 2:${env.EBBA_CASEWORKER}:6200`, hist);
	await axe(b, 'a frame conflict');
	const log = sql(`select string_agg(who || ':' || action, ' ' order by id) from ebba.access_log
		where object_kind = 'case_frame' and object_id = '${caseId}'`);
	check('every view and change of the frame is in the access log', ['view', 'resolve'].every((x) => log.includes(`${env.EBBA_CASEWORKER}:${x}`)) &&
		log.includes(`${env.EBBA_CASEWORKER2}:view`) && (log.match(/:resolve/g) || []).length === 2, log);
	check('no mouse was used for the frame', (await a.evaluate(() => window.__mouse || 0)) === 0);
	await a.browserContext().close();
	await b.browserContext().close();
}

if (SHOTS) mkdirSync(SHOTS, { recursive: true });
await runParts([figures, crawl, govuk, frames]);
finish();
