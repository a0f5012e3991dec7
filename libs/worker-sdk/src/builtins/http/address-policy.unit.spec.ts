import { describe, expect, it } from 'vitest';
import { HttpAddressPolicy } from './address-policy.js';

const strict = HttpAddressPolicy.strict();
const verdict = (address: string, policy = strict, host = 'example.test') => policy.check(host, address);

describe('HttpAddressPolicy', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.0.9', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['169.254.169.254', 'a link-local address (cloud metadata endpoints live there)'],
    ['fe80::1', 'a link-local address (cloud metadata endpoints live there)'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['fd00:ec2::254', 'a unique-local (private) IPv6 address'],
    ['fc00::1', 'a unique-local (private) IPv6 address'],
    ['100.64.0.1', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['100.100.100.200', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['0.0.0.0', 'an unspecified address'],
    ['::', 'an unspecified address'],
    ['224.0.0.1', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['255.255.255.255', 'the broadcast address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:169.254.169.254', 'a link-local address (cloud metadata endpoints live there)'],
    ['::ffff:a9fe:a9fe', 'a link-local address (cloud metadata endpoints live there)'],
    ['::127.0.0.1', 'a loopback address'],
    ['::7f00:1', 'an IPv4-compatible IPv6 address'],
    ['::ffff:0:7f00:1', 'an IPv4-translated address'],
    ['64:ff9b::7f00:1', 'a NAT64 address (it can reach any IPv4 address, internal ones included)'],
    ['2002:7f00:1::', 'a 6to4 address (it embeds an IPv4 address)'],
    ['168.63.129.16', 'a cloud metadata address (Azure)'],
    ['192.0.0.192', 'a reserved address (reserved)'],
  ])('refuses %s: %s', (address, reason) => {
    expect(verdict(address)).toEqual({ allowed: false, reason });
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'allows the global unicast address %s',
    (address) => {
      expect(verdict(address)).toEqual({ allowed: true });
    },
  );

  it('allows what TRIBUTARY_HTTP_ALLOW lists: CIDRs, single addresses, IPv6, host names', () => {
    const policy = HttpAddressPolicy.parse(' 10.1.0.0/16 , 127.0.0.2,fd00::/8, Api.Internal. ,localhost');
    expect(verdict('10.1.200.3', policy)).toEqual({ allowed: true });
    expect(verdict('::ffff:10.1.0.1', policy)).toEqual({ allowed: true });
    expect(verdict('127.0.0.2', policy)).toEqual({ allowed: true });
    expect(verdict('fd12::1', policy)).toEqual({ allowed: true });
    expect(verdict('10.2.0.1', policy)).toMatchObject({ allowed: false });
    expect(verdict('127.0.0.1', policy)).toMatchObject({ allowed: false });
    // A listed host name may resolve to anything; another name resolving to the same address may not.
    expect(verdict('10.9.9.9', policy, 'api.internal')).toEqual({ allowed: true });
    expect(verdict('127.0.0.1', policy, 'LOCALHOST')).toEqual({ allowed: true });
    expect(verdict('127.0.0.1', policy, 'evil.example')).toMatchObject({ allowed: false });
  });

  it('an IPv4-mapped CIDR covers the IPv4 addresses it maps', () => {
    const policy = HttpAddressPolicy.parse('::ffff:127.0.0.0/104');
    expect(verdict('127.0.0.9', policy)).toEqual({ allowed: true });
  });

  it('an empty or unset list allows nothing internal', () => {
    expect(verdict('127.0.0.1', HttpAddressPolicy.parse(''))).toMatchObject({ allowed: false });
    expect(verdict('127.0.0.1', HttpAddressPolicy.parse(undefined))).toMatchObject({ allowed: false });
  });

  it.each(['127.1', '0x7f.0.0.1', '10.0.0.0/33', '10.0.0.0/x', 'http://x', 'a b', '-bad.example'])(
    'refuses the entry %j with a precise error',
    (entry) => {
      expect(() => HttpAddressPolicy.parse(`127.0.0.1,${entry}`)).toThrow(
        `TRIBUTARY_HTTP_ALLOW: entry ${JSON.stringify(entry)} is neither a CIDR (10.0.0.0/8, fd00::/8), an address nor a host name`,
      );
    },
  );
});
