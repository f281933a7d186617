// A shields.io "flat" badge: grey label on the left, coloured message on the right, sized from the
// estimated text widths (text-width.ts) with 5 px of padding on each side. Text is drawn at 10x
// and scaled down (as shields does) so textLength stays an integer and rendering is crisp.
import { escapeHtml } from '../../common/escape.ts';
import { textWidth } from './text-width.ts';

export interface Badge {
  label: string;
  message: string;
  /** Hex colour of the message half. */
  color: string;
}

const PAD = 5;

export function renderBadge(badge: Badge): string {
  const labelText = Math.round(textWidth(badge.label));
  const messageText = Math.round(textWidth(badge.message));
  const left = labelText + 2 * PAD;
  const right = messageText + 2 * PAD;
  const width = left + right;
  const label = escapeHtml(badge.label);
  const message = escapeHtml(badge.message);
  const color = /^#[0-9a-fA-F]{3,8}$/.test(badge.color) ? badge.color : '#9f9f9f';
  const title = `${label}: ${message}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${title}"><title>${title}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${color}"/><rect width="${width}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110"><text aria-hidden="true" x="${left * 5}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${labelText * 10}">${label}</text><text x="${left * 5}" y="140" transform="scale(.1)" fill="#fff" textLength="${labelText * 10}">${label}</text><text aria-hidden="true" x="${(left + right / 2) * 10}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${messageText * 10}">${message}</text><text x="${(left + right / 2) * 10}" y="140" transform="scale(.1)" fill="#fff" textLength="${messageText * 10}">${message}</text></g></svg>`;
}
