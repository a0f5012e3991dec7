import { SetMetadata } from '@nestjs/common';
import type { ContractSchemaName } from '@tributary/api-contract';

/*
 * Why a decorator of our own rather than @nestjs/swagger: the controllers read queries and bodies by hand
 * (QueryFields, BodyFields), not through DTO classes, so swagger's reflection would find nothing to
 * describe and every fact would be restated in its decorators anyway; the answer shapes are TypeScript
 * types of libs/api-contract, whose JSON Schemas are generated from the types themselves. Paths, methods,
 * status codes and roles are read from Nest's own route metadata (see openapi-document.ts), so this
 * decorator only says what the code cannot: a summary, the query parameters and the body and answer types.
 */

export const API_OPERATION = 'tributary:api-operation';

/** A type of libs/api-contract, or a list of it (`RunSummary[]`). */
export type ContractRef = ContractSchemaName | `${ContractSchemaName}[]`;

/** A body or answer that is not JSON (a YAML spec, Prometheus text, server-sent events). */
export interface MediaDoc {
  mediaTypes: readonly string[];
  description: string;
}

/**
 * A query parameter. Its rule fields are those QueryFields reads (`maxLength`, `oneOf`, `pattern`; `min`,
 * `max`), so a route declares its query once, as a constant, and passes each entry to QueryFields too.
 */
export interface QueryParamDoc {
  description: string;
  /** @default 'string'; `boolean` is `true` or `false`. */
  type?: 'string' | 'integer' | 'boolean';
  maxLength?: number;
  oneOf?: readonly string[];
  pattern?: RegExp;
  /** What `pattern` means, for QueryFields' message. */
  patternHint?: string;
  /** A further check QueryFields makes (not in the document): the problem with the value, or null. */
  check?: (value: string) => string | null;
  min?: number;
  max?: number;
  /** What the route takes when the parameter is absent. */
  default?: number;
}

/** Every query parameter a route accepts (it refuses any other). */
export type QueryDoc = Record<string, QueryParamDoc>;

export interface ApiOperationDoc {
  summary: string;
  description?: string;
  query?: QueryDoc;
  body?: ContractRef | MediaDoc;
  response: ContractRef | MediaDoc;
  /** The success statuses, when the route sets them itself; otherwise @HttpCode's, or Nest's default. */
  status?: readonly number[];
}

/** Describes a route in the api's OpenAPI document (`GET /api/v1/openapi.json`). */
export const ApiOperation = (doc: ApiOperationDoc) => SetMetadata(API_OPERATION, doc);
