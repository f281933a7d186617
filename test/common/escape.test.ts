// Escaping for the page and for GitHub, and the rule that user text reaching GitHub never
// mentions anyone: through the helpers, an incident body, the plan comment (the renderer and the
// Action's sticky comment), the validation table and the Action's failure section.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnosticsTable } from '../../action/src/diagnostics-summary.ts';
import { ActionFailure } from '../../action/src/failure.ts';
import { failureSection } from '../../action/src/notes.ts';
import { planComment } from '../../action/src/plan-report.ts';
import { renderOperation } from '../../collector/incidents/bodies.ts';
import {
  escapeGitHubText,
  escapeHtml,
  escapeMarkdown,
  htmlCode,
  inlineCode,
  inlineMarkdown,
  markdownCell,
  markdownTable,
} from '../../common/escape.ts';
import { makeDiagnostic, NO_SPAN } from '../../schema/diagnostics.ts';
import { renderMarkdown } from '../../schema/plan-render.ts';
import type { SyncPlan } from '../../schema/plan-types.ts';
import { makeAlert, monitorInfo, responseLog, snapshot, T0 } from '../incidents/fixtures.ts';

/** A mention GitHub would notify: `@` right before a name character. */
const MENTION = /@[A-Za-z0-9]/;
const HOSTILE = 'ping @someone and @org/team <b>now</b> | done';
/** Markdown without its code (fenced blocks, code spans): GitHub notifies nobody inside code. */
const outsideCode = (markdown: string) =>
  markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '').replace(/`[^`\n]*`/g, '');

describe('escaping', () => {
  it('HTML: every markup character of text and attribute values', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeHtml(42)).toBe('42');
  });

  it('GitHub text, inline cells and markdown never carry a mention or markup', () => {
    for (const toGitHub of [escapeGitHubText, inlineMarkdown, markdownCell, escapeMarkdown, htmlCode]) {
      const out = toGitHub(HOSTILE);
      expect(out).not.toMatch(MENTION);
      expect(out).not.toContain('<b>');
    }
    expect(inlineMarkdown('a|b\nc')).toBe('a&#124;b c');
    expect(markdownCell('`a|b`\nc')).toBe('`a\\|b` c');
    expect(htmlCode('<x>|y')).toBe('<code>&lt;x&gt;&#124;y</code>');
    expect(markdownTable(['h'], [['v']])).toBe('| h |\n| --- |\n| v |');
  });

  it('a code span shows its text as written and cannot be closed early', () => {
    expect(inlineCode('monitors/@team & <b>')).toBe('`monitors/@team & <b>`');
    expect(inlineCode('a`b')).toBe("`a'b`");
  });

  it('holds for any text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const toGitHub of [escapeGitHubText, inlineMarkdown, markdownCell, escapeMarkdown]) {
          expect(toGitHub(text)).not.toMatch(MENTION);
        }
        expect(inlineMarkdown(text)).not.toMatch(/[|<>\n]/);
        expect(inlineCode(text).slice(1, -1)).not.toContain('`');
      }),
    );
  });
});

describe('user text on its way to GitHub mentions nobody', () => {
  it('in an incident body (only the configured mentions notify)', () => {
    const alert = makeAlert({
      monitor: monitorInfo({ name: '@org/team API', alert: { labels: [], assignees: [], mentions: [] } }),
      firstFailure: {
        ...makeAlert().firstFailure!,
        message: `status 500: ${HOSTILE}`,
        log: responseLog({ body: HOSTILE }),
      },
    });
    const { body, title } = renderOperation(snapshot('open', alert), {
      now: T0 + 60_000,
      publicUrl: null,
      deliveryId: 1,
    });
    // The response body sits in a fenced code block, where GitHub notifies nobody; outside it:
    expect(outsideCode(body)).not.toMatch(MENTION);
    expect(title).toContain('@org/team API'); // a title is plain text: GitHub never notifies there
  });

  it('in the plan comment', () => {
    const plan: SyncPlan = {
      planId: 'p1',
      revision: '@someone',
      applied: false,
      changes: [
        {
          action: 'update',
          id: 'checkout',
          name: `Checkout ${HOSTILE}`,
          diff: [{ path: 'name', before: 'Checkout', after: HOSTILE }],
        },
      ],
      counts: { create: 0, update: 1, replace: 0, rename: 0, delete: 0, unchanged: 0 },
    };
    expect(outsideCode(renderMarkdown(plan))).not.toMatch(MENTION);
    const comment = planComment('<!-- vigil:plan -->', {
      plan,
      commit: '@someone',
      path: 'monitors/@org/team',
      repoUrl: 'https://github.com/acme/site',
      runUrl: null,
    });
    expect(comment).toContain('`monitors/@org/team`'); // the path, as code
    expect(outsideCode(comment)).not.toMatch(MENTION);
  });

  it("in the Action's validation table", () => {
    const diagnostic = makeDiagnostic({
      file: '',
      span: NO_SPAN,
      code: 'secret_missing',
      message: `collector said: ${HOSTILE}`,
      hint: 'ask @org/team',
    });
    const table = diagnosticsTable([diagnostic], '/work', null);
    expect(table).not.toMatch(MENTION);
    expect(table).toContain('&lt;b&gt;');
  });

  it("in the Action's failure section", () => {
    const section = failureSection(new ActionFailure('VIGIL_ACTION_INTERNAL', `collector said: ${HOSTILE}`));
    expect(section).not.toMatch(MENTION);
    expect(section).toContain('&lt;b&gt;');
  });
});
