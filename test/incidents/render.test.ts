// The words: title, body, comments, labels, and the size limit.
import { describe, expect, it } from 'vitest';
import { renderOperation } from '../../collector/incidents/bodies.ts';
import {
  BODY_LIMIT,
  deliveryMarker,
  displayUrl,
  incidentMarker,
  TITLE_LIMIT,
} from '../../collector/incidents/render.ts';
import { makeAlert, monitorInfo, responseLog, snapshot, T0, vote } from './fixtures.ts';

const ctx = { now: T0 + 5 * 60_000, publicUrl: 'https://status.example.invalid/', deliveryId: 41 };

describe('the incident issue', () => {
  it('title: `<name> is down: <reason sentence>`', () => {
    const { title } = renderOperation(snapshot('open'), ctx);
    expect(title).toBe('API is down: status 500 is not 2xx');
  });

  it('title falls back to a sentence for the reason, and stays within 120 characters', () => {
    const noMessage = makeAlert({ firstFailure: null, reason: 'connect_refused' });
    expect(renderOperation(snapshot('open', noMessage), ctx).title).toBe('API is down: connection refused');
    const long = makeAlert({ monitor: monitorInfo({ name: 'N'.repeat(200) }) });
    const { title } = renderOperation(snapshot('open', long), ctx);
    expect(title.length).toBe(TITLE_LIMIT);
    expect(title.endsWith('…')).toBe(true);
  });

  it('body: marker first, URL, start in UTC and relative, reason, votes table, log in <details>, links, mentions', () => {
    const { body, labels, assignees } = renderOperation(snapshot('open'), ctx);
    expect(body.startsWith(incidentMarker(`api:down:${T0}`))).toBe(true);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
    expect(body).toContain('<code>GET https://api.example.invalid/health?key=${API_KEY}</code>');
    expect(body).toContain('2026-01-05 12:00:00 UTC (5m ago)');
    expect(body).toContain('<code>status</code>: status 500 is not 2xx');
    expect(body).toContain(
      '| Region | Result | Reason | Status | IP | Resolve ms | Connect ms | TLS ms | Processing ms | Transfer ms |',
    );
    expect(body).toContain(
      '| eu-west | ❌ down | <code>status</code> | 500 | <code>203.0.113.7</code> | 1.3 | 10.5 | 20 | 150 | 3 |',
    );
    expect(body).toContain('| ap-south | ✅ up |  | 200 |');
    expect(body).toMatch(
      /<details>\n<summary>Response log of the first failing check \(eu-west, 2026-01-05 12:00:00 UTC\)<\/summary>/,
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
    expect(body).toContain('GET /health?key=${API_KEY} HTTP/1.1\naccept: */*');
    expect(body).toContain('**Response**: 500');
    expect(body).toContain('<h1>Internal Server Error</h1>');
    expect(body).toContain('connected to 203.0.113.7:443');
    expect(body).toContain('[Status page](https://status.example.invalid/)');
    expect(body).toContain('[Monitor history](https://status.example.invalid/v1/monitors/api/checks)');
    expect(body).toContain('cc @my-org/on-call');
    expect(labels).toEqual(['vigil', 'incident', 'monitor:api', 'team:payments']);
    expect(assignees).toEqual(['octocat']);
  });

  it('values cannot mention people or break the layout; code blocks cannot be closed early', () => {
    const alert = makeAlert({
      monitor: monitorInfo({ name: 'API | @everyone <b>' }),
      firstFailure: {
        region: 'eu',
        jobId: 'j',
        at: T0,
        message: 'keyword `@admins` missing',
        log: responseLog({ body: 'before\n```\n@team outside?\n````\nafter' }),
      },
    });
    const { body } = renderOperation(snapshot('open', alert), ctx);
    expect(body).toContain('### 🔴 API &#124; &#64;everyone &lt;b&gt; is down');
    expect(body).toContain('keyword `&#64;admins` missing');
    // the body excerpt is fenced with five backticks (longer than the four inside)
    expect(body).toContain('`````text\nbefore\n```\n@team outside?\n````\nafter\n`````');
  });

  it('a password in the URL is hidden; secret references stay as written', () => {
    expect(displayUrl('https://user:hunter2@example.invalid/x')).toBe('https://user:***@example.invalid/x');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` secret reference
    expect(displayUrl('https://example.invalid/${TOKEN}')).toBe('https://example.invalid/${TOKEN}');
  });

  it('stays under 65,536 characters by cutting the log, never failing', () => {
    const huge = makeAlert({
      firstFailure: {
        region: 'eu',
        jobId: 'j',
        at: T0,
        message: 'status 500 is not 2xx',
        log: responseLog({
          body: 'x'.repeat(64 * 1024),
          bodyTruncated: true,
          response: {
            status: 500,
            headers: Object.fromEntries(
              Array.from({ length: 400 }, (_, i) => [`x-header-${i}`, 'v'.repeat(300)]),
            ),
          },
          connection: Array.from({ length: 500 }, (_, i) => `line ${i} ${'c'.repeat(200)}`),
        }),
      },
    });
    const { body } = renderOperation(snapshot('open', huge), ctx);
    expect(body.length).toBeLessThan(BODY_LIMIT);
    expect(body.startsWith(incidentMarker(huge.id))).toBe(true);
    expect(body).toContain('</details>');
    expect(body).toMatch(/more line\(s\) not shown/);
    expect(body).toMatch(/\*\*Body\*\* \(first [\d,]+ characters of a longer body\)/);

    // Pathological names and sentences too: cut, marker kept.
    const absurd = makeAlert({
      monitor: monitorInfo({ name: 'n'.repeat(70_000) }),
      votes: Array.from({ length: 300 }, (_, i) => vote(`region-${i}-${'r'.repeat(300)}`, false)),
    });
    const cut = renderOperation(snapshot('open', absurd), ctx).body;
    expect(cut.length).toBeLessThan(BODY_LIMIT);
    expect(cut.startsWith(incidentMarker(absurd.id))).toBe(true);
  });

  it('flapping, certificate and region issues', () => {
    const flapping = renderOperation(snapshot('open', makeAlert({ kind: 'flapping', score: 46 })), ctx);
    expect(flapping.title).toBe('API is flapping: score 46.0');
    expect(flapping.labels).toContain('flapping');

    const cert = makeAlert({
      kind: 'certificate',
      certificate: {
        daysLeft: 5,
        validTo: '2026-01-10T00:00:00.000Z',
        subject: 'CN=api',
        issuer: 'CN=CA',
        warningDays: 14,
      },
    });
    const c = renderOperation(snapshot('open', cert), ctx);
    expect(c.title).toBe('API: TLS certificate expires in 5 days');
    expect(c.labels).toContain('certificate');
    expect(c.body).toContain('| Warning threshold | 14 days |');

    const region = makeAlert({
      kind: 'region',
      monitorId: null,
      subject: 'eu-west',
      monitor: null,
      region: { candidates: 9, failing: 8, ratio: 8 / 9, monitors: ['a', 'b'] },
    });
    const r = renderOperation(snapshot('open', region), ctx);
    expect(r.title).toBe('Region eu-west is impaired: checks fail for 8 of 9 monitors');
    expect(r.labels).toEqual(['vigil', 'incident', 'region', 'region:eu-west']);
    expect(r.assignees).toEqual([]);
  });

  it('labels longer than GitHub allows are cut to 50 characters', () => {
    const id = `m${'x'.repeat(62)}`;
    const { labels } = renderOperation(snapshot('open', makeAlert({ monitor: monitorInfo({ id }) })), ctx);
    expect(labels[2]).toBe(`monitor:${id}`.slice(0, 50));
  });
});

describe('comments', () => {
  it('reminder: how long, the latest votes per region, the delivery marker', () => {
    const { body, text } = renderOperation(snapshot('remind', makeAlert({ failedChecks: 31 })), {
      ...ctx,
      now: T0 + 63 * 60_000,
    });
    expect(body).toContain(
      '⏰ **API** is still down after **1h 3m** (since 2026-01-05 12:00:00 UTC); 31 failed checks so far.',
    );
    expect(body).toContain('#### Latest votes per region');
    expect(body.endsWith(deliveryMarker(41))).toBe(true);
    expect(text).toBe('⏰ API is still down after 1h 3m https://status.example.invalid/');
  });

  it('recovery: start, end (last failing check), duration and failed checks', () => {
    const resolved = makeAlert({
      status: 'closed',
      end: T0 + 754_000,
      failedChecks: 14,
      endCause: 'recovered',
    });
    const { body, text } = renderOperation(snapshot('resolve', resolved), ctx);
    expect(body).toContain('✅ **API** is up again.');
    expect(body).toContain('| Started | 2026-01-05 12:00:00 UTC |');
    expect(body).toContain('| Ended (last failing check) | 2026-01-05 12:12:34 UTC |');
    expect(body).toContain('| Duration | 12m 34s |');
    expect(body).toContain('| Failed checks | 14 |');
    expect(body).toContain('Closing this issue.');
    expect(text).toBe('✅ API is up again after 12m 34s (14 failed checks) https://status.example.invalid/');
  });

  it('says why when the end is not a recovery', () => {
    const paused = makeAlert({ status: 'closed', end: T0 + 60_000, endCause: 'paused' });
    expect(renderOperation(snapshot('resolve', paused), ctx).body).toContain(
      'The monitor was paused; closing this issue.',
    );
  });
});
