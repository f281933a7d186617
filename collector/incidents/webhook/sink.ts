// Incidents as JSON POSTs to one URL: Slack-compatible (`text` is the one field Slack reads),
// with the incident as structured data for everything else.
//
//   POST <VIGIL_WEBHOOK_URL>
//   Content-Type: application/json
//   X-Vigil-Event: incident.opened | incident.reminder | incident.resolved
//   X-Vigil-Delivery: <outbox id>      stable across retries: receivers drop duplicates by it
//   X-Vigil-Timestamp: <unix seconds>  with VIGIL_WEBHOOK_SECRET:
//   X-Vigil-Signature: sha256=<hex>    HMAC-SHA256 of `<timestamp>.<raw body>` (./signature.ts)
//   { "text": "...", "event": "...", "delivery": 12, "incident": { ... } }
//
// 2xx: delivered. 5xx, 408, 429 (after `retry-after`), network errors: retried by the outbox.
// Other 4xx and redirects: permanent failure.

import { retryAtOf } from '../../../common/retry.ts';
import { VERSION } from '../../../common/version.ts';
import type { CollectorConfig } from '../../config/config.ts';
import type { Operation } from '../../domain/alerts.ts';
import type {
  Delivery,
  IncidentSink,
  SinkConfigProblem,
  SinkDefinition,
  SinkDependencies,
  SinkOutcome,
} from '../sink.ts';
import { httpSinkError, SinkError } from '../sink.ts';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './signature.ts';

export interface WebhookSinkSettings {
  url: string;
  secret: string | null;
}

const REQUEST_TIMEOUT_MS = 15_000;

export const WEBHOOK_EVENTS: Record<Operation, string> = {
  open: 'incident.opened',
  remind: 'incident.reminder',
  resolve: 'incident.resolved',
};

export class WebhookSink implements IncidentSink {
  readonly name = 'webhook' as const;
  readonly #settings: WebhookSinkSettings;
  readonly #deps: SinkDependencies;
  readonly #abort = new AbortController();

  constructor(settings: WebhookSinkSettings, deps: SinkDependencies) {
    this.#settings = settings;
    this.#deps = deps;
  }

  open(delivery: Delivery): Promise<SinkOutcome> {
    return this.#post(delivery);
  }

  remind(delivery: Delivery): Promise<SinkOutcome> {
    return this.#post(delivery);
  }

  resolve(delivery: Delivery): Promise<SinkOutcome> {
    return this.#post(delivery);
  }

  async close(): Promise<void> {
    this.#abort.abort();
  }

  async #post(delivery: Delivery): Promise<SinkOutcome> {
    const event = WEBHOOK_EVENTS[delivery.op];
    const body = JSON.stringify({
      text: delivery.message.text,
      event,
      delivery: delivery.id,
      incident: { ...delivery.data, title: delivery.message.title, link: delivery.message.link },
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `vigil/${VERSION}`,
      'x-vigil-event': event,
      'x-vigil-delivery': String(delivery.id),
    };
    if (this.#settings.secret !== null) {
      const timestamp = Math.floor(this.#deps.now() / 1000);
      headers[TIMESTAMP_HEADER] = String(timestamp);
      headers[SIGNATURE_HEADER] = signWebhook(this.#settings.secret, timestamp, body);
    }
    let response: Response;
    try {
      response = await fetch(this.#settings.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
    } catch (error) {
      const reason = (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error).message;
      throw new SinkError('VIGIL_ERR_SINK_NETWORK', `webhook POST failed: ${reason}`, {
        transient: true,
        cause: error,
      });
    }
    // The answer's body is not used; read it so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return {};
    const message = `webhook answered HTTP ${response.status}`;
    if (response.status >= 300 && response.status < 400) {
      throw new SinkError('VIGIL_ERR_SINK_REJECTED', `${message} (redirects are not followed)`, {
        transient: false,
        status: response.status,
      });
    }
    const retryAt = retryAtOf(Object.fromEntries(response.headers), this.#deps.now());
    throw httpSinkError(response.status, message, retryAt, false);
  }
}

export function webhookSettings(config: CollectorConfig): WebhookSinkSettings | null {
  if (config.webhookUrl === null) return null;
  return { url: config.webhookUrl, secret: config.webhookSecret };
}

export function validateWebhookSettings(settings: WebhookSinkSettings): SinkConfigProblem[] {
  let url: URL | null;
  try {
    url = new URL(settings.url);
  } catch {
    url = null;
  }
  if (url !== null && (url.protocol === 'https:' || url.protocol === 'http:')) return [];
  return [
    {
      sink: 'webhook',
      setting: 'VIGIL_WEBHOOK_URL',
      message: `expected an http(s) URL, got \`${settings.url}\``,
    },
  ];
}

export const webhookSink: SinkDefinition<WebhookSinkSettings> = {
  name: 'webhook',
  settings: webhookSettings,
  validate: validateWebhookSettings,
  create: (settings, deps) => new WebhookSink(settings, deps),
};
