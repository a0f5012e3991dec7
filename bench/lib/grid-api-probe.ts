import type { WatchedRun } from '../contenders/contender.js';

/** What the web UI's run page asks the api for, each request's latency (ms) and response size (bytes). */
export type GridRequest = 'run' | 'grid' | 'tasks';

export interface GridProbe {
  ms: Partial<Record<GridRequest, number>>;
  bytes: Partial<Record<GridRequest, number>>;
  /** The three requests sent together, as the page sends them: the first sent → the last answered. */
  pageMs: number;
}

/** One cell of `GET /runs/:id/grid` (the shape of @tributary/api-contract's GridCell). */
interface GridCell {
  group: string | null;
  stage: string;
  counts: Record<string, number>;
}

/** The api does not know the run yet: the planner has not processed its trigger. */
export class RunNotYetError extends Error {
  override name = 'RunNotYetError';
}

/** Size of the virtualised instance list's first page. */
export const FIRST_PAGE = 200;

/**
 * Asks the api what the grid page loads — the run view, the grid's aggregates and the first page of the
 * largest cell's instances — all at once, and times each request. The cell comes from the previous
 * probe's grid (a user opens a cell they saw); until there is one, only the run view and the grid.
 */
export class GridApiProbe {
  private cell: GridCell | undefined;

  constructor(private readonly run: WatchedRun) {}

  async probe(): Promise<GridProbe> {
    const base = `/api/v1/runs/${encodeURIComponent(this.run.runId)}`;
    const paths: [GridRequest, string][] = [
      ['run', base],
      ['grid', `${base}/grid`],
    ];
    if (this.cell) {
      const query = new URLSearchParams({
        group: this.cell.group ?? '-',
        stage: this.cell.stage,
        limit: String(FIRST_PAGE),
      });
      paths.push(['tasks', `${base}/tasks?${query}`]);
    }
    const started = performance.now();
    const answers = await Promise.all(
      paths.map(async ([request, path]) => [request, await this.timedGet(path)] as const),
    );
    const pageMs = performance.now() - started;
    const probe: GridProbe = { ms: {}, bytes: {}, pageMs };
    for (const [request, answer] of answers) {
      probe.ms[request] = answer.ms;
      probe.bytes[request] = answer.bytes;
      if (request === 'grid') this.cell = largestCell(JSON.parse(answer.text) as GridCell[]) ?? this.cell;
    }
    return probe;
  }

  private async timedGet(path: string): Promise<{ ms: number; bytes: number; text: string }> {
    const started = performance.now();
    const response = await fetch(`${this.run.apiUrl}${path}`, {
      headers: { authorization: `Bearer ${this.run.token}` },
    });
    const body = Buffer.from(await response.arrayBuffer());
    const ms = performance.now() - started;
    const text = body.toString('utf8');
    if (response.status === 404) throw new RunNotYetError(`GET ${path}: 404 ${text.slice(0, 300)}`);
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${text.slice(0, 300)}`);
    return { ms, bytes: body.byteLength, text };
  }
}

/** The cell with the most instances (a mapped stage): the list a user of a huge run would open. */
function largestCell(cells: GridCell[]): GridCell | undefined {
  const size = (c: GridCell) => Object.values(c.counts).reduce((a, b) => a + b, 0);
  return cells.reduce<GridCell | undefined>(
    (best, c) => (!best || size(c) > size(best) ? c : best),
    undefined,
  );
}
