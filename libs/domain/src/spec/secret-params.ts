import { isSecretMarker } from '../secrets/secret-marker.js';
import type { Json, ValidationIssue } from './pipeline-spec.js';

/**
 * Secret params: a property of the params JSON Schema marked `x-secret: true` or `writeOnly: true`
 * (top level or nested through `properties`). The api encrypts such values before anything stores or
 * publishes them; only executors and the consolidator decrypt them, for the handler.
 */

/** A secret param's place in the params object: its keys from the root. */
export type SecretParamPath = readonly string[];

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Whether a (sub)schema marks its value secret. */
export const isSecretSchema = (schema: unknown): boolean =>
  isObject(schema) && (schema['x-secret'] === true || schema['writeOnly'] === true);

const escapeKey = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** `/a/b` for `['a', 'b']`. */
export const secretPointer = (path: SecretParamPath): string => path.map((key) => `/${escapeKey(key)}`).join('');

/** The secret params a params schema declares, reached from its root through `properties` only. */
export function secretParamPaths(schema: Record<string, Json> | null): SecretParamPath[] {
  const paths: SecretParamPath[] = [];
  const walk = (node: unknown, path: string[]): void => {
    if (!isObject(node) || !isObject(node['properties'])) return;
    for (const [key, child] of Object.entries(node['properties'])) {
      if (isSecretSchema(child)) paths.push(Object.freeze([...path, key]));
      else walk(child, [...path, key]);
    }
  };
  walk(schema, []);
  return paths;
}

/** The values at `paths` in `params` that are present (absent optional secrets are skipped). */
export function presentSecretPaths(params: unknown, paths: readonly SecretParamPath[]): SecretParamPath[] {
  return paths.filter((path) => {
    let node: unknown = params;
    for (const key of path) {
      if (!isObject(node) || !Object.prototype.hasOwnProperty.call(node, key)) return false;
      node = node[key];
    }
    return node !== undefined;
  });
}

/** The value at `path` in `params` (undefined when absent). */
export function valueAtPath(params: unknown, path: SecretParamPath): unknown {
  let node: unknown = params;
  for (const key of path) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Secret paths of `params` holding a value that is not a secret marker: stored, they would be in clear. */
export function unsealedSecretPaths(params: unknown, paths: readonly SecretParamPath[]): SecretParamPath[] {
  return presentSecretPaths(params, paths).filter((path) => !isSecretMarker(valueAtPath(params, path)));
}

/**
 * The schema validation runs with: each secret property's schema S becomes "a secret marker, or else S",
 * so the planner accepts stored (encrypted) params while the api still checks the clear value against S.
 */
export function secretAwareSchema(
  schema: Record<string, Json>,
  paths: readonly SecretParamPath[],
): Record<string, Json> {
  if (paths.length === 0) return schema;
  const rewrite = (node: Record<string, Json>, prefix: readonly string[]): Record<string, Json> => {
    const properties = node['properties'] as Record<string, Json>;
    const copy: Record<string, Json> = {};
    for (const [key, child] of Object.entries(properties)) {
      const here = [...prefix, key];
      const isSecret = paths.some((p) => p.length === here.length && p.every((k, i) => k === here[i]));
      const below = paths.some((p) => p.length > here.length && here.every((k, i) => k === p[i]));
      if (isSecret) copy[key] = { if: SECRET_MARKER_SCHEMA, then: true, else: child };
      else if (below) copy[key] = rewrite(child as Record<string, Json>, here);
      else copy[key] = child;
    }
    return { ...node, properties: copy };
  };
  return rewrite(schema, []);
}

const SECRET_MARKER_SCHEMA: Json = {
  type: 'object',
  properties: { $secret: { type: ['object', 'string'] } },
  required: ['$secret'],
  additionalProperties: false,
};

/**
 * Apply-time checks of secret marks in a raw document (pointers into it):
 * - `x-secret`/`writeOnly` are booleans, and `true` only on a property reached through `properties`
 *   (inside `items`, `$defs`, `anyOf`… the engine could not find the value to encrypt);
 * - a secret property has no `default` (the spec is readable by every viewer);
 * - `schedule.params` sets no secret (same reason);
 * - no `on:` trigger when the pipeline has secrets: upstream triggers compute params in the planner,
 *   which holds no secrets key, from messages that are themselves stored in clear.
 */
export function checkSecretParams(document: Record<string, unknown>): ValidationIssue[] {
  const schema = document['params'];
  if (!isObject(schema)) return [];
  const issues: ValidationIssue[] = [];
  const walk = (node: unknown, pointer: string, reachable: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, `${pointer}/${index}`, false));
      return;
    }
    if (!isObject(node)) return;
    for (const keyword of ['x-secret', 'writeOnly']) {
      if (!(keyword in node)) continue;
      if (typeof node[keyword] !== 'boolean') {
        issues.push({ path: `${pointer}/${keyword}`, message: `${keyword} must be true or false` });
      } else if (node[keyword] === true && !reachable) {
        issues.push({
          path: `${pointer}/${keyword}`,
          message: `${keyword}: true is only supported on a property reached from the params schema's root through "properties" (top level or nested objects): the engine encrypts values by their place in the params`,
        });
      } else if (node[keyword] === true && 'default' in node) {
        issues.push({
          path: `${pointer}/default`,
          message: `a secret param cannot have a default: the pipeline spec is readable by every viewer; pass the value when triggering`,
        });
      }
    }
    if (isSecretSchema(node) && reachable) return; // below a secret, marks add nothing
    for (const [key, child] of Object.entries(node)) {
      const childPointer = `${pointer}/${escapeKey(key)}`;
      if (key === 'properties' && reachable && isObject(child)) {
        for (const [name, property] of Object.entries(child))
          walk(property, `${childPointer}/${escapeKey(name)}`, true);
      } else if (key !== 'default' && key !== 'examples' && key !== 'const' && key !== 'enum') {
        walk(child, childPointer, false);
      }
    }
  };
  walk(schema, '/params', true);
  const paths = secretParamPaths(schema as Record<string, Json>);
  if (paths.length === 0) return issues;
  const names = paths.map((path) => `/params${secretPointer(path)}`).join(', ');
  if (Array.isArray(document['on']) && document['on'].length > 0) {
    issues.push({
      path: '/on',
      message: `upstream triggers cannot start a pipeline with secret params (${names}): the planner computes their params from messages stored in clear and holds no secrets key; trigger through the api, or let the handler read the secret from its own environment`,
    });
  }
  const schedule = document['schedule'];
  const scheduled = isObject(schedule) ? schedule['params'] : undefined;
  for (const path of presentSecretPaths(scheduled, paths)) {
    issues.push({
      path: `/schedule/params${secretPointer(path)}`,
      message: `a secret param cannot be set in the spec (readable by every viewer); scheduled runs of a pipeline with a required secret need another source for it`,
    });
  }
  return issues;
}
