// A small in-memory GitHub REST API on loopback, for tests of everything in Vigil that talks to
// GitHub (the Action's sticky PR comment, the incident sink). Point Octokit at `server.url`
// (`baseUrl`, or GITHUB_API_URL for the Action) and assert on `server.requests` and the state.
//
// Implemented (the subset Vigil uses, with GitHub's shapes, status codes and pagination):
//   GET    /repos/:o/:r                                  repository
//   GET    /repos/:o/:r/issues                           list; state, labels, sort, direction,
//                                                        since, per_page (max 100), page; Link header
//   POST   /repos/:o/:r/issues                           create (title required; missing labels created)
//   GET    /repos/:o/:r/issues/:n                        get (PRs too: a PR is an issue)
//   PATCH  /repos/:o/:r/issues/:n                        update title/body/state/state_reason/labels/assignees
//   GET    /repos/:o/:r/issues/:n/comments               list; since, per_page, page; Link header
//   POST   /repos/:o/:r/issues/:n/comments               create
//   GET    /repos/:o/:r/issues/comments/:id              get
//   PATCH  /repos/:o/:r/issues/comments/:id              update
//   DELETE /repos/:o/:r/issues/comments/:id              delete
//   GET    /repos/:o/:r/labels, GET .../labels/:name, POST .../labels (422 already_exists)
//   POST   /repos/:o/:r/issues/:n/labels                 add ({labels: [...]} or [...]); missing ones created
//   PUT    /repos/:o/:r/issues/:n/labels                 replace
//   DELETE /repos/:o/:r/issues/:n/labels/:name           remove one
//   GET    /repos/:o/:r/pulls/:n                         pull request seeded with `addPullRequest`
//   GET    /rate_limit
//
// Tokens: with `tokens` given, requests need `Authorization: token|Bearer <one of them>` (else 401
// "Bad credentials"), and a token with `write: false` gets 403 "Resource not accessible by
// integration" on every mutation (what a fork PR's GITHUB_TOKEN gets). Without `tokens`, anything
// is accepted and acts as `github-actions[bot]`.
//
// Failures on demand (`fail`, `failWith500`, `secondaryRateLimit`, `primaryRateLimit`,
// `dropConnection`, `delayAnswer`): a rule matches by method and path and answers its
// status/headers/body the next `times` matching requests (Infinity = until removed) instead of the
// real handler, or drops the connection before handling, or handles the request (the mutation
// happens) and then drops the connection so the client never sees the answer ("a create whose
// answer was lost"), or handles it and holds the answer for a while (time to kill the client).
//
// Every request is logged in `requests` (method, path, query, headers, parsed body, status or
// 'dropped', and whether a rule answered it); `waitForRequest` resolves on a matching one.
//
// With `openapi: true`, every exchange is also checked against GitHub's own OpenAPI description
// (github-openapi.ts): the request (operation, path and query parameters, body) and the answer
// the handlers gave (not one a failure rule injected). What departs from it is collected in
// `violations`; the answer itself is unchanged, so a test asserts on the list.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkExchange, type OpenApiViolation } from './github-openapi.ts';
import { pullShape, type RepoSeed, repositoryShape, userShape } from './github-shapes.ts';

export interface TokenInfo {
  /** Login of the user or bot the token acts as; authors issues and comments. */
  login: string;
  /** False: mutations answer 403 like a read-only (fork PR) token. Default true. */
  write?: boolean;
}

export interface GitHubServerOptions {
  /** Accepted tokens; absent = no authentication. */
  tokens?: Record<string, TokenInfo>;
  /** Clock for created_at/updated_at/closed_at and rate-limit resets (ms). Default Date.now. */
  now?: () => number;
  /** Repositories to create at start (`owner/name`). */
  repos?: string[];
  /** Check every exchange against GitHub's OpenAPI description into `violations`. Default false. */
  openapi?: boolean;
}

export interface GitHubUser {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export interface GitHubLabel {
  id: number;
  node_id: string;
  url: string;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface GitHubIssue {
  id: number;
  node_id: string;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | 'duplicate' | null;
  /** Label names, in the order they were added; rendered as label objects in responses. */
  labels: string[];
  assignees: string[];
  user: GitHubUser;
  locked: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  /** Set for pull requests (which are issues too). */
  pull?: PullRequestSeed;
}

export interface GitHubComment {
  id: number;
  node_id: string;
  issueNumber: number;
  body: string;
  user: GitHubUser;
  created_at: string;
  updated_at: string;
}

export interface PullRequestSeed {
  number?: number;
  title?: string;
  body?: string;
  headSha?: string;
  headRef?: string;
  /** Repository the head branch lives in; differs from the base repository for a fork. */
  headRepo?: string;
  baseRef?: string;
  /** Commit the base branch is at. Default `f` x 40. */
  baseSha?: string;
  user?: string;
}

export interface RequestMatch {
  /** HTTP method, case-insensitive; absent = any. */
  method?: string;
  /** Exact pathname (no query) or a RegExp tested against it; absent = any. */
  path?: string | RegExp;
}

export interface FailureRule extends RequestMatch {
  /** How many matching requests this rule answers; default 1; Infinity until `remove()`. */
  times?: number;
  /** Status to answer (ignored for drops). Default 500. */
  status?: number;
  headers?: Record<string, string>;
  /** JSON body; default `{message}` with GitHub's wording for the status. */
  body?: unknown;
  /** 'before': close the socket without handling; 'after': handle (mutate), then close it. */
  drop?: 'before' | 'after';
  /**
   * Handle the request (the mutation happens at once), then hold the answer this many ms before
   * sending it: a client killed meanwhile never sees it. Ignored with `drop`.
   */
  delayAnswerMs?: number;
}

export interface FailureHandle {
  /** Matching requests this rule will still answer. */
  readonly remaining: number;
  /** Requests this rule has answered so far. */
  readonly used: number;
  remove(): void;
}

export interface LoggedRequest {
  seq: number;
  method: string;
  /** Pathname without query. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  /** Status answered, or 'dropped' when the connection was closed without an answer. */
  status: number | 'dropped';
  /** True when a failure rule answered (or dropped) the request rather than the handler. */
  injected: boolean;
  /** Token presented, if any. */
  token: string | null;
  /** Wall-clock time the request arrived (real Date.now, not the `now` option), in ms. */
  at: number;
}

interface RepoState {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  createdAt: string;
  nextNumber: number;
  issues: Map<number, GitHubIssue>;
  labels: Map<string, GitHubLabel>;
}

interface ActiveRule {
  rule: FailureRule;
  remaining: number;
  used: number;
}

class HttpError extends Error {
  status: number;
  body: unknown;
  constructor(status: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.body = { message, documentation_url: 'https://docs.github.com/rest', ...extra };
  }
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  user: GitHubUser;
  write: boolean;
}

type Handler = (ctx: Ctx, params: string[]) => Reply;

const STATUS_MESSAGES: Record<number, string> = {
  401: 'Bad credentials',
  403: 'Forbidden',
  404: 'Not Found',
  422: 'Validation Failed',
  429: 'Too Many Requests',
  500: 'Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const DEFAULT_LABEL_COLOR = 'ededed';

export class GitHubServer {
  /** Base URL for Octokit (`http://127.0.0.1:<port>`), no trailing slash. */
  url = '';
  /** Every request received, in order. */
  readonly requests: LoggedRequest[] = [];
  /** With `openapi`: every departure from GitHub's OpenAPI description, in request order. */
  readonly violations: Array<OpenApiViolation & { seq: number }> = [];
  /** With `openapi`: how many requests were checked. */
  checked = 0;

  private readonly server: http.Server;
  private readonly tokens: Record<string, TokenInfo> | undefined;
  private readonly now: () => number;
  private readonly repos = new Map<string, RepoState>();
  private readonly comments = new Map<number, GitHubComment & { repo: string }>();
  private readonly rules: ActiveRule[] = [];
  private readonly routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [];
  private readonly waiters = new Set<{
    match: (r: LoggedRequest) => boolean;
    resolve: (r: LoggedRequest) => void;
  }>();
  private readonly users = new Map<string, GitHubUser>();
  /** Answers held by `delayAnswerMs` rules, cancelled on close. */
  private readonly held = new Set<NodeJS.Timeout>();
  private readonly openapi: boolean;
  private nextId = 1000;
  private seq = 0;

  constructor(options: GitHubServerOptions = {}) {
    this.tokens = options.tokens;
    this.now = options.now ?? Date.now;
    this.openapi = options.openapi ?? false;
    for (const repo of options.repos ?? []) this.addRepo(repo);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A bug in this test server: answer 599 so the test sees it rather than hanging.
        if (!res.headersSent) res.writeHead(599, { 'content-type': 'text/plain' });
        res.end(String((error as Error)?.stack ?? error));
      });
    });
    this.defineRoutes();
  }

  /** Listens on 127.0.0.1, port 0. */
  async listen(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const timer of this.held) clearTimeout(timer);
    this.held.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- state setup and inspection -----------------------------------------------------------

  addRepo(fullName: string, options: { defaultBranch?: string } = {}): void {
    const [owner, name] = splitRepo(fullName);
    if (this.repos.has(key(fullName))) return;
    this.repos.set(key(fullName), {
      id: this.id(),
      owner,
      name,
      defaultBranch: options.defaultBranch ?? 'main',
      createdAt: this.iso(),
      nextNumber: 1,
      issues: new Map(),
      labels: new Map(),
    });
  }

  /** Creates an open pull request (an issue with `pull_request`) and returns its number. */
  addPullRequest(fullName: string, seed: PullRequestSeed = {}): number {
    const repo = this.repo(fullName);
    const number = seed.number ?? repo.nextNumber;
    repo.nextNumber = Math.max(repo.nextNumber, number + 1);
    const at = this.iso();
    repo.issues.set(number, {
      id: this.id(),
      node_id: `PR_${number}`,
      number,
      title: seed.title ?? `Pull request ${number}`,
      body: seed.body ?? null,
      state: 'open',
      state_reason: null,
      labels: [],
      assignees: [],
      user: this.user(seed.user ?? 'contributor'),
      locked: false,
      created_at: at,
      updated_at: at,
      closed_at: null,
      pull: { ...seed, number },
    });
    return number;
  }

  /** Creates an issue directly (no request logged) and returns it. */
  addIssue(
    fullName: string,
    fields: { title: string; body?: string; labels?: string[]; state?: 'open' | 'closed'; user?: string },
  ): GitHubIssue {
    const repo = this.repo(fullName);
    const issue = this.createIssue(repo, this.user(fields.user ?? 'someone'), {
      title: fields.title,
      body: fields.body ?? null,
      labels: fields.labels ?? [],
      assignees: [],
    });
    if (fields.state === 'closed') {
      issue.state = 'closed';
      issue.state_reason = 'completed';
      issue.closed_at = issue.updated_at;
    }
    return issue;
  }

  /** Adds a comment directly (no request logged), e.g. one written by a person. */
  addComment(fullName: string, issueNumber: number, body: string, user = 'someone'): GitHubComment {
    const repo = this.repo(fullName);
    this.issue(repo, issueNumber);
    return this.createComment(repo, issueNumber, body, this.user(user));
  }

  /** Issues and pull requests of a repository, by number. */
  issues(fullName: string): GitHubIssue[] {
    return [...this.repo(fullName).issues.values()].sort((a, b) => a.number - b.number);
  }

  /** Comments on one issue or pull request, oldest first. */
  commentsOn(fullName: string, issueNumber: number): GitHubComment[] {
    return [...this.comments.values()]
      .filter((c) => c.repo === key(fullName) && c.issueNumber === issueNumber)
      .sort((a, b) => a.id - b.id)
      .map(({ repo: _repo, ...comment }) => comment);
  }

  labels(fullName: string): GitHubLabel[] {
    return [...this.repo(fullName).labels.values()];
  }

  // ---- failures on demand --------------------------------------------------------------------

  fail(rule: FailureRule): FailureHandle {
    const active: ActiveRule = { rule, remaining: rule.times ?? 1, used: 0 };
    this.rules.push(active);
    return {
      get remaining() {
        return active.remaining;
      },
      get used() {
        return active.used;
      },
      remove: () => {
        const index = this.rules.indexOf(active);
        if (index >= 0) this.rules.splice(index, 1);
      },
    };
  }

  /** Answers `times` matching requests with a 500 (or `status`). */
  failWith500(match: RequestMatch = {}, times = 1, status = 500): FailureHandle {
    return this.fail({ ...match, times, status });
  }

  /** GitHub's secondary rate limit: 403 (or 429) with `retry-after` seconds. */
  secondaryRateLimit(
    match: RequestMatch = {},
    options: { times?: number; retryAfterSeconds?: number; status?: 403 | 429 } = {},
  ): FailureHandle {
    return this.fail({
      ...match,
      times: options.times ?? 1,
      status: options.status ?? 403,
      headers: { 'retry-after': String(options.retryAfterSeconds ?? 1) },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    });
  }

  /** The primary rate limit exhausted: 403 with `x-ratelimit-remaining: 0` and a reset time. */
  primaryRateLimit(
    match: RequestMatch = {},
    options: { times?: number; resetInSeconds?: number; status?: 403 | 429 } = {},
  ): FailureHandle {
    const reset = Math.ceil(this.now() / 1000) + (options.resetInSeconds ?? 1);
    return this.fail({
      ...match,
      times: options.times ?? 1,
      status: options.status ?? 403,
      headers: {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(reset),
        'x-ratelimit-resource': 'core',
      },
      body: {
        message: 'API rate limit exceeded for installation.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    });
  }

  /** Closes the connection of matching requests: before handling, or after (answer lost). */
  dropConnection(match: RequestMatch = {}, options: { times?: number; when?: 'before' | 'after' } = {}) {
    return this.fail({ ...match, times: options.times ?? 1, drop: options.when ?? 'before' });
  }

  /** Handles matching requests at once but holds their answers for `ms` (default: 1 request). */
  delayAnswer(match: RequestMatch = {}, ms: number, options: { times?: number } = {}): FailureHandle {
    return this.fail({ ...match, times: options.times ?? 1, delayAnswerMs: ms });
  }

  /** Resolves with the first logged request (past or future) matching `match`. */
  waitForRequest(
    match: (request: LoggedRequest) => boolean,
    options: { timeoutMs?: number } = {},
  ): Promise<LoggedRequest> {
    const seen = this.requests.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (request: LoggedRequest) => {
          clearTimeout(timer);
          resolve(request);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`github-server: no matching request within ${options.timeoutMs ?? 10_000} ms`));
      }, options.timeoutMs ?? 10_000);
      this.waiters.add(waiter);
    });
  }

  // ---- request handling ----------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://github.local');
    const method = (req.method ?? 'GET').toUpperCase();
    const token = parseToken(req.headers.authorization);
    const entry: LoggedRequest = {
      seq: ++this.seq,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: parseBody(raw),
      status: 0,
      injected: false,
      token,
      at: Date.now(),
    };
    const rule = this.takeRule(method, url.pathname);
    if (rule?.drop === 'before') {
      this.judge(entry);
      this.log(entry, 'dropped', true);
      req.socket.destroy();
      return;
    }
    if (rule !== undefined && rule.drop === undefined && rule.delayAnswerMs !== undefined) {
      const reply = this.dispatch(method, url, raw, entry.body, token);
      this.judge(entry, reply);
      const timer = setTimeout(() => {
        this.held.delete(timer);
        if (res.destroyed || req.socket.destroyed) this.log(entry, 'dropped', true);
        else {
          this.send(res, reply);
          this.log(entry, reply.status, true);
        }
      }, rule.delayAnswerMs);
      this.held.add(timer);
      return;
    }
    if (rule !== undefined && rule.drop === undefined) {
      const status = rule.status ?? 500;
      const body = rule.body ?? { message: STATUS_MESSAGES[status] ?? 'Error' };
      this.judge(entry);
      this.send(res, { status, body, headers: rule.headers ?? {} });
      this.log(entry, status, true);
      return;
    }
    const reply = this.dispatch(method, url, raw, entry.body, token);
    this.judge(entry, reply);
    if (rule?.drop === 'after') {
      this.log(entry, 'dropped', true);
      req.socket.destroy();
      return;
    }
    this.send(res, reply);
    this.log(entry, reply.status, false);
  }

  private dispatch(method: string, url: URL, raw: string, body: unknown, token: string | null): Reply {
    try {
      const identity = this.authenticate(token);
      if (raw.length > 0 && body === raw && method !== 'GET') {
        throw new HttpError(400, 'Problems parsing JSON');
      }
      for (const route of this.routes) {
        if (route.method !== method) continue;
        const m = route.pattern.exec(url.pathname);
        if (m === null) continue;
        const mutation = method !== 'GET' && method !== 'HEAD';
        if (mutation && !identity.write) {
          throw new HttpError(403, 'Resource not accessible by integration');
        }
        const ctx: Ctx = {
          method,
          path: url.pathname,
          query: url.searchParams,
          body,
          user: identity.user,
          write: identity.write,
        };
        return route.handler(
          ctx,
          m.slice(1).map((p) => decodeURIComponent(p)),
        );
      }
      throw new HttpError(404, 'Not Found');
    } catch (error) {
      if (error instanceof HttpError) return { status: error.status, body: error.body };
      throw error;
    }
  }

  /** With `openapi`: the request, and the handlers' answer when given, against GitHub's description. */
  private judge(entry: LoggedRequest, reply?: Reply): void {
    if (!this.openapi) return;
    this.checked += 1;
    const found = checkExchange({
      method: entry.method,
      path: entry.path,
      query: entry.query,
      body: entry.body,
      // What goes on the wire: JSON drops undefined fields.
      ...(reply === undefined
        ? {}
        : {
            response: {
              status: reply.status,
              body: reply.body === undefined ? undefined : JSON.parse(JSON.stringify(reply.body)),
            },
          }),
    });
    for (const violation of found) this.violations.push({ seq: entry.seq, ...violation });
  }

  private authenticate(token: string | null): { user: GitHubUser; write: boolean } {
    if (this.tokens === undefined) return { user: this.user('github-actions[bot]'), write: true };
    const info = token === null ? undefined : this.tokens[token];
    if (info === undefined) throw new HttpError(401, 'Bad credentials');
    return { user: this.user(info.login), write: info.write !== false };
  }

  private takeRule(method: string, path: string): FailureRule | undefined {
    for (const active of this.rules) {
      if (active.remaining <= 0) continue;
      if (!matches(active.rule, method, path)) continue;
      active.remaining -= 1;
      active.used += 1;
      return active.rule;
    }
    return undefined;
  }

  private send(res: http.ServerResponse, reply: Reply): void {
    const reset = Math.ceil(this.now() / 1000) + 3600;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-used': '1',
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'core',
      'x-github-request-id': `VIGIL-TEST-${this.seq}`,
      ...reply.headers,
    };
    if (reply.status === 204 || reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  private log(entry: LoggedRequest, status: number | 'dropped', injected: boolean): void {
    entry.status = status;
    entry.injected = injected;
    this.requests.push(entry);
    for (const waiter of this.waiters) {
      if (waiter.match(entry)) {
        this.waiters.delete(waiter);
        waiter.resolve(entry);
      }
    }
  }

  // ---- routes --------------------------------------------------------------------------------

  private defineRoutes(): void {
    const repo = '/repos/([^/]+)/([^/]+)';
    const route = (method: string, path: string, handler: Handler) =>
      this.routes.push({ method, pattern: new RegExp(`^${path}$`), handler });

    route('GET', '/rate_limit', () => {
      const reset = Math.ceil(this.now() / 1000) + 3600;
      const core = { limit: 5000, remaining: 4999, used: 1, reset };
      const search = { limit: 30, remaining: 30, used: 0, reset: Math.ceil(this.now() / 1000) + 60 };
      return { status: 200, body: { resources: { core, search }, rate: core } };
    });
    route('GET', repo, (_ctx, [o, r]) => ({ status: 200, body: this.repoJson(this.repoOf(o, r)) }));

    route('GET', `${repo}/issues`, (ctx, [o, r]) => this.listIssues(ctx, this.repoOf(o, r)));
    route('POST', `${repo}/issues`, (ctx, [o, r]) => {
      const state = this.repoOf(o, r);
      const body = objectBody(ctx.body);
      if (typeof body.title !== 'string' && typeof body.title !== 'number') {
        throw validation('Issue', 'title', 'missing_field');
      }
      const issue = this.createIssue(state, ctx.user, {
        title: String(body.title),
        body: typeof body.body === 'string' ? body.body : null,
        labels: labelNames(body.labels),
        assignees: stringList(body.assignees),
      });
      const json = this.issueJson(state, issue);
      return { status: 201, body: json, headers: { location: String(json.url) } };
    });
    route('GET', `${repo}/issues/(\\d+)`, (_ctx, [o, r, n]) => {
      const state = this.repoOf(o, r);
      return { status: 200, body: this.issueJson(state, this.issue(state, Number(n))) };
    });
    route('PATCH', `${repo}/issues/(\\d+)`, (ctx, [o, r, n]) => {
      const state = this.repoOf(o, r);
      const issue = this.issue(state, Number(n));
      this.updateIssue(state, issue, objectBody(ctx.body));
      return { status: 200, body: this.issueJson(state, issue) };
    });

    route('GET', `${repo}/issues/(\\d+)/comments`, (ctx, [o, r, n]) => {
      const state = this.repoOf(o, r);
      this.issue(state, Number(n));
      const since = ctx.query.get('since');
      const all = this.commentsOn(repoName(state), Number(n)).filter(
        (c) => since === null || c.updated_at >= since,
      );
      return this.paginate(ctx, all, (c) => this.commentJson(state, c));
    });
    route('POST', `${repo}/issues/(\\d+)/comments`, (ctx, [o, r, n]) => {
      const state = this.repoOf(o, r);
      const issue = this.issue(state, Number(n));
      if (issue.locked) throw new HttpError(403, 'Unable to create comment because issue is locked.');
      const body = objectBody(ctx.body);
      if (typeof body.body !== 'string') throw validation('IssueComment', 'body', 'missing_field');
      checkBodySize(body.body);
      const comment = this.createComment(state, issue.number, body.body, ctx.user);
      const json = this.commentJson(state, comment);
      return { status: 201, body: json, headers: { location: String(json.url) } };
    });
    route('GET', `${repo}/issues/comments/(\\d+)`, (_ctx, [o, r, id]) => {
      const state = this.repoOf(o, r);
      return { status: 200, body: this.commentJson(state, this.comment(state, Number(id))) };
    });
    route('PATCH', `${repo}/issues/comments/(\\d+)`, (ctx, [o, r, id]) => {
      const state = this.repoOf(o, r);
      const comment = this.comment(state, Number(id));
      const body = objectBody(ctx.body);
      if (typeof body.body !== 'string') throw validation('IssueComment', 'body', 'missing_field');
      checkBodySize(body.body);
      comment.body = body.body;
      comment.updated_at = this.iso();
      return { status: 200, body: this.commentJson(state, comment) };
    });
    route('DELETE', `${repo}/issues/comments/(\\d+)`, (_ctx, [o, r, id]) => {
      const state = this.repoOf(o, r);
      this.comment(state, Number(id));
      this.comments.delete(Number(id));
      return { status: 204 };
    });

    route('GET', `${repo}/labels`, (ctx, [o, r]) => {
      const state = this.repoOf(o, r);
      return this.paginate(ctx, [...state.labels.values()], (l) => l);
    });
    route('GET', `${repo}/labels/([^/]+)`, (_ctx, [o, r, name]) => {
      const label = this.repoOf(o, r).labels.get(labelKey(name ?? ''));
      if (label === undefined) throw new HttpError(404, 'Not Found');
      return { status: 200, body: label };
    });
    route('POST', `${repo}/labels`, (ctx, [o, r]) => {
      const state = this.repoOf(o, r);
      const body = objectBody(ctx.body);
      if (typeof body.name !== 'string' || body.name.length === 0) {
        throw validation('Label', 'name', 'missing_field');
      }
      if (state.labels.has(labelKey(body.name))) throw validation('Label', 'name', 'already_exists');
      const color = typeof body.color === 'string' ? body.color.replace(/^#/, '') : DEFAULT_LABEL_COLOR;
      if (!/^[0-9a-fA-F]{6}$/.test(color)) throw validation('Label', 'color', 'invalid');
      const label = this.ensureLabel(
        state,
        body.name,
        color,
        typeof body.description === 'string' ? body.description : null,
      );
      return { status: 201, body: label };
    });
    route('POST', `${repo}/issues/(\\d+)/labels`, (ctx, [o, r, n]) => {
      const state = this.repoOf(o, r);
      const issue = this.issue(state, Number(n));
      for (const name of labelsFromBody(ctx.body)) {
        const label = this.ensureLabel(state, name);
        if (!issue.labels.some((l) => labelKey(l) === labelKey(label.name))) issue.labels.push(label.name);
      }
      issue.updated_at = this.iso();
      return { status: 200, body: this.issueLabels(state, issue) };
    });
    route('PUT', `${repo}/issues/(\\d+)/labels`, (ctx, [o, r, n]) => {
      const state = this.repoOf(o, r);
      const issue = this.issue(state, Number(n));
      issue.labels = dedupeLabels(labelsFromBody(ctx.body).map((name) => this.ensureLabel(state, name).name));
      issue.updated_at = this.iso();
      return { status: 200, body: this.issueLabels(state, issue) };
    });
    route('DELETE', `${repo}/issues/(\\d+)/labels/([^/]+)`, (_ctx, [o, r, n, name]) => {
      const state = this.repoOf(o, r);
      const issue = this.issue(state, Number(n));
      const before = issue.labels.length;
      issue.labels = issue.labels.filter((l) => labelKey(l) !== labelKey(name ?? ''));
      if (issue.labels.length === before) throw new HttpError(404, 'Label does not exist');
      issue.updated_at = this.iso();
      return { status: 200, body: this.issueLabels(state, issue) };
    });

    route('GET', `${repo}/pulls/(\\d+)`, (_ctx, [o, r, n]) => {
      const state = this.repoOf(o, r);
      const issue = state.issues.get(Number(n));
      if (issue?.pull === undefined) throw new HttpError(404, 'Not Found');
      return { status: 200, body: this.pullJson(state, issue) };
    });
  }

  private listIssues(ctx: Ctx, state: RepoState): Reply {
    const wantState = ctx.query.get('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(wantState)) throw validation('Issue', 'state', 'invalid');
    const labels = (ctx.query.get('labels') ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter((l) => l.length > 0)
      .map(labelKey);
    const since = ctx.query.get('since');
    const sort = ctx.query.get('sort') ?? 'created';
    if (!['created', 'updated', 'comments'].includes(sort)) throw validation('Issue', 'sort', 'invalid');
    const direction = ctx.query.get('direction') ?? 'desc';
    const commentCount = (issue: GitHubIssue) => this.commentsOn(repoName(state), issue.number).length;
    const sortKey = (issue: GitHubIssue): number | string =>
      sort === 'updated' ? issue.updated_at : sort === 'comments' ? commentCount(issue) : issue.created_at;
    const found = [...state.issues.values()]
      .filter((i) => wantState === 'all' || i.state === wantState)
      .filter((i) => labels.every((l) => i.labels.some((have) => labelKey(have) === l)))
      .filter((i) => since === null || i.updated_at >= since)
      .sort((a, b) => {
        const ka = sortKey(a);
        const kb = sortKey(b);
        const order = ka < kb ? -1 : ka > kb ? 1 : a.number - b.number;
        return direction === 'asc' ? order : -order;
      });
    return this.paginate(ctx, found, (i) => this.issueJson(state, i));
  }

  private paginate<T>(ctx: Ctx, all: T[], render: (item: T) => unknown): Reply {
    const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const items = all.slice((page - 1) * perPage, page * perPage).map(render);
    const link = (p: number, rel: string) => {
      const query = new URLSearchParams(ctx.query);
      query.set('page', String(p));
      query.set('per_page', String(perPage));
      return `<${this.url}${ctx.path}?${query}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    return { status: 200, body: items, headers: links.length > 0 ? { link: links.join(', ') } : {} };
  }

  // ---- model ---------------------------------------------------------------------------------

  private createIssue(
    state: RepoState,
    user: GitHubUser,
    fields: { title: string; body: string | null; labels: string[]; assignees: string[] },
  ): GitHubIssue {
    if (fields.body !== null) checkBodySize(fields.body);
    const number = state.nextNumber++;
    const at = this.iso();
    const issue: GitHubIssue = {
      id: this.id(),
      node_id: `I_${number}`,
      number,
      title: fields.title,
      body: fields.body,
      state: 'open',
      state_reason: null,
      labels: dedupeLabels(fields.labels.map((name) => this.ensureLabel(state, name).name)),
      assignees: [...new Set(fields.assignees)],
      user,
      locked: false,
      created_at: at,
      updated_at: at,
      closed_at: null,
    };
    state.issues.set(number, issue);
    return issue;
  }

  private updateIssue(state: RepoState, issue: GitHubIssue, body: Record<string, unknown>): void {
    if (body.title !== undefined) issue.title = String(body.title);
    if (body.body !== undefined) {
      if (body.body !== null) checkBodySize(String(body.body));
      issue.body = body.body === null ? null : String(body.body);
    }
    if (body.labels !== undefined) {
      issue.labels = dedupeLabels(labelNames(body.labels).map((name) => this.ensureLabel(state, name).name));
    }
    if (body.assignees !== undefined) issue.assignees = [...new Set(stringList(body.assignees))];
    const reason = body.state_reason;
    if (
      reason !== undefined &&
      reason !== null &&
      !['completed', 'not_planned', 'reopened', 'duplicate'].includes(String(reason))
    ) {
      throw validation('Issue', 'state_reason', 'invalid');
    }
    if (body.state !== undefined) {
      if (body.state !== 'open' && body.state !== 'closed') throw validation('Issue', 'state', 'invalid');
      if (body.state === 'closed') {
        if (issue.state !== 'closed') issue.closed_at = this.iso();
        issue.state = 'closed';
        issue.state_reason = (reason as GitHubIssue['state_reason']) ?? 'completed';
      } else {
        if (issue.state === 'closed') issue.state_reason = 'reopened';
        issue.state = 'open';
        issue.closed_at = null;
      }
    } else if (reason !== undefined && issue.state === 'closed') {
      issue.state_reason = reason as GitHubIssue['state_reason'];
    }
    issue.updated_at = this.iso();
  }

  private createComment(
    state: RepoState,
    issueNumber: number,
    body: string,
    user: GitHubUser,
  ): GitHubComment {
    const at = this.iso();
    const comment = {
      id: this.id(),
      node_id: `IC_${this.nextId}`,
      issueNumber,
      body,
      user,
      created_at: at,
      updated_at: at,
      repo: key(repoName(state)),
    };
    this.comments.set(comment.id, comment);
    const issue = state.issues.get(issueNumber);
    if (issue !== undefined) issue.updated_at = at;
    const { repo: _repo, ...plain } = comment;
    return plain;
  }

  private ensureLabel(
    state: RepoState,
    name: string,
    color = DEFAULT_LABEL_COLOR,
    description: string | null = null,
  ) {
    const existing = state.labels.get(labelKey(name));
    if (existing !== undefined) return existing;
    const label: GitHubLabel = {
      id: this.id(),
      node_id: `LA_${this.nextId}`,
      url: `${this.url}/repos/${repoName(state)}/labels/${encodeURIComponent(name)}`,
      name,
      color,
      description,
      default: false,
    };
    state.labels.set(labelKey(name), label);
    return label;
  }

  private repo(fullName: string): RepoState {
    const state = this.repos.get(key(fullName));
    if (state === undefined)
      throw new Error(`github-server: unknown repository ${fullName}; call addRepo first`);
    return state;
  }

  private repoOf(owner: string | undefined, name: string | undefined): RepoState {
    const state = this.repos.get(key(`${owner}/${name}`));
    if (state === undefined) throw new HttpError(404, 'Not Found');
    return state;
  }

  private issue(state: RepoState, number: number): GitHubIssue {
    const issue = state.issues.get(number);
    if (issue === undefined) throw new HttpError(404, 'Not Found');
    return issue;
  }

  private comment(state: RepoState, id: number): GitHubComment {
    const comment = this.comments.get(id);
    if (comment === undefined || comment.repo !== key(repoName(state))) throw new HttpError(404, 'Not Found');
    return comment;
  }

  private user(login: string): GitHubUser {
    let user = this.users.get(login);
    if (user === undefined) {
      user = { login, id: this.id(), type: login.endsWith('[bot]') ? 'Bot' : 'User' };
      this.users.set(login, user);
    }
    return user;
  }

  private id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  private iso(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  // ---- JSON shapes ---------------------------------------------------------------------------

  private repoSeed(state: RepoState, fullName = repoName(state)): RepoSeed {
    const own = key(fullName) === key(repoName(state));
    const owner = fullName.split('/')[0] ?? state.owner;
    return {
      // A fork named only by a PR seed is not a repository here: a stable id of its own.
      id: own ? state.id : state.id + 1_000_000,
      fullName,
      owner: this.user(owner),
      defaultBranch: state.defaultBranch,
      fork: !own,
      openIssues: own ? [...state.issues.values()].filter((i) => i.state === 'open').length : 0,
      at: state.createdAt,
    };
  }

  private repoJson(state: RepoState): Record<string, unknown> {
    return repositoryShape(this.url, this.repoSeed(state));
  }

  private userJson(user: GitHubUser): Record<string, unknown> {
    return userShape(this.url, user);
  }

  private issueLabels(state: RepoState, issue: GitHubIssue): GitHubLabel[] {
    return issue.labels.map((name) => this.ensureLabel(state, name));
  }

  private issueJson(state: RepoState, issue: GitHubIssue): Record<string, unknown> {
    const fullName = repoName(state);
    const api = `${this.url}/repos/${fullName}/issues/${issue.number}`;
    const web = `${this.url}/web/${fullName}`;
    return {
      id: issue.id,
      node_id: issue.node_id,
      url: api,
      repository_url: `${this.url}/repos/${fullName}`,
      comments_url: `${api}/comments`,
      labels_url: `${api}/labels{/name}`,
      events_url: `${api}/events`,
      timeline_url: `${api}/timeline`,
      html_url: `${web}/${issue.pull ? 'pull' : 'issues'}/${issue.number}`,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      state_reason: issue.state_reason,
      labels: this.issueLabels(state, issue),
      assignee: issue.assignees[0] === undefined ? null : this.userJson(this.user(issue.assignees[0])),
      assignees: issue.assignees.map((login) => this.userJson(this.user(login))),
      user: this.userJson(issue.user),
      milestone: null,
      locked: issue.locked,
      active_lock_reason: null,
      comments: this.commentsOn(fullName, issue.number).length,
      author_association: 'NONE',
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.closed_at,
      ...(issue.pull
        ? {
            pull_request: {
              url: `${this.url}/repos/${fullName}/pulls/${issue.number}`,
              html_url: `${web}/pull/${issue.number}`,
              diff_url: `${web}/pull/${issue.number}.diff`,
              patch_url: `${web}/pull/${issue.number}.patch`,
              merged_at: null,
            },
          }
        : {}),
    };
  }

  private commentJson(state: RepoState, comment: GitHubComment): Record<string, unknown> {
    const fullName = repoName(state);
    return {
      id: comment.id,
      node_id: comment.node_id,
      url: `${this.url}/repos/${fullName}/issues/comments/${comment.id}`,
      html_url: `${this.url}/web/${fullName}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
      issue_url: `${this.url}/repos/${fullName}/issues/${comment.issueNumber}`,
      body: comment.body,
      user: this.userJson(comment.user),
      author_association: 'NONE',
      created_at: comment.created_at,
      updated_at: comment.updated_at,
    };
  }

  private pullJson(state: RepoState, issue: GitHubIssue): Record<string, unknown> {
    const pull = issue.pull ?? {};
    const fullName = repoName(state);
    return pullShape(this.url, {
      id: issue.id,
      number: issue.number,
      fullName,
      state: issue.state,
      title: issue.title,
      body: issue.body,
      user: issue.user,
      locked: issue.locked,
      labels: this.issueLabels(state, issue),
      createdAt: issue.created_at,
      updatedAt: issue.updated_at,
      closedAt: issue.closed_at,
      head: {
        ref: pull.headRef ?? `branch-${issue.number}`,
        sha: pull.headSha ?? '0'.repeat(40),
        repo: this.repoSeed(state, pull.headRepo ?? fullName),
      },
      base: {
        ref: pull.baseRef ?? state.defaultBranch,
        sha: pull.baseSha ?? 'f'.repeat(40),
        repo: this.repoSeed(state),
      },
    });
  }
}

/** Creates and starts a server on 127.0.0.1:0. Close it with `await server.close()`. */
export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  return new GitHubServer(options).listen();
}

// ---- helpers ---------------------------------------------------------------------------------

function splitRepo(fullName: string): [string, string] {
  const [owner, name, ...rest] = fullName.split('/');
  if (!owner || !name || rest.length > 0) throw new Error(`github-server: bad repository name ${fullName}`);
  return [owner, name];
}

function key(fullName: string): string {
  return fullName.toLowerCase();
}

function repoName(state: RepoState): string {
  return `${state.owner}/${state.name}`;
}

function labelKey(name: string): string {
  return name.toLowerCase();
}

function dedupeLabels(names: string[]): string[] {
  const seen = new Set<string>();
  return names.filter((n) => !seen.has(labelKey(n)) && seen.add(labelKey(n)));
}

function parseToken(header: string | undefined): string | null {
  const m = /^(?:token|bearer)\s+(.+)$/i.exec(header ?? '');
  return m?.[1]?.trim() ?? null;
}

function parseBody(raw: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Problems parsing JSON');
  }
  return body as Record<string, unknown>;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Labels as GitHub accepts them: names, or objects with `name`. */
function labelNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((v) =>
      typeof v === 'string'
        ? v
        : typeof v === 'object' && v !== null
          ? (v as { name?: unknown }).name
          : undefined,
    )
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function labelsFromBody(body: unknown): string[] {
  if (Array.isArray(body)) return labelNames(body);
  return labelNames(objectBody(body).labels);
}

function checkBodySize(body: string): void {
  // GitHub refuses issue and comment bodies over 65,536 characters.
  if (body.length > 65_536) {
    throw new HttpError(422, 'Validation Failed', {
      errors: [
        {
          resource: 'IssueComment',
          code: 'custom',
          field: 'body',
          message: 'body is too long (maximum is 65536 characters)',
        },
      ],
    });
  }
}

function validation(resource: string, field: string, code: string): HttpError {
  return new HttpError(422, 'Validation Failed', { errors: [{ resource, field, code }] });
}

function matches(rule: RequestMatch, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
  if (rule.path === undefined) return true;
  return typeof rule.path === 'string' ? rule.path === path : rule.path.test(path);
}
