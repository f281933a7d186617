// Empty or whitespace-only keywords are ignored by the probe; say so, as a warning, so a stray
// `- ""` does not silently weaken a check.
import type { MonitorRule } from './context.ts';

export const checkKeywords: MonitorRule = (monitor, report) => {
  for (const field of ['keywords', 'forbidden_keywords'] as const) {
    const list = monitor[field];
    if (!Array.isArray(list)) continue;
    list.forEach((keyword, index) => {
      if (typeof keyword === 'string' && keyword.trim() === '') {
        report({
          code: 'empty_keyword',
          path: [field, index],
          severity: 'warning',
          message: `\`${field}[${index}]\` is ${keyword === '' ? 'empty' : 'only whitespace'} and is ignored`,
          hint: 'remove it, or write the text to look for',
        });
      }
    });
  }
};
