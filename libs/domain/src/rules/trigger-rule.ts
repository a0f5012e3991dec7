/** Airflow's twelve trigger rules, with Airflow's exact semantics (SEMANTICS.md). */
export const TRIGGER_RULES = [
  'all_success',
  'all_failed',
  'all_done',
  'all_done_min_one_success',
  'all_skipped',
  'one_success',
  'one_failed',
  'one_done',
  'none_failed',
  'none_failed_min_one_success',
  'none_skipped',
  'always',
] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

export const isTriggerRule = (value: unknown): value is TriggerRule =>
  typeof value === 'string' && (TRIGGER_RULES as readonly string[]).includes(value);
