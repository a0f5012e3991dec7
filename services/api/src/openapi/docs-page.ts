import type { OpenApiDocument, OpenApiOperation } from './openapi-document.js';

/*
 * The reference page is rendered here, on the server, from the OpenAPI document: no script at all. The
 * interactive renderers were weighed and left out: @scalar/api-reference pulls in about thirty packages
 * (Vue, its API client, ...) and redoc needs React, react-dom, react-router and styled-components, a large
 * dependency tree for one page, while the document itself is the contract any such tool can load.
 */

const escape = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** `#/components/schemas/RunViewBody` → a link to its section; arrays as `RunViewBody[]`. */
function schemaLabel(schema: unknown): string {
  const s = schema as { $ref?: string; type?: string; items?: { $ref?: string } };
  const name = (ref: string) => ref.split('/').pop()!;
  if (s.$ref) return `<a href="#schema-${escape(name(s.$ref))}">${escape(name(s.$ref))}</a>`;
  if (s.type === 'array' && s.items?.$ref)
    return `<a href="#schema-${escape(name(s.items.$ref))}">${escape(name(s.items.$ref))}</a>[]`;
  return escape(s.type ?? 'any');
}

function contentLabel(content: Record<string, { schema: unknown }> | undefined): string {
  if (!content) return '';
  return Object.entries(content)
    .map(([type, { schema }]) => `${schemaLabel(schema)} <small>(${escape(type)})</small>`)
    .join(', ');
}

/** A parameter's schema in words: `1…1000, default 100`, `a | b`, `string, at most 256 characters`. */
function valuesOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.join(' | ');
  const parts = [String(schema.type)];
  if (schema.minimum !== undefined || schema.maximum !== undefined)
    parts[0] = `${String(schema.type)} ${String(schema.minimum ?? '')}…${String(schema.maximum ?? '')}`;
  if (schema.default !== undefined) parts.push(`default ${String(schema.default)}`);
  if (schema.maxLength !== undefined) parts.push(`at most ${String(schema.maxLength)} characters`);
  if (schema.pattern !== undefined) parts.push(`matching ${String(schema.pattern)}`);
  return parts.join(', ');
}

function operationHtml(path: string, method: string, op: OpenApiOperation): string {
  const params = (op.parameters ?? [])
    .map((p) => {
      const values = valuesOf(p.schema);
      return `<tr><td><code>${escape(p.in === 'query' ? `?${p.name}` : `{${p.name}}`)}</code></td><td>${escape(values)}</td><td>${escape(p.description ?? '')}</td></tr>`;
    })
    .join('');
  const responses = Object.entries(op.responses)
    .map(
      ([status, r]) =>
        `<li><b>${escape(status)}</b> ${contentLabel(r.content) || escape(r.description)}</li>`,
    )
    .join('');
  return `<section class="op" id="${escape(op.operationId)}">
<h3><span class="method ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code> <span class="role">${escape(op['x-min-role'])}</span></h3>
<p>${escape(op.summary)}</p>${op.description ? `<p>${escape(op.description)}</p>` : ''}
${params ? `<table><tr><th>parameter</th><th>values</th><th></th></tr>${params}</table>` : ''}
${op.requestBody ? `<p>Body: ${contentLabel(op.requestBody.content)}</p>` : ''}
<ul>${responses}</ul>
</section>`;
}

/** A self-contained HTML page listing every operation of `doc`, then every schema. */
export function docsPage(doc: OpenApiDocument, documentUrl: string): string {
  const operations = Object.entries(doc.paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => operationHtml(path, method, op)),
    )
    .join('\n');
  const schemas = Object.entries(doc.components.schemas)
    .map(
      ([name, schema]) =>
        `<section id="schema-${escape(name)}"><h3>${escape(name)}</h3><pre>${escape(JSON.stringify(schema, null, 2))}</pre></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(doc.info.title)} ${escape(doc.info.version)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
.op { border-top: 1px solid #ddd; padding: .5rem 0; }
.method { display: inline-block; min-width: 4rem; font-size: .8rem; padding: .1rem .3rem; color: #fff; background: #555; }
.get { background: #2a6f97; } .post { background: #2d6a4f; } .delete { background: #9d0208; }
.role { font-size: .8rem; color: #666; font-weight: normal; }
table { border-collapse: collapse; } td, th { text-align: left; padding: .1rem .6rem .1rem 0; vertical-align: top; }
pre { background: #f5f5f5; padding: .5rem; overflow: auto; font-size: .8rem; }
</style>
</head>
<body>
<h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description)}</p>
<p>The OpenAPI ${escape(doc.openapi)} document: <a href="${escape(documentUrl)}">${escape(documentUrl)}</a></p>
<h2>Operations</h2>
${operations}
<h2>Schemas</h2>
${schemas}
</body>
</html>
`;
}
