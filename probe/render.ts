// A CheckResult for people, in one screen: verdict line, why (on failure), the phase waterfall
// (httpstat's layout), TLS, redirects, assertions, and the connection log on failure.
import type { CheckResult, Timings } from './types.ts';

export interface RenderOptions {
  /** Wraps text in a style; identity for plain output. */
  style?: (format: 'green' | 'red' | 'yellow' | 'dim' | 'bold', text: string) => string;
  /** What was checked, e.g. `GET https://example.com/` or `monitor api-health`. */
  title: string;
}

/** A phase that never happened shows a dash, never a 0. */
function ms(value: number | null): string {
  if (value === null) return '—';
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

function center(text: string, width: number): string {
  const left = Math.max(0, Math.floor((width - text.length) / 2));
  return `${' '.repeat(left)}${text}`.padEnd(width);
}

const PHASES: Array<[keyof Timings, string, string]> = [
  ['resolve', 'DNS Lookup', 'namelookup'],
  ['connect', 'TCP Connection', 'connect'],
  ['tls', 'TLS Handshake', 'pretransfer'],
  ['processing', 'Server Processing', 'starttransfer'],
  ['transfer', 'Content Transfer', 'total'],
];

/**
 * httpstat-style waterfall: each phase, then the running total at each boundary. The TLS column
 * shows only when a handshake happened (or `https` asks for it); another phase that never
 * happened shows a dash, and so does its boundary.
 */
export function renderWaterfall(timings: Timings, https: boolean): string[] {
  const phases = https || timings.tls !== null ? PHASES : PHASES.filter(([key]) => key !== 'tls');
  const widths = phases.map(([, name]) => name.length + 4);
  const lines: string[] = [];
  lines.push(` ${phases.map(([, name], i) => center(name, widths[i]!)).join(' ')}`);
  lines.push(`[${phases.map(([key], i) => center(ms(timings[key]), widths[i]!)).join('|')}]`);
  // Column of each boundary '|' (after each phase), counting the leading '['.
  const boundaries: number[] = [];
  let column = 0;
  for (const width of widths) {
    column += width + 1;
    boundaries.push(column);
  }
  const pipes = (from: number) => {
    let line = '';
    for (const boundary of boundaries) {
      if (boundary < from) continue;
      line = line.padEnd(boundary - from) + '|';
    }
    return line;
  };
  lines.push(pipes(0));
  let running = 0;
  phases.forEach(([key, , label], i) => {
    const took = timings[key];
    if (took !== null) running += took;
    const value = i === phases.length - 1 ? timings.total : took === null ? null : running;
    const text = `${label}:${ms(value)}`;
    const start = Math.max(0, boundaries[i]! - label.length - 1);
    let line = `${' '.repeat(start)}${text}`;
    const rest = boundaries.slice(i + 1).filter((boundary) => boundary > line.length);
    for (const boundary of rest) line = line.padEnd(boundary) + '|';
    lines.push(line);
  });
  return lines;
}

export function renderCheckResult(result: CheckResult, options: RenderOptions): string {
  const style = options.style ?? ((_format, text) => text);
  const out: string[] = [];
  const status = result.status === null ? '' : `  ${result.status}`;
  const version = result.httpVersion === null ? '' : `HTTP/${result.httpVersion}`;
  const remote =
    result.remote === null
      ? ''
      : result.remote.family === 6
        ? `[${result.remote.ip}]:${result.remote.port}`
        : `${result.remote.ip}:${result.remote.port}`;
  const where = [version, remote].filter((part) => part !== '').join(', ');
  const verdict = result.ok ? style('green', style('bold', 'UP  ')) : style('red', style('bold', 'DOWN'));
  out.push(
    `${verdict} ${options.title}${status}${where === '' ? '' : `  (${where})`}  ${ms(result.timings.total)}`,
  );
  if (result.ok) out.push(`     ${result.message}`);
  else {
    const phase = result.phase === null ? '' : ` during ${result.phase}`;
    out.push(`     ${style('red', `${result.reason}${phase}`)}: ${result.message}`);
  }
  out.push('');
  for (const line of renderWaterfall(result.timings, result.tls !== null)) {
    out.push(`  ${line}`);
  }
  if (result.redirects.length > 0) {
    out.push('');
    out.push(`  redirects (${result.redirects.length}):`);
    for (const hop of result.redirects) {
      out.push(
        `    ${hop.status} ${hop.method} ${hop.url} -> ${hop.location}  ${style('dim', ms(hop.timings.total))}`,
      );
    }
  }
  const tls = result.tls;
  if (tls !== null) {
    out.push('');
    const fallback = tls.legacyFallback
      ? style('yellow', ' (only after retrying with TLS 1.0/1.1 allowed)')
      : '';
    out.push(`  TLS  ${tls.version} · ${tls.cipher} · ALPN ${tls.alpn ?? 'none'}${fallback}`);
    out.push(
      `       ${tls.subject ?? '(no subject)'}, issued by ${tls.issuer ?? '(unknown)'}${tls.selfSigned ? ' (self-signed)' : ''}`,
    );
    if (tls.sans.length > 0) out.push(`       names: ${tls.sans.join(', ')}`);
    if (tls.validTo !== null) {
      const days = tls.daysLeft ?? 0;
      const left = days < 0 ? style('red', `expired ${-days} days ago`) : `${days} days left`;
      out.push(`       valid ${tls.validFrom?.slice(0, 10) ?? '?'} to ${tls.validTo.slice(0, 10)} (${left})`);
    }
  }
  const shown = result.assertions.filter((outcome) => outcome.description !== 'status 2xx' || !outcome.pass);
  if (shown.length > 0) {
    out.push('');
    out.push('  assertions:');
    for (const outcome of shown) {
      const mark = outcome.pass ? style('green', 'pass') : style('red', 'FAIL');
      out.push(`    ${mark}  ${outcome.description}  (actual ${JSON.stringify(outcome.actual)})`);
    }
  }
  if (result.log !== undefined && result.log.connection.length > 0) {
    out.push('');
    out.push('  connection:');
    for (const line of result.log.connection) out.push(`    ${style('dim', line)}`);
  }
  return `${out.join('\n')}\n`;
}
