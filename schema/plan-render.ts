// A SyncPlan for people: text like `terraform plan` (deletions first, in red), Markdown for the
// pull-request comment, or JSON. A plan never holds secret values (only `${NAME}` references and
// a "changed" flag), so nothing here can print one.
import { escapeMarkdown, htmlCode, inlineCode } from '../common/escape.ts';
import type { FieldDiff, PlanAction, PlanChange, SyncPlan } from './plan-types.ts';

export type PlanFormat = 'text' | 'json' | 'markdown';

const ACTIONS: readonly Exclude<PlanAction, 'unchanged'>[] = [
  'delete',
  'replace',
  'rename',
  'update',
  'create',
];

const SYMBOL: Record<PlanAction, string> = {
  delete: '-',
  replace: '-/+',
  rename: '~>',
  update: '~',
  create: '+',
  unchanged: ' ',
};

const ANSI = {
  red: '31',
  green: '32',
  yellow: '33',
  magenta: '35',
  cyan: '36',
  bold: '1',
  dim: '2',
} as const;
const COLOR: Record<PlanAction, keyof typeof ANSI> = {
  delete: 'red',
  replace: 'magenta',
  rename: 'cyan',
  update: 'yellow',
  create: 'green',
  unchanged: 'dim',
};

export function changeCount(plan: SyncPlan): number {
  const c = plan.counts;
  return c.create + c.update + c.replace + c.rename + c.delete;
}

/** `2 to create, 1 to update, 0 to replace, 0 to rename, 1 to delete, 7 unchanged`. */
export function summaryLine(plan: SyncPlan): string {
  const c = plan.counts;
  if (plan.applied) {
    return `${c.create} created, ${c.update} updated, ${c.replace} replaced, ${c.rename} renamed, ${c.delete} deleted, ${c.unchanged} unchanged`;
  }
  return `${c.create} to create, ${c.update} to update, ${c.replace} to replace, ${c.rename} to rename, ${c.delete} to delete, ${c.unchanged} unchanged`;
}

export function renderPlan(
  plan: SyncPlan,
  format: PlanFormat,
  options: TextOptions & MarkdownOptions = {},
): string {
  if (format === 'json') return `${JSON.stringify(plan, null, 2)}\n`;
  if (format === 'markdown') return renderMarkdown(plan, options);
  return renderText(plan, options);
}

export interface TextOptions {
  /** ANSI colors (deletions red, creations green...). */
  color?: boolean;
  /** Longest value shown in a field diff before it is cut (default 200 characters). */
  maxValueLength?: number;
}

export function renderText(plan: SyncPlan, options: TextOptions = {}): string {
  const paint = (color: keyof typeof ANSI, text: string) =>
    options.color ? `\u001b[${ANSI[color]}m${text}\u001b[0m` : text;
  const maxValue = options.maxValueLength ?? 200;
  const lines: string[] = [];
  const changes = plan.changes.filter((change) => change.action !== 'unchanged');
  if (changes.length > 0) {
    lines.push(
      plan.applied ? 'Vigil applied these changes:' : 'Vigil will make these changes:',
      '',
      `  ${paint('red', '-')} delete  ${paint('magenta', '-/+')} replace  ${paint('cyan', '~>')} rename  ${paint('yellow', '~')} update  ${paint('green', '+')} create`,
      '',
    );
  }
  for (const action of ACTIONS) {
    for (const change of changes.filter((c) => c.action === action)) {
      const title = `${SYMBOL[action]} ${action} ${change.id}${change.from === undefined ? '' : ` (from ${change.from})`}${change.name === change.id ? '' : ` "${change.name}"`}`;
      lines.push(paint(COLOR[action], `  ${title}`));
      for (const diff of change.diff) lines.push(`      ${diffLine(diff, maxValue)}`);
    }
  }
  if (changes.length > 0) lines.push('');
  if (changes.length === 0) {
    lines.push(
      plan.applied
        ? `No changes. The collector already held these ${plan.counts.unchanged} monitors.`
        : `No changes. The collector holds exactly these ${plan.counts.unchanged} monitors.`,
    );
  } else {
    lines.push(paint('bold', `${plan.applied ? 'Applied' : 'Plan'}: ${summaryLine(plan)}.`));
  }
  lines.push(
    paint('dim', `Plan ${plan.planId}${plan.revision === null ? '' : ` for revision ${plan.revision}`}.`),
  );
  return `${lines.join('\n')}\n`;
}

function diffLine(diff: FieldDiff, maxValue: number): string {
  if (diff.secretChanged) return `~ ${diff.path}: ${show(diff.after, maxValue)} (secret value changed)`;
  if (diff.before === null || diff.before === undefined)
    return `+ ${diff.path}: ${show(diff.after, maxValue)}`;
  if (diff.after === null || diff.after === undefined)
    return `- ${diff.path}: ${show(diff.before, maxValue)}`;
  return `~ ${diff.path}: ${show(diff.before, maxValue)} → ${show(diff.after, maxValue)}`;
}

function show(value: unknown, max: number): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

export interface MarkdownOptions {
  /** Commit the plan was made for (defaults to the plan's revision). */
  commit?: string | null;
  /** Most monitors listed per action (default 100); the rest are counted. */
  maxPerAction?: number;
}

/** GitHub caps a comment at 65,536 characters; stay well below. */
const MARKDOWN_BUDGET = 60_000;

export function renderMarkdown(plan: SyncPlan, options: MarkdownOptions = {}): string {
  const perAction = options.maxPerAction ?? 100;
  const commit = options.commit ?? plan.revision;
  const c = plan.counts;
  const out: string[] = [];
  const total = changeCount(plan);
  out.push(
    `### Vigil ${plan.applied ? 'applied' : 'plan'}: ${total === 0 ? 'no changes' : summaryLine(plan)}`,
    '',
  );

  const deletions = plan.changes.filter((change) => change.action === 'delete');
  if (deletions.length > 0) {
    out.push(
      '> [!WARNING]',
      `> **${deletions.length} monitor${deletions.length === 1 ? '' : 's'} ${plan.applied ? 'were' : 'will be'} deleted.** Checks stop; ${deletions.length === 1 ? 'its' : 'their'} history is archived.`,
      ...limited(deletions, perAction).map((line) => `> ${line}`),
      '',
    );
  }
  out.push(
    '| create | update | replace | rename | delete | unchanged |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${c.create} | ${c.update} | ${c.replace} | ${c.rename} | ${c.delete} | ${c.unchanged} |`,
    '',
  );
  const headings: Record<Exclude<PlanAction, 'unchanged' | 'delete'>, string> = {
    replace: 'Replace (url or method changed: history starts anew)',
    rename: 'Rename (history kept)',
    update: 'Update',
    create: 'Create',
  };
  let used = out.join('\n').length;
  let cut = 0;
  for (const action of ['replace', 'rename', 'update', 'create'] as const) {
    const changes = plan.changes.filter((change) => change.action === action);
    if (changes.length === 0) continue;
    out.push(`#### ${headings[action]}`, '');
    let shown = 0;
    for (const change of changes.slice(0, perAction)) {
      const block = changeBlock(change);
      // Whole blocks only: a cut inside <details> would fold the rest of the comment away.
      if (cut > 0 || used + block.length > MARKDOWN_BUDGET) {
        cut++;
        continue;
      }
      out.push(block);
      used += block.length + 1;
      shown++;
    }
    if (changes.length > shown) out.push(`- … and ${changes.length - shown} more`);
    out.push('');
  }
  if (cut > 0) out.push('_Cut to fit a comment; run `vigil plan` for the full plan._', '');
  const footer = `<sub>Plan ${inlineCode(plan.planId)}${commit ? ` for commit ${inlineCode(commit)}` : ''}. Applying with this plan id refuses if the collector changed since.</sub>`;
  const text = out.join('\n');
  return `${text}\n${footer}\n`;
}

function changeBlock(change: PlanChange): string {
  const lines = [`- ${monitorLabel(change)}`];
  if (change.diff.length > 0) {
    lines.push(
      `  <details><summary>${change.diff.length} field${change.diff.length === 1 ? '' : 's'} changed</summary>`,
      '',
      '  | field | before | after |',
      '  | --- | --- | --- |',
      ...change.diff.map((diff) => `  | ${codeCell(diff.path)} | ${diffCells(diff)} |`),
      '',
      '  </details>',
    );
  }
  return lines.join('\n');
}

function limited(changes: PlanChange[], max: number): string[] {
  const lines = changes.slice(0, max).map((change) => `- ${monitorLabel(change)}`);
  if (changes.length > max) lines.push(`- … and ${changes.length - max} more`);
  return lines;
}

function monitorLabel(change: PlanChange): string {
  const from = change.from === undefined ? '' : ` (from ${inlineCode(change.from)})`;
  const name = change.name === change.id ? '' : ` ${escapeMarkdown(change.name)}`;
  return `${inlineCode(change.id)}${from}${name}`;
}

function diffCells(diff: FieldDiff): string {
  if (diff.secretChanged) return `${cell(diff.before)} | ${cell(diff.after)} (secret value changed)`;
  return `${cell(diff.before)} | ${cell(diff.after)}`;
}

/** A value in a table cell: JSON, cut at 300 characters. */
function cell(value: unknown): string {
  const raw = JSON.stringify(value) ?? 'null';
  return codeCell(raw.length > 300 ? `${raw.slice(0, 300)}…` : raw);
}

/** HTML code on one line (line breaks shown as `↵`); pipes, markup and mentions neutralised. */
function codeCell(text: string): string {
  return htmlCode(text.replaceAll('\n', '↵'));
}
