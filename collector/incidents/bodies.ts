// The message bodies of each operation: an issue opened (votes, facts, the first failing
// response), a reminder, a resolution, and the short chat text a webhook carries; built from the
// pieces in render.ts and cut to the sink's limits.

import { htmlCode, inlineMarkdown } from '../../common/escape.ts';
import { formatDurationForPeople } from '../../common/format.ts';
import type { OperationSnapshot } from '../domain/operation-snapshot.ts';
import { ago, utc } from './format.ts';
import {
  assemble,
  deliveryMarker,
  displayUrl,
  factsTable,
  incidentMarker,
  links,
  mentionsOf,
  nameOf,
  type RenderContext,
  type RenderedMessage,
  reasonSentence,
  renderLabels,
  renderLog,
  renderTitle,
  sentence,
  votesTable,
} from './render.ts';

function openBody(snapshot: OperationSnapshot, ctx: RenderContext): string {
  const { alert } = snapshot;
  const { monitor } = alert;
  const name = inlineMarkdown(nameOf(snapshot));
  const marker = incidentMarker(alert.id);
  const link = links(snapshot, ctx.publicUrl);
  const tail = [
    link === null ? '' : `[Status page](${link.status}) · [Monitor history](${link.history})`,
    mentionsOf(monitor),
    '<sub>Opened by Vigil. It is closed automatically when the incident ends; closing it by hand stops further updates.</sub>',
  ];
  const target =
    monitor === null
      ? []
      : ([['URL', htmlCode(`${monitor.method} ${displayUrl(monitor.url)}`)]] as [string, string][]);
  const started: [string, string] = ['Started', `${utc(alert.start)} (${ago(alert.start, ctx.now)})`];

  switch (alert.kind) {
    case 'down': {
      const head = [
        marker,
        `### 🔴 ${name} is down`,
        factsTable([
          ...target,
          started,
          [
            'Reason',
            `${alert.reason === null ? '' : `${htmlCode(alert.reason)}: `}${sentence(alert.firstFailure?.message ?? reasonSentence(alert))}`,
          ],
          ['Failed checks', String(alert.failedChecks)],
        ]),
        '#### Votes per region',
        votesTable(alert.votes),
      ];
      const first = alert.firstFailure;
      return assemble(head, first === null ? null : (budget) => renderLog(first, budget), tail);
    }
    case 'flapping': {
      const head = [
        marker,
        `### 🟠 ${name} is flapping`,
        factsTable([
          ...target,
          started,
          ['Flapping score', alert.score === null ? '-' : alert.score.toFixed(1)],
          ['Failed checks', String(alert.failedChecks)],
          ...(alert.reason === null
            ? []
            : ([['Latest reason', htmlCode(alert.reason)]] as [string, string][])),
        ]),
        'Its checks keep changing between up and down. This issue closes when the flapping score falls below the low threshold.',
      ];
      const first = alert.firstFailure;
      return assemble(head, first === null ? null : (budget) => renderLog(first, budget), tail);
    }
    case 'certificate': {
      const cert = alert.certificate;
      const head = [
        marker,
        `### 🔐 ${name}: TLS certificate ${cert !== null && cert.daysLeft < 0 ? 'expired' : 'expires soon'}`,
        factsTable([
          ...target,
          ['Days left', cert === null ? '-' : String(cert.daysLeft)],
          ['Valid until', cert?.validTo ? inlineMarkdown(cert.validTo) : '-'],
          ['Subject', cert?.subject ? htmlCode(cert.subject) : '-'],
          ['Issuer', cert?.issuer ? htmlCode(cert.issuer) : '-'],
          ['Warning threshold', cert === null ? '-' : `${cert.warningDays} days`],
          ['Seen', utc(alert.start)],
        ]),
        'This issue closes when a renewed certificate is seen.',
      ];
      return assemble(head, null, tail);
    }
    case 'region': {
      const region = alert.region;
      const head = [
        marker,
        `### 🌐 Region ${inlineMarkdown(alert.subject)} is impaired`,
        factsTable([
          started,
          ['Monitors failing there', region === null ? '-' : `${region.failing} of ${region.candidates}`],
        ]),
        'Checks from this region fail for most monitors while other regions see them up: the region itself ' +
          '(its network, DNS or runners) is broken. Its votes are set aside until it recovers; no monitor ' +
          'incident is opened for it.',
        region === null || region.monitors.length === 0
          ? ''
          : `Failing there: ${region.monitors.map((m) => htmlCode(m)).join(', ')}`,
      ];
      return assemble(head, null, tail);
    }
  }
}

function remindBody(snapshot: OperationSnapshot, ctx: RenderContext): string {
  const { alert } = snapshot;
  const name = inlineMarkdown(nameOf(snapshot));
  const state = alert.kind === 'flapping' ? 'flapping' : 'down';
  const head = [
    `⏰ **${name}** is still ${state} after **${formatDurationForPeople(ctx.now - alert.start)}** (since ${utc(alert.start)}); ${alert.failedChecks} failed check${alert.failedChecks === 1 ? '' : 's'} so far.`,
    ...(alert.votes.length === 0 ? [] : ['#### Latest votes per region', votesTable(alert.votes)]),
  ];
  return assemble(head, null, [deliveryMarker(ctx.deliveryId)]);
}

const END_SENTENCES: Record<string, string> = {
  paused: 'The monitor was paused; closing this issue.',
  removed: 'The monitor was removed; closing this issue.',
  escalated: 'Flapping turned into an outage, followed in its own incident; closing this one.',
  settled: 'The flapping score fell below the low threshold; closing this issue.',
};

function resolveBody(snapshot: OperationSnapshot, ctx: RenderContext): string {
  const { alert } = snapshot;
  const name = inlineMarkdown(nameOf(snapshot));
  const end = alert.end ?? alert.lastFailure;
  if (alert.kind === 'certificate') {
    const cert = alert.certificate;
    return assemble(
      [
        `✅ A renewed certificate was seen for **${name}**${cert?.validTo ? `: valid until ${inlineMarkdown(cert.validTo)}` : ''}${cert === null ? '' : ` (${cert.daysLeft} days left)`}. Closing this issue.`,
      ],
      null,
      [deliveryMarker(ctx.deliveryId)],
    );
  }
  const headline =
    alert.kind === 'region'
      ? `✅ Region **${inlineMarkdown(alert.subject)}** is healthy again.`
      : alert.kind === 'flapping'
        ? `✅ **${name}** stopped flapping.`
        : `✅ **${name}** is up again.`;
  const closing =
    alert.endCause !== null && END_SENTENCES[alert.endCause] !== undefined
      ? END_SENTENCES[alert.endCause]!
      : 'Closing this issue.';
  return assemble(
    [
      headline,
      factsTable([
        ['Started', utc(alert.start)],
        ['Ended (last failing check)', utc(end)],
        ['Duration', formatDurationForPeople(end - alert.start)],
        ['Failed checks', String(alert.failedChecks)],
      ]),
      closing,
    ],
    null,
    [deliveryMarker(ctx.deliveryId)],
  );
}

function chatText(
  snapshot: OperationSnapshot,
  title: string,
  ctx: RenderContext,
  link: string | null,
): string {
  const { alert } = snapshot;
  const name = nameOf(snapshot);
  const suffix = link === null ? '' : ` ${link}`;
  switch (snapshot.op) {
    case 'open':
      return `🔴 ${title} (since ${utc(alert.start)})${suffix}`;
    case 'remind':
      return `⏰ ${name} is still ${alert.kind === 'flapping' ? 'flapping' : 'down'} after ${formatDurationForPeople(ctx.now - alert.start)}${suffix}`;
    case 'resolve': {
      const end = alert.end ?? alert.lastFailure;
      if (alert.kind === 'certificate') return `✅ ${name}: renewed TLS certificate seen${suffix}`;
      if (alert.kind === 'region') return `✅ Region ${alert.subject} is healthy again${suffix}`;
      return `✅ ${name} is ${alert.kind === 'flapping' ? 'no longer flapping' : 'up again'} after ${formatDurationForPeople(end - alert.start)} (${alert.failedChecks} failed checks)${suffix}`;
    }
  }
}

/** Renders one queued operation. Never throws on large or odd input. */
export function renderOperation(snapshot: OperationSnapshot, ctx: RenderContext): RenderedMessage {
  const title = renderTitle(snapshot);
  const body =
    snapshot.op === 'open'
      ? openBody(snapshot, ctx)
      : snapshot.op === 'remind'
        ? remindBody(snapshot, ctx)
        : resolveBody(snapshot, ctx);
  const link = links(snapshot, ctx.publicUrl);
  const monitorLink = link === null ? null : link.history;
  return {
    title,
    body,
    labels: renderLabels(snapshot),
    assignees: [...(snapshot.alert.monitor?.alert.assignees ?? [])],
    text: chatText(snapshot, title, ctx, link === null ? null : link.status),
    link: monitorLink,
  };
}
