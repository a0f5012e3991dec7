/**
 * What each service's database role may do (least privilege, issue #10). Read from the code of each
 * service: its repositories, the event-store functions it calls and its dead-letter recorder. Services
 * never UPDATE, DELETE or TRUNCATE `event_log` (migration 013 refuses it from any role too), write only
 * their own projections, and read what they show or fold. `tributary migrate --grant` applies these.
 */
export const GRANTED_SERVICES = ['planner', 'executor', 'fan-in', 'consolidator', 'api'] as const;
export type GrantedService = (typeof GRANTED_SERVICES)[number];

export type TablePrivilege = 'select' | 'insert' | 'update' | 'delete';

/** Serial columns' sequences: a role that inserts into the table needs USAGE on it. */
export const TABLE_SEQUENCES: Readonly<Record<string, string>> = {
  event_log: 'event_log_seq_seq',
  outbox: 'outbox_id_seq',
  task_logs: 'task_logs_id_seq',
  dead_letters: 'dead_letters_id_seq',
};

const READ: readonly TablePrivilege[] = ['select'];
const APPEND: readonly TablePrivilege[] = ['select', 'insert'];
const UPSERT: readonly TablePrivilege[] = ['select', 'insert', 'update'];
const OWN: readonly TablePrivilege[] = ['select', 'insert', 'update', 'delete'];
/** Dead letters are recorded (`insert … on conflict do nothing`), never read back by services. */
const RECORD: readonly TablePrivilege[] = ['insert'];

/** Per service, per table, the privileges its role gets; any table not named: none. */
export const SERVICE_GRANTS: Readonly<
  Record<GrantedService, Readonly<Record<string, readonly TablePrivilege[]>>>
> = {
  // The only writer of run state: appends events, projects runs/groups/task instances, keeps limits.
  planner: {
    kysely_migration: READ,
    event_log: APPEND,
    run_streams: UPSERT,
    runs: UPSERT,
    groups: UPSERT,
    task_instances: OWN,
    // Kept by task_instances' triggers (migration 016), which run with the writer's rights.
    run_cells: UPSERT,
    task_logs: APPEND,
    outbox: OWN,
    pools: UPSERT,
    pipelines: READ,
    dead_letters: RECORD,
  },
  // Stateless: only records the messages it gives up on.
  executor: {
    kysely_migration: READ,
    dead_letters: RECORD,
  },
  // Its own counters (fan_in_*); reads the log, runs and the consolidation's state; publishes through the outbox.
  'fan-in': {
    kysely_migration: READ,
    fan_in_runs: UPSERT,
    fan_in_groups: UPSERT,
    fan_in_blocks: UPSERT,
    event_log: READ,
    run_streams: READ,
    runs: READ,
    task_instances: READ,
    pipelines: READ,
    outbox: OWN,
    dead_letters: RECORD,
  },
  // Folds the run from the log to hand the consolidation its groups' outputs.
  consolidator: {
    kysely_migration: READ,
    event_log: READ,
    run_streams: READ,
    runs: READ,
    fan_in_runs: READ,
    pipelines: READ,
    dead_letters: RECORD,
  },
  // Reads everything it shows; writes pipelines, tokens and its trigger receipts.
  api: {
    kysely_migration: READ,
    event_log: READ,
    run_streams: READ,
    runs: READ,
    groups: READ,
    task_instances: READ,
    run_cells: READ,
    task_logs: READ,
    pipelines: APPEND,
    api_tokens: UPSERT,
    accepted_triggers: OWN,
  },
};

/**
 * Tables no service role may touch: the migrations' lock (`tributary migrate`), and the audit checkpoints
 * that `tributary audit checkpoint` writes (an operator, as the owner or an auditor role of their own).
 */
export const OWNER_ONLY_TABLES: readonly string[] = [
  'kysely_migration_lock',
  'audit_checkpoints',
  'audit_checkpoint_heads',
];

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A role name usable unquoted in SQL, or an Error saying why not. */
export function checkRoleName(role: string): void {
  if (!ROLE_NAME.test(role)) {
    throw new Error(
      `database role "${role}" is not a plain role name (lower-case letters, digits and _, starting with a letter or _, at most 63)`,
    );
  }
}

/**
 * The SQL that gives `role` exactly the rights of `service`: everything it had on the schema's tables and
 * sequences is revoked first, so re-running after an upgrade also removes rights no longer needed.
 */
export function serviceGrantStatements(service: GrantedService, role: string): string[] {
  checkRoleName(role);
  const grants = SERVICE_GRANTS[service];
  const statements = [
    `revoke all on all tables in schema public from ${role}`,
    `revoke all on all sequences in schema public from ${role}`,
    `grant usage on schema public to ${role}`,
  ];
  for (const [table, privileges] of Object.entries(grants)) {
    statements.push(`grant ${privileges.join(', ')} on table ${table} to ${role}`);
    const sequence = TABLE_SEQUENCES[table];
    if (sequence !== undefined && privileges.includes('insert'))
      statements.push(`grant usage on sequence ${sequence} to ${role}`);
  }
  return statements;
}

/** `planner=tributary_planner` → { service, role }, or an Error naming what is wrong. */
export function parseServiceRole(text: string): { service: GrantedService; role: string } {
  const match = /^([^=]+)=(.+)$/.exec(text);
  if (!match) throw new Error(`--grant "${text}": expected <service>=<role>, e.g. planner=tributary_planner`);
  const service = match[1]!.trim();
  if (!(GRANTED_SERVICES as readonly string[]).includes(service)) {
    throw new Error(
      `--grant "${text}": unknown service "${service}" (one of ${GRANTED_SERVICES.join(', ')})`,
    );
  }
  const role = match[2]!.trim();
  checkRoleName(role);
  return { service: service as GrantedService, role };
}

/** The role name `deploy/postgres/roles.sql` creates for a service: `tributary_fan_in` for `fan-in`. */
export function defaultServiceRole(service: GrantedService): string {
  return `tributary_${service.replace('-', '_')}`;
}
