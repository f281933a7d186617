// Runs the committed bundle action/dist/index.js as a real Node process with the environment the
// GitHub runner gives an action, and reads back what it produced: workflow commands on stdout
// (annotations, masks), the job summary file, the outputs file and the exit code.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUNDLE = path.join(REPO_ROOT, 'action', 'dist', 'index.js');

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
  commands: WorkflowCommand[];
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface RunActionOptions {
  workspace: string;
  eventName: string;
  payload: unknown;
  /** Input values by their action.yml name (`collector-url`); become INPUT_COLLECTOR-URL. */
  inputs: Record<string, string>;
  repository?: string;
  sha?: string;
  ref?: string;
  apiUrl: string;
  /** Extra step environment (secrets used by monitors as ${NAME}). */
  env?: Record<string, string>;
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-action-run-'));
  const eventPath = path.join(dir, 'event.json');
  const summaryPath = path.join(dir, 'summary.md');
  const outputPath = path.join(dir, 'output.txt');
  writeFileSync(eventPath, JSON.stringify(options.payload));
  writeFileSync(summaryPath, '');
  writeFileSync(outputPath, '');

  // Start from this process's environment minus anything a surrounding GitHub runner set, so the
  // test sees only what it gives.
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(GITHUB_|INPUT_|RUNNER_|ACTIONS_)/.test(key)) continue;
    env[key] = value;
  }
  // The runner passes every input declared in action.yml, with its default when not set.
  const inputs = { command: '', path: 'monitors', prune: 'true', comment: 'true', ...options.inputs };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: options.repository ?? 'acme/site',
    GITHUB_REPOSITORY_OWNER: (options.repository ?? 'acme/site').split('/')[0],
    GITHUB_SHA: options.sha ?? 'a'.repeat(40),
    GITHUB_REF: options.ref ?? 'refs/heads/main',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '1001',
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_OUTPUT: outputPath,
    ...options.env,
  });

  const child = spawn(process.execPath, [BUNDLE], {
    cwd: options.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return {
    code,
    stdout,
    stderr,
    summary: readFileSync(summaryPath, 'utf8'),
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    commands: parseCommands(stdout),
  };
}

/** GITHUB_OUTPUT holds `name<<DELIMITER\nvalue\nDELIMITER\n` blocks. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (m === null) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? '');
    outputs[m[1] as string] = value.join('\n');
  }
  return outputs;
}

/** `::error file=a,line=3::message` lines, with GitHub's escapes undone. */
export function parseCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (m === null) continue;
    const properties: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const at = pair.indexOf('=');
      properties[pair.slice(0, at)] = unescapeProperty(pair.slice(at + 1));
    }
    commands.push({ command: m[1] as string, properties, message: unescapeData(m[3] ?? '') });
  }
  return commands;
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');
}
