import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { fromJsonPointer } from './json-pointer.js';
import type { ValidationIssue } from './pipeline-spec.js';

/** A spec document read from text or given as an object, with source positions when it was text. */
export type SpecDocument =
  | { ok: true; value: unknown; locate: (pointer: string) => { line: number; column: number } | null }
  | { ok: false; issues: ValidationIssue[] };

const noPositions = (): null => null;

/**
 * Reads a spec: an object is used as is; a string is YAML (the default; JSON is valid YAML) or, with
 * `format: 'json'`, strict JSON. Syntax errors (including duplicate keys) become issues at path ""
 * with line and column. `locate` maps a JSON pointer to the line/column of the nearest existing
 * node, so every later issue can point into the text.
 */
export function readSpecDocument(input: string | object, format?: 'yaml' | 'json'): SpecDocument {
  if (typeof input !== 'string') return { ok: true, value: input, locate: noPositions };
  if (format === 'json') {
    try {
      const value: unknown = JSON.parse(input);
      const located = parseYaml(input);
      return { ok: true, value, locate: located.ok ? located.locate : noPositions };
    } catch (error) {
      return { ok: false, issues: [jsonSyntaxIssue(input, error)] };
    }
  }
  return parseYaml(input);
}

function parseYaml(text: string): SpecDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    logLevel: 'silent',
  });
  if (document.errors.length > 0) {
    return {
      ok: false,
      issues: document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return {
          path: '',
          message: `YAML syntax error at line ${line}, column ${col}: ${firstLine(error.message)}`,
          line,
          column: col,
        };
      }),
    };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return {
      ok: false,
      issues: [
        { path: '', message: `YAML error: ${error instanceof Error ? error.message : String(error)}` },
      ],
    };
  }
  return { ok: true, value, locate: (pointer) => locate(document, lineCounter, pointer) };
}

function locate(
  document: Document,
  lineCounter: LineCounter,
  pointer: string,
): { line: number; column: number } | null {
  const segments = fromJsonPointer(pointer);
  let node: unknown = document.contents;
  let best = rangeStart(node);
  for (const segment of segments) {
    node = child(node, segment);
    const start = rangeStart(node);
    if (start === null) break;
    best = start;
    if (isPair(node)) node = node.value;
  }
  if (best === null) return null;
  const { line, col } = lineCounter.linePos(best);
  return { line, column: col };
}

/** The pair (for a map key, so positions point at the key) or item (for a sequence index) under `node`. */
function child(node: unknown, segment: string): unknown {
  if (isMap(node))
    return node.items.find(
      (pair) => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key)) === segment,
    );
  if (isSeq(node) && /^\d+$/.test(segment)) return node.items[Number(segment)];
  return undefined;
}

const rangeStart = (node: unknown): number | null => {
  if (isPair(node)) return rangeStart(node.key);
  if (isNode(node) && node.range) return node.range[0];
  return null;
};

const firstLine = (message: string): string => message.split('\n')[0] ?? message;

/**
 * A JSON.parse failure with a position: V8 gives "at position N" for some errors only; otherwise
 * the end of the text for "Unexpected end", else the YAML parser's first error position.
 */
function jsonSyntaxIssue(text: string, error: unknown): ValidationIssue {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message);
  const offset =
    position !== null
      ? Number(position[1])
      : /Unexpected end/.test(message)
        ? text.length
        : yamlErrorOffset(text);
  if (offset === null) return { path: '', message: `JSON syntax error: ${message}` };
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return {
    path: '',
    message: `JSON syntax error at line ${line}, column ${column}: ${message}`,
    line,
    column,
  };
}

function yamlErrorOffset(text: string): number | null {
  const first = parseDocument(text, { logLevel: 'silent' }).errors[0];
  return first === undefined ? null : first.pos[0];
}
