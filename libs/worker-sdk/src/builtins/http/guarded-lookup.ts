import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { HttpAddressPolicy } from './address-policy.js';

/** A connection the address policy refused: the host, the address it resolved to, and why. */
export class AddressRefusedError extends Error {
  override readonly name = 'AddressRefusedError';

  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(hostname === address ? `${address} is ${reason}` : `${hostname} resolves to ${address}, ${reason}`);
  }
}

/**
 * Judges an IP literal host before connecting: Node calls no lookup for those, so the policy
 * must see them here. Host names are judged by {@link guardedLookup} instead.
 */
export function assertLiteralAllowed(policy: HttpAddressPolicy, hostname: string): void {
  const address = unbracketed(hostname);
  if (isIP(address) === 0) return;
  const verdict = policy.check(address, address);
  if (!verdict.allowed) throw new AddressRefusedError(address, address, verdict.reason);
}

/**
 * A `lookup` for net/http that resolves with the system resolver, then refuses the whole
 * connection if any resolved address is refused. The socket connects to exactly the addresses
 * judged here, so a DNS answer that changes between a check and the connect (rebinding) cannot
 * slip an internal address through.
 */
export function guardedLookup(policy: HttpAddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      for (const { address } of addresses) {
        const verdict = policy.check(hostname, address);
        if (!verdict.allowed) {
          callback(new AddressRefusedError(hostname, address, verdict.reason), '', 0);
          return;
        }
      }
      if (options.all) {
        (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, addresses);
        return;
      }
      const [first] = addresses;
      if (first === undefined) {
        callback(
          Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND' }),
          '',
          0,
        );
        return;
      }
      callback(null, first.address, first.family);
    });
  };
}

/** `[::1]` (a URL's hostname) → `::1`. */
export function unbracketed(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
