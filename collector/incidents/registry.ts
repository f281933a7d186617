// The typed registry of sink kinds, and the sinks this collector's configuration turns on.
// A monitor's `alert.sinks` picks among the configured ones (null = all of them).
import type { CollectorConfig } from '../config/config.ts';
import { githubSink } from './github/sink.ts';
import {
  type IncidentSink,
  SINK_NAMES,
  type SinkConfigProblem,
  type SinkDefinition,
  type SinkDependencies,
  type SinkName,
} from './sink.ts';
import { webhookSink } from './webhook/sink.ts';

/** A definition with its settings type hidden: settings never leave the closure. */
interface RegisteredSink {
  readonly name: SinkName;
  /** null: not configured; else its problems and how to build it. */
  prepare(
    config: CollectorConfig,
  ): { problems: SinkConfigProblem[]; create(deps: SinkDependencies): IncidentSink } | null;
}

function register<C>(definition: SinkDefinition<C>): RegisteredSink {
  return {
    name: definition.name,
    prepare(config) {
      const settings = definition.settings(config);
      if (settings === null) return null;
      return { problems: definition.validate(settings), create: (deps) => definition.create(settings, deps) };
    },
  };
}

export const SINK_REGISTRY: { readonly [N in SinkName]: RegisteredSink } = {
  github: register(githubSink),
  webhook: register(webhookSink),
};

export class SinkConfigError extends Error {
  override name = 'SinkConfigError';
  readonly code = 'VIGIL_ERR_CONFIG';
  readonly problems: SinkConfigProblem[];
  constructor(problems: SinkConfigProblem[]) {
    super(
      `incident sinks are misconfigured: ${problems.map((p) => `${p.setting}: ${p.message}`).join('; ')}`,
    );
    this.problems = problems;
  }
}

/** Problems of every configured sink (empty when all are fine or none is configured). */
export function validateSinks(config: CollectorConfig): SinkConfigProblem[] {
  return SINK_NAMES.flatMap((name) => SINK_REGISTRY[name].prepare(config)?.problems ?? []);
}

/** The configured sinks, by name. Throws `SinkConfigError` when one is misconfigured. */
export function createSinks(config: CollectorConfig, deps: SinkDependencies): Map<SinkName, IncidentSink> {
  const problems = validateSinks(config);
  if (problems.length > 0) throw new SinkConfigError(problems);
  const sinks = new Map<SinkName, IncidentSink>();
  for (const name of SINK_NAMES) {
    const prepared = SINK_REGISTRY[name].prepare(config);
    if (prepared !== null) sinks.set(name, prepared.create(deps));
  }
  return sinks;
}

/** The sinks an alert goes to: the monitor's `alert.sinks` among the configured ones. */
export function sinksFor(configured: Iterable<SinkName>, wanted: readonly string[] | null): SinkName[] {
  const names = [...configured];
  return wanted === null ? names : names.filter((name) => wanted.includes(name));
}
