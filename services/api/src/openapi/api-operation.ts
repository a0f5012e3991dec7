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

export interface QueryParamDoc {
  description: string;
  /** @default 'string' */
  type?: 'string' | 'integer' | 'boolean';
  /** The values allowed: pass the constant the route checks against (RUN_STATES, TASK_STATES, ...). */
  enum?: readonly string[];
}

export interface ApiOperationDoc {
  summary: string;
  description?: string;
  /** Every query parameter the route accepts (it refuses any other). */
  query?: Record<string, QueryParamDoc>;
  body?: ContractRef | MediaDoc;
  response: ContractRef | MediaDoc;
  /** The success statuses, when the route sets them itself; otherwise @HttpCode's, or Nest's default. */
  status?: readonly number[];
}

/** Describes a route in the api's OpenAPI document (`GET /api/v1/openapi.json`). */
export const ApiOperation = (doc: ApiOperationDoc) => SetMetadata(API_OPERATION, doc);
