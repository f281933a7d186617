// The pure parts: the error-code table, assertion operators, redirect method rules, headers.
import { describe, expect, it } from 'vitest';
import { applyOperator, checkAssertion, JsonBody } from '../../probe/assertions.ts';
import { decisiveConnectError, ERROR_REASONS, errorCode, reasonForCode } from '../../probe/errors.ts';
import { evaluate } from '../../probe/evaluate.ts';
import { nextHop, redirectTarget } from '../../probe/redirect.ts';
import { requestHeaders } from '../../probe/request-headers.ts';
import { FAILURE_REASONS } from '../../probe/types.ts';

describe('error table', () => {
  it('maps the codes of undici, Node and OpenSSL to reasons', () => {
    const cases: Array<[string, Parameters<typeof reasonForCode>[1], string]> = [
      ['ENOTFOUND', 'resolve', 'dns_nxdomain'],
      ['EAI_AGAIN', 'resolve', 'dns_timeout'],
      ['ETIMEOUT', 'resolve', 'dns_timeout'],
      ['ESERVFAIL', 'resolve', 'dns_error'],
      ['ECONNREFUSED', 'resolve', 'dns_error'],
      ['ECONNREFUSED', 'connect', 'connect_refused'],
      ['ECONNRESET', 'connect', 'connect_reset'],
      ['ECONNRESET', 'processing', 'connect_reset'],
      ['ECONNRESET', 'tls', 'tls_handshake'],
      ['ENETUNREACH', 'connect', 'network_unreachable'],
      ['EHOSTUNREACH', 'connect', 'network_unreachable'],
      ['ETIMEDOUT', 'connect', 'connect_timeout'],
      ['ETIMEDOUT', 'processing', 'timeout'],
      ['UND_ERR_CONNECT_TIMEOUT', 'connect', 'connect_timeout'],
      ['UND_ERR_HEADERS_TIMEOUT', 'processing', 'timeout'],
      ['UND_ERR_BODY_TIMEOUT', 'transfer', 'timeout'],
      ['UND_ERR_SOCKET', 'processing', 'connect_reset'],
      ['UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE', 'transfer', 'body_too_large'],
      ['HPE_INVALID_CONSTANT', 'processing', 'protocol_error'],
      ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls', 'tls_handshake'],
      ['ERR_SSL_SOMETHING_NEW', 'tls', 'tls_handshake'],
      ['CERT_HAS_EXPIRED', 'tls', 'tls_expired'],
      ['CERT_NOT_YET_VALID', 'tls', 'tls_not_yet_valid'],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', 'tls_self_signed'],
      ['SELF_SIGNED_CERT_IN_CHAIN', 'tls', 'tls_self_signed'],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls', 'tls_untrusted'],
      ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'tls', 'tls_untrusted'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', 'tls_hostname'],
      [undefined as unknown as string, 'connect', 'connect_reset'],
      ['SOMETHING_ELSE', 'resolve', 'dns_error'],
    ];
    for (const [code, phase, reason] of cases)
      expect([code, phase, reasonForCode(code, phase)]).toEqual([code, phase, reason]);
  });

  it('only uses reasons from the closed list', () => {
    for (const reason of Object.values(ERROR_REASONS)) expect(FAILURE_REASONS).toContain(reason);
  });

  it('judges a failed Happy Eyeballs connect by the attempt that reached the host', () => {
    const attempt = (code: string, address: string) => Object.assign(new Error(code), { code, address });
    // What Node throws on a runner without IPv6: `code` is the first attempt's.
    const aggregate = (...errors: Error[]) =>
      Object.assign(new AggregateError(errors), { code: errorCode(errors[0]) });
    const refused = attempt('ECONNREFUSED', '127.0.0.1');
    const decided = decisiveConnectError(aggregate(attempt('EADDRNOTAVAIL', '::1'), refused));
    expect(decided).toBe(refused);
    expect(reasonForCode(errorCode(decided), 'connect')).toBe('connect_refused');
    expect(
      decisiveConnectError(
        aggregate(attempt('ENETUNREACH', '2001:db8::1'), attempt('ETIMEDOUT', '192.0.2.1')),
      ),
    ).toMatchObject({ code: 'ETIMEDOUT' });
    // No attempt got an answer: no route is the truth.
    const nowhere = aggregate(attempt('ENETUNREACH', '2001:db8::1'), attempt('EHOSTUNREACH', '192.0.2.1'));
    expect(reasonForCode(errorCode(decisiveConnectError(nowhere)), 'connect')).toBe('network_unreachable');
    // Anything else passes through.
    expect(decisiveConnectError(refused)).toBe(refused);
  });
});

describe('assertion operators', () => {
  it('compares numbers as numbers and strings as strings', () => {
    expect(applyOperator('eq', '200', 200)).toBe(true);
    expect(applyOperator('eq', 200, '200')).toBe(true);
    expect(applyOperator('eq', 'ok', 'OK')).toBe(false);
    expect(applyOperator('lt', '12', 100)).toBe(true);
    expect(applyOperator('gte', 'abc', 1)).toBe(false);
    expect(applyOperator('in', 204, [200, 204])).toBe(true);
    expect(applyOperator('eq', true, true)).toBe(true);
    expect(applyOperator('eq', null, null)).toBe(true);
    expect(applyOperator('contains', ['a', 'b'], 'b')).toBe(true);
    expect(applyOperator('contains', 'hello world', 'lo w')).toBe(true);
    expect(applyOperator('not_contains', 'hello', 'x')).toBe(true);
    expect(applyOperator('matches', 'v1.2.3', '^v\\d+\\.\\d+')).toBe(true);
    expect(applyOperator('matches', 'abc', '(')).toBe(false);
  });

  it('treats a missing header or JSON path as absent', () => {
    const facts = { status: 200, headers: {}, responseTime: 5, tlsDaysLeft: null, body: '{"a":1}' };
    const json = new JsonBody(facts.body);
    expect(
      checkAssertion({ source: 'header', name: 'x-missing', operator: 'exists' }, facts, json).pass,
    ).toBe(false);
    expect(
      checkAssertion({ source: 'header', name: 'x-missing', operator: 'ne', value: 'a' }, facts, json).pass,
    ).toBe(true);
    expect(checkAssertion({ source: 'json', path: '$.a', operator: 'exists' }, facts, json).pass).toBe(true);
    expect(
      checkAssertion({ source: 'json', path: '$.b', operator: 'eq', value: 1 }, facts, json),
    ).toMatchObject({
      pass: false,
      actual: null,
    });
  });

  it('a status assertion replaces the default 2xx; other assertions keep it', () => {
    const context = {
      request: 'GET http://x/',
      statusText: 'Not Found',
      bodyTruncated: false,
      bodyLimit: 1024,
      bodyBytes: 2,
    };
    const facts = { status: 404, headers: {}, responseTime: 5, tlsDaysLeft: null, body: 'no' };
    const empty = { keywords: [], forbidden_keywords: [] };
    expect(evaluate({ ...empty, assertions: [] }, facts, context).failure?.reason).toBe('status');
    expect(
      evaluate(
        { ...empty, assertions: [{ source: 'response_time', operator: 'lt', value: 100 }] },
        facts,
        context,
      ).failure?.reason,
    ).toBe('status');
    expect(
      evaluate({ ...empty, assertions: [{ source: 'status', operator: 'eq', value: 404 }] }, facts, context)
        .failure,
    ).toBeNull();
  });
});

describe('redirect rules', () => {
  const base = new URL('https://a.example/path/page?x=1#frag');
  const request = {
    url: base,
    method: 'POST',
    headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json', 'X-A': '1' },
    body: '{}',
  };

  it('resolves relative locations and refuses unusable ones', () => {
    expect(redirectTarget('../other', base)).toEqual({ url: new URL('https://a.example/other') });
    expect(redirectTarget('//b.example/x', base)).toEqual({ url: new URL('https://b.example/x') });
    expect('invalid' in redirectTarget('mailto:x@y', base)).toBe(true);
    expect('invalid' in redirectTarget('http://[zz', base)).toBe(true);
  });

  it('applies RFC 9110 method rules and drops body headers with the body', () => {
    const target = new URL('https://a.example/next');
    expect(nextHop(request, 301, target)).toMatchObject({ method: 'GET', body: null });
    expect(nextHop(request, 302, target)).toMatchObject({ method: 'GET', body: null });
    expect(nextHop(request, 303, target)).toMatchObject({
      method: 'GET',
      body: null,
      dropped: ['Content-Type'],
    });
    expect(nextHop(request, 307, target)).toMatchObject({ method: 'POST', body: '{}', dropped: [] });
    expect(nextHop(request, 308, target)).toMatchObject({ method: 'POST', body: '{}' });
    expect(nextHop({ ...request, method: 'PUT' }, 301, target)).toMatchObject({ method: 'PUT', body: '{}' });
    expect(nextHop({ ...request, method: 'HEAD', body: null }, 303, target)).toMatchObject({
      method: 'HEAD',
    });
  });

  it('drops credentials on a cross-origin hop only', () => {
    expect(nextHop(request, 307, new URL('https://a.example/x')).headers.Authorization).toBe('Bearer t');
    const cross = nextHop(request, 307, new URL('https://b.example/x'));
    expect(cross.headers.Authorization).toBeUndefined();
    expect(cross.dropped).toEqual(['Authorization']);
    expect(nextHop(request, 307, new URL('http://a.example/x')).headers.Authorization).toBeUndefined();
  });
});

describe('request headers', () => {
  it('lets monitors override Accept but not the probe-owned headers', () => {
    const headers = requestHeaders(
      { accept: 'application/json', 'User-Agent': 'evil', 'X-A': '1' },
      'Vigil/1',
      false,
    );
    expect(headers.Accept).toBeUndefined();
    expect(headers.accept).toBe('application/json');
    expect(headers['User-Agent']).toBe('Vigil/1');
    expect(headers['X-A']).toBe('1');
    expect(headers['Content-Type']).toBeUndefined();
  });
});
