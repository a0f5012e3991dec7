/** One step of a path into a JSON document: an object key or an array index. */
export type PathSegment = string | number;

/** Formats path segments as an RFC 6901 JSON pointer (`['stages', 0, 'map']` → `/stages/0/map`; `[]` → `""`). */
export function toJsonPointer(segments: readonly PathSegment[]): string {
  return segments.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Splits an RFC 6901 JSON pointer into its unescaped segments (array indices stay strings). */
export function fromJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Orders two JSON pointers by document structure: segment by segment, numeric segments as
 * numbers (`/stages/2` before `/stages/10`), a parent before its children.
 */
export function compareJsonPointers(a: string, b: string): number {
  const left = fromJsonPointer(a);
  const right = fromJsonPointer(b);
  const common = Math.min(left.length, right.length);
  for (let i = 0; i < common; i += 1) {
    const x = left[i] ?? '';
    const y = right[i] ?? '';
    if (x === y) continue;
    const bothNumeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    if (bothNumeric) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return left.length - right.length;
}
