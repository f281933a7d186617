import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectorError, getMonitor, listMonitors, syncPlan } from '../../client/collector-client.ts';
import { closedPort } from '../support/target-server.ts';

let server: Server | undefined;
afterEach(async () => {
  if (server !== undefined) await new Promise((done) => server!.close(done));
  server = undefined;
});

/** A loopback server answering every request with `handler`. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function failure(promise: Promise<unknown>): Promise<CollectorError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CollectorError);
  return error as CollectorError;
}

const request = { revision: null, monitors: [], dryRun: true };

describe('collector client', () => {
  it('sends the token and body, and returns the plan', async () => {
    let seen: { auth?: string; body?: string; url?: string } = {};
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen = { auth: req.headers.authorization, body, url: req.url };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ planId: 'p', revision: null, applied: false, changes: [], counts: {} }));
      });
    });
    const plan = await syncPlan({ url: `${url}/prefix`, token: 'tok' }, request);
    expect(plan.planId).toBe('p');
    expect(seen).toEqual({ auth: 'Bearer tok', body: JSON.stringify(request), url: '/prefix/v1/sync' });
  });

  it('turns an API error into a CollectorError with code, status and diagnostics', async () => {
    const url = await serve((_req, res) => {
      res.statusCode = 400;
      res.end(
        JSON.stringify({
          code: 'VIGIL_ERR_INVALID_MONITORS',
          message: 'bad',
          statusCode: 400,
          diagnostics: [{ file: 'request', path: 'monitors[0].url', code: 'invalid_url' }],
        }),
      );
    });
    const error = await failure(syncPlan({ url, token: 't' }, request));
    expect(error).toMatchObject({ code: 'VIGIL_ERR_INVALID_MONITORS', statusCode: 400, message: 'bad' });
    expect(error.diagnostics).toHaveLength(1);
  });

  it('says VIGIL_ERR_BAD_RESPONSE for an answer that is not the API', async () => {
    const url = await serve((_req, res) => {
      res.statusCode = 502;
      res.end('<html>bad gateway</html>');
    });
    expect((await failure(listMonitors({ url }))).code).toBe('VIGIL_ERR_BAD_RESPONSE');
    server!.removeAllListeners('request');
    server!.on('request', (_req, res) => {
      res.statusCode = 500;
      res.end('{"oops":true}');
    });
    expect((await failure(getMonitor({ url }, 'a'))).code).toBe('VIGIL_ERR_BAD_RESPONSE');
  });

  it('says VIGIL_ERR_UNREACHABLE when nothing answers, or too late', async () => {
    const url = await serve(() => {
      // Never answers.
    });
    const late = await failure(syncPlan({ url, token: 't', timeoutMs: 200 }, { ...request, dryRun: false }));
    expect(late.code).toBe('VIGIL_ERR_UNREACHABLE');
    expect(late.message).toContain('may or may not have been applied');
    server!.closeAllConnections();
    await new Promise((done) => server!.close(done));
    server = undefined;
    // Not the closed server's port: a later port-0 bind anywhere may be handed that number again.
    const refused = await failure(
      syncPlan({ url: `http://127.0.0.1:${await closedPort()}`, token: 't' }, request),
    );
    expect(refused.code).toBe('VIGIL_ERR_UNREACHABLE');
    expect(refused.message).toContain('ECONNREFUSED');
  });

  it('refuses a URL that is not http(s)', async () => {
    expect((await failure(listMonitors({ url: 'ftp://x.invalid' }))).code).toBe('VIGIL_ERR_BAD_URL');
    expect((await failure(listMonitors({ url: 'not a url' }))).code).toBe('VIGIL_ERR_BAD_URL');
  });
});
