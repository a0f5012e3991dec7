import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { jsonProblem, MAX_JSON_DEPTH } from '../json/json-safety.js';
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
 *
 * What no part of Tributary can store or send is refused here, at its path (issue #8): NUL and unpaired
 * surrogates (YAML and JSON escapes build them from clean text), nesting deeper than
 * {@link MAX_JSON_DEPTH}, `__proto__`/`constructor`/`prototype` keys, and YAML values with no JSON form
 * (`.nan`, `.inf`).
 */
export function readSpecDocument(input: string | object, format?: 'yaml' | 'json'): SpecDocument {
  // An object given as is: values with no JSON form are the schema's to report, with the rest.
  if (typeof input !== 'string') return checked({ ok: true, value: input, locate: noPositions }, false);
  if (format === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(input);
    } catch (error) {
      return { ok: false, issues: [jsonSyntaxIssue(input, error)] };
    }
    // Positions come from reading the text as YAML, only when an issue needs one.
    let located: SpecDocument | null = null;
    const locate = (pointer: string) => {
      located ??= parseYaml(input);
      return located.ok ? located.locate(pointer) : null;
    };
    return checked({ ok: true, value, locate });
  }
  return checked(parseYaml(input));
}

const NOT_JSON = /is not a JSON (number|value)$/;

function checked(read: SpecDocument, nonJson = true): SpecDocument {
  if (!read.ok) return read;
  const problem = jsonProblem(read.value, MAX_JSON_DEPTH);
  if (problem === null || (!nonJson && NOT_JSON.test(problem.message))) return read;
  const at = read.locate(problem.path);
  return {
    ok: false,
    issues: [
      { path: problem.path, message: problem.message, ...(at ? { line: at.line, column: at.column } : {}) },
    ],
  };
}

/** What the YAML parser reports when a document nests deeper than its recursion can follow. */
const STACK_OVERFLOW = /Maximum call stack size exceeded/;
const TOO_DEEP = `the document nests too deeply to be read (at most ${MAX_JSON_DEPTH} levels are accepted)`;

function parseYaml(text: string): SpecDocument {
  const lineCounter = new LineCounter();
  let document: Document;
  try {
    document = parseDocument(text, {
      lineCounter,
      // Checked below in linear time: the parser's own check compares each key with every earlier one
      // (a 4 MiB spec of 300 000 keys held the api for minutes).
      uniqueKeys: false,
      prettyErrors: false,
      logLevel: 'silent',
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      issues: [{ path: '', message: STACK_OVERFLOW.test(message) ? TOO_DEEP : `YAML error: ${message}` }],
    };
  }
  const errors = [
    ...document.errors.map((error) => ({ offset: error.pos[0], message: firstLine(error.message) })),
    ...duplicateKeys(document),
  ];
  if (errors.length > 0) {
    return {
      ok: false,
      issues: errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.offset);
        const message = STACK_OVERFLOW.test(error.message) ? TOO_DEEP : error.message;
        return {
          path: '',
          message: `YAML syntax error at line ${line}, column ${col}: ${message}`,
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

/** Keys repeated in one map (scalars compared by value, as the parser's own check does), in one pass. */
function duplicateKeys(document: Document): { offset: number; message: string }[] {
  const found: { offset: number; message: string }[] = [];
  const stack: unknown[] = [document.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          if (seen.has(pair.key.value))
            found.push({ offset: pair.key.range?.[0] ?? 0, message: 'Map keys must be unique' });
          else seen.add(pair.key.value);
        } else stack.push(pair.key);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
  return found.sort((a, b) => a.offset - b.offset);
}

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
