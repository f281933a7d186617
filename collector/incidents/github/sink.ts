// Incidents as GitHub Issues.
//
//   open    create the issue (labels created first when missing; assignees); before a create is
//           tried again after an uncertain try, look for the hidden incident marker among recent
//           issues labelled `vigil`, so a lost answer never makes a second issue. Issues are never
//           looked up by title.
//   remind  comment on the issue.
//   resolve comment (start, end, duration, failed checks), then close with reason `completed`.
//
// A person closing the issue is respected: remind and resolve first read the issue, and when it
// is closed they do nothing and say so (`closedByHuman`); Vigil never reopens an issue. Comments
// carry a delivery marker, so a comment whose answer was lost is found before posting it again,
// and a resolve retried after its close went through is told apart from a person's close.

import { formatDurationForPeople } from '../../../common/format.ts';
import { createOctokit, type GitHubClient } from '../../../common/octokit.ts';
import { VERSION } from '../../../common/version.ts';
import { deliveryMarker, incidentMarker } from '../render.ts';
import type {
  Delivery,
  IncidentSink,
  SinkDefinition,
  SinkDependencies,
  SinkOutcome,
  SinkRef,
} from '../sink.ts';
import { SinkError } from '../sink.ts';
import { toSinkError } from './errors.ts';
import { type GitHubSinkSettings, githubSettings, validateGitHubSettings } from './settings.ts';

/** How far back (before the operation was queued) the marker searches look, for clock skew. */
const SEARCH_SLACK_MS = 60 * 60_000;
/** Pages of 100 searched for a marker. */
const SEARCH_PAGES = 5;
/** One request, its retries and rate-limit waits included, may take this long. */
const REQUEST_TIMEOUT_MS = 120_000;
/** Rate-limit waits up to this long happen inside the request; longer ones go back to the outbox. */
const MAX_INLINE_WAIT_SECONDS = 60;

/** Colors of the labels Vigil creates (others are created by GitHub with its default). */
const LABEL_COLORS: Record<string, string> = {
  vigil: '5319e7',
  incident: 'd73a4a',
  flapping: 'fbca04',
  certificate: '0e8a16',
  region: '1d76db',
};

export class GitHubIssuesSink implements IncidentSink {
  readonly name = 'github' as const;
  readonly #client: GitHubClient;
  readonly #owner: string;
  readonly #repo: string;
  readonly #deps: SinkDependencies;
  /** Labels known to exist (lower case): each is created at most once per process. */
  readonly #labels = new Set<string>();
  readonly #abort = new AbortController();

  constructor(settings: GitHubSinkSettings, deps: SinkDependencies) {
    const [owner, repo] = settings.repository.split('/') as [string, string];
    this.#owner = owner;
    this.#repo = repo;
    this.#deps = deps;
    // Retries inside a request stay few: the outbox retries further on its own schedule, and a
    // long rate limit goes back to it instead of holding a delivery slot.
    this.#client = createOctokit({
      token: settings.token ?? '',
      baseUrl: settings.apiUrl,
      userAgent: `vigil/${VERSION}`,
      retryBaseMs: settings.retryBaseMs,
      retries: 2,
      // 429 is left to the throttling plugin (it honours retry-after; plugin-retry would not).
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      maxLimitRetries: 2,
      writeSpacingMs: settings.writeSpacingMs,
      maxInlineWaitSeconds: MAX_INLINE_WAIT_SECONDS,
      onLimit: (kind, retryAfter, willWait) =>
        deps.log.warn(
          { sink: 'github', limit: kind, retryAfterSeconds: retryAfter, waiting: willWait },
          `GitHub ${kind} rate limit: ${willWait ? `waiting ${formatDurationForPeople(retryAfter * 1000)}` : 'deferring the delivery'}`,
        ),
    });
  }

  async open(delivery: Delivery): Promise<SinkOutcome> {
    if (delivery.priorAttempts > 0) {
      const found = await this.#findIssue(delivery);
      if (found !== null) return { ref: found };
    }
    const { message } = delivery;
    await this.#ensureLabels(message.labels);
    const create = (assignees: string[]) =>
      this.#call(
        'create issue',
        (request) =>
          this.#client.rest.issues.create({
            owner: this.#owner,
            repo: this.#repo,
            title: message.title,
            body: message.body,
            labels: message.labels,
            assignees,
            request,
          }),
        true,
      );
    let issue: Awaited<ReturnType<typeof create>>;
    try {
      issue = await create(message.assignees);
    } catch (error) {
      // An assignee who cannot be assigned (not a collaborator) must not cost the incident.
      if (!(error instanceof SinkError) || error.status !== 422 || message.assignees.length === 0)
        throw error;
      if (
        !/assignee/i.test(
          JSON.stringify((error.cause as { response?: { data?: unknown } })?.response?.data ?? ''),
        )
      ) {
        throw error;
      }
      this.#deps.log.warn(
        { sink: 'github', assignees: message.assignees },
        'assignees refused; opening the issue without them',
      );
      issue = await create([]);
    }
    return { ref: { id: String(issue.data.number), url: issue.data.html_url } };
  }

  async remind(delivery: Delivery): Promise<SinkOutcome> {
    const number = this.#issueNumber(delivery);
    const issue = await this.#getIssue(number);
    if (issue.state === 'closed') return { closedByHuman: true };
    if (delivery.priorAttempts > 0 && (await this.#hasComment(number, delivery))) return {};
    await this.#comment(number, delivery.message.body);
    return {};
  }

  async resolve(delivery: Delivery): Promise<SinkOutcome> {
    const number = this.#issueNumber(delivery);
    const issue = await this.#getIssue(number);
    const commented = delivery.priorAttempts > 0 && (await this.#hasComment(number, delivery));
    if (issue.state === 'closed') {
      // Our own recovery comment is there: an earlier try closed it and lost the answer.
      return commented ? {} : { closedByHuman: true };
    }
    if (!commented) await this.#comment(number, delivery.message.body);
    await this.#call('close issue', (request) =>
      this.#client.rest.issues.update({
        owner: this.#owner,
        repo: this.#repo,
        issue_number: number,
        state: 'closed',
        state_reason: 'completed',
        request,
      }),
    );
    return {};
  }

  async close(): Promise<void> {
    this.#abort.abort();
  }

  #issueNumber(delivery: Delivery): number {
    const number = Number(delivery.ref?.id);
    if (delivery.ref === null || !Number.isInteger(number) || number <= 0) {
      throw new SinkError('VIGIL_ERR_SINK_NO_ISSUE', `no issue for incident ${delivery.alertId}`, {
        transient: false,
      });
    }
    return number;
  }

  async #getIssue(number: number): Promise<{ state: string }> {
    const response = await this.#call(`get issue #${number}`, (request) =>
      this.#client.rest.issues.get({ owner: this.#owner, repo: this.#repo, issue_number: number, request }),
    );
    return response.data;
  }

  async #comment(number: number, body: string): Promise<void> {
    await this.#call(
      `comment on issue #${number}`,
      (request) =>
        this.#client.rest.issues.createComment({
          owner: this.#owner,
          repo: this.#repo,
          issue_number: number,
          body,
          request,
        }),
      true,
    );
  }

  /**
   * The incident's issue, found by its hidden marker among recent issues labelled `vigil`; then,
   * in case the labels were dropped (GitHub drops them silently for a token without push access),
   * among all recent issues. Never by title.
   */
  async #findIssue(delivery: Delivery): Promise<SinkRef | null> {
    const marker = incidentMarker(delivery.alertId);
    const since = new Date(delivery.queuedAt - SEARCH_SLACK_MS).toISOString();
    for (const labels of ['vigil', undefined]) {
      for (let page = 1; page <= SEARCH_PAGES; page++) {
        const response = await this.#call('search issues by marker', (request) =>
          this.#client.rest.issues.listForRepo({
            owner: this.#owner,
            repo: this.#repo,
            ...(labels === undefined ? {} : { labels }),
            state: 'all',
            sort: 'created',
            direction: 'desc',
            since,
            per_page: 100,
            page,
            request,
          }),
        );
        const found = response.data.find(
          (issue) => issue.pull_request === undefined && issue.body?.includes(marker),
        );
        if (found !== undefined) {
          this.#deps.log.info(
            { sink: 'github', incident: delivery.alertId, issue: found.number },
            'found the issue of an earlier create whose answer was lost',
          );
          return { id: String(found.number), url: found.html_url };
        }
        if (response.data.length < 100) break;
      }
    }
    return null;
  }

  /** Whether this delivery's comment is already on the issue (an earlier try whose answer was lost). */
  async #hasComment(number: number, delivery: Delivery): Promise<boolean> {
    const marker = deliveryMarker(delivery.id);
    const since = new Date(delivery.queuedAt - SEARCH_SLACK_MS).toISOString();
    for (let page = 1; page <= SEARCH_PAGES; page++) {
      const response = await this.#call(`list comments of issue #${number}`, (request) =>
        this.#client.rest.issues.listComments({
          owner: this.#owner,
          repo: this.#repo,
          issue_number: number,
          since,
          per_page: 100,
          page,
          request,
        }),
      );
      if (response.data.some((comment) => comment.body?.includes(marker))) return true;
      if (response.data.length < 100) break;
    }
    return false;
  }

  /**
   * Creates the labels that are missing (with Vigil's colors), once per label and process. A read
   * first: reads are not spaced like writes, so labels that exist cost no write. A token that may
   * not create labels does not cost the incident: the create goes on (GitHub then adds the labels
   * that exist, and creates the others itself where it may).
   */
  async #ensureLabels(labels: readonly string[]): Promise<void> {
    for (const name of labels) {
      if (this.#labels.has(name.toLowerCase())) continue;
      if (!(await this.#labelExists(name))) {
        try {
          await this.#call(`create label ${name}`, (request) =>
            this.#client.rest.issues.createLabel({
              owner: this.#owner,
              repo: this.#repo,
              name,
              color: LABEL_COLORS[name] ?? (name.startsWith('monitor:') ? 'c5def5' : 'ededed'),
              request,
            }),
          );
        } catch (error) {
          if (!(error instanceof SinkError) || error.transient) throw error;
          // 422 already_exists: created meanwhile. 403: not allowed to create labels.
          if (error.status !== 422) {
            this.#deps.log.warn(
              { sink: 'github', label: name, code: error.code },
              `cannot create label: ${error.message}`,
            );
          }
        }
      }
      this.#labels.add(name.toLowerCase());
    }
  }

  async #labelExists(name: string): Promise<boolean> {
    try {
      await this.#call(`get label ${name}`, (request) =>
        this.#client.rest.issues.getLabel({ owner: this.#owner, repo: this.#repo, name, request }),
      );
      return true;
    } catch (error) {
      if (error instanceof SinkError && error.status === 404) return false;
      throw error;
    }
  }

  /**
   * One request. Those that create something (issues, comments) get no retry inside: a 5xx or a
   * dropped connection may hide a success, so the retry goes through the outbox, which looks for
   * the marker first. The others are retried by Octokit's retry plugin.
   */
  async #call<T>(
    what: string,
    run: (request: { signal: AbortSignal; retries?: number }) => Promise<T>,
    creates = false,
  ): Promise<T> {
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
    try {
      return await run(creates ? { signal, retries: 0 } : { signal });
    } catch (error) {
      throw toSinkError(error, what, this.#deps.now());
    }
  }
}

export const githubSink: SinkDefinition<GitHubSinkSettings> = {
  name: 'github',
  settings: githubSettings,
  validate: validateGitHubSettings,
  create: (settings, deps) => new GitHubIssuesSink(settings, deps),
};
