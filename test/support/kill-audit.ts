// What a run of kill -9 must leave behind, as lists of problems (empty = fine), so a failure shows
// every broken incident or slot at once:
// - issues: each announced incident has exactly one GitHub issue (found by its hidden marker), the
//   collector points at that issue, every issue belongs to an incident, each operation reached
//   GitHub once (one create, one comment per comment-bearing operation, one close) and in order
//   (create < comments < close, by arrival at the server: the mutation happens on arrival).
// - schedule: every slot of every monitor that fell while a collector was up and every runner was
//   connected to it (with `slackMs` to run it before the next kill) reached the target: the
//   schedule resumed after each restart. Before a runner process is back (its retries back off),
//   a round given to its region waits for it, and may die with the next kill: not a slot lost by
//   the scheduler, so those slots are not judged.
// Also the GitHub settings both kill tests give their collector (collectorGitHubEnv).
import { deliveryMarker, incidentMarker } from '../../collector/incidents/render.ts';
import type { GitHubServer, LoggedRequest } from './github-server.ts';
import { slotsBetween } from './kill-plan.ts';

export interface AuditedIncident {
  id: string;
  kind: string;
  open: boolean;
  alert: {
    id: string;
    deliveries: Array<{
      sink: string;
      state: string;
      issue: { number: number } | null;
      pending: number;
      failed: number;
    }>;
  } | null;
  /** The incident's outbox rows (GET /v1/incidents/:id `operations`). */
  operations: Array<{ id: number; op: string; state: string }>;
}

const bodyOf = (r: LoggedRequest): Record<string, unknown> =>
  typeof r.body === 'object' && r.body !== null ? (r.body as Record<string, unknown>) : {};

export function auditIssues(github: GitHubServer, repo: string, incidents: AuditedIncident[]): string[] {
  const problems: string[] = [];
  const issues = github.issues(repo);
  const base = `/repos/${repo}/issues`;
  const mutations = github.requests
    .filter((r) => r.method === 'POST' || r.method === 'PATCH')
    .sort((a, b) => a.seq - b.seq);
  const claimed = new Set<number>();
  for (const incident of incidents) {
    const name = `incident ${incident.id}`;
    if (incident.open) problems.push(`${name} is still open`);
    if (incident.alert === null) {
      problems.push(`${name} has no alert`);
      continue;
    }
    const marker = incidentMarker(incident.alert.id);
    const withMarker = issues.filter((i) => i.body?.includes(marker));
    if (withMarker.length !== 1) {
      problems.push(
        `${name}: ${withMarker.length} issues carry its marker (${withMarker.map((i) => i.number)})`,
      );
      if (withMarker.length === 0) continue;
    }
    const issue = withMarker[0]!;
    claimed.add(issue.number);
    const delivery = incident.alert.deliveries.find((d) => d.sink === 'github');
    if (delivery?.issue?.number !== issue.number) {
      problems.push(
        `${name}: the collector points at issue ${delivery?.issue?.number}, its marker is on #${issue.number}`,
      );
    }
    if (delivery?.state !== 'resolved' || delivery.pending !== 0 || delivery.failed !== 0) {
      problems.push(
        `${name}: delivery ${JSON.stringify(delivery)} (want resolved, nothing pending or failed)`,
      );
    }
    if (issue.state !== 'closed' || issue.state_reason !== 'completed') {
      problems.push(`${name}: issue #${issue.number} is ${issue.state} (${issue.state_reason})`);
    }

    const creates = mutations.filter(
      (r) => r.method === 'POST' && r.path === base && String(bodyOf(r).body ?? '').includes(marker),
    );
    const commentPosts = mutations.filter(
      (r) => r.method === 'POST' && r.path === `${base}/${issue.number}/comments`,
    );
    const patches = mutations.filter((r) => r.method === 'PATCH' && r.path === `${base}/${issue.number}`);
    const closes = patches.filter((r) => bodyOf(r).state === 'closed');
    const reopens = patches.filter((r) => bodyOf(r).state === 'open');
    if (creates.length !== 1) problems.push(`${name}: ${creates.length} creates reached GitHub`);
    if (closes.length !== 1)
      problems.push(`${name}: ${closes.length} closes of #${issue.number} reached GitHub`);
    if (reopens.length > 0) problems.push(`${name}: #${issue.number} was reopened`);

    // Comments: one per comment-bearing operation delivered, each marker once.
    const comments = github.commentsOn(repo, issue.number);
    const wanted = incident.operations.filter((o) => o.op !== 'open' && o.state === 'done');
    for (const op of wanted) {
      const n = comments.filter((c) => c.body.includes(deliveryMarker(op.id))).length;
      if (n !== 1)
        problems.push(`${name}: ${n} comments of its ${op.op} (delivery ${op.id}) on #${issue.number}`);
    }
    if (comments.length !== wanted.length) {
      problems.push(`${name}: ${comments.length} comments on #${issue.number}, ${wanted.length} operations`);
    }
    if (commentPosts.length !== comments.length) {
      problems.push(
        `${name}: ${commentPosts.length} comment posts reached GitHub for ${comments.length} comments`,
      );
    }
    const first = creates[0]?.seq ?? Number.POSITIVE_INFINITY;
    const close = closes[0]?.seq ?? Number.NEGATIVE_INFINITY;
    for (const post of commentPosts) {
      if (post.seq < first)
        problems.push(`${name}: a comment (request ${post.seq}) before the create (${first})`);
      if (post.seq > close)
        problems.push(`${name}: a comment (request ${post.seq}) after the close (${close})`);
    }
    if (closes.length > 0 && close < first) problems.push(`${name}: closed before created`);
  }
  for (const issue of issues) {
    if (!claimed.has(issue.number))
      problems.push(`issue #${issue.number} belongs to no incident: ${issue.title}`);
  }
  return problems;
}

/** One collector process: when it printed its listening line and when it was killed (or now). */
export interface Life {
  readyAt: number;
  endAt: number;
  /** When every runner process was connected (its first claim); null: never in this life. */
  runnersAt: number | null;
}

export interface Hit {
  path: string;
  at: number;
}

/**
 * Slots (of `interval`) of each monitor that fell in a life with `slackMs` to spare, and had no
 * request at the monitor's path within [slot - earlyMs, slot + slackMs].
 */
export function auditSchedule(
  monitors: Array<{ id: string; path: string }>,
  interval: number,
  lives: Life[],
  hits: Hit[],
  slackMs: number,
  earlyMs = 250,
): { checked: number; problems: string[] } {
  const problems: string[] = [];
  let checked = 0;
  for (const m of monitors) {
    const at = hits.filter((h) => h.path === m.path).map((h) => h.at);
    lives.forEach((life, i) => {
      if (life.runnersAt === null) return;
      const from = Math.max(life.readyAt, life.runnersAt);
      for (const slot of slotsBetween(m.id, interval, from, life.endAt - slackMs)) {
        checked += 1;
        if (!at.some((t) => t >= slot - earlyMs && t <= slot + slackMs)) {
          const after = at.find((t) => t > slot);
          problems.push(
            `${m.id}: no check for the slot ${new Date(slot).toISOString()} in life ${i} (${slot - life.readyAt} ms after the start; next request ${after === undefined ? 'never' : `${after - slot} ms later`})`,
          );
        }
      }
    });
  }
  return { checked, problems };
}

/**
 * A collector's settings for this server: issues in `repo`, no spacing between writes and short
 * retries, so tests see deliveries within seconds.
 */
export function collectorGitHubEnv(
  github: { url: string },
  repo: string,
  token: string,
): Record<string, string> {
  return {
    VIGIL_GITHUB_REPOSITORY: repo,
    VIGIL_GITHUB_TOKEN: token,
    VIGIL_GITHUB_API_URL: github.url,
    VIGIL_GITHUB_WRITE_SPACING_MS: '0',
    VIGIL_GITHUB_RETRY_BASE_MS: '20',
    VIGIL_INCIDENT_RETRY_BASE_MS: '200',
    VIGIL_INCIDENT_RETRY_MAX_MS: '1000',
    VIGIL_LOG_LEVEL: 'info',
  };
}
