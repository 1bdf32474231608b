// The OAuth servers the verification tests ask, on loopback, started by
// test/global-setup.providers.ts (in Node; the workerd targets reach them
// over the network like any provider):
//   - oidc-provider, a real OAuth 2.0 / OpenID authorization server, with two
//     registered confidential clients (client_secret_basic, client_secret_post);
//   - a small server speaking GitHub's dialect (HTTP 200 with an error field),
//     and answers the outbound-safety tests need: slow, redirecting, huge,
//     rate-limited, failing, issuing a token, not JSON.
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import type { TestProviders } from './test-providers';

export interface Running {
  stop(): Promise<void>;
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export async function startOidcProvider(port: number, providers: TestProviders): Promise<Running> {
  const { basic, post } = providers.clients;
  const oidc = new Provider(`http://127.0.0.1:${port}`, {
    clients: [
      { client_id: basic.id, client_secret: basic.secret, redirect_uris: ['https://app.test/callback'], token_endpoint_auth_method: 'client_secret_basic' },
      { client_id: post.id, client_secret: post.secret, redirect_uris: ['https://app.test/callback'], token_endpoint_auth_method: 'client_secret_post' },
    ],
    features: { devInteractions: { enabled: false } },
  });
  const server = oidc.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return { stop: () => close(server) };
}

const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body), type: 'application/json' });

export async function startGithubDialect(port: number, providers: TestProviders): Promise<Running> {
  const client = providers.clients.github;
  let redirectedHits = 0;
  // /held/<key>: answers after 300 ms, counting requests in flight per key (a scheduled run's concurrency).
  const held = new Map<string, { inFlight: number; max: number; total: number }>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const send = (answer: { status: number; body: string; type: string }, headers: Record<string, string> = {}) => {
        res.writeHead(answer.status, { 'Content-Type': answer.type, ...headers });
        res.end(answer.body);
      };
      if (path.startsWith('/held/') || path.startsWith('/held-stats/')) {
        const key = path.slice(path.indexOf('/', 1) + 1);
        const stats = held.get(key) ?? { inFlight: 0, max: 0, total: 0 };
        held.set(key, stats);
        if (path.startsWith('/held-stats/')) return send(json(200, { max: stats.max, total: stats.total }));
        stats.inFlight += 1;
        stats.total += 1;
        stats.max = Math.max(stats.max, stats.inFlight);
        setTimeout(() => {
          stats.inFlight -= 1;
          send(json(200, { error: 'bad_verification_code' }));
        }, 300);
        return;
      }
      switch (path) {
        case '/login/oauth/access_token': {
          const right = form.get('client_id') === client.id && form.get('client_secret') === client.secret;
          const body = right
            ? { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' }
            : { error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' };
          // As GitHub: JSON only when asked for; form-encoded otherwise.
          if ((req.headers.accept ?? '').includes('application/json')) return send(json(200, body));
          return send({ status: 200, body: new URLSearchParams(body).toString(), type: 'application/x-www-form-urlencoded' });
        }
        case '/slow':
          return; // never answers: the caller's timeout must end it
        case '/redirect':
          return send({ status: 302, body: '', type: 'text/plain' }, { Location: `http://127.0.0.1:${port}/redirected` });
        case '/redirected':
          redirectedHits += 1;
          return send(json(200, { error: 'bad_verification_code' }));
        case '/redirected-hits':
          return send(json(200, { hits: redirectedHits }));
        case '/huge':
          return send(json(400, { error: 'invalid_grant', padding: 'x'.repeat(100 * 1024) }));
        case '/rate-limited':
          return send(json(429, { error: 'rate_limited' }), { 'Retry-After': '30' });
        case '/failing':
          return send(json(503, { error: 'temporarily_unavailable' }));
        case '/issues-a-token':
          return send(json(200, { access_token: 'gho_never-to-be-kept', token_type: 'bearer' }));
        case '/not-json':
          return send({ status: 400, body: '<html>Bad Request</html>', type: 'text/html' });
        case '/leaky':
          // An answer carrying the secret it was sent, as a careless provider might: none of it may be kept.
          return send(json(400, { error: 'invalid_client', error_description: `bad secret ${form.get('client_secret')}` }));
        default:
          return send(json(404, { error: 'not_found' }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { stop: () => close(server) };
}
