/** A dry run's answer: exactly the instances the action would reset. */
export function ClearedPreview({ ids, verb = 'reset' }: { ids: string[]; verb?: string }) {
  if (ids.length === 0) return <p>Nothing would be {verb}.</p>;
  const shown = ids.slice(0, 200);
  return (
    <>
      <p>
        {ids.length} task instance{ids.length === 1 ? '' : 's'} would be {verb}:
      </p>
      <ul className="preview-list" data-testid="dry-run-list">
        {shown.map((id) => (
          <li key={id}>
            <code>{id}</code>
          </li>
        ))}
        {ids.length > shown.length && <li>… and {ids.length - shown.length} more</li>}
      </ul>
    </>
  );
}
