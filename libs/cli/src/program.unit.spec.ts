import { afterAll, describe, expect, it } from 'vitest';
import { resolveApiTarget } from './api/api-target.js';
import { writeDevState } from './api/dev-state.js';
import { cli, removeTempDirs, tempDir } from './program.fixture.js';

afterAll(removeTempDirs);

describe('argument parsing and exit codes', () => {
  it('refuses --params that is not JSON with exit 2 and the parser’s reason', async () => {
    const { code, err } = await cli(['runs', 'trigger', 'search-quality', '--params', '{bad']);
    expect(code).toBe(2);
    expect(err).toContain(
      "error: option '--params <json>' argument '{bad' is invalid. not valid JSON: Expected property name or '}' in JSON at position 1",
    );
  });

  it('refuses --params that is JSON but not an object', async () => {
    const { code, err } = await cli(['runs', 'trigger', 'p', '--params', '["LU"]']);
    expect(code).toBe(2);
    expect(err).toContain(`expected a JSON object like '{"markets":["LU"]}', got an array`);
  });

  it.each([
    [['frobnicate'], "error: unknown command 'frobnicate'"],
    [['runs', 'list', '--bogus'], "error: unknown option '--bogus'"],
    [['runs', 'show'], "error: missing required argument 'runId'"],
    [['runs', 'cancel', 'r1'], "error: required option '--reason <text>' not specified"],
    [
      ['tasks', 'mark', 'r1', 'a', '--state', 'done', '--reason', 'x'],
      "error: option '--state <state>' argument 'done' is invalid",
    ],
    [
      ['pipelines', 'show', 'p', '--version', 'latest'],
      "error: option '--version <n>' argument 'latest' is invalid",
    ],
    [['start', 'scheduler'], "error: command-argument value 'scheduler' is invalid for argument 'service'"],
    [
      ['start', 'planner', '--outbox-retention', 'a week'],
      `error: option '--outbox-retention <duration>' argument 'a week' is invalid. invalid duration "a week"`,
    ],
    [['runs'], 'Usage: tributary runs'],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const { code, err } = await cli(args);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it('refuses --params together with --params-file', async () => {
    const { code, err } = await cli(['runs', 'trigger', 'p', '--params', '{}', '--params-file', 'x.json']);
    expect([code, err.trim()]).toEqual([2, 'error: give --params or --params-file, not both']);
  });

  it('prints help with exit 0, for every level', async () => {
    for (const args of [
      ['--help'],
      ['runs', 'trigger', '--help'],
      ['audit', 'replay', '--help'],
      ['help', 'tasks'],
    ]) {
      const { code, out } = await cli(args);
      expect(code).toBe(0);
      expect(out).toMatch(/^Usage: tributary/);
    }
  });

  it('offers every configuration variable of DESIGN §7 as a flag of start and dev', async () => {
    for (const command of ['start', 'dev']) {
      const { code, out } = await cli([command, '--help']);
      expect(code).toBe(0);
      for (const flag of [
        '--database-url',
        '--nats-url',
        '--nats-creds',
        '--nats-user',
        '--nats-password',
        '--nats-token',
        '--nats-tls-ca',
        '--nats-tls-cert',
        '--nats-tls-key',
        '--subject-prefix',
        '--port',
        '--handlers',
        '--bootstrap-admin-token',
        '--outbox-retention',
        '--planner-adopt-every',
      ]) {
        expect(out, `${command} --help lists ${flag}`).toContain(`${flag} <`);
      }
    }
  });

  it('says where it looked when the api does not answer (exit 1)', async () => {
    const { code, err } = await cli(['runs', 'list'], { TRIBUTARY_API_URL: 'http://127.0.0.1:9' });
    expect(code).toBe(1);
    expect(err).toMatch(/^error: unreachable: cannot reach the api at http:\/\/127.0.0.1:9 \(/);
  });
});

describe('api target', () => {
  it('takes the environment first, then .tributary/dev.json, then the default', () => {
    const dir = tempDir();
    expect(resolveApiTarget({}, dir)).toEqual({
      url: 'http://127.0.0.1:8080',
      token: null,
      source: 'default',
    });
    writeDevState(dir, { apiUrl: 'http://127.0.0.1:4000/', token: 'stored' });
    expect(resolveApiTarget({}, dir)).toEqual({
      url: 'http://127.0.0.1:4000',
      token: 'stored',
      source: '.tributary/dev.json',
    });
    expect(resolveApiTarget({ TRIBUTARY_API_URL: 'http://127.0.0.1:4000' }, dir).token).toBe('stored');
    expect(resolveApiTarget({ TRIBUTARY_API_URL: 'http://elsewhere:1' }, dir).token).toBeNull();
    expect(resolveApiTarget({ TRIBUTARY_API_TOKEN: 'mine' }, dir).token).toBe('mine');
    expect(resolveApiTarget({ TRIBUTARY_API_URL: 'http://x:1', TRIBUTARY_API_TOKEN: 't' }, dir)).toEqual({
      url: 'http://x:1',
      token: 't',
      source: 'environment',
    });
  });

  it('never sends a token to a URL a dev.json names unless it is loopback (issue #10)', async () => {
    const dir = tempDir();
    writeDevState(dir, { apiUrl: 'https://collector.example:443', token: 'stored' });
    expect(() => resolveApiTarget({ TRIBUTARY_API_TOKEN: 'secret' }, dir)).toThrow(
      /points the CLI at https:\/\/collector.example:443, which is not a loopback address;.*nothing was sent/,
    );
    const { code, err } = await cli(['runs', 'list'], { TRIBUTARY_API_TOKEN: 'secret' }, dir);
    expect(code).toBe(1);
    expect(err).toContain('not a loopback address');
    // Its token is not sent to that URL even when the URL is configured the same.
    expect(resolveApiTarget({ TRIBUTARY_API_URL: 'https://collector.example:443' }, dir).token).toBeNull();
    writeDevState(dir, { apiUrl: 'http://[::1]:4000', token: 'stored' });
    expect(resolveApiTarget({}, dir)).toMatchObject({ url: 'http://[::1]:4000', token: 'stored' });
    writeDevState(dir, { apiUrl: 'http://127.0.0.1.nip.io:4000', token: 'stored' });
    expect(() => resolveApiTarget({}, dir)).toThrow(/not a loopback address/);
  });
});
