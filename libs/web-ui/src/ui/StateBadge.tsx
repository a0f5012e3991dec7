import { stateColor } from './task-states';

/** A state as text on its colour (the text says it; the colour only helps). */
export function StateBadge({ state }: { state: string }) {
  return (
    <span className="badge" style={{ borderColor: stateColor(state) }}>
      <span className="dot" style={{ background: stateColor(state) }} aria-hidden="true" />
      {state}
    </span>
  );
}
