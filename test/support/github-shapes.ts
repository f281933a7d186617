// The larger JSON shapes of the local GitHub server (github-server.ts), with every field GitHub's
// OpenAPI description requires (github-openapi.ts checks them): users, repositories, pull
// requests. Their URLs point at the local server (`base`), with GitHub's URL templates.

export interface UserSeed {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

/** A user as GitHub renders one (`simple-user`). */
export function userShape(base: string, user: UserSeed): Record<string, unknown> {
  const api = `${base}/users/${encodeURIComponent(user.login)}`;
  return {
    login: user.login,
    id: user.id,
    node_id: `${user.type === 'Bot' ? 'BOT' : 'U'}_${user.id}`,
    avatar_url: `${base}/avatars/u/${user.id}`,
    gravatar_id: '',
    url: api,
    html_url: `${base}/web/${encodeURIComponent(user.login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export interface RepoSeed {
  id: number;
  fullName: string;
  owner: UserSeed;
  defaultBranch: string;
  fork: boolean;
  openIssues: number;
  /** ISO time stamps. */
  at: string;
}

/** A repository as GitHub renders one (`full-repository` for GET /repos, `repository` in PRs). */
export function repositoryShape(base: string, repo: RepoSeed): Record<string, unknown> {
  const api = `${base}/repos/${repo.fullName}`;
  const web = `${base}/web/${repo.fullName}`;
  const name = repo.fullName.split('/')[1] ?? repo.fullName;
  return {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name,
    full_name: repo.fullName,
    owner: userShape(base, repo.owner),
    private: false,
    html_url: web,
    description: null,
    fork: repo.fork,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://127.0.0.1/${repo.fullName}.git`,
    hooks_url: `${api}/hooks`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@127.0.0.1:${repo.fullName}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${web}.git`,
    mirror_url: null,
    svn_url: web,
    homepage: null,
    language: null,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues: repo.openIssues,
    open_issues_count: repo.openIssues,
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'public',
    license: null,
    pushed_at: repo.at,
    created_at: repo.at,
    updated_at: repo.at,
    network_count: 0,
    subscribers_count: 0,
  };
}

export interface PullSeed {
  id: number;
  number: number;
  fullName: string;
  state: 'open' | 'closed';
  title: string;
  body: string | null;
  user: UserSeed;
  locked: boolean;
  labels: unknown[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  head: { ref: string; sha: string; repo: RepoSeed };
  base: { ref: string; sha: string; repo: RepoSeed };
}

/** A pull request as GitHub renders one (`pull-request`). */
export function pullShape(base: string, pull: PullSeed): Record<string, unknown> {
  const api = `${base}/repos/${pull.fullName}`;
  const self = `${api}/pulls/${pull.number}`;
  const html = `${base}/web/${pull.fullName}/pull/${pull.number}`;
  const issue = `${api}/issues/${pull.number}`;
  const side = (s: { ref: string; sha: string; repo: RepoSeed }) => ({
    label: `${s.repo.owner.login}:${s.ref}`,
    ref: s.ref,
    sha: s.sha,
    user: userShape(base, s.repo.owner),
    repo: repositoryShape(base, s.repo),
  });
  const link = (href: string) => ({ href });
  return {
    id: pull.id,
    node_id: `PR_${pull.id}`,
    number: pull.number,
    url: self,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: `${api}/statuses/${pull.head.sha}`,
    state: pull.state,
    locked: pull.locked,
    title: pull.title,
    body: pull.body,
    user: userShape(base, pull.user),
    labels: pull.labels,
    milestone: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: null,
    merge_commit_sha: null,
    head: side(pull.head),
    base: side(pull.base),
    _links: {
      self: link(self),
      html: link(html),
      issue: link(issue),
      comments: link(`${issue}/comments`),
      review_comments: link(`${self}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      commits: link(`${self}/commits`),
      statuses: link(`${api}/statuses/${pull.head.sha}`),
    },
    author_association: 'CONTRIBUTOR',
    auto_merge: null,
    draft: false,
    merged: false,
    mergeable: true,
    mergeable_state: 'clean',
    merged_by: null,
    maintainer_can_modify: false,
    comments: 0,
    review_comments: 0,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}
