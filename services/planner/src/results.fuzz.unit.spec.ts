import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create } from '@bufbuild/protobuf';
import { jsonProblem, textProblem, type RunCommand } from '@tributary/domain';
import { AttemptOutcome, AttemptResultSchema, timestampFromEpochMs } from '@tributary/events';
import { commandsOf } from './results.handler.js';

/** `FUZZ_RUNS=100000 npx vitest run --root services/planner results.fuzz` fuzzes longer. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

// Text with what breaks storage: NUL, control characters, lone surrogates, paired ones.
const hostileChar = fc.constantFrom(
  '\u0000',
  '\u0001',
  '\u001f',
  '\ud800',
  '\udfff',
  '😀',
  'é',
  '.',
  '*',
  '>',
  ' ',
);
const hostileText = fc
  .array(fc.oneof(fc.string({ maxLength: 4 }), hostileChar), { maxLength: 12 })
  .map((parts) => parts.join(''));
const hostileJson: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => new TextEncoder().encode(JSON.stringify(v))),
  hostileText.map((t) => new TextEncoder().encode(JSON.stringify({ t, [t]: [t] }))),
  fc
    .constantFrom('{"__proto__":{"x":1}}', '{"a":"\\u0000"}', '"\\ud800"', '[[[[[[', 'not json', '')
    .map((t) => new TextEncoder().encode(t)),
  fc.uint8Array({ maxLength: 32 }),
);

const result = fc.record({
  attemptId: fc.oneof(hostileText, fc.constant('run-1/work[0]#1')),
  runId: fc.oneof(hostileText, fc.constant('run-1')),
  taskId: fc.oneof(hostileText, fc.constant('work[0]')),
  attempt: fc.integer({ min: -2, max: 2 ** 31 - 1 }),
  outcome: fc.constantFrom(
    ...Object.values(AttemptOutcome).filter((v): v is AttemptOutcome => typeof v === 'number'),
  ),
  outputJson: hostileJson,
  error: fc.option(fc.record({ message: hostileText, type: hostileText, retryable: fc.boolean() }), {
    nil: undefined,
  }),
  host: hostileText,
  executor: hostileText,
  consolidationRound: fc.nat(3),
  startedAt: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: undefined }),
});

/** Every string a command will store. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

describe('the handler result path, fuzzed (issue #8)', () => {
  it('turns any result into commands whose text and outputs Postgres can store, never throwing', () => {
    fc.assert(
      fc.property(result, (r) => {
        const message = create(AttemptResultSchema, {
          ...r,
          startedAt: r.startedAt === undefined ? undefined : timestampFromEpochMs(r.startedAt),
        });
        const commands = commandsOf(message).map((c) => c.command as RunCommand);
        for (const command of commands) {
          for (const text of strings({ ...command, output: undefined })) expect(textProblem(text)).toBeNull();
          if ('output' in command && command.output !== undefined)
            expect(jsonProblem(command.output)).toBeNull();
        }
      }),
      { seed: 8, numRuns: RUNS },
    );
  });
});
