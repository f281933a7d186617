// Collector configuration: defaults, then an optional file (JSON or YAML), then VIGIL_* variables.
// Every bad value is a ConfigError naming where it came from.

import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '../../common/log.ts';
import { allowListOf, TargetGuard, TargetGuardConfigError } from '../../probe/target-guard.ts';
import { parseRegionKeys, type RegionKeyConfig, RegionKeyError } from '../fleet/keys.ts';

export interface CollectorConfig {
  host: string;
  port: number;
  /** SQLite file path (absolute after loading). */
  db: string;
  /**
   * PostgreSQL URL (`postgres://user:password@host:port/database[?schema=name]`); when set, the
   * store is there and `db` only places the spill file. VIGIL_DATABASE_URL / `database_url`.
   */
  databaseUrl: string | null;
  /** Where other collectors reach this one (VIGIL_ADVERTISE_URL); null: `http://<host>:<port>`. */
  advertiseUrl: string | null;
  /** Bearer secret of the /internal/v1/ routes between collectors; null: they refuse every call. */
  clusterSecret: string | null;
  /** null: generated at first start, stored hashed, printed once. */
  adminToken: string | null;
  logLevel: LogLevel;
  /** Bytes accepted in a POST /v1/sync body. */
  syncBodyLimit: number;
  /** Bytes accepted in any other body. */
  bodyLimit: number;
  /** Most time a client has to send a whole request, headers and body (408 after): VIGIL_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs: number;
  /** Incidents as GitHub Issues: `owner/name`; null = no GitHub sink. */
  githubRepository: string | null;
  githubToken: string | null;
  /** GitHub REST API base (GitHub Enterprise: `https://HOST/api/v3`; tests: a local server). */
  githubApiUrl: string;
  /** Incidents as JSON POSTs (Slack-compatible `text`); null = no webhook sink. */
  webhookUrl: string | null;
  /** Key of the `X-Vigil-Signature` HMAC; null = unsigned. */
  webhookSecret: string | null;
  /** Where people reach this collector (status page links in issues); null = no links. */
  publicUrl: string | null;
  /** First wait before an incident delivery is retried; doubles per attempt up to the max. */
  incidentRetryBaseMs: number;
  incidentRetryMaxMs: number;
  /** Base of Octokit's in-request retry waits (1x, 4x, 9x this) on 5xx answers. */
  githubRetryBaseMs: number;
  /** Spacing of GitHub mutations (3x for those that notify people: issues, comments). */
  githubWriteSpacingMs: number;
  /** Keys runners register with (VIGIL_REGION_KEYS=eu-west:KEY1,us-east:KEY2, or one KEY for any region). */
  regionKeys: RegionKeyConfig | null;
  /** Lifetime of a runner session in ms; heartbeats renew it (VIGIL_RUNNER_SESSION_TTL_MS, 24 h). */
  runnerSessionTtlMs: number;
  /** Run the embedded runner (region `local`) in the collector process (VIGIL_EMBEDDED_RUNNER). */
  embeddedRunner: boolean;
  /** Most checks the embedded runner runs at once. */
  embeddedConcurrency: number;
  /** The embedded runner refuses private, loopback, link-local... targets (VIGIL_BLOCK_PRIVATE_TARGETS). */
  blockPrivateTargets: boolean;
  /** Addresses or CIDR ranges exempt from that (VIGIL_ALLOW_TARGETS=10.1.0.0/16,fd00::/8). */
  allowTargets: string[];
  /** false: GET /v1/status, the page, badges and /metrics need the read (or admin) token. */
  statusPublic: boolean;
  /** Read token for a private status (Bearer, or Basic with it as the password); null = admin token only. */
  statusToken: string | null;
  /** How long a built status snapshot is served before the next request rebuilds it (ms). */
  statusMaxAgeMs: number;
  /** Title of the status page. */
  statusTitle: string;
  /** Retention, in days: raw checks, response logs of failing checks, hourly rollups. */
  retentionChecksDays: number;
  retentionLogsDays: number;
  retentionRollupsDays: number;
  /** How often the retention job runs (ms); 0 = never. */
  retentionIntervalMs: number;
}

export const DEFAULT_CONFIG: CollectorConfig = {
  host: '127.0.0.1',
  port: 8080,
  db: './vigil.db',
  databaseUrl: null,
  advertiseUrl: null,
  clusterSecret: null,
  adminToken: null,
  logLevel: 'info',
  syncBodyLimit: 10 * 1024 * 1024,
  bodyLimit: 1024 * 1024,
  requestTimeoutMs: 30_000,
  githubRepository: null,
  githubToken: null,
  githubApiUrl: 'https://api.github.com',
  webhookUrl: null,
  webhookSecret: null,
  publicUrl: null,
  incidentRetryBaseMs: 5000,
  incidentRetryMaxMs: 10 * 60_000,
  githubRetryBaseMs: 1000,
  githubWriteSpacingMs: 1000,
  regionKeys: null,
  runnerSessionTtlMs: 24 * 3600_000,
  embeddedRunner: true,
  embeddedConcurrency: 50,
  blockPrivateTargets: false,
  allowTargets: [],
  statusPublic: true,
  statusToken: null,
  statusMaxAgeMs: 10_000,
  statusTitle: 'Status',
  retentionChecksDays: 30,
  retentionLogsDays: 90,
  retentionRollupsDays: 400,
  retentionIntervalMs: 10 * 60_000,
};

export const MIN_ADMIN_TOKEN_LENGTH = 16;

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'VIGIL_ERR_CONFIG';
}

type Key = keyof CollectorConfig;

/** File key (snake_case, as in monitor files) and environment variable of each setting. */
const SOURCES: Record<Key, { file: string; env: string }> = {
  host: { file: 'host', env: 'VIGIL_HOST' },
  port: { file: 'port', env: 'VIGIL_PORT' },
  db: { file: 'db', env: 'VIGIL_DB' },
  databaseUrl: { file: 'database_url', env: 'VIGIL_DATABASE_URL' },
  advertiseUrl: { file: 'advertise_url', env: 'VIGIL_ADVERTISE_URL' },
  clusterSecret: { file: 'cluster_secret', env: 'VIGIL_CLUSTER_SECRET' },
  adminToken: { file: 'admin_token', env: 'VIGIL_ADMIN_TOKEN' },
  logLevel: { file: 'log_level', env: 'VIGIL_LOG_LEVEL' },
  syncBodyLimit: { file: 'sync_body_limit', env: 'VIGIL_SYNC_BODY_LIMIT' },
  bodyLimit: { file: 'body_limit', env: 'VIGIL_BODY_LIMIT' },
  requestTimeoutMs: { file: 'request_timeout_ms', env: 'VIGIL_REQUEST_TIMEOUT_MS' },
  githubRepository: { file: 'github_repository', env: 'VIGIL_GITHUB_REPOSITORY' },
  githubToken: { file: 'github_token', env: 'VIGIL_GITHUB_TOKEN' },
  githubApiUrl: { file: 'github_api_url', env: 'VIGIL_GITHUB_API_URL' },
  webhookUrl: { file: 'webhook_url', env: 'VIGIL_WEBHOOK_URL' },
  webhookSecret: { file: 'webhook_secret', env: 'VIGIL_WEBHOOK_SECRET' },
  publicUrl: { file: 'public_url', env: 'VIGIL_PUBLIC_URL' },
  incidentRetryBaseMs: { file: 'incident_retry_base_ms', env: 'VIGIL_INCIDENT_RETRY_BASE_MS' },
  incidentRetryMaxMs: { file: 'incident_retry_max_ms', env: 'VIGIL_INCIDENT_RETRY_MAX_MS' },
  githubRetryBaseMs: { file: 'github_retry_base_ms', env: 'VIGIL_GITHUB_RETRY_BASE_MS' },
  githubWriteSpacingMs: { file: 'github_write_spacing_ms', env: 'VIGIL_GITHUB_WRITE_SPACING_MS' },
  regionKeys: { file: 'region_keys', env: 'VIGIL_REGION_KEYS' },
  runnerSessionTtlMs: { file: 'runner_session_ttl_ms', env: 'VIGIL_RUNNER_SESSION_TTL_MS' },
  embeddedRunner: { file: 'embedded_runner', env: 'VIGIL_EMBEDDED_RUNNER' },
  embeddedConcurrency: { file: 'embedded_concurrency', env: 'VIGIL_EMBEDDED_CONCURRENCY' },
  blockPrivateTargets: { file: 'block_private_targets', env: 'VIGIL_BLOCK_PRIVATE_TARGETS' },
  allowTargets: { file: 'allow_targets', env: 'VIGIL_ALLOW_TARGETS' },
  statusPublic: { file: 'status_public', env: 'VIGIL_STATUS_PUBLIC' },
  statusToken: { file: 'status_token', env: 'VIGIL_STATUS_TOKEN' },
  statusMaxAgeMs: { file: 'status_max_age_ms', env: 'VIGIL_STATUS_MAX_AGE_MS' },
  statusTitle: { file: 'status_title', env: 'VIGIL_STATUS_TITLE' },
  retentionChecksDays: { file: 'retention_checks_days', env: 'VIGIL_RETENTION_CHECKS_DAYS' },
  retentionLogsDays: { file: 'retention_logs_days', env: 'VIGIL_RETENTION_LOGS_DAYS' },
  retentionRollupsDays: { file: 'retention_rollups_days', env: 'VIGIL_RETENTION_ROLLUPS_DAYS' },
  retentionIntervalMs: { file: 'retention_interval_ms', env: 'VIGIL_RETENTION_INTERVAL_MS' },
};

export interface LoadConfigOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths given in the environment (default: process.cwd()). */
  cwd?: string;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<CollectorConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const config: CollectorConfig = { ...DEFAULT_CONFIG, db: resolve(cwd, DEFAULT_CONFIG.db) };

  if (options.file !== undefined) {
    const values = await readConfigFile(options.file);
    const fileKeys = new Map(Object.entries(SOURCES).map(([key, source]) => [source.file, key as Key]));
    for (const [name, value] of Object.entries(values)) {
      const key = fileKeys.get(name);
      if (key === undefined) {
        throw new ConfigError(
          `${options.file}: unknown key \`${name}\` (known: ${[...fileKeys.keys()].join(', ')})`,
        );
      }
      setValue(config, key, value, `${options.file}: \`${name}\``, dirname(resolve(cwd, options.file)));
    }
  }
  for (const [key, source] of Object.entries(SOURCES) as [Key, { env: string }][]) {
    const value = env[source.env];
    if (value !== undefined && value !== '') setValue(config, key, value, source.env, cwd);
  }
  return config;
}

async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `${file}: not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`${file}: expected a mapping of settings`);
  }
  return parsed as Record<string, unknown>;
}

function setValue(config: CollectorConfig, key: Key, raw: unknown, where: string, base: string): void {
  switch (key) {
    case 'host':
      config.host = text(raw, where);
      return;
    case 'db':
      config.db = resolve(base, text(raw, where));
      return;
    case 'databaseUrl': {
      const url = text(raw, where);
      if (!/^postgres(?:ql)?:\/\/./i.test(url)) {
        throw new ConfigError(`${where}: expected a postgres:// or postgresql:// URL`);
      }
      config.databaseUrl = url;
      return;
    }
    case 'advertiseUrl': {
      const url = text(raw, where);
      if (!/^https?:\/\/./i.test(url)) throw new ConfigError(`${where}: expected an http:// or https:// URL`);
      config.advertiseUrl = url.replace(/\/+$/, '');
      return;
    }
    case 'clusterSecret':
      config.clusterSecret = text(raw, where);
      if (config.clusterSecret.length < MIN_ADMIN_TOKEN_LENGTH)
        throw new ConfigError(`${where}: at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
      return;
    case 'adminToken': {
      const token = text(raw, where);
      if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
        throw new ConfigError(
          `${where}: the admin token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`,
        );
      }
      config.adminToken = token;
      return;
    }
    case 'logLevel': {
      const level = text(raw, where);
      if (!isLogLevel(level)) {
        throw new ConfigError(`${where}: log level must be one of ${LOG_LEVELS.join(', ')}`);
      }
      config.logLevel = level;
      return;
    }
    case 'port':
      config.port = integer(raw, where, 0, 65535);
      return;
    case 'syncBodyLimit':
    case 'bodyLimit':
      config[key] = integer(raw, where, 1024, 1024 * 1024 * 1024);
      return;
    case 'requestTimeoutMs':
      config.requestTimeoutMs = integer(raw, where, 100, 3600_000);
      return;
    // Incident sinks: shapes (repository, URLs) are checked by each sink's `validate`.
    case 'githubRepository':
    case 'githubToken':
    case 'webhookUrl':
    case 'webhookSecret':
    case 'publicUrl':
      config[key] = text(raw, where);
      return;
    case 'githubApiUrl':
      config.githubApiUrl = text(raw, where);
      return;
    case 'incidentRetryBaseMs':
    case 'incidentRetryMaxMs':
    case 'githubRetryBaseMs':
    case 'githubWriteSpacingMs':
      config[key] = integer(raw, where, 0, 24 * 3600_000);
      return;
    case 'runnerSessionTtlMs':
      // At least a minute: heartbeats (15 s) renew a session past half its lifetime.
      config.runnerSessionTtlMs = integer(raw, where, 60_000, 365 * 24 * 3600_000);
      return;
    case 'regionKeys':
      config.regionKeys = regionKeys(raw, where);
      return;
    case 'embeddedRunner':
      config.embeddedRunner = boolean(raw, where);
      return;
    case 'embeddedConcurrency':
      config.embeddedConcurrency = integer(raw, where, 1, 1000);
      return;
    case 'blockPrivateTargets':
      config.blockPrivateTargets = boolean(raw, where);
      return;
    case 'allowTargets':
      config.allowTargets = allowTargets(raw, where);
      return;
    case 'statusPublic':
      config.statusPublic = boolean(raw, where);
      return;
    case 'statusToken': {
      const token = text(raw, where);
      if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
        throw new ConfigError(
          `${where}: the read token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`,
        );
      }
      config.statusToken = token;
      return;
    }
    case 'statusMaxAgeMs':
      config.statusMaxAgeMs = integer(raw, where, 0, 3600_000);
      return;
    case 'statusTitle':
      config.statusTitle = text(raw, where);
      return;
    // Days of history kept; the 24-hour response figures read rollups, so they keep at least 2.
    case 'retentionChecksDays':
    case 'retentionLogsDays':
      config[key] = integer(raw, where, 1, 3650);
      return;
    case 'retentionRollupsDays':
      config.retentionRollupsDays = integer(raw, where, 2, 3650);
      return;
    case 'retentionIntervalMs':
      config.retentionIntervalMs = integer(raw, where, 0, 24 * 3600_000);
      return;
  }
}

/** `region:key,...` or one key (text), or in a file a mapping {region: key}. */
function regionKeys(raw: unknown, where: string): RegionKeyConfig {
  try {
    if (typeof raw === 'string') return parseRegionKeys(raw, where);
    if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
      const entries = Object.entries(raw as Record<string, unknown>);
      if (entries.some(([, key]) => typeof key !== 'string')) {
        throw new ConfigError(`${where}: expected a mapping of region names to keys (strings)`);
      }
      return parseRegionKeys(entries.map(([region, key]) => `${region}:${key}`).join(','), where);
    }
  } catch (error) {
    if (error instanceof RegionKeyError) throw new ConfigError(error.message);
    throw error;
  }
  throw new ConfigError(`${where}: expected \`region:key,...\`, one key, or a mapping of regions to keys`);
}

/** Comma-separated text, or in a file a list; each an address or CIDR range (checked here). */
function allowTargets(raw: unknown, where: string): string[] {
  const list = Array.isArray(raw) && raw.every((entry) => typeof entry === 'string') ? raw : null;
  if (typeof raw !== 'string' && list === null) {
    throw new ConfigError(`${where}: expected addresses or CIDR ranges, comma-separated or as a list`);
  }
  const entries = list ?? allowListOf(raw as string);
  try {
    new TargetGuard({ allow: entries });
  } catch (error) {
    if (error instanceof TargetGuardConfigError) throw new ConfigError(`${where}: ${error.message}`);
    throw error;
  }
  return entries;
}

function boolean(raw: unknown, where: string): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string' && /^(true|1|yes|on)$/i.test(raw.trim())) return true;
  if (typeof raw === 'string' && /^(false|0|no|off)$/i.test(raw.trim())) return false;
  throw new ConfigError(`${where}: expected true or false, got ${JSON.stringify(raw)}`);
}

function text(raw: unknown, where: string): string {
  if (typeof raw !== 'string' || raw.trim() === '')
    throw new ConfigError(`${where}: expected a non-empty string`);
  return raw;
}

function integer(raw: unknown, where: string, min: number, max: number): number {
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${where}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
