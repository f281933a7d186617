// Markdown helpers for the job summary and the PR comment (GitHub-flavoured markdown with HTML):
// short commits, cuts to GitHub's size limits, workflow expressions. Escaping is in
// common/escape.ts.

/** A short commit id for display. */
export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/i.test(sha) ? sha.slice(0, 7) : sha;
}

/**
 * Cuts markdown to at most `limit` characters at a line boundary and appends `note`, so a huge
 * plan still fits GitHub's limits (65,536 characters per comment, 1 MiB per job summary).
 */
export function truncate(markdown: string, limit: number, note: string): string {
  if (markdown.length <= limit) return markdown;
  const room = Math.max(0, limit - note.length - 2);
  let cut = markdown.lastIndexOf('\n', room);
  if (cut <= 0) cut = room;
  let head = markdown.slice(0, cut);
  // Close a <details> block left open by the cut so the note is not hidden inside it.
  const open = (head.match(/<details>/g) ?? []).length - (head.match(/<\/details>/g) ?? []).length;
  const fences = (head.match(/^```/gm) ?? []).length;
  if (fences % 2 === 1) head += '\n```';
  for (let i = 0; i < open; i++) head += '\n</details>';
  return `${head}\n\n${note}`;
}

/** A GitHub Actions expression, `${{ expr }}`, for workflow snippets in messages. */
export function ghExpr(expr: string): string {
  return `\${{ ${expr} }}`;
}
