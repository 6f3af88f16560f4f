// A test OpenID Provider on loopback, as a municipality's would answer:
// oidc-provider (node_modules, pinned in package-lock.json) with its own
// login page, test people from a JSON file, and in each ID token the claims
// ebba's Apache passes on: acr and amr (how the person signed in), groups,
// name, title, preferred_username.
//
// oidc-provider has no second factor of its own; each test person's entry
// says which acr and amr a sign-in of theirs gets (a two-factor level for
// one, a password-only level for another), as a real provider's e-ID would.
// The people file is read at every sign-in and claims request, so a test
// (or a demo) can take someone out of a group at the provider by rewriting
// it.
//
//   node tests/sso/provider.mjs --host 127.0.0.2 --port 0 --cert C --key K \
//        --people people.json --client-id ebba --client-secret S \
//        --redirect-uri https://127.0.0.1:8443/oidc/callback \
//        --logout-uri https://127.0.0.1:8443/utloggad --port-file F
//
// people.json: {"anna.s": {"password": "...", "acr": "...", "amr": ["pwd", "otp"],
//   "groups": ["ebba-handlaggare"], "name": "Anna S", "title": "Socialsekreterare",
//   "email": "anna.s@kommun.example"}, ...}
// It prints "provider: listening on ISSUER" and writes the port to --port-file.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values: a } = parseArgs({ options: {
	host: { type: 'string', default: '127.0.0.2' }, port: { type: 'string', default: '0' },
	cert: { type: 'string' }, key: { type: 'string' }, people: { type: 'string' },
	'client-id': { type: 'string', default: 'ebba' }, 'client-secret': { type: 'string' },
	'redirect-uri': { type: 'string' }, 'logout-uri': { type: 'string', multiple: true, default: [] },
	'port-file': { type: 'string' },
} });
for (const k of ['cert', 'key', 'people', 'client-secret', 'redirect-uri'])
	if (!a[k]) { console.error(`provider: --${k} is needed`); process.exit(2); }

// Swedish e-ID assurance levels (DIGG's): 3 is two factors, 2 is a password.
const LOA2 = 'http://id.elegnamnden.se/loa/1.0/loa2';
const LOA3 = 'http://id.elegnamnden.se/loa/1.0/loa3';
const people = () => JSON.parse(readFileSync(a.people, 'utf8'));
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} – Kommunens inloggning (test)</title>
<style>body{font-family:sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
label{display:block;margin-top:1rem;font-weight:bold}input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}
button{margin-top:1.2rem;font-size:1rem;padding:.5rem 1.2rem;background:#0b4f8a;color:#fff;border:0}
.fel{color:#a00000;font-weight:bold}</style></head>
<body><header><p>Kommunens inloggning (testmiljö)</p></header><main>
<h1>${esc(title)}</h1>
${body}
</main></body></html>`;

const loginForm = (uid, user, error) => page('Logga in', `
${error ? `<p class="fel" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="username">Användarnamn</label>
<input id="username" name="username" value="${esc(user || '')}" autocapitalize="off" autofocus>
<label for="password">Lösenord</label>
<input id="password" name="password" type="password">
<button type="submit">Logga in</button>
</form>`);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', kid: 'test-1', alg: 'RS256' };

let provider;
const server = createServer({ cert: readFileSync(a.cert), key: readFileSync(a.key) },
	(req, res) => handle(req, res).catch((e) => {
		console.error('provider:', e);
		if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
		res.end('error\n');
	}));
await new Promise((ok) => server.listen(Number(a.port), a.host, ok));
const issuer = `https://${a.host}:${server.address().port}`;

provider = new Provider(issuer, {
	clients: [{
		client_id: a['client-id'], client_secret: a['client-secret'],
		redirect_uris: [a['redirect-uri']], post_logout_redirect_uris: a['logout-uri'],
		response_types: ['code'], grant_types: ['authorization_code'],
		token_endpoint_auth_method: 'client_secret_basic',
	}],
	jwks: { keys: [jwk] },
	cookies: { keys: [randomBytes(32).toString('hex')] },
	acrValues: [LOA2, LOA3],
	// The scopes' claims, in the ID token itself (as mod_auth_openidc
	// reads them at the callback).
	claims: {
		acr: null, amr: null, auth_time: null, sid: null,
		openid: ['sub'],
		profile: ['name', 'title', 'preferred_username', 'email'],
		groups: ['groups'],
	},
	conformIdTokenClaims: false,
	async findAccount(ctx, sub) {
		const p = people()[sub];
		if (!p) return undefined;
		return {
			accountId: sub,
			async claims() {
				const q = people()[sub] || {};   // as it is now, not at sign-in
				return { sub, name: q.name, title: q.title, email: q.email,
					preferred_username: q.email || sub, groups: q.groups || [] };
			},
		};
	},
	// A first-party client: its scopes are granted without a consent page.
	async loadExistingGrant(ctx) {
		const id = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
		if (id) return ctx.oidc.provider.Grant.find(id);
		const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
		grant.addOIDCScope('openid profile groups');
		grant.addOIDCClaims(['name', 'title', 'preferred_username', 'email', 'groups', 'acr', 'amr']);
		await grant.save();
		return grant;
	},
	interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
	features: {
		devInteractions: { enabled: false },
		rpInitiatedLogout: {
			enabled: true,
			async logoutSource(ctx, form) {
				ctx.body = page('Logga ut', `${form}
<p>Vill du logga ut från kommunens inloggning?</p>
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Ja, logga ut</button>`);
			},
			async postLogoutSuccessSource(ctx) {
				ctx.body = page('Utloggad', '<p>Du är utloggad.</p>');
			},
		},
	},
	pkce: { required: () => true },
	ttl: { Session: 3600, Interaction: 600, Grant: 3600, IdToken: 600, AccessToken: 600, AuthorizationCode: 60 },
	renderError(ctx, out) {
		ctx.type = 'html';
		ctx.body = page('Något gick fel', `<p>${esc(out.error)}: ${esc(out.error_description || '')}</p>`);
	},
});
provider.on('server_error', (ctx, e) => console.error('provider: server_error', e));
const callback = provider.callback();

async function body(req) {
	let s = '';
	for await (const chunk of req) { s += chunk; if (s.length > 1e5) break; }
	return new URLSearchParams(s);
}

function send(res, status, html) {
	res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
	res.end(html);
}

async function handle(req, res) {
	const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(req.url.split('?')[0]);
	if (!m) return callback(req, res);
	const details = await provider.interactionDetails(req, res);
	if (details.uid !== m[1]) return send(res, 400, page('Något gick fel', '<p>Inloggningen gick ut. Börja om.</p>'));
	if (details.prompt.name !== 'login')   // consent: granted by loadExistingGrant
		return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
	if (req.method === 'GET' && !m[2]) return send(res, 200, loginForm(details.uid));
	if (req.method !== 'POST' || !m[2]) return send(res, 405, page('Fel metod', '<p>Fel metod.</p>'));
	const f = await body(req);
	const user = f.get('username') || '', p = people()[user];
	if (!p || f.get('password') !== p.password) {
		console.error(`provider: sign-in refused for ${JSON.stringify(user)}`);
		return send(res, 401, loginForm(details.uid, user, 'Fel användarnamn eller lösenord.'));
	}
	console.error(`provider: ${user} signed in (acr ${p.acr})`);
	// The person's second factor, as the test decided it: the acr and amr
	// a real provider would put in the ID token for this sign-in.
	await provider.interactionFinished(req, res, {
		login: { accountId: user, acr: p.acr, amr: p.amr || ['pwd'], remember: false },
	}, { mergeWithLastSubmission: false });
}

if (a['port-file']) writeFileSync(a['port-file'], `${server.address().port}\n`);
console.error(`provider: listening on ${issuer}`);
