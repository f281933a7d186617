// The real YAML language server (the `yaml-language-server` package editors run) as a child
// process, spoken to over LSP on stdio with vscode-jsonrpc, as VS Code, Neovim or Helix would.
// The schema comes from the document's `# yaml-language-server: $schema=` line, as the README
// tells users. SchemaStore and the Kubernetes CRD store are off and any HTTP the server might
// still try goes through a proxy on a closed loopback port: the tests never leave the machine.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  type MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';

const ROOT = resolve(import.meta.dirname, '../..');

export interface Position {
  line: number;
  character: number;
}
export interface LspDiagnostic {
  range: { start: Position; end: Position };
  message: string;
  severity?: number;
  source?: string;
}
export interface CompletionItem {
  label: string;
  kind?: number;
  documentation?: string | { kind: string; value: string };
}
export interface Hover {
  contents: string | { kind: string; value: string } | Array<string | { language: string; value: string }>;
}

/** The server's bin, read from its package.json as npm would link it. */
export function serverBin(): string {
  const dir = join(ROOT, 'node_modules', 'yaml-language-server');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    bin: string | Record<string, string>;
  };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['yaml-language-server'];
  if (bin === undefined) throw new Error('yaml-language-server has no bin');
  return join(dir, bin);
}

/** Settings answered to `workspace/configuration` for the `yaml` and `http` sections. */
const YAML_SETTINGS = {
  validate: true,
  hover: true,
  completion: true,
  schemaStore: { enable: false, url: 'http://127.0.0.1:9/catalog.json' },
  kubernetesCRDStore: { enable: false, url: 'http://127.0.0.1:9/crds' },
  schemas: {},
};
const HTTP_SETTINGS = { proxy: 'http://127.0.0.1:9', proxyStrictSSL: true };

export class YamlLanguageServer {
  private readonly child: ChildProcess;
  private readonly connection: MessageConnection;
  /** Latest diagnostics per URI, and who waits for the next ones. */
  private readonly published = new Map<string, LspDiagnostic[]>();
  private readonly waiting = new Map<string, Array<(d: LspDiagnostic[]) => void>>();
  private readonly versions = new Map<string, number>();
  private stderrText = '';

  private constructor() {
    this.child = spawn(process.execPath, [serverBin(), '--stdio'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_PROXY: '', no_proxy: '' },
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString('utf8');
    });
    this.connection = createMessageConnection(
      new StreamMessageReader(this.child.stdout!),
      new StreamMessageWriter(this.child.stdin!),
    );
    this.connection.onRequest('workspace/configuration', (params: { items: Array<{ section?: string }> }) =>
      params.items.map((item) =>
        item.section === 'yaml' ? YAML_SETTINGS : item.section === 'http' ? HTTP_SETTINGS : null,
      ),
    );
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onNotification('window/logMessage', () => {});
    this.connection.onNotification('telemetry/event', () => {});
    this.connection.onNotification(
      'textDocument/publishDiagnostics',
      (params: { uri: string; diagnostics: LspDiagnostic[] }) => {
        this.published.set(params.uri, params.diagnostics);
        const waiters = this.waiting.get(params.uri) ?? [];
        this.waiting.delete(params.uri);
        for (const resolveWaiter of waiters) resolveWaiter(params.diagnostics);
      },
    );
    this.connection.listen();
  }

  /** Starts the server and completes the initialize handshake. */
  static async start(workspace: string): Promise<YamlLanguageServer> {
    const server = new YamlLanguageServer();
    const folder = pathToFileURL(workspace).href;
    await server.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: folder,
      workspaceFolders: [{ uri: folder, name: 'monitors' }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: {
          synchronization: { dynamicRegistration: false },
          completion: {
            completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] },
          },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          publishDiagnostics: { relatedInformation: true },
        },
      },
    });
    await server.connection.sendNotification('initialized', {});
    // The server pulls its settings (answered above) when told they changed.
    await server.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    return server;
  }

  /**
   * Opens a document and resolves with the diagnostics the server publishes for it. Each URI is
   * opened once, so the first notification for it belongs to this text.
   */
  open(uri: string, text: string): Promise<LspDiagnostic[]> {
    if (this.versions.has(uri)) throw new Error(`${uri} is already open`);
    this.versions.set(uri, 1);
    const diagnostics = new Promise<LspDiagnostic[]>((resolveWaiter) => {
      const list = this.waiting.get(uri) ?? [];
      list.push(resolveWaiter);
      this.waiting.set(uri, list);
    });
    void this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'yaml', version: 1, text },
    });
    return diagnostics;
  }

  completion(uri: string, position: Position): Promise<CompletionItem[]> {
    return this.connection
      .sendRequest<{ items: CompletionItem[] } | CompletionItem[] | null>('textDocument/completion', {
        textDocument: { uri },
        position,
      })
      .then((result) => (Array.isArray(result) ? result : (result?.items ?? [])));
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest<Hover | null>('textDocument/hover', {
      textDocument: { uri },
      position,
    });
  }

  stderr(): string {
    return this.stderrText;
  }

  /** shutdown, exit, and wait for the process to end (killed if it does not). */
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolveExit) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolveExit();
      else this.child.once('exit', () => resolveExit());
    });
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      this.child.kill('SIGKILL');
    }
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    this.connection.dispose();
  }
}

/** Text of a hover, whatever shape the server chose. */
export function hoverText(hover: Hover | null): string {
  if (hover === null) return '';
  const { contents } = hover;
  if (typeof contents === 'string') return contents;
  if (Array.isArray(contents)) return contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
  return contents.value;
}
