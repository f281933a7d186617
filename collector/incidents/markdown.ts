// Markdown building blocks for issue bodies and comments: code blocks that a response excerpt
// cannot close early, and cuts to GitHub's size limits. Text and inline code are escaped by
// common/escape.ts (no markup, no mentions).

/**
 * A fenced code block whose fence is longer than any backtick run inside `text`, so the content
 * cannot end it. Mentions and HTML inside code blocks are inert on GitHub.
 */
export function fenced(text: string, info = 'text'): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

/** Cuts `text` to `limit` characters (never splitting a surrogate pair). */
export function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let end = Math.max(0, limit);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** Cuts to `limit` characters with an ellipsis when something was removed. */
export function ellipsis(text: string, limit: number): string {
  return text.length <= limit ? text : `${cut(text, limit - 1)}…`;
}
