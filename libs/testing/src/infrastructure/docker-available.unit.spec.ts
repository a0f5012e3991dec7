import { describe, expect, it } from 'vitest';
import { DOCKER_SOCKET, isDockerAvailable } from './docker-available.js';

describe('isDockerAvailable', () => {
  it('is true when DOCKER_HOST is set, whatever the socket', () => {
    expect(isDockerAvailable({ DOCKER_HOST: 'tcp://10.0.0.1:2375' }, () => false)).toBe(true);
  });

  it('is true when the default socket exists', () => {
    expect(isDockerAvailable({}, (path) => path === DOCKER_SOCKET)).toBe(true);
  });

  it('is false with neither (an empty DOCKER_HOST does not count)', () => {
    expect(isDockerAvailable({ DOCKER_HOST: '' }, () => false)).toBe(false);
  });
});
