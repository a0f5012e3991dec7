import ipaddr from 'ipaddr.js';

/** The variable listing the addresses and host names the `http` built-in may reach although internal. */
export const HTTP_ALLOW_VARIABLE = 'TRIBUTARY_HTTP_ALLOW';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/** Why an address is refused, said so an operator can tell what it is. */
const RANGE_NAMES: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (cloud metadata endpoints live there)',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  private: 'a private address',
  uniqueLocal: 'a unique-local (private) IPv6 address',
  deprecatedSiteLocal: 'a site-local IPv6 address',
  rfc6052: 'a NAT64 address (it can reach any IPv4 address, internal ones included)',
  rfc6145: 'an IPv4-translated address',
  '6to4': 'a 6to4 address (it embeds an IPv4 address)',
  teredo: 'a Teredo address (it embeds an IPv4 address)',
};

/**
 * Addresses that ipaddr.js calls unicast but that must not be reached either: cloud metadata
 * endpoints outside the special ranges, and the deprecated IPv4-compatible IPv6 form (::a.b.c.d).
 */
const EXTRA_REFUSED: { cidr: Cidr; name: string }[] = [
  { cidr: ipaddr.parseCIDR('168.63.129.16/32'), name: 'a cloud metadata address (Azure)' },
  { cidr: ipaddr.parseCIDR('::/96'), name: 'an IPv4-compatible IPv6 address' },
];

/** The verdict on one address: allowed, or refused with the reason. */
export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * Which addresses the `http` built-in may connect to (SSRF defence): only global unicast ones,
 * unless TRIBUTARY_HTTP_ALLOW lists the address (a CIDR or a single address) or the host name.
 * IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are judged as the IPv4 address they carry.
 */
export class HttpAddressPolicy {
  private constructor(
    private readonly allowedRanges: Cidr[],
    private readonly allowedHosts: Set<string>,
  ) {}

  /** No exceptions: only global unicast addresses. */
  static strict(): HttpAddressPolicy {
    return new HttpAddressPolicy([], new Set());
  }

  /**
   * Parses a comma-separated list of CIDRs (`10.1.0.0/16`), addresses (`127.0.0.1`, `::1`) and host
   * names (`localhost`, `api.internal`); throws an Error naming the variable and the bad entry.
   */
  static parse(list: string | undefined, source: string = HTTP_ALLOW_VARIABLE): HttpAddressPolicy {
    const ranges: Cidr[] = [];
    const hosts = new Set<string>();
    for (const raw of (list ?? '').split(',')) {
      const entry = raw.trim();
      if (entry === '') continue;
      const range = parseRange(entry);
      if (range !== undefined) ranges.push(range);
      else if (isHostName(entry)) hosts.add(normalizeHost(entry));
      else {
        throw new Error(
          `${source}: entry ${JSON.stringify(entry)} is neither a CIDR (10.0.0.0/8, fd00::/8), an address nor a host name`,
        );
      }
    }
    return new HttpAddressPolicy(ranges, hosts);
  }

  /** The policy TRIBUTARY_HTTP_ALLOW describes right now. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): HttpAddressPolicy {
    return HttpAddressPolicy.parse(env[HTTP_ALLOW_VARIABLE]);
  }

  /** True when the host name itself is listed: whatever it resolves to may be reached. */
  allowsHost(hostname: string): boolean {
    return this.allowedHosts.has(normalizeHost(hostname));
  }

  /** Judges one resolved address (or IP literal) reached under `hostname`. */
  check(hostname: string, address: string): AddressVerdict {
    if (this.allowsHost(hostname)) return { allowed: true };
    let parsed: Address;
    try {
      parsed = ipaddr.process(address);
    } catch {
      return { allowed: false, reason: 'not an IP address' };
    }
    if (this.allowedRanges.some((range) => sameKindMatch(parsed, range))) return { allowed: true };
    const range = parsed.range();
    if (range !== 'unicast')
      return { allowed: false, reason: RANGE_NAMES[range] ?? `a reserved address (${range})` };
    const extra = EXTRA_REFUSED.find(({ cidr }) => sameKindMatch(parsed, cidr));
    return extra === undefined ? { allowed: true } : { allowed: false, reason: extra.name };
  }
}

/** A CIDR or a single address (as /32 or /128); undefined when the entry is neither. */
function parseRange(entry: string): Cidr | undefined {
  if (entry.includes('/')) {
    const [address = ''] = entry.split('/');
    if (!isStrictAddress(address) || !ipaddr.isValidCIDR(entry)) return undefined;
    const [parsed, bits] = ipaddr.parseCIDR(entry);
    return [unmapped(parsed), parsed.kind() === 'ipv6' && isMapped(parsed) ? bits - 96 : bits];
  }
  if (!isStrictAddress(entry)) return undefined;
  const parsed = unmapped(ipaddr.parse(entry));
  return [parsed, parsed.kind() === 'ipv4' ? 32 : 128];
}

// ipaddr.js also accepts `127.1` and `0x7f.0.0.1`; an allow list should say what it means.
function isStrictAddress(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
}

function isMapped(address: Address): boolean {
  return address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress();
}

function unmapped(address: Address): Address {
  return address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

function sameKindMatch(address: Address, [network, bits]: Cidr): boolean {
  return address.kind() === network.kind() && address.match(network, bits);
}

const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

// A name whose last label is a number is an IPv4 address to URL parsers (`127.1`, `0x7f.1`): not a host name.
const NUMERIC_LABEL = /^(0x[0-9a-f]*|[0-9]+)$/i;

function isHostName(entry: string): boolean {
  const labels = normalizeHost(entry).split('.');
  return HOST_NAME.test(entry) && !NUMERIC_LABEL.test(labels[labels.length - 1] ?? '');
}

// `Example.COM.` and `example.com` are the same host.
function normalizeHost(hostname: string): string {
  const lower = hostname.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
