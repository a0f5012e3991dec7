import { ConfigError, describeBytes, parseByteSize } from '@tributary/runtime';

/** The variable that sets the largest params a trigger may carry. */
export const MAX_PARAMS_BYTES_VARIABLE = 'TRIBUTARY_MAX_PARAMS_BYTES';
/** Largest params (UTF-8 JSON) by default: 512 KiB. */
export const DEFAULT_MAX_PARAMS_BYTES = 512 * 1024;
/**
 * Room kept under the NATS server's max_payload for the rest of the largest message params travel in
 * (the trigger, `TriggerAccepted`, a dispatch batch's run context).
 */
export const PARAMS_HEADROOM_BYTES = 256 * 1024;

/** The params limit the api applies: the variable (or 512 KiB), never more than NATS carries with headroom. */
export function paramsLimit(
  maxPayload: number,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { bytes: number; why: string } {
  const value = env[MAX_PARAMS_BYTES_VARIABLE];
  let wanted = DEFAULT_MAX_PARAMS_BYTES;
  if (value !== undefined && value.trim() !== '') {
    const parsed = parseByteSize(value);
    if (parsed === null || parsed < 1)
      throw new ConfigError(
        `${MAX_PARAMS_BYTES_VARIABLE}: "${value}" is not a size in bytes (e.g. 524288, 512KiB, 2MiB)`,
      );
    wanted = parsed;
  }
  const carried = Math.max(1, maxPayload - PARAMS_HEADROOM_BYTES);
  return wanted <= carried
    ? { bytes: wanted, why: `set by ${MAX_PARAMS_BYTES_VARIABLE}` }
    : {
        bytes: carried,
        why: `${MAX_PARAMS_BYTES_VARIABLE} asks ${describeBytes(wanted)}, but the NATS server carries messages of at most ${describeBytes(maxPayload)} (max_payload)`,
      };
}
