import 'reflect-metadata';
import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { MinRole } from '../auth/principal.js';
import { ApiOperation } from './api-operation.js';
import { docsPage } from './docs-page.js';
import { openApiDocument } from './openapi-document.js';
import type { NestRoute } from './nest-routes.js';

@Controller('things')
@MinRole('viewer')
class ThingsController {
  @Get(':id/parts/:partId')
  @ApiOperation({
    summary: 'One <part> & its "things"',
    query: { limit: { type: 'integer', min: 1, max: 50, default: 10, description: 'How many.' } },
    response: 'GridCell[]',
  })
  part() {}

  @Post(':id/cancel')
  @HttpCode(200)
  @MinRole('operator')
  @ApiOperation({ summary: 'Cancels.', body: 'CancelRequest', response: 'CancelledAnswer' })
  cancel() {}

  @Post()
  @MinRole('public')
  @ApiOperation({ summary: 'Creates.', body: 'TriggerRequest', response: 'TriggerAccepted' })
  create() {}

  @Get('undocumented')
  undocumented() {}
}

const route = (
  method: string,
  path: string,
  name: keyof ThingsController,
  minRole: NestRoute['minRole'],
) => ({
  method,
  path,
  minRole,
  handler: ThingsController.prototype[name] as object,
  controller: ThingsController,
});

const routes: NestRoute[] = [
  route('GET', '/api/v1/things/:id/parts/:partId', 'part', 'viewer'),
  route('POST', '/api/v1/things/:id/cancel', 'cancel', 'operator'),
  route('POST', '/api/v1/things', 'create', 'public'),
];

describe('openApiDocument', () => {
  const doc = openApiDocument(routes, 'api/v1', '9.9.9');

  it('turns Express parameters into OpenAPI ones and query rules into schemas', () => {
    const op = doc.paths['/api/v1/things/{id}/parts/{partId}']!.get!;
    expect(op.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'partId', in: 'path', required: true, schema: { type: 'string' } },
      {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'How many.',
        schema: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
      },
    ]);
    expect(op.responses['200']!.content!['application/json']!.schema).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/GridCell' },
    });
    expect(op.tags).toEqual(['things']);
  });

  it("takes statuses from @HttpCode or Nest's default, and roles and bearer auth from the route", () => {
    const cancel = doc.paths['/api/v1/things/{id}/cancel']!.post!;
    expect(Object.keys(cancel.responses)).toEqual(['200', 'default']);
    expect(cancel['x-min-role']).toBe('operator');
    expect(cancel.security).toEqual([{ bearer: [] }]);
    expect(cancel.requestBody!.required).toBe(true);
    const create = doc.paths['/api/v1/things']!.post!;
    expect(Object.keys(create.responses)).toEqual(['201', 'default']);
    expect(create.security).toEqual([]);
    // Every field of TriggerRequest is optional: the body may be left out.
    expect(create.requestBody!.required).toBe(false);
  });

  it('refuses a route without @ApiOperation', () => {
    expect(() =>
      openApiDocument([route('GET', '/api/v1/things/undocumented', 'undocumented', 'admin')], 'api/v1', '1'),
    ).toThrow('GET /api/v1/things/undocumented (ThingsController) has no @ApiOperation');
  });

  it('renders a page that escapes what it shows', () => {
    const page = docsPage(doc, '/api/v1/openapi.json');
    expect(page).toContain('One &lt;part&gt; &amp; its &quot;things&quot;');
    expect(page).not.toContain('<part>');
    expect(page).toContain('<a href="#schema-GridCell">GridCell</a>[]');
    expect(page).toContain('<td><code>?limit</code></td><td>integer 1…50, default 10</td>');
  });
});
