// One comment per pull request that the Action owns: found again by a hidden marker at the start
// of its body and edited in place on every run, so a PR never collects a pile of stale plans.
import type { GitHubClient } from './github-client.ts';

export interface StickyTarget {
  owner: string;
  repo: string;
  issueNumber: number;
  /** An HTML comment, e.g. `<!-- vigil:plan path=monitors -->`; the body must start with it. */
  marker: string;
}

export interface StickyResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  url: string;
}

export function planMarker(path: string): string {
  // The path keeps two Vigil steps (two folders, two collectors) in one repo from sharing a comment.
  return `<!-- vigil:plan path=${path.replace(/-->/g, '')} -->`;
}

/** Creates the comment, or updates the one that already starts with the marker. */
export async function upsertStickyComment(
  github: GitHubClient,
  target: StickyTarget,
  body: string,
): Promise<StickyResult> {
  if (!body.startsWith(target.marker)) throw new Error('sticky comment body must start with its marker');
  const { owner, repo, issueNumber } = target;
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  // Oldest first: if an earlier run ever raced and left two, keep editing the first one.
  const existing = comments.find((c) => (c.body ?? '').startsWith(target.marker));
  if (existing === undefined) {
    const created = await github.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
    return { action: 'created', id: created.data.id, url: created.data.html_url };
  }
  if (existing.body === body) return { action: 'unchanged', id: existing.id, url: existing.html_url };
  const updated = await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
  return { action: 'updated', id: updated.data.id, url: updated.data.html_url };
}
