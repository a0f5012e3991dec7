import { sql, type Kysely } from 'kysely';
import { EventStoreError } from '../errors/event-store.error.js';
import { serviceGrantStatements, type GrantedService } from './service-grants.js';

/**
 * Gives each role exactly its service's rights on the current schema, in one transaction (run after the
 * migrations, as the owner: new tables need their grants). The roles must exist.
 */
export async function applyServiceGrants(
  db: Kysely<any>,
  grants: ReadonlyArray<{ service: GrantedService; role: string }>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const { service, role } of grants) {
      for (const statement of serviceGrantStatements(service, role)) {
        try {
          await sql.raw(statement).execute(trx);
        } catch (error) {
          throw EventStoreError.from(
            error,
            `cannot grant ${service}'s rights to role ${role} (${statement})`,
          );
        }
      }
    }
  });
}
