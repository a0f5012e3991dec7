export { InfrastructureUnavailableError } from './infrastructure/infrastructure-unavailable.error.js';
export { DOCKER_SOCKET, isDockerAvailable } from './infrastructure/docker-available.js';
export { isUnreachableError } from './infrastructure/unreachable-error.js';
export { redactUrl } from './infrastructure/redact-url.js';
export {
  createTestDatabase,
  DEFAULT_TEST_DATABASE_URL,
  START_LOCAL_POSTGRES_COMMAND,
  TEST_DATABASE_PREFIX,
  type CreateTestDatabaseOptions,
  type TestDatabase,
} from './postgres/test-database.js';
export {
  POSTGRES_IMAGE,
  startPostgresContainer,
  type PostgresContainer,
} from './postgres/postgres-container.js';
export { useTestDatabase } from './postgres/use-test-database.js';
export { createTestRoles, type TestRoles } from './postgres/test-roles.js';
export {
  createTestNats,
  createTestPrefix,
  deleteStreamsWithPrefix,
  DEFAULT_TEST_NATS_URL,
  type CreateTestNatsOptions,
  type TestNats,
} from './nats/test-nats.js';
export { NATS_IMAGE, startNatsContainer, type NatsContainer } from './nats/nats-container.js';
export { useTestNats } from './nats/use-test-nats.js';
export {
  readStream,
  storedOn,
  waitForConsumerIdle,
  type StoredMessage,
} from './nats/jetstream-inspection.js';
export { writeGatherHandlerModule } from './handlers/handler-module.js';
export { eventually, sleep } from './eventually.js';
