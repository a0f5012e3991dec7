import { assertSubjectToken } from '@tributary/events';
import { notFound } from '../http/api-error.js';
import { pathParam } from '../http/fields.js';

/** The `:id` of a run route. Run ids are NATS subject tokens, so anything else names no run (404). */
export function runIdParam(id: string | undefined): string {
  const runId = pathParam('id', id, 256);
  try {
    return assertSubjectToken('run id', runId);
  } catch (error) {
    throw notFound(`run ${runId} does not exist: ${(error as Error).message}`);
  }
}
