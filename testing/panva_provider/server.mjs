// A certified OpenID provider (panva's oidc-provider) for the test suite, on loopback.
//
// Configured the way such providers ship: the scopes' claims come from UserInfo, not the ID
// token (conformIdTokenClaims, OpenID Connect Core 5.4); RP-Initiated Logout and Back-Channel
// Logout are on. Prints one JSON line {"issuer": ...} once it listens on a free port.
//
// Test controls under /_test/ (never part of a real provider): PUT /_test/users (the accounts),
// PUT /_test/clients/<id> (register a client), PUT /_test/faults (UserInfo failures at the
// network edge), POST /_test/reset.
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const SCOPES = ['openid', 'email', 'profile', 'groups'];

// Custom claims (nested, URL-named) the test users may carry, granted with the groups scope.
const EXTRA_CLAIMS = (process.env.EXTRA_CLAIMS ?? '').split(',').filter(Boolean);

let users = new Map();
let faults = {};

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang=en><head><meta charset=utf-8><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

function signInPage(clientId) {
  const buttons = [...users.values()].map((user) => `<p><button type=submit name=username value="${escapeHtml(user.sub)}">Sign in as ${escapeHtml(user.name)}</button></p>`).join('');
  return page('Sign in', `<p>${escapeHtml(clientId)} asks you to sign in.</p><form method=post>${buttons}<p><button type=submit name=action value=cancel>Cancel</button></p></form>`);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function signingKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `panva-${crypto.randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

function isLoopback(url) {
  const { hostname } = new URL(url);
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    clients: [],
    jwks: { keys: [signingKey()] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    scopes: SCOPES,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups', ...EXTRA_CLAIMS],
    },
    async findAccount(ctx, sub) {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            name: user.name,
            preferred_username: user.sub,
            email: user.email,
            email_verified: user.email_verified,
            groups: user.groups,
            ...user.extra_claims,
          };
        },
      };
    },
    // First-party client: no consent screen, every requested scope granted.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      const found = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (found) return found;
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(SCOPES.join(' '));
      await grant.save();
      return grant;
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      backchannelLogout: { enabled: true },
    },
    // The outgoing-request guard refuses special-use addresses; the app under test lives on
    // loopback, so back-channel logout to loopback is let through (and nothing else changes).
    // A loaded test machine gets more than the default 2.5 s to answer.
    fetch(url, options) {
      const sent = { ...options };
      if (isLoopback(url)) {
        delete sent.dispatcher;
        sent.signal = AbortSignal.timeout(15000);
      }
      return globalThis.fetch(url, sent);
    },
  });
  provider.on('backchannel.error', (ctx, error, client) => {
    console.error(`backchannel logout to ${client.clientId} failed: ${error.message}`);
  });

  provider.use(async (ctx, next) => {
    if (ctx.path === '/me' && faults.userinfo_status) {
      ctx.status = faults.userinfo_status;
      ctx.body = { error: 'temporarily_unavailable' };
      return;
    }
    await next();
    if (ctx.path === '/me' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      // A provider bug or a man in the middle: UserInfo names another subject.
      if (faults.userinfo_sub) ctx.body = { ...ctx.body, sub: faults.userinfo_sub };
    }
  });

  provider.use(async (ctx, next) => {
    const interaction = ctx.path.match(/^\/interaction\/([^/]+)$/);
    if (interaction) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (ctx.method === 'GET') {
        ctx.type = 'html';
        ctx.body = signInPage(details.params.client_id);
        return;
      }
      const form = new URLSearchParams(await readBody(ctx.req));
      let result;
      if (form.get('action') === 'cancel') {
        result = { error: 'access_denied', error_description: 'the user cancelled the sign-in' };
      } else {
        const user = users.get(form.get('username') ?? '');
        if (!user) {
          ctx.status = 400;
          ctx.type = 'html';
          ctx.body = signInPage(details.params.client_id);
          return;
        }
        result = { login: { accountId: user.sub } };
      }
      const location = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
      ctx.status = 303;
      ctx.redirect(location);
      return;
    }
    if (!ctx.path.startsWith('/_test/')) {
      await next();
      return;
    }
    const body = ctx.method === 'GET' ? '' : await readBody(ctx.req);
    const data = body ? JSON.parse(body) : {};
    const client = ctx.path.match(/^\/_test\/clients\/([^/]+)$/);
    if (ctx.path === '/_test/users' && ctx.method === 'PUT') {
      users = new Map(data.map((user) => [user.sub, user]));
    } else if (ctx.path === '/_test/faults' && ctx.method === 'PUT') {
      faults = data;
    } else if (ctx.path === '/_test/reset' && ctx.method === 'POST') {
      users = new Map();
      faults = {};
    } else if (client && ctx.method === 'PUT') {
      await provider.Client.adapter.upsert(client[1], { ...data, client_id: client[1] });
    } else {
      ctx.status = 404;
      return;
    }
    ctx.body = { ok: true };
  });

  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
