import { describe, expect, it } from 'vitest';
import { shortSha, truncate } from '../../action/src/markdown.ts';
import { markdownCell as cell } from '../../common/escape.ts';

describe('markdown helpers', () => {
  it('makes table cells safe', () => {
    expect(cell('a|b\n<c>&')).toBe('a\\|b &lt;c&gt;&amp;');
  });

  it('shortens full commit ids only', () => {
    expect(shortSha('0123456789abcdef0123456789abcdef01234567')).toBe('0123456');
    expect(shortSha('main')).toBe('main');
  });

  it('truncates at a line boundary, closing open details blocks and code fences, within the limit', () => {
    const text = [
      '# t',
      '<details><summary>x</summary>',
      '```',
      ...Array.from({ length: 200 }, (_, i) => `line ${i}`),
    ].join('\n');
    const cut = truncate(text, 300, 'NOTE');
    expect(cut.length).toBeLessThanOrEqual(300 + '\n```\n</details>'.length);
    expect(cut.endsWith('```\n</details>\n\nNOTE')).toBe(true);
    expect(truncate('short', 300, 'NOTE')).toBe('short');
  });
});
