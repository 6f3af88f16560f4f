// Pröva line by line in Chromium, by keyboard alone, with axe-core
// (issue 25).  Run by tests/integration/88_person_decision.sh, which sets
// EBBA_WEB_URL, EBBA_PASSWORD, EBBA_CASEWORKER, EBBA_RENT (a referral
// for rent over the ceiling, still open: decided here as delvis bifall to
// the end, its letter's PDF read by the shell), EBBA_RENT_AMOUNT (the rule
// set's amount with 6 000 kr accepted, as Swedes write it) and EBBA_AVSLAG
// (a referral on one failed check).  Not in tests/web/ itself: 80_web.sh
// runs those with its own environment.
// Prints TAP lines (ok - / not ok -) for tests/run.
import { axe, check, finish, login, newPage, tabTo, withBrowser } from '../lib/browser.mjs';

const env = process.env;

async function pick(page, sel, value) {
	if (!(await tabTo(page, sel))) return false;
	for (let n = 0; n < 30; n++) {
		if ((await page.$eval(sel, (s) => s.value)) === value) return true;
		await page.keyboard.press('ArrowDown');
	}
	return false;
}

async function typeInto(page, sel, text) {
	if (!(await tabTo(page, sel))) return false;
	await page.keyboard.down('Control');
	await page.keyboard.press('a');
	await page.keyboard.up('Control');
	await page.keyboard.press('Backspace');
	await page.keyboard.type(text);
	return true;
}

async function pressButton(page, sel) {
	if (!(await tabTo(page, sel))) return false;
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	return true;
}

async function partly(browser) {
	const page = await newPage(browser, { refuseDialogs: true });
	await login(page, env.EBBA_CASEWORKER, true);
	await page.goto(`${env.EBBA_WEB_URL}/beslut/${env.EBBA_RENT}`);
	await axe(page, 'Pröva with the line-by-line form');
	check('keyboard: the rent accepted up to 6 000 kr', await typeInto(page, '#c0', '6 000'));
	check('keyboard: a reason from the catalogue', await pick(page, '#c0r', 'cost-over-reasonable'));
	check('keyboard: Beräkna', await pressButton(page, 'button[value=berakna]'));
	const shown = await page.$eval('#berakning', (p) => p.textContent).catch(() => '');
	check('Beräkna shows the rule set\'s amount before saving', shown.includes(`Delvis beviljat, ${env.EBBA_RENT_AMOUNT} kr`), shown);
	await axe(page, 'Pröva after Beräkna');
	check('keyboard: Spara without a note', await pressButton(page, 'button[value=spara]'));
	const summary = await page.$eval('.error-summary', (d) => d.textContent).catch(() => '');
	check('Spara without a note is refused, saying so', /Skriv en anteckning/.test(summary), summary);
	await axe(page, 'Pröva refused');
	// to the end: the note, Spara, the saved decision and its letter
	check('keyboard: the note', await typeInto(page, '#pl-note', 'Hyran är högre än skälig nivå för hushållet'));
	check('keyboard: Spara', await pressButton(page, 'button[value=spara]'));
	const url = new URL(page.url());
	const t = (await page.evaluate(() => document.body.innerText)).replace(/\u00a0/g, ' ');
	check('Spara saves: the person\'s decision, said to be saved', /^\/beslut\/\d+$/.test(url.pathname) &&
		url.searchParams.get('sparat') === '1' && /Beslutet är sparat/.test(t), page.url());
	check('the saved page shows the outcome and the line', /Delvis beviljat/.test(t) &&
		/Hyra: godtas upp till 6 000 kr \(ansökt 9 000 kr\)/.test(t), t.slice(t.indexOf('Handläggarens beslut'), 600));
	check('... the reason\'s sentence and provision', /Skäl: Kostnaden godtas bara till den del den är skälig/.test(t) &&
		/12 kap\. 1 och 7 §§ socialtjänstlagen \(2025:400\)/.test(t));
	check('... and the person, by name and title', /Beslutat av Bo Ek, socialsekreterare/.test(t));
	check('... never ebba\'s "Alla kontroller är uppfyllda"', !/Alla kontroller är uppfyllda/.test(t));
	// no application of its own: no empty tables, a link to the reviewed decision's facts
	check('... its facts: a sentence linking the reviewed decision, no empty income table',
		/ingen egen ansökan\. Vad sökanden uppgav och vad registren svarade står på det prövade beslutet: beslut \d+/.test(t) &&
		!/Inkomster i månaden före perioden/.test(t) && (await page.$$('a[href^="/beslut/"]')).length > 0,
		t.slice(t.indexOf('Uppgett och register'), 300));
	check('... its amount said to build on the reviewed decision\'s calculation, not "beräknades inte"',
		/Handläggarens belopp, 11 800 kr, bygger på beräkningen i det prövade beslutet/.test(t) &&
		!/Beloppet beräknades inte/.test(t), t.slice(t.indexOf('Beräkning'), 300));
	if (env.EBBA_SCREENS) await page.screenshot({ path: `${env.EBBA_SCREENS}/person-beslut.png`, fullPage: true });
	await axe(page, 'a person\'s delvis bifall just saved');
	// the letter's PDF, fetched in the signed-in page as a person would
	// download it; 88_person_decision.sh reads its text with pdftotext
	const pdf = await page.evaluate(async (u) => {
		const r = await fetch(u);
		const b = new Uint8Array(await r.arrayBuffer());
		return { status: r.status, type: r.headers.get('content-type'), head: String.fromCharCode(...b.slice(0, 5)) };
	}, `${env.EBBA_WEB_URL}${url.pathname}/brev.pdf`);
	check('Skriv ut / PDF gives the letter as a PDF', pdf.status === 200 && /application\/pdf/.test(pdf.type) && pdf.head === '%PDF-',
		JSON.stringify(pdf));
	await page.browserContext().close();
}

async function avslag(browser) {
	const page = await newPage(browser, { refuseDialogs: true });
	await login(page, env.EBBA_CASEWORKER, true);
	await page.goto(`${env.EBBA_WEB_URL}/beslut/${env.EBBA_AVSLAG}`);
	// a radio group is one Tab stop: the arrow keys choose within it
	let rejected = await tabTo(page, '#k0');
	if (rejected) {
		await page.keyboard.press('ArrowDown');
		rejected = await page.$eval('#k0-avslag', (r) => r.checked);
	}
	check('keyboard: the failed check rejected', rejected);
	check('keyboard: its reason', await pick(page, '#k0r', 'not-available-for-work'));
	check('keyboard: the note', await typeInto(page, '#pl-note', 'Har inte deltagit i planeringen'));
	check('keyboard: Spara', await pressButton(page, 'button[value=spara]'));
	const t = await page.evaluate(() => document.body.innerText);
	check('the saved decision page says Avslag, the line, the reason and the person',
		/Avslag/.test(t) && /Avslag på kontroll som hänvisade ärendet\. Skäl: Den som kan arbeta/.test(t) && /Den som kan arbeta/.test(t) && /Handläggarens beslut/.test(t), t.slice(t.indexOf("Handläggarens beslut"), 800));
	check('... never ebba\'s "Alla kontroller är uppfyllda"', !/Alla kontroller är uppfyllda/.test(t));
	await axe(page, 'a person\'s avslag');
	await page.browserContext().close();
}

await withBrowser(async (browser) => {
	for (const part of [partly, avslag]) {
		try { await part(browser); } catch (e) { check(`${part.name} ran to the end`, false, e.stack); }
	}
});
finish();
