/** The human-readable consolidated report the demo prints at the end. */
import type { ConsolidatedReport } from './model.js';

const fixed = (value: number | null | undefined, digits = 3): string => (typeof value === 'number' ? value.toFixed(digits) : '-');

function table(header: string[], rows: string[][], rightAligned: ReadonlySet<number>): string[] {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

/** Pure: the same report always gives the same text. */
export function formatConsolidatedReport(output: ConsolidatedReport): string {
  const lines: string[] = [];
  const ok = output.markets.length - output.failedMarkets.length;
  lines.push(
    `Search quality — ${output.markets.length} market${output.markets.length === 1 ? '' : 's'}, ${ok} succeeded` +
      (output.partial ? ' (PARTIAL: some markets failed)' : ''),
    '',
  );
  lines.push(
    ...table(
      ['market', 'state', 'queries', 'nDCG@10', 'P@5', 'NER mismatch'],
      output.markets.map((m) => [m.market, m.state, m.queries === null ? '-' : String(m.queries), fixed(m.meanNdcg), fixed(m.meanPrecisionAt5), fixed(m.nerMismatchRate)]),
      new Set([2, 3, 4, 5]),
    ),
  );
  lines.push('', `Brands with nDCG@10 below ${output.threshold} in ${output.minMarkets}+ markets:`);
  if (output.lowBrands.length === 0) {
    lines.push('  none');
  } else {
    lines.push(
      ...table(
        ['brand', 'low in', 'mean nDCG', 'nDCG per market'],
        output.lowBrands.map((b) => [
          b.brand,
          b.markets.join(', '),
          fixed(b.meanNdcg),
          Object.entries(b.scores)
            .map(([market, score]) => `${market} ${fixed(score, 2)}`)
            .join(' · '),
        ]),
        new Set([2]),
      ).map((line) => `  ${line}`),
    );
  }
  lines.push('', `Failed markets: ${output.failedMarkets.length === 0 ? 'none' : output.failedMarkets.join(', ')}`);
  return lines.join('\n');
}
