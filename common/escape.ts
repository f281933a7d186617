// Escaping, in one place, for every place user text goes: the status page (HTML) and GitHub
// (issue bodies, comments, PR comments, job summaries: markdown with HTML). Names, URLs, reasons,
// messages and response excerpts come from monitor files and remote servers: they must never
// become markup, break a table, or mention someone (GitHub notifies `@name` and `@org/team`
// wherever they appear in rendered text, so every GitHub-bound helper neutralises `@`).

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

/** Text safe inline and inside a markdown table cell: one line, no HTML, no pipes, no mentions. */
export function inlineMarkdown(text: string): string {
  return escapeGitHubText(text).replaceAll('|', '&#124;').replace(/\r?\n/g, ' ');
}

/** Plain text where markdown syntax applies: its characters escaped, mentions broken. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]<>()#+|!~])/g, '\\$1').replaceAll('@', '@\u200b');
}

/** A markdown table; cells must already be escaped (inlineMarkdown). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
