import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { recordingContext } from '../test-support.js';
import { parseGrants, printGrants } from './run-migrate.js';

const ROLES_SQL = fileURLToPath(new URL('../../../../deploy/postgres/roles.sql', import.meta.url));

describe('deploy/postgres/roles.sql', () => {
  it('carries the grants `tributary migrate --print-grants` prints (regenerate the block when this fails)', async () => {
    const ctx = recordingContext();
    expect(await printGrants(ctx, [])).toBe(0);
    const file = readFileSync(ROLES_SQL, 'utf8');
    const block = /-- BEGIN GENERATED: tributary migrate --print-grants\n([\s\S]*)-- END GENERATED\n/.exec(
      file,
    )?.[1];
    expect(block).toBe(ctx.stdout());
  });

  it('never grants UPDATE or DELETE on event_log, and creates the roles it grants to', async () => {
    const file = readFileSync(ROLES_SQL, 'utf8');
    expect(file).not.toMatch(/grant [^;]*(update|delete|truncate)[^;]* on table event_log/);
    for (const role of file.matchAll(/ to (tributary_[a-z_]+);/g))
      expect(file).toContain(`create role ${role[1]} login`);
  });

  it('prints the grants of given roles only, and refuses a bad --grant as a usage error', async () => {
    const ctx = recordingContext();
    await printGrants(ctx, await parseGrants(['executor=exec_role']));
    expect(ctx.stdout()).toBe(
      [
        '-- executor',
        'revoke all on all tables in schema public from exec_role;',
        'revoke all on all sequences in schema public from exec_role;',
        'grant usage on schema public to exec_role;',
        'grant select on table kysely_migration to exec_role;',
        'grant insert on table dead_letters to exec_role;',
        'grant usage on sequence dead_letters_id_seq to exec_role;',
        '',
      ].join('\n'),
    );
    await expect(parseGrants(['planner'])).rejects.toMatchObject({
      exitCode: 2,
      message: '--grant "planner": expected <service>=<role>, e.g. planner=tributary_planner',
    });
    await expect(parseGrants(['planner=x; drop table runs'])).rejects.toThrow(
      'database role "x; drop table runs" is not a plain role name',
    );
  });
});
