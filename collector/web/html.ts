// Minimal HTML building: escaping for text and attribute values. Every dynamic value that goes into
// the page passes through `esc` (names, URLs, reasons and messages come from monitor files and
// remote servers and must never become markup).

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
