import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { CONTRACT_SCHEMAS } from '@tributary/api-contract';
import {
  API_OPERATION,
  type ApiOperationDoc,
  type ContractRef,
  type MediaDoc,
  type QueryParamDoc,
} from './api-operation.js';
import type { NestRoute } from './nest-routes.js';

/** The parts of an OpenAPI 3.1 document this api uses (enough for its tests and the docs page to read). */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  'x-min-role': string;
  security?: Record<string, string[]>[];
  parameters?: OpenApiParameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: Record<string, unknown>;
}

const COMPONENTS = '#/components/schemas/';

/** The generated schemas point into `#/definitions/`; in the document they live under components. */
function underComponents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(underComponents);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string'
        ? inner.replace('#/definitions/', COMPONENTS)
        : underComponents(inner),
    ]),
  );
}

const isMedia = (value: ContractRef | MediaDoc): value is MediaDoc => typeof value === 'object';

function schemaOf(ref: ContractRef): unknown {
  return ref.endsWith('[]')
    ? { type: 'array', items: { $ref: `${COMPONENTS}${ref.slice(0, -2)}` } }
    : { $ref: `${COMPONENTS}${ref}` };
}

function contentOf(value: ContractRef | MediaDoc): Record<string, { schema: unknown }> {
  if (!isMedia(value)) return { 'application/json': { schema: schemaOf(value) } };
  const schemaOfMedia = (type: string) => (/[/+]json$/.test(type) ? { type: 'object' } : { type: 'string' });
  return Object.fromEntries(value.mediaTypes.map((type) => [type, { schema: schemaOfMedia(type) }]));
}

function querySchema(param: QueryParamDoc): Record<string, unknown> {
  const type = param.type ?? 'string';
  if (type === 'boolean') return { type };
  if (type === 'integer') {
    return {
      type,
      ...(param.min !== undefined ? { minimum: param.min } : {}),
      ...(param.max !== undefined ? { maximum: param.max } : {}),
      ...(param.default !== undefined ? { default: param.default } : {}),
    };
  }
  return {
    type,
    ...(param.maxLength !== undefined ? { maxLength: param.maxLength } : {}),
    ...(param.oneOf ? { enum: [...param.oneOf] } : {}),
    ...(param.pattern ? { pattern: param.pattern.source } : {}),
  };
}

/** A JSON body whose fields are all optional may be left out (the route reads `{}`). */
function bodyRequired(body: ContractRef | MediaDoc): boolean {
  if (isMedia(body) || body.endsWith('[]')) return true;
  const schema = CONTRACT_SCHEMAS[body as keyof typeof CONTRACT_SCHEMAS] as { required?: readonly string[] };
  return (schema.required ?? []).length > 0;
}

/** Express's `:id` is OpenAPI's `{id}`. */
const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

function successStatuses(route: NestRoute, doc: ApiOperationDoc): readonly number[] {
  if (doc.status) return doc.status;
  const code = Reflect.getMetadata(HTTP_CODE_METADATA, route.handler) as number | undefined;
  return [code ?? (route.method === 'POST' ? 201 : 200)];
}

function operationOf(route: NestRoute, prefix: string): OpenApiOperation {
  const doc = Reflect.getMetadata(API_OPERATION, route.handler) as ApiOperationDoc | undefined;
  if (!doc) {
    throw new Error(
      `${route.method} ${route.path} (${route.controller.name}) has no @ApiOperation: describe it for the OpenAPI document`,
    );
  }
  const pathParams = [...route.path.matchAll(/:(\w+)/g)].map(([, name]): OpenApiParameter => ({
    name: name!,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const queryParams = Object.entries(doc.query ?? {}).map(([name, param]): OpenApiParameter => ({
    name,
    in: 'query',
    required: false,
    description: param.description,
    schema: querySchema(param),
  }));
  const parameters = [...pathParams, ...queryParams];
  const success = Object.fromEntries(
    successStatuses(route, doc).map((status) => [
      String(status),
      {
        description: isMedia(doc.response) ? doc.response.description : doc.response,
        content: contentOf(doc.response),
      },
    ]),
  );
  const error = { description: 'An error: its code, message and details', content: contentOf('ErrorBody') };
  const relative = route.path.slice(prefix.length + 2);
  return {
    operationId: `${route.controller.name.replace(/Controller$/, '')}.${(route.handler as { name: string }).name}`,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [relative.split('/')[0] || 'ops'],
    'x-min-role': route.minRole,
    ...(route.minRole === 'public' ? { security: [] } : { security: [{ bearer: [] }] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: bodyRequired(doc.body),
            content: contentOf(doc.body),
          },
        }
      : {}),
    responses: { ...success, default: error },
  };
}

/**
 * The api's OpenAPI 3.1 document, built from the routes Nest serves (paths, methods, status codes, roles)
 * and their @ApiOperation (summary, query, body and answer types), with every libs/api-contract schema.
 */
export function openApiDocument(
  routes: readonly NestRoute[],
  prefix: string,
  version: string,
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operationOf(route, prefix);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tributary api',
      version,
      description:
        'Every route needs a bearer token (`Authorization: Bearer trb_…`) with at least the role in its `x-min-role` ' +
        '(viewer < operator < admin), except the public ones. Errors answer an `ErrorBody`.',
    },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas: underComponents(CONTRACT_SCHEMAS) as Record<string, unknown>,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}
