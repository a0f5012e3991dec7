import { diffLines } from 'diff';
import { useState } from 'react';
import { useSession } from '../session/session';
import { ErrorNote } from '../ui/ErrorNote';
import { useApi } from '../ui/use-api';

interface Stored {
  version: number;
  source: string;
}

/** The source of two versions of a pipeline, line by line (added / removed), as applied. */
export function VersionDiff({ pipelineId, versions }: { pipelineId: string; versions: number[] }) {
  const { client } = useSession();
  const [a, setA] = useState(versions[1] ?? versions[0]!);
  const [b, setB] = useState(versions[0]!);
  const id = encodeURIComponent(pipelineId);
  const sources = useApi(`${pipelineId}:${a}:${b}`, (signal) =>
    Promise.all([a, b].map((v) => client.get<Stored>(`/pipelines/${id}`, { version: v }, signal))),
  );
  const parts = sources.data ? diffLines(sources.data[0]!.source, sources.data[1]!.source) : [];
  const pick = (value: number, set: (v: number) => void, label: string) => (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => set(Number(e.target.value))}>
        {versions.map((v) => (
          <option key={v} value={v}>
            v{v}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <section aria-labelledby="diff-title">
      <h2 id="diff-title">Versions</h2>
      <div className="filters">
        {pick(a, setA, 'From')}
        {pick(b, setB, 'to')}
      </div>
      <ErrorNote error={sources.error} />
      <pre className="diff" aria-label={`Differences from v${a} to v${b}`}>
        {parts.map((part, i) => (
          <span key={i} className={part.added ? 'added' : part.removed ? 'removed' : undefined}>
            {part.value
              .replace(/\n$/, '')
              .split('\n')
              .map((line) => `${part.added ? '+ ' : part.removed ? '- ' : '  '}${line}`)
              .join('\n') + '\n'}
          </span>
        ))}
      </pre>
    </section>
  );
}
