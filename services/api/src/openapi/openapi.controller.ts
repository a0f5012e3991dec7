import { createRequire } from 'node:module';
import { Controller, Get, Header, Inject, Query, type OnApplicationBootstrap } from '@nestjs/common';
import { ApplicationConfig, ModulesContainer } from '@nestjs/core';
import { MinRole } from '../auth/principal.js';
import { QueryFields } from '../http/fields.js';
import { ApiOperation } from './api-operation.js';
import { docsPage } from './docs-page.js';
import { nestRoutes } from './nest-routes.js';
import { openApiDocument, type OpenApiDocument } from './openapi-document.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * `GET /openapi.json` (the api's contract, built from the live app's routes once it has started) and
 * `GET /docs` (the same, as a page). Public: they describe routes, not data.
 */
@Controller()
@MinRole('public')
export class OpenApiController implements OnApplicationBootstrap {
  private document: OpenApiDocument | undefined;
  private page = '';

  constructor(
    @Inject(ModulesContainer) private readonly modules: ModulesContainer,
    @Inject(ApplicationConfig) private readonly config: ApplicationConfig,
  ) {}

  /** After setGlobalPrefix and every module's init: the routes are those the router serves. */
  onApplicationBootstrap(): void {
    const prefix = this.config.getGlobalPrefix();
    this.document = openApiDocument(nestRoutes(this.modules, prefix), prefix, version);
    this.page = docsPage(this.document, `/${prefix}/openapi.json`);
  }

  @Get('openapi.json')
  @ApiOperation({
    summary: 'This document: every route, its role, parameters, body and answer.',
    response: { mediaTypes: ['application/json'], description: 'An OpenAPI 3.1 document' },
  })
  openapi(@Query() query: Record<string, unknown>): OpenApiDocument {
    new QueryFields(query).finish();
    return this.document!;
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
  @ApiOperation({
    summary: 'This document as a page.',
    response: { mediaTypes: ['text/html'], description: 'The api reference' },
  })
  docs(@Query() query: Record<string, unknown>): string {
    new QueryFields(query).finish();
    return this.page;
  }
}
