import { stateColor, TASK_STATE_ORDER, total } from './task-states';

/** Counts per state as one bar, each state's share its width; the title and label say the numbers. */
export function StackedBar({ counts }: { counts: Record<string, number> }) {
  const sum = total(counts);
  const parts = TASK_STATE_ORDER.filter((s) => (counts[s] ?? 0) > 0);
  const text = parts.map((s) => `${counts[s]} ${s}`).join(', ');
  return (
    <span className="stacked-bar" role="img" aria-label={text} title={text}>
      {parts.map((state) => (
        <span
          key={state}
          style={{ width: `${(100 * counts[state]!) / sum}%`, background: stateColor(state) }}
        />
      ))}
    </span>
  );
}
