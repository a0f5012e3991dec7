import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Json } from './pipeline-spec.js';
import { secretAwareSchema, secretParamPaths, secretPointer } from './secret-params.js';

/** A problem with a params schema or a params payload: JSON pointer and message. */
export interface ParamsIssue {
  path: string;
  message: string;
}

/** Validates (and, with `default` keywords, completes) a trigger payload. */
export type ParamsValidator = (
  params: unknown,
) => { ok: true; params: Json } | { ok: false; issues: ParamsIssue[] };

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;

/**
 * Ajv options. Strict mode (unknown keywords, ignored `required`, ambiguous types are schema
 * errors), all errors, no type coercion, and `useDefaults: true`: `default` keywords fill missing
 * properties of the (copied) payload, so handlers see the defaults the schema documents.
 */
const OPTIONS: Options = {
  strict: true,
  allowUnionTypes: true,
  allErrors: true,
  coerceTypes: false,
  useDefaults: true,
};

type FormatsPlugin = (ajv: Ajv | Ajv2020) => unknown;
const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  (addFormatsModule as unknown as FormatsPlugin);

/**
 * Compiles a params JSON Schema once: draft 2020-12 by default, draft-07 when its `$schema` says
 * so; standard formats (`email`, `date-time`, `uri`, …) are known. A schema that does not compile
 * gives issues with pointers under `/params` and Ajv's message. `null` accepts any JSON object.
 */
export function compileParamsSchema(
  schema: Record<string, Json> | null,
): { ok: true; validate: ParamsValidator } | { ok: false; issues: ParamsIssue[] } {
  if (schema === null) return { ok: true, validate: (params) => checkPayload(params, null) };
  const ajv = DRAFT_07.test(String(schema['$schema'] ?? '')) ? new Ajv(OPTIONS) : new Ajv2020(OPTIONS);
  addFormats(ajv);
  // Marks a param secret (as `writeOnly: true` does); see secret-params.ts.
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  if (!ajv.validateSchema(schema)) {
    return {
      ok: false,
      issues: firstPerPath(toIssues(metaSchemaErrors(ajv.errors ?? []), '/params', 'invalid JSON Schema: ')),
    };
  }
  let validateFn: ValidateFunction;
  const secrets = secretParamPaths(schema);
  const secretPointers = new Set(secrets.map(secretPointer));
  try {
    validateFn = ajv.compile(secretAwareSchema(schema, secrets));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, issues: [{ path: '/params', message: `invalid JSON Schema: ${message}` }] };
  }
  return { ok: true, validate: (params) => checkPayload(params, validateFn, secretPointers) };
}

function checkPayload(
  params: unknown,
  validateFn: ValidateFunction | null,
  secretPointers: ReadonlySet<string> = new Set(),
): ReturnType<ParamsValidator> {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    return {
      ok: false,
      issues: [{ path: '/params', message: `params must be a JSON object, got ${describe(params)}` }],
    };
  }
  const copy = copyJson(params, '/params');
  if (!copy.ok) return { ok: false, issues: [copy.issue] };
  if (validateFn === null || validateFn(copy.value)) return { ok: true, params: copy.value };
  // The "not a secret marker, so it must match the property's own schema" wrapper says nothing useful.
  const errors = (validateFn.errors ?? []).filter(
    (error) => !(error.keyword === 'if' && secretPointers.has(error.instancePath)),
  );
  return { ok: false, issues: toIssues(errors, '/params', '') };
}

function toIssues(errors: readonly ErrorObject[], base: string, prefix: string): ParamsIssue[] {
  return errors.map((error) => {
    let path = `${base}${error.instancePath}`;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required' && typeof params['missingProperty'] === 'string')
      path += `/${escape(params['missingProperty'])}`;
    if (error.keyword === 'additionalProperties' && typeof params['additionalProperty'] === 'string') {
      path += `/${escape(params['additionalProperty'])}`;
    }
    const allowed = Array.isArray(params['allowedValues'])
      ? `: ${params['allowedValues'].map((v) => JSON.stringify(v)).join(', ')}`
      : '';
    return { path, message: `${prefix}${error.message ?? 'is invalid'}${allowed}` };
  });
}

/** Meta-schema errors without the `anyOf` summaries that repeat their branches' errors. */
const metaSchemaErrors = (errors: readonly ErrorObject[]): ErrorObject[] => {
  const specific = errors.filter((error) => error.keyword !== 'anyOf' && error.keyword !== 'oneOf');
  return specific.length > 0 ? specific : [...errors];
};

/** One issue per path: the first (meta-schema branches report the same mistake several ways). */
const firstPerPath = (issues: ParamsIssue[]): ParamsIssue[] =>
  issues.filter((issue, index) => issues.findIndex((other) => other.path === issue.path) === index);

const escape = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

const describe = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : value === undefined
        ? 'nothing'
        : typeof value;

type CopyResult = { ok: true; value: Record<string, Json> } | { ok: false; issue: ParamsIssue };

/** A deep copy that proves the payload is JSON (finite numbers, plain objects, no undefined). */
function copyJson(value: object, base: string): CopyResult {
  const found: { issue: ParamsIssue | null } = { issue: null };
  const walk = (item: unknown, path: string): Json => {
    if (found.issue !== null) return null;
    if (item === null || typeof item === 'string' || typeof item === 'boolean') return item;
    if (typeof item === 'number' && Number.isFinite(item)) return item;
    if (Array.isArray(item)) return item.map((element, index) => walk(element, `${path}/${index}`));
    if (
      typeof item === 'object' &&
      (Object.getPrototypeOf(item) === Object.prototype || Object.getPrototypeOf(item) === null)
    ) {
      const object: Record<string, Json> = {};
      for (const [key, element] of Object.entries(item))
        object[key] = walk(element, `${path}/${escape(key)}`);
      return object;
    }
    found.issue = {
      path,
      message: `not a JSON value (${typeof item === 'number' ? String(item) : describe(item)})`,
    };
    return null;
  };
  const copied = walk(value, base) as Record<string, Json>;
  return found.issue === null ? { ok: true, value: copied } : { ok: false, issue: found.issue };
}
