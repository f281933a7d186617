// Escaping, in one place, for every place user text goes: the status page (HTML) and GitHub
// (issue bodies, comments, PR comments, job summaries: markdown with HTML). Names, URLs, reasons,
// messages and response excerpts come from monitor files and remote servers: they must never
// become markup, break a table, or mention someone (GitHub notifies `@name` and `@org/team`
// wherever they appear in rendered text, so every helper for GitHub text neutralises `@`; only
// code, where GitHub never notifies, keeps it). See ARCHITECTURE.md (common/).

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text and attribute values for HTML (the status page, SVG badges). */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Text for GitHub markdown: no HTML (`& < >` as entities) and no mentions (`@` as `&#64;`). */
export function escapeGitHubText(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('@', '&#64;');
}

/** Plain text safe inline and inside a table cell: one line, no HTML, no pipes, no mentions. */
export function inlineMarkdown(text: string): string {
  return escapeGitHubText(text).replaceAll('|', '&#124;').replace(/\r?\n/g, ' ');
}

/**
 * Text that may carry markdown (diagnostics quote values in backticks) inside a table cell: one
 * line, no HTML, no mentions, pipes as `\|`, which GitHub honours even inside a code span (where
 * `&#124;` would show as written).
 */
export function markdownCell(text: string): string {
  return escapeGitHubText(text).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** Plain text where markdown syntax applies: its characters escaped, mentions broken. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]<>()#+|!~])/g, '\\$1').replaceAll('@', '@\u200b');
}

/**
 * A markdown code span. Its content shows as written (entities too), so only a backtick, which
 * would end it, is replaced (by `'`); GitHub never notifies inside code.
 */
export function inlineCode(text: string): string {
  return `\`${text.replaceAll('`', "'")}\``;
}

/** Inline code as HTML `<code>`: safe in table cells, backticks in the value need no handling. */
export function htmlCode(text: string): string {
  return `<code>${inlineMarkdown(text)}</code>`;
}

/** A markdown table; cells must already be escaped (inlineMarkdown, markdownCell). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
