// The connection phases of one hop: resolve the host, connect (Happy Eyeballs over the resolved
// addresses, under the connect deadline) and the TLS handshake with its legacy fallback, each
// timed on the hop's phase clock and failing with a typed reason.
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { CheckBase, type Hop } from './check-base.ts';
import { endpoint, startTcp, startTls } from './connect.ts';
import {
  DeadlineError,
  decisiveConnectError,
  ERROR_REASONS,
  errorCode,
  ProbeFailure,
  targetBlockedFailure,
} from './errors.ts';
import { emptyResponseState, exchange } from './exchange.ts';
import { dnsMessage, familyMismatchMessage, tlsHandshakeMessage, tlsVerifyMessage } from './messages.ts';
import { HopClock } from './phase-clock.ts';
import type { HopRequest } from './redirect.ts';
import { ipLiteral, type ResolvedAddress } from './resolve.ts';
import type { BlockedTarget } from './target-guard.ts';
import { tlsInfoOf } from './tls-info.ts';

export class CheckConnect extends CheckBase {
  /** One request on a fresh connection; fills `this.hop`. */
  protected async runHop(request: HopRequest, start: number): Promise<Hop> {
    const url = request.url;
    const https = url.protocol === 'https:';
    const hop: Hop = {
      request,
      host: url.hostname,
      port: url.port === '' ? (https ? 443 : 80) : Number(url.port),
      clock: new HopClock(start),
      remote: null,
      response: emptyResponseState(),
      client: null,
      socket: null,
      httpVersion: null,
      bytesBeforeDeadline: 0,
    };
    this.hop = hop;
    // The result describes the final hop: its TLS, not an earlier hop's (https -> http).
    this.tls = null;
    this.requestSummary = `${request.method} ${url.href}`;

    const addresses = await this.resolve(hop);
    hop.clock.enter('connect');
    let socket = await this.connect(hop, addresses);
    if (https) {
      hop.clock.enter('tls');
      socket = await this.handshake(hop, socket);
    }
    // `processing` starts once the connection is ready, as blackbox_exporter's does (responseStart
    // minus gotConn): writing the request is part of it, so no time falls between phases.
    hop.clock.enter('processing');
    hop.httpVersion = https && (socket as TLSSocket).alpnProtocol === 'h2' ? '2' : '1.1';
    await this.step<void>((resolve, reject) => {
      hop.client = exchange(
        socket,
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: request.method,
          headers: request.headers,
          body: request.body,
        },
        hop.response,
        this.maxBodyBytes,
        { onFirstByte: () => hop.clock.enter('transfer'), onDone: resolve, onError: reject },
      );
    });
    return hop;
  }

  protected async resolve(hop: Hop): Promise<ResolvedAddress[]> {
    const literal = ipLiteral(hop.host);
    const ip = this.spec.ip;
    if (literal !== null) {
      // No lookup for an IP literal: `resolve` stays null unless the literal is refused here.
      if (ip !== 'auto' && literal.family !== ip) {
        hop.clock.enter('resolve');
        throw new ProbeFailure('dns_nxdomain', familyMismatchMessage(literal.address, ip), 'resolve');
      }
      return [literal];
    }
    hop.clock.enter('resolve');
    const family = ip === 'auto' ? 0 : ip;
    const found = await this.step<ResolvedAddress[]>((resolve, reject) => {
      this.resolver(hop.host, family).then(resolve, reject);
    });
    const usable = family === 0 ? found : found.filter((entry) => entry.family === family);
    if (usable.length === 0) {
      throw new ProbeFailure(
        'dns_nxdomain',
        dnsMessage('dns_nxdomain', hop.host, family, 'ENODATA', 0),
        'resolve',
      );
    }
    this.connection.push(`resolve ${hop.host}: ${usable.map((entry) => entry.address).join(', ')}`);
    return usable;
  }

  protected async connect(hop: Hop, resolved: ResolvedAddress[]): Promise<net.Socket> {
    const addresses = this.permitted(hop, resolved);
    const connecting = startTcp(addresses, hop.port, this.happyEyeballsDelay);
    // Until one attempt wins, a deadline destroys them all.
    hop.socket = connecting;
    const left = this.spec.timeout - (performance.now() - this.start);
    if (this.connectTimeout < left) {
      this.connectTimer = setTimeout(
        () => this.onDeadline(new DeadlineError('connect')),
        this.connectTimeout,
      );
    }
    let socket: net.Socket;
    try {
      socket = await this.step<net.Socket>((resolve, reject) => {
        connecting.connected.then(resolve, reject);
      });
      hop.socket = socket;
    } catch (error) {
      if (error instanceof AggregateError) {
        // One failure per address tried (Happy Eyeballs), each with its own answer.
        for (const attempt of error.errors as Array<Error & { address?: string; port?: number }>) {
          const target = attempt.address === undefined ? hop.host : endpoint(attempt.address, hop.port);
          this.connection.push(`connect to ${target} failed: ${errorCode(attempt) ?? attempt.message}`);
        }
      } else {
        const targets = addresses.map((entry) => endpoint(entry.address, hop.port)).join(', ');
        this.connection.push(`connect to ${targets} failed: ${errorCode(error) ?? (error as Error).message}`);
      }
      throw decisiveConnectError(error);
    } finally {
      const tried = connecting.attempted;
      if (tried.length > 1) this.connection.push(`addresses tried: ${tried.join(', ')}`);
      if (this.connectTimer !== null) {
        clearTimeout(this.connectTimer);
        this.connectTimer = null;
      }
    }
    const family = socket.remoteFamily === 'IPv6' ? 6 : 4;
    hop.remote = { ip: socket.remoteAddress ?? '', family, port: socket.remotePort ?? hop.port };
    this.connection.push(`connected to ${endpoint(hop.remote.ip, hop.remote.port)} (IPv${family})`);
    // The peer is the address we dialled; checked again all the same, before a byte is sent.
    const peer = this.targetGuard?.blocked(hop.remote.ip) ?? null;
    if (peer !== null) throw targetBlockedFailure(hop.host, hop.port, [peer]);
    return socket;
  }

  /**
   * The addresses the target guard lets the probe dial: checked here, on the exact list handed to
   * the connect, so no later resolution can swap in another address. None left: `target_blocked`.
   */
  protected permitted(hop: Hop, addresses: ResolvedAddress[]): ResolvedAddress[] {
    const guard = this.targetGuard;
    if (guard === null) return addresses;
    const allowed: ResolvedAddress[] = [];
    const blocked: BlockedTarget[] = [];
    for (const entry of addresses) {
      const refused = guard.blocked(entry.address);
      if (refused === null) allowed.push(entry);
      else blocked.push(refused);
    }
    for (const entry of blocked)
      this.connection.push(`not connecting to ${entry.address}: ${entry.range} address`);
    if (allowed.length === 0) throw targetBlockedFailure(hop.host, hop.port, blocked);
    return allowed;
  }

  protected async handshake(hop: Hop, tcp: net.Socket): Promise<TLSSocket> {
    try {
      return await this.tlsOn(hop, tcp, false);
    } catch (error) {
      if (error instanceof ProbeFailure || error instanceof DeadlineError || this.deadline !== null)
        throw error;
      // The one retry a check makes: old servers that only speak TLS 1.0/1.1 or weak ciphers.
      this.connection.push(
        `TLS handshake failed (${errorCode(error) ?? 'error'}); retrying once with TLS 1.0/1.1 allowed`,
      );
      hop.clock.enter('connect');
      const remote = hop.remote!;
      const again = await this.connect(hop, [{ address: remote.ip, family: remote.family }]);
      hop.clock.enter('tls');
      try {
        return await this.tlsOn(hop, again, true);
      } catch (retryError) {
        if (
          retryError instanceof ProbeFailure ||
          retryError instanceof DeadlineError ||
          this.deadline !== null
        ) {
          throw retryError;
        }
        this.connection.push(
          `TLS handshake with TLS 1.0/1.1 allowed failed too (${errorCode(retryError) ?? 'error'})`,
        );
        const first = error as Error & { code?: string };
        throw new ProbeFailure(
          'tls_handshake',
          tlsHandshakeMessage(hop.host, endpoint(remote.ip, remote.port), first, true),
          'tls',
        );
      }
    }
  }

  protected async tlsOn(hop: Hop, tcp: net.Socket, legacy: boolean): Promise<TLSSocket> {
    let certificate: DetailedPeerCertificate | null = null;
    const literal = ipLiteral(hop.host);
    const version = this.spec.http.version;
    const socket = startTls(tcp, {
      servername: literal === null ? hop.host : null,
      host: literal?.address ?? hop.host,
      context: legacy ? this.tlsContext.legacy : this.tlsContext.modern,
      alpn: version === '1.1' ? ['http/1.1'] : ['h2', 'http/1.1'],
      onCertificate: (cert) => {
        certificate = cert;
      },
    });
    hop.socket = socket;
    await this.step<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const cert = certificate ?? (socket.getPeerCertificate(true) as DetailedPeerCertificate | null);
    const info = tlsInfoOf(socket, cert, this.wallNow(), legacy);
    const verifyCode = socket.authorized ? null : String(socket.authorizationError ?? 'CERT_UNTRUSTED');
    if (verifyCode === 'DEPTH_ZERO_SELF_SIGNED_CERT') info.selfSigned = true;
    this.tls = info;
    this.connection.push(
      `TLS ${info.version} ${info.cipher} ALPN ${info.alpn ?? 'none'}${legacy ? ' (legacy fallback)' : ''}; ` +
        `certificate ${info.subject} issued by ${info.issuer}, valid ${info.validFrom?.slice(0, 10)} to ${info.validTo?.slice(0, 10)}; ` +
        `${verifyCode === null ? 'trusted' : `not trusted: ${verifyCode}`}`,
    );
    if (verifyCode !== null && this.spec.tls.verify) {
      const reason = ERROR_REASONS[verifyCode] ?? 'tls_untrusted';
      throw new ProbeFailure(
        reason,
        tlsVerifyMessage(reason, hop.host, info, verifyCode, this.wallNow(), this.tlsContext.extraCaFile),
        'tls',
      );
    }
    if (version === '2' && info.alpn !== 'h2') {
      throw new ProbeFailure(
        'protocol_error',
        `${hop.host} did not negotiate HTTP/2 (ALPN: ${info.alpn ?? 'none'}), and the monitor sets http.version: 2`,
        'tls',
      );
    }
    return socket;
  }
}
