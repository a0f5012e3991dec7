import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { eprintln, println, type CliContext } from '../context.js';
import { ApiError, EXIT_FAILED, formatSpecProblem } from '../errors.js';
import { jsonText } from '../output/table.js';
import { PIPELINE_SPEC_HELP } from './pipelines-apply-help.js';
import { apiClientFor, withApiOptions, withJson, type ApiOptions } from './shared.js';

interface ApplyOptions extends ApiOptions {
  json?: boolean;
}

interface Applied {
  id: string;
  version: number;
  created: boolean;
  /** Not errors: e.g. an executor no live host serves (hosts may start later). */
  warnings?: Array<{ path: string; message: string }>;
}

export function registerPipelinesApply(pipelines: Command, ctx: CliContext): void {
  withJson(
    withApiOptions(
      pipelines
        .command('apply')
        .description(
          'validate and store pipeline specs (YAML or JSON); a changed file becomes a new version; ' +
            'warns (stderr, still stored) about executors no live host serves',
        )
        .argument('<file...>', 'pipeline spec files')
        .addHelpText('after', PIPELINE_SPEC_HELP),
    ),
  ).action(async (files: string[], options: ApplyOptions) => {
    ctx.exitCode = await pipelinesApply(ctx, files, options);
  });
}

/** Applies each file; prints `file:line:column path: message` per problem; 1 when any file failed. */
export async function pipelinesApply(
  ctx: CliContext,
  files: readonly string[],
  options: ApplyOptions,
): Promise<number> {
  const client = apiClientFor(ctx, options);
  let failed = 0;
  const results: Array<{ file: string } & (Applied | { error: unknown })> = [];
  for (const file of files) {
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (error) {
      failed += 1;
      eprintln(ctx, `${file}: cannot read: ${(error as Error).message}`);
      results.push({ file, error: { code: 'unreadable', message: (error as Error).message } });
      continue;
    }
    try {
      const applied = await client.post<Applied>('/pipelines', source, 'application/yaml');
      results.push({ file, ...applied });
      if (!options.json) {
        println(
          ctx,
          `${file}: pipeline ${applied.id} version ${applied.version} ${applied.created ? 'created' : 'unchanged'}`,
        );
      }
      for (const warning of applied.warnings ?? [])
        eprintln(ctx, `${file} ${warning.path || '/'}: warning: ${warning.message}`);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 0) throw error;
      failed += 1;
      results.push({ file, error: { code: error.code, message: error.message, details: error.details } });
      for (const detail of error.details) eprintln(ctx, formatSpecProblem(file, detail));
      eprintln(ctx, `${file}: ${error.code}: ${error.message}`);
    }
  }
  if (options.json) ctx.io.out(jsonText(results));
  if (failed > 0 && files.length > 1) eprintln(ctx, `${failed} of ${files.length} files failed`);
  return failed > 0 ? EXIT_FAILED : 0;
}
