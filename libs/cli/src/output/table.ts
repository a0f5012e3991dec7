/** A column of {@link formatTable}: its header and how to read a cell; numbers align right. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  align?: 'left' | 'right';
}

/** A plain-text table: header, a dashed rule, one line per row; trailing spaces trimmed. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => line[i]!.length)),
  );
  const render = (line: readonly string[]) =>
    line
      .map((cell, i) => {
        const column = columns[i]!;
        const right = column.align === 'right';
        return right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [
    render(columns.map((c) => c.header)),
    render(widths.map((w) => '-'.repeat(w))),
    ...cells.map(render),
  ].join('\n');
}

function cellText(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(/\s+/g, ' ');
}

/** `2024-06-11T10:00:00.123Z` → `2024-06-11 10:00:00`; `-` for null. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

/** Milliseconds between two ISO times as `1.2s`, `3m04s`; null when either is missing. */
export function duration(
  fromIso: string | null | undefined,
  toIso: string | null | undefined,
): string | null {
  if (!fromIso || !toIso) return null;
  return formatMs(Date.parse(toIso) - Date.parse(fromIso));
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** A single-line, shortened JSON value for tables. */
export function brief(value: unknown, max = 60): string {
  if (value === null || value === undefined) return '-';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Pretty JSON with a trailing newline, as every `--json` prints. */
export const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
