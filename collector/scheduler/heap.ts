// An indexed binary min-heap: every entry has a unique string key, so an entry can be moved
// (`set` again) or deleted in O(log n) without leaving stale copies behind. The scheduler keeps one
// entry per monitor for its periodic round plus a few one-shot entries, so the heap never grows
// beyond what is really pending, however often cadences change.
//
// API:
//   const heap = new IndexedMinHeap<T>();
//   heap.set(key, at, value)   insert or move; ties on `at` are broken by insertion order (FIFO)
//   heap.delete(key)           -> boolean
//   heap.get(key)              -> { at, value } | undefined
//   heap.peek()                -> { key, at, value } | undefined (earliest)
//   heap.peekAt()              -> at | undefined (earliest, no allocation)
//   heap.pop()                 -> { key, at, value } | undefined
//   heap.size

interface Node<T> {
  key: string;
  at: number;
  seq: number;
  value: T;
  /** Position in the array (kept in the node: sifting touches no Map). */
  pos: number;
}

export interface HeapEntry<T> {
  key: string;
  at: number;
  value: T;
}

export class IndexedMinHeap<T> {
  #nodes: Node<T>[] = [];
  #index = new Map<string, Node<T>>();
  #seq = 0;

  get size(): number {
    return this.#nodes.length;
  }

  has(key: string): boolean {
    return this.#index.has(key);
  }

  get(key: string): { at: number; value: T } | undefined {
    const node = this.#index.get(key);
    return node ? { at: node.at, value: node.value } : undefined;
  }

  set(key: string, at: number, value: T): void {
    const existing = this.#index.get(key);
    if (existing === undefined) {
      const node: Node<T> = { key, at, seq: this.#seq++, value, pos: this.#nodes.length };
      this.#nodes.push(node);
      this.#index.set(key, node);
      this.#up(node.pos);
      return;
    }
    const node = existing;
    const i = node.pos;
    const earlier = at < node.at;
    node.at = at;
    node.value = value;
    // A moved entry queues behind entries already due at the same time.
    node.seq = this.#seq++;
    if (earlier) this.#up(i);
    else this.#down(i);
  }

  delete(key: string): boolean {
    const node = this.#index.get(key);
    if (node === undefined) return false;
    this.#removeAt(node.pos);
    return true;
  }

  /** Time of the earliest entry (no allocation), or undefined when empty. */
  peekAt(): number | undefined {
    return this.#nodes[0]?.at;
  }

  peek(): HeapEntry<T> | undefined {
    const node = this.#nodes[0];
    return node ? { key: node.key, at: node.at, value: node.value } : undefined;
  }

  pop(): HeapEntry<T> | undefined {
    const node = this.#nodes[0];
    if (!node) return undefined;
    this.#removeAt(0);
    return { key: node.key, at: node.at, value: node.value };
  }

  #removeAt(i: number): void {
    const nodes = this.#nodes;
    const removed = nodes[i]!;
    this.#index.delete(removed.key);
    const last = nodes.pop()!;
    if (i === nodes.length) return;
    nodes[i] = last;
    last.pos = i;
    if (i > 0 && this.#less(last, nodes[(i - 1) >> 1]!)) this.#up(i);
    else this.#down(i);
  }

  #less(a: Node<T>, b: Node<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #up(i: number): void {
    const nodes = this.#nodes;
    const node = nodes[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = nodes[p]!;
      if (!this.#less(node, parent)) break;
      nodes[i] = parent;
      parent.pos = i;
      i = p;
    }
    nodes[i] = node;
    node.pos = i;
  }

  #down(i: number): void {
    const nodes = this.#nodes;
    const n = nodes.length;
    const node = nodes[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.#less(nodes[r]!, nodes[l]!) ? r : l;
      const child = nodes[c]!;
      if (!this.#less(child, node)) break;
      nodes[i] = child;
      child.pos = i;
      i = c;
    }
    nodes[i] = node;
    node.pos = i;
  }
}
