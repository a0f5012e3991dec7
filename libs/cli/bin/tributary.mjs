#!/usr/bin/env node
// The `tributary` command. npm links a package's bin at install time, before anything is built, and
// skips a bin whose file does not exist yet: this launcher is committed, the CLI it runs is built.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('tributary: the CLI is not built yet; run `npm run build` at the repository root\n');
  process.exit(1);
}
await import(main.href);
