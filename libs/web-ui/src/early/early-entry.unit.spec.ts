import { describe, expect, it } from 'vitest';
import { TOKEN_KEY, tokenOfFragment } from '../session/token-storage';
import { earlyToken, runOfPath } from './early-entry';
import { EARLY_FRESH_MS, earlyFits } from './early-requests';

describe('the early entry', () => {
  const stored = (key: string) => (key === TOKEN_KEY ? 'stored-token' : null);

  it('reads the token as the app does: the fragment first, else the stored one', () => {
    for (const hash of ['', '#', '#token=abc', '#x=1&token=a%2Fb', '#token=%E0%A4%A', '#tokens=1', '#token='])
      expect(earlyToken(hash, stored)).toBe(tokenOfFragment(hash) ?? 'stored-token');
    expect(earlyToken('#token=abc', stored)).toBe('abc');
    expect(earlyToken('', () => null)).toBeNull();
  });

  it('knows a run page by its path, and its run id decoded', () => {
    expect(runOfPath('/runs/r-1')).toBe('r-1');
    expect(runOfPath('/runs/a%2Fb')).toBe('a/b');
    expect(runOfPath('/runs')).toBeNull();
    expect(runOfPath('/runs/r-1/x')).toBeNull();
    expect(runOfPath('/pipelines/p')).toBeNull();
    expect(runOfPath('/runs/%E0%A4%A')).toBeNull();
  });
});

describe('early requests', () => {
  const early = { token: 't', path: '/runs/r-1', at: 1_000 };

  it('stand for the app’s own only for the same token and page, started less than 5 s ago', () => {
    expect(earlyFits(early, 't', '/runs/r-1', 1_500)).toBe(true);
    expect(earlyFits(early, 'other', '/runs/r-1', 1_500)).toBe(false);
    expect(earlyFits(early, null, '/runs/r-1', 1_500)).toBe(false);
    expect(earlyFits(early, 't', '/runs/r-2', 1_500)).toBe(false);
    expect(earlyFits(early, 't', '/runs/r-1', 1_000 + EARLY_FRESH_MS)).toBe(false);
    expect(earlyFits(early, 't', '/runs/r-1', 999)).toBe(false);
  });
});
