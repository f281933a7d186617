// Regular expressions and JSONPaths in monitor files are checked with the engines that run them:
// `matches` compiles with RE2 (linear time, common/regex.ts), so constructs only a backtracking
// engine has are refused at the line with `unsupported_regex`; JSONPath filter and script
// expressions are refused with `invalid_jsonpath` (the probe never evaluates them).
import { describe, expect, it } from 'vitest';
import { validateMonitorList } from '../../schema/validate.ts';

function diagnosticsFor(assertion: Record<string, unknown>) {
  const result = validateMonitorList(
    [{ id: 'site', url: 'https://example.com/', assertions: [assertion] }],
    'test',
  );
  return result.diagnostics.map((d) => ({ code: d.code, path: d.path, message: d.message }));
}

const matches = (value: string) => diagnosticsFor({ source: 'body', operator: 'matches', value });
const jsonPath = (path: string) => diagnosticsFor({ source: 'json', path, operator: 'exists' });

describe('matches: linear-time regular expressions', () => {
  it('accepts RE2 patterns, including the nested quantifier that backtracks forever in JavaScript', () => {
    for (const value of [
      '^(a+)+$',
      '^<!doctype html>',
      '"status":\\s*"ok"',
      '(?i)healthy',
      '(?<ver>\\d+)\\.\\d+',
    ])
      expect(matches(value), value).toEqual([]);
  });

  it.each([
    ['(\\w+) \\1', 'backreference'],
    ['(?<w>a)\\k<w>', 'backreference'],
    ['foo(?=bar)', 'lookahead'],
    ['foo(?!bar)', 'lookahead'],
    ['(?<=\\$)\\d+', 'lookbehind'],
    ['(?<!x)y', 'lookbehind'],
    ['\\u0041', '\\x{XXXX}'],
    ['[^]', '[\\s\\S]'],
  ])('refuses %s with unsupported_regex, naming what is unsupported', (value, named) => {
    const found = matches(value);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: 'unsupported_regex', path: 'monitors[0].assertions[0].value' });
    expect(found[0]!.message).toContain(named);
  });

  it('still reports a pattern that is invalid in any dialect as invalid_regex', () => {
    expect(matches('(ok|fine').map((d) => d.code)).toEqual(['invalid_regex']);
    expect(matches('a{2,1}').map((d) => d.code)).toEqual(['invalid_regex']);
  });
});

describe('json path: no filter or script expressions', () => {
  it.each([
    "$..[?(@.constructor.constructor('return process')().exit())]",
    '$[(function(){globalThis.pwned=1})()]',
    '$.items[?(@.ok == true)]',
    '$.items[ ?(@.ok)]',
    '$.items[(@.length-1)]',
  ])('refuses %s', (path) => {
    const found = jsonPath(path);
    expect(found.map((d) => d.code)).toEqual(['invalid_jsonpath']);
    expect(found[0]!.message).toContain('not supported');
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
  });

  it('accepts plain paths', () => {
    for (const path of ['$.status', '$.checks[0].ok', '$["key with spaces"]', '$..id', '$.items[*].name'])
      expect(jsonPath(path), path).toEqual([]);
  });
});
