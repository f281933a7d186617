// The verdict on a response that arrived: status, keywords, forbidden keywords, assertions. Pure.
import type { Assertion } from '../schema/types.ts';
import { type AssertionFacts, checkAssertion, JsonBody } from './assertions.ts';
import type { AssertionOutcome, FailureReason } from './types.ts';

export interface EvaluationSpec {
  keywords: string[];
  forbidden_keywords: string[];
  assertions: Assertion[];
}

export interface Evaluation {
  outcomes: AssertionOutcome[];
  failure: { reason: FailureReason; message: string } | null;
}

const BODY_SOURCES = new Set<Assertion['source']>(['body', 'json', 'number']);

/** Keywords that count: empty and whitespace-only entries are ignored (the language says so). */
export function activeKeywords(keywords: string[]): string[] {
  return keywords.filter((keyword) => keyword.trim() !== '');
}

export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status <= 299;
}

/** Does judging this response need its body text? Keywords only count on 2xx. */
export function needsBody(spec: EvaluationSpec, status: number): boolean {
  return (
    (isSuccessStatus(status) && activeKeywords(spec.keywords).length > 0) ||
    activeKeywords(spec.forbidden_keywords).length > 0 ||
    spec.assertions.some((assertion) => BODY_SOURCES.has(assertion.source))
  );
}

export interface EvaluationContext {
  /** e.g. `GET https://example.com/`, for messages. */
  request: string;
  statusText: string;
  /** The body went past the cap; only its first `bodyLimit` bytes are in `facts.body`. */
  bodyTruncated: boolean;
  bodyLimit: number;
  /** Decoded body size in bytes (of what was read). */
  bodyBytes: number;
}

/**
 * Order of reasons: the status (a 500 is a 500, whatever its body says), then a body too large
 * to judge, missing keywords, forbidden keywords, then the other assertions. Every assertion is
 * evaluated and reported, failing or not.
 */
export function evaluate(
  spec: EvaluationSpec,
  facts: AssertionFacts,
  context: EvaluationContext,
): Evaluation {
  const json = new JsonBody(facts.body);
  const outcomes: AssertionOutcome[] = [];
  const statusAssertions = spec.assertions.filter((assertion) => assertion.source === 'status');
  let statusFailure: AssertionOutcome | null = null;
  if (statusAssertions.length === 0) {
    const pass = isSuccessStatus(facts.status);
    const outcome = { description: 'status 2xx', pass, expected: '2xx', actual: facts.status };
    outcomes.push(outcome);
    if (!pass) statusFailure = outcome;
  }
  let assertionFailure: AssertionOutcome | null = null;
  let needsMoreBody: string | null = null;
  for (const assertion of spec.assertions) {
    const outcome = checkAssertion(assertion, facts, json);
    outcomes.push(outcome);
    if (outcome.pass) continue;
    if (assertion.source === 'status') statusFailure ??= outcome;
    else if (context.bodyTruncated && BODY_SOURCES.has(assertion.source))
      needsMoreBody ??= outcome.description;
    else assertionFailure ??= outcome;
  }

  if (statusFailure !== null) {
    const expected = statusFailure.description === 'status 2xx' ? '2xx' : `\`${statusFailure.description}\``;
    const statusLine = `${facts.status}${context.statusText === '' ? '' : ` ${context.statusText}`}`;
    return fail(outcomes, 'status', `${context.request} answered ${statusLine}; expected ${expected}`);
  }

  const body = facts.body ?? '';
  const sizeNote = context.bodyTruncated
    ? `the first ${formatBytes(context.bodyLimit)} of the response body`
    : `the response body (${formatBytes(context.bodyBytes)})`;
  const keywords = isSuccessStatus(facts.status) ? activeKeywords(spec.keywords) : [];
  const missing = keywords.filter((keyword) => !body.includes(keyword));
  const forbidden = activeKeywords(spec.forbidden_keywords);
  const present = forbidden.filter((keyword) => body.includes(keyword));

  if (present.length > 0) {
    return fail(
      outcomes,
      'forbidden_keyword',
      `forbidden ${quoteList('keyword', present)} found in ${sizeNote}`,
    );
  }
  if (context.bodyTruncated) {
    const unsure =
      missing.length > 0
        ? `${quoteList('keyword', missing)} not found`
        : forbidden.length > 0
          ? `forbidden keywords cannot be ruled out`
          : needsMoreBody !== null
            ? `\`${needsMoreBody}\` cannot be decided`
            : null;
    if (unsure !== null) {
      return fail(
        outcomes,
        'body_too_large',
        `the response body is larger than the ${formatBytes(context.bodyLimit)} limit, and ${unsure} in the part read`,
      );
    }
  }
  if (missing.length > 0) {
    return fail(outcomes, 'keyword_missing', `${quoteList('keyword', missing)} not found in ${sizeNote}`);
  }
  if (assertionFailure !== null) {
    return fail(
      outcomes,
      'assertion',
      `assertion failed: ${assertionFailure.description} (actual ${JSON.stringify(assertionFailure.actual)})`,
    );
  }
  return { outcomes, failure: null };
}

function fail(outcomes: AssertionOutcome[], reason: FailureReason, message: string): Evaluation {
  return { outcomes, failure: { reason, message } };
}

function quoteList(noun: string, items: string[]): string {
  return `${noun}${items.length > 1 ? 's' : ''} ${items.map((item) => JSON.stringify(item)).join(', ')}`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return bytes === 1 ? '1 byte' : `${bytes} bytes`;
}
