// action.yml, the code, the two workflows and the README's copy of the user workflow agree: every
// input the code reads is declared (and nothing else), every `with:` key exists, permissions are
// minimal, and the README shows exactly the workflow file.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ActionContext } from '../../action/src/context.ts';
import { readInputs } from '../../action/src/inputs.ts';
import { ghExpr } from '../../action/src/markdown.ts';
import { REPO_ROOT } from './run-action.ts';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const action = parse(read('action.yml'));
const ci = parse(read('.github/workflows/ci.yml'));
const monitorsText = read('.github/workflows/monitors.yml');
const monitors = parse(monitorsText);

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

const steps = (workflow: { jobs: Record<string, { steps: Step[] }> }): Step[] =>
  Object.values(workflow.jobs).flatMap((job) => job.steps);

describe('action.yml', () => {
  it('declares exactly the inputs the code reads', () => {
    const read: string[] = [];
    const context = { eventName: 'push', ref: 'refs/heads/main', defaultBranch: 'main' } as ActionContext;
    readInputs((name) => {
      read.push(name);
      return '';
    }, context);
    expect(Object.keys(action.inputs).sort()).toEqual([...new Set(read)].sort());
    expect(action.inputs['github-token'].default).toBe(ghExpr('github.token'));
    expect(action.inputs.path.default).toBe('monitors');
    expect(action.inputs.prune.default).toBe('true');
  });

  it('declares the outputs the issue promises', () => {
    expect(Object.keys(action.outputs)).toEqual(
      expect.arrayContaining(['valid', 'creates', 'updates', 'replaces', 'deletes', 'plan-id']),
    );
  });

  it('runs the bundle on node24 and has branding', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'action/dist/index.js' });
    expect(action.branding).toMatchObject({ icon: expect.any(String), color: expect.any(String) });
  });
});

describe('.github/workflows/ci.yml', () => {
  it('installs Node 24, type-checks, lints and tests with read-only permissions, cancelling superseded runs', () => {
    expect(ci.permissions).toEqual({ contents: 'read' });
    expect(ci.concurrency['cancel-in-progress']).toBe(true);
    const all = steps(ci);
    expect(all.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version']).toBe(24);
    const runs = all.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('npm ci');
    expect(runs).toContain('npm run typecheck');
    expect(runs).toContain('npm run lint');
    expect(runs).toContain('vitest run');
  });

  it('runs the Action from this commit to validate monitors/', () => {
    const self = steps(ci).find((s) => s.uses === './');
    expect(self?.with).toMatchObject({ command: 'validate', path: 'monitors' });
  });
});

describe('.github/workflows/monitors.yml', () => {
  it('plans on pull requests touching monitors/ and applies on push to main, with minimal permissions', () => {
    expect(monitors.on.pull_request.paths).toEqual(['monitors/**']);
    expect(monitors.on.push).toEqual({ branches: ['main'], paths: ['monitors/**'] });
    expect(monitors.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('passes only inputs the Action declares', () => {
    const vigil = steps(monitors).find((s) => s.uses?.endsWith('/vigil@v1'));
    expect(vigil).toBeDefined();
    for (const key of Object.keys(vigil?.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
  });

  it('is what the README tells users to copy', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Use it in your repo'));
    const block = /^```yml\n([\s\S]*?)^```$/m.exec(section)?.[1];
    expect(block).toBe(monitorsText);
  });
});
