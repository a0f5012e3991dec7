/** A NATS server started by testcontainers for this process. */
export interface NatsContainer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Same minor version as the Debian server Tributary must run on (no 2.10+ features). */
export const NATS_IMAGE = 'nats:2.9-alpine';

/** Starts `nats:2.9-alpine -js`; testcontainers is imported only when this runs. */
export async function startNatsContainer(): Promise<NatsContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(NATS_IMAGE)
    .withCommand(['-js'])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  return {
    url: `nats://${container.getHost()}:${container.getMappedPort(4222)}`,
    stop: async () => {
      await container.stop();
    },
  };
}
