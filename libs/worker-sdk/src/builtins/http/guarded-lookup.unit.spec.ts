import type { LookupAddress } from 'node:dns';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpAddressPolicy } from './address-policy.js';
import { AddressRefusedError, guardedLookup } from './guarded-lookup.js';

// What the system resolver answers next: the test plays a DNS server an attacker controls.
const answers: LookupAddress[][] = [];

vi.mock('node:dns', () => ({
  lookup: (_host: string, _options: object, callback: (error: Error | null, all: LookupAddress[]) => void) =>
    callback(null, answers.shift() ?? []),
}));

type Outcome = { error: Error | null; address?: string | LookupAddress[]; family?: number };

function resolve(hostname: string, all: boolean, policy = HttpAddressPolicy.strict()): Promise<Outcome> {
  return new Promise((done) => {
    guardedLookup(policy)(hostname, { all }, ((
      error: Error | null,
      address?: string | LookupAddress[],
      family?: number,
    ) => done({ error, address, family })) as never);
  });
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });

describe('guardedLookup', () => {
  beforeEach(() => {
    answers.length = 0;
  });

  it('hands the checked addresses to the socket, in both lookup forms', async () => {
    answers.push([v4('93.184.215.14')], [v4('93.184.215.14'), { address: '2606:2800::1', family: 6 }]);
    expect(await resolve('example.test', false)).toEqual({
      error: null,
      address: '93.184.215.14',
      family: 4,
    });
    expect(await resolve('example.test', true)).toEqual({
      error: null,
      address: [v4('93.184.215.14'), { address: '2606:2800::1', family: 6 }],
      family: undefined,
    });
  });

  it('refuses a name when any of its addresses is internal (a mixed answer cannot race to the internal one)', async () => {
    answers.push([v4('93.184.215.14'), v4('127.0.0.1')]);
    const { error } = await resolve('rebind.test', true);
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect(error?.message).toBe('rebind.test resolves to 127.0.0.1, a loopback address');
  });

  it('judges every connection anew: a name that was public and now resolves to metadata is refused', async () => {
    answers.push([v4('93.184.215.14')], [v4('169.254.169.254')]);
    expect((await resolve('rebind.test', false)).error).toBeNull();
    expect((await resolve('rebind.test', false)).error?.message).toBe(
      'rebind.test resolves to 169.254.169.254, a link-local address (cloud metadata endpoints live there)',
    );
  });

  it('lets a listed host name resolve to an internal address', async () => {
    answers.push([v4('10.0.0.7')]);
    const policy = HttpAddressPolicy.parse('api.internal');
    expect(await resolve('api.internal', false, policy)).toEqual({
      error: null,
      address: '10.0.0.7',
      family: 4,
    });
  });
});
