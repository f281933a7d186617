// The GitHub sink's settings, read from the collector configuration, and their validation.
import type { CollectorConfig } from '../../config/config.ts';
import type { SinkConfigProblem } from '../sink.ts';

export interface GitHubSinkSettings {
  /** `owner/name`. */
  repository: string;
  token: string | null;
  apiUrl: string;
  retryBaseMs: number;
  writeSpacingMs: number;
}

/** GitHub's rules for owner and repository names. */
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

export function githubSettings(config: CollectorConfig): GitHubSinkSettings | null {
  if (config.githubRepository === null) return null;
  return {
    repository: config.githubRepository,
    token: config.githubToken,
    apiUrl: config.githubApiUrl,
    retryBaseMs: config.githubRetryBaseMs,
    writeSpacingMs: config.githubWriteSpacingMs,
  };
}

export function validateGitHubSettings(settings: GitHubSinkSettings): SinkConfigProblem[] {
  const problems: SinkConfigProblem[] = [];
  if (
    !REPOSITORY.test(settings.repository) ||
    settings.repository.endsWith('/.') ||
    settings.repository.endsWith('/..')
  ) {
    problems.push({
      sink: 'github',
      setting: 'VIGIL_GITHUB_REPOSITORY',
      message: `expected \`owner/name\`, got \`${settings.repository}\``,
    });
  }
  if (settings.token === null || settings.token.trim() === '') {
    problems.push({
      sink: 'github',
      setting: 'VIGIL_GITHUB_TOKEN',
      message: 'a token that may write issues is needed to open incidents in GitHub',
    });
  }
  let url: URL | null = null;
  try {
    url = new URL(settings.apiUrl);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    problems.push({
      sink: 'github',
      setting: 'VIGIL_GITHUB_API_URL',
      message: `expected an http(s) URL such as https://api.github.com, got \`${settings.apiUrl}\``,
    });
  }
  return problems;
}
