// The words of an incident: issue title and body, reminder and recovery comments, labels,
// assignees, and a one-line text for chat webhooks. Pure: a snapshot, the delivery id and `now`
// in, strings out.
//
// - Title: `<name> is down: <reason sentence>`, at most 120 characters.
// - Body: a hidden marker `<!-- vigil:incident:<id> -->` first (so no cut can remove it; the
//   outbox finds a lost create again by it), the URL (secret references stay `${NAME}`, a
//   password in the URL shows as `***`), start in UTC and relative, reason, the latest vote per
//   region with its phases, the first failing check's response log inside `<details>`, links to
//   the status page and the monitor's history, mentions.
// - Size: bodies and comments stay under GitHub's 65,536 characters. The response log shrinks
//   step by step (body excerpt, then header and connection lines) until it fits, and is left out
//   as a last resort; rendering never fails.
// - Comments carry `<!-- vigil:delivery:<outbox id> -->` so a comment whose answer was lost is
//   recognized before it is posted twice.

import { htmlCode, inlineMarkdown, markdownTable } from '../../common/escape.ts';
import { reportedTimings } from '../../probe/phase-clock.ts';
import type { FailureReason, Timings } from '../../probe/types.ts';
import type { Alert, FirstFailure, MonitorInfo, VoteDetail } from '../domain/alerts.ts';
import type { OperationSnapshot } from '../domain/operation-snapshot.ts';
import { ms, utc } from './format.ts';
import { cut, ellipsis, fenced } from './markdown.ts';

/** GitHub's limit for issue bodies and comments. */
export const BODY_LIMIT = 65_536;
/** Rendered bodies aim below this, leaving room for what a sink appends. */
const BODY_BUDGET = BODY_LIMIT - 512;
export const TITLE_LIMIT = 120;
/** GitHub refuses label names longer than 50 characters. */
export const LABEL_LIMIT = 50;
/** A check's sentence is shown up to this length. */
const SENTENCE_LIMIT = 500;
/** Header, connection and request lines are cut at this length. */
const LINE_LIMIT = 2000;

export interface RenderContext {
  now: number;
  /** Base URL of the collector's status page; null = no links. */
  publicUrl: string | null;
  /** Outbox row id: marks comments so a retried one is recognized. */
  deliveryId: number;
}

export interface RenderedMessage {
  /** Issue title (open) or the alert's headline. */
  title: string;
  /** Issue body (open) or comment (remind, resolve). */
  body: string;
  labels: string[];
  assignees: string[];
  /** One line for chat (Slack-compatible `text`). */
  text: string;
  /** Link to the monitor on the status page, or null. */
  link: string | null;
}

export function incidentMarker(alertId: string): string {
  return `<!-- vigil:incident:${alertId} -->`;
}

export function deliveryMarker(deliveryId: number): string {
  return `<!-- vigil:delivery:${deliveryId} -->`;
}

const REASON_SENTENCES: Record<FailureReason, string> = {
  dns_nxdomain: 'the name does not resolve',
  dns_timeout: 'DNS resolution timed out',
  dns_error: 'DNS resolution failed',
  connect_refused: 'connection refused',
  connect_timeout: 'connection timed out',
  connect_reset: 'connection reset',
  network_unreachable: 'network unreachable',
  tls_handshake: 'TLS handshake failed',
  tls_expired: 'TLS certificate expired',
  tls_not_yet_valid: 'TLS certificate not yet valid',
  tls_self_signed: 'self-signed TLS certificate',
  tls_untrusted: 'untrusted TLS certificate',
  tls_hostname: 'TLS certificate does not match the host name',
  too_many_redirects: 'too many redirects',
  redirect_invalid: 'invalid redirect',
  target_blocked: 'the target address is blocked on this runner',
  status: 'unexpected HTTP status',
  keyword_missing: 'a required keyword is missing',
  forbidden_keyword: 'a forbidden keyword is present',
  assertion: 'an assertion failed',
  timeout: 'the check timed out',
  body_too_large: 'the response body is too large',
  protocol_error: 'HTTP protocol error',
};

/** The sentence a title ends with: the first failing check's own, else one for its reason. */
export function reasonSentence(alert: Pick<Alert, 'reason' | 'firstFailure'>): string {
  const message = alert.firstFailure?.message?.trim().replace(/\s+/g, ' ').replace(/\.$/, '');
  if (message) return message;
  return alert.reason === null ? 'checks fail' : REASON_SENTENCES[alert.reason];
}

export function nameOf(snapshot: OperationSnapshot): string {
  return snapshot.alert.monitor?.name ?? snapshot.alert.subject;
}

export function renderTitle(snapshot: OperationSnapshot): string {
  const { alert } = snapshot;
  const name = nameOf(snapshot).replace(/\s+/g, ' ');
  let title: string;
  switch (alert.kind) {
    case 'down':
      title = `${name} is down: ${reasonSentence(alert)}`;
      break;
    case 'flapping':
      title = `${name} is flapping${alert.score === null ? '' : `: score ${alert.score.toFixed(1)}`}`;
      break;
    case 'certificate': {
      const days = alert.certificate?.daysLeft ?? 0;
      title =
        days < 0
          ? `${name}: TLS certificate expired`
          : `${name}: TLS certificate expires in ${days} day${days === 1 ? '' : 's'}`;
      break;
    }
    case 'region':
      title = `Region ${alert.subject} is impaired${
        alert.region ? `: checks fail for ${alert.region.failing} of ${alert.region.candidates} monitors` : ''
      }`;
      break;
  }
  return ellipsis(title, TITLE_LIMIT);
}

export function renderLabels(snapshot: OperationSnapshot): string[] {
  const { alert } = snapshot;
  const { monitor } = alert;
  const labels = ['vigil', 'incident'];
  if (alert.kind !== 'down') labels.push(alert.kind);
  if (alert.kind === 'region') labels.push(`region:${alert.subject}`);
  if (monitor !== null) labels.push(`monitor:${monitor.id}`, ...monitor.alert.labels);
  else if (alert.monitorId !== null) labels.push(`monitor:${alert.monitorId}`);
  const seen = new Set<string>();
  return labels
    .map((label) => cut(label, LABEL_LIMIT))
    .filter((label) => !seen.has(label.toLowerCase()) && seen.add(label.toLowerCase()));
}

/** A URL for display: a password in it shows as `***` (secret references are already `${NAME}`). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
  }
}

export function links(
  snapshot: OperationSnapshot,
  publicUrl: string | null,
): { status: string; history: string } | null {
  if (publicUrl === null) return null;
  const base = publicUrl.replace(/\/+$/, '');
  const id = snapshot.alert.monitor?.id ?? snapshot.alert.monitorId;
  return {
    status: `${base}/`,
    history: id === null ? `${base}/v1/runners` : `${base}/v1/monitors/${encodeURIComponent(id)}/checks`,
  };
}

export function mentionsOf(monitor: MonitorInfo | null): string {
  const mentions = monitor?.alert.mentions ?? [];
  return mentions.length === 0
    ? ''
    : `cc ${mentions.map((m) => (m.startsWith('@') ? m : `@${m}`)).join(' ')}`;
}

export function votesTable(votes: readonly VoteDetail[]): string {
  if (votes.length === 0) return '_No votes recorded._';
  return markdownTable(
    [
      'Region',
      'Result',
      'Reason',
      'Status',
      'IP',
      'Resolve ms',
      'Connect ms',
      'TLS ms',
      'Processing ms',
      'Transfer ms',
    ],
    votes.map((v) => {
      const t = phasesOf(v.timings);
      return [
        inlineMarkdown(v.region),
        v.ok ? '✅ up' : '❌ down',
        v.ok ? '' : v.reason === null ? '' : htmlCode(v.reason),
        v.status === null ? '-' : String(v.status),
        v.ip === null ? '-' : htmlCode(v.ip),
        ms(t?.resolve),
        ms(t?.connect),
        ms(t?.tls),
        ms(t?.processing),
        ms(t?.transfer),
      ];
    }),
  );
}

/**
 * A phase that never happened shows `-` like any unknown cell. Snapshots queued before null phases
 * hold 0 for some: read them as a runner's report is read (probe/phase-clock.ts).
 */
function phasesOf(timings: Timings | null): Timings | null {
  return timings === null ? null : reportedTimings(timings, null);
}

interface LogBudget {
  /** Characters of the response body excerpt. */
  body: number;
  /** Header and connection lines shown. */
  lines: number;
}

/** Tried in order until the whole body fits. */
const LOG_BUDGETS: readonly LogBudget[] = [
  { body: 16_384, lines: 200 },
  { body: 4096, lines: 60 },
  { body: 1024, lines: 20 },
  { body: 0, lines: 5 },
];

function someLines(lines: readonly string[], limit: number): string {
  const shown = lines.slice(0, limit).map((line) => ellipsis(line, LINE_LIMIT));
  if (lines.length > limit) shown.push(`… ${lines.length - limit} more line(s) not shown`);
  return shown.join('\n');
}

function headerLines(headers: Record<string, string>): string[] {
  return Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
}

export function renderLog(first: FirstFailure, budget: LogBudget): string {
  const parts = [
    `<details>\n<summary>Response log of the first failing check (${inlineMarkdown(first.region)}, ${utc(first.at)})</summary>\n`,
  ];
  const { log } = first;
  if (log === null) {
    parts.push('_The check left no response log._');
  } else {
    parts.push(
      '**Request**\n',
      fenced(someLines([log.request.line, ...headerLines(log.request.headers)], budget.lines + 1), 'http'),
    );
    if (log.response === null) parts.push('\n**Response**: none');
    else {
      parts.push(
        `\n**Response**: ${log.response.status}\n`,
        fenced(someLines(headerLines(log.response.headers), budget.lines), 'http'),
      );
    }
    if (log.body !== null && log.body.length > 0) {
      const shown = cut(log.body, budget.body);
      const more = log.body.length > shown.length || log.bodyTruncated;
      parts.push(
        `\n**Body**${more ? ` (first ${shown.length.toLocaleString('en-US')} characters${log.bodyTruncated ? ' of a longer body' : ` of ${log.body.length.toLocaleString('en-US')}`})` : ''}\n`,
      );
      if (shown.length > 0) parts.push(fenced(shown));
    }
    if (log.connection.length > 0) {
      parts.push('\n**Connection**\n', fenced(someLines(log.connection, budget.lines)));
    }
  }
  parts.push('\n</details>');
  return parts.join('\n');
}

/** Joins sections; the log section is rendered at the largest budget that fits the limit. */
export function assemble(
  head: string[],
  log: ((budget: LogBudget) => string) | null,
  tail: string[],
): string {
  const join = (middle: string[]) => [...head, ...middle, ...tail].filter((s) => s.length > 0).join('\n\n');
  if (log !== null) {
    for (const budget of LOG_BUDGETS) {
      const text = join([log(budget)]);
      if (text.length <= BODY_BUDGET) return text;
    }
    const text = join(['_The response log is too large to show here; see the monitor history._']);
    if (text.length <= BODY_BUDGET) return text;
  }
  const text = join([]);
  if (text.length <= BODY_BUDGET) return text;
  // Only pathological inputs get here (huge names or sentences): cut, keeping the marker first.
  return `${cut(text, BODY_BUDGET - 80)}\n\n_… cut to fit GitHub's size limit._`;
}

export function factsTable(rows: [string, string][]): string {
  return markdownTable(
    ['', ''],
    rows.map(([k, v]) => [k, v]),
  );
}

export function sentence(text: string | null): string {
  return text === null ? '' : inlineMarkdown(ellipsis(text, SENTENCE_LIMIT));
}
