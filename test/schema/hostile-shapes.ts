// Files of up to 1 MiB built to be expensive for a YAML parser: dense flow lists, thousands of
// documents, brackets, colons, blank lines, anchors, long lines. Each shape comes whole (1 MiB)
// and, where a limit refuses it, at the largest size the pre-scan still lets through.
import { MAX_FILE_BYTES } from '../../schema/limits.ts';
import { prescanYaml } from '../../schema/yaml-prescan.ts';

const BYTES = MAX_FILE_BYTES - 64;

interface Shape {
  name: string;
  head: string;
  unit: (index: number) => string;
  tail?: string;
}

const monitor = (i: number) =>
  `  - id: m${i}\n    url: https://m${i}.example.invalid/\n    interval: 1m\n    assertions:\n      - {source: status, operator: eq, value: 200}\n`;
const site = '  - id: a\n    url: https://a.example.invalid/\n';

const SHAPES: Shape[] = [
  { name: 'monitors', head: 'monitors:\n', unit: monitor },
  { name: 'monitors with errors', head: 'monitors:\n', unit: () => '  - a: b\n' },
  { name: 'flow list', head: `monitors:\n${site}    keywords: [`, unit: () => 'a,', tail: 'a]\n' },
  { name: 'flow mappings', head: 'monitors: [', unit: () => '{a: b},', tail: '{}]\n' },
  { name: 'headers', head: `monitors:\n${site}    headers:\n`, unit: (i) => `      X-H${i}: v\n` },
  { name: 'brackets', head: 'monitors:\n  - ', unit: () => '[]' },
  { name: 'closing brackets', head: 'monitors:\n  - ', unit: () => '}' },
  { name: 'bracket lines', head: 'monitors:\n', unit: () => '] }\n' },
  { name: 'implicit keys', head: 'monitors:\n  - ', unit: () => 'a: ', tail: 'x\n' },
  { name: 'colons', head: `monitors:\n${site}    name: `, unit: () => ': ' },
  { name: 'colon lines', head: 'monitors:\n', unit: () => ':\n' },
  { name: 'list entries', head: 'monitors:\n', unit: () => '  - x\n' },
  { name: 'documents', head: '', unit: () => '---\n' },
  { name: 'anchors', head: 'monitors:\n', unit: (i) => `  - &a${i} x\n` },
  { name: 'aliases', head: 'monitors:\n  - &a x\n', unit: () => '  - *a\n' },
  { name: 'tags', head: 'monitors:\n  - ', unit: () => '!t ', tail: 'x\n' },
  { name: 'quoted', head: 'monitors:\n', unit: () => '  - "x"\n' },
  { name: 'unclosed quote', head: 'monitors:\n  - "', unit: () => 'x\n' },
  { name: 'block scalar', head: `monitors:\n${site}    body: |\n`, unit: () => '      line\n' },
  { name: 'blank lines', head: 'monitors:\n', unit: () => '\n' },
  { name: 'directives', head: '', unit: () => '%YAML 1.2\n' },
  { name: 'one long line', head: `monitors:\n${site}    name: `, unit: () => 'a' },
  { name: 'words', head: `monitors:\n${site}    name: `, unit: () => 'a ' },
  { name: 'unicode', head: `monitors:\n${site}    name: `, unit: () => 'é😀' },
  { name: 'tabs', head: 'monitors:\n', unit: () => '\t- x\n' },
];

function build(shape: Shape, count: number): string {
  const parts = [shape.head];
  let size = shape.head.length + (shape.tail?.length ?? 0);
  for (let i = 0; i < count; i++) {
    const unit = shape.unit(i);
    size += Buffer.byteLength(unit);
    if (size > BYTES) break;
    parts.push(unit);
  }
  parts.push(shape.tail ?? '');
  return parts.join('');
}

/** The largest repetition of the shape that the pre-scan lets through (binary search). */
function largestAccepted(shape: Shape, max: number): string | null {
  let low = 0;
  let high = max;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (prescanYaml(build(shape, mid)) === null) low = mid;
    else high = mid - 1;
  }
  return low === 0 ? null : build(shape, low);
}

/** Every shape at 1 MiB, and where that is refused, at the largest size let through. */
export function hostileFiles(): Array<{ name: string; text: string }> {
  const files: Array<{ name: string; text: string }> = [];
  for (const shape of SHAPES) {
    const whole = build(shape, BYTES);
    files.push({ name: `${shape.name} (${whole.length} characters)`, text: whole });
    if (prescanYaml(whole) !== null) {
      const under = largestAccepted(shape, BYTES);
      if (under !== null) files.push({ name: `${shape.name} (largest let through)`, text: under });
    }
  }
  return files;
}
