/**
 * Writes data/catalog.json from the seeded generator (src/catalog-generator.ts).
 *   npx tsx scripts/generate-catalog.ts            # (re)write the file
 *   npx tsx scripts/generate-catalog.ts --check    # exit 1 when the file is stale
 *   npx tsx scripts/generate-catalog.ts --seed 7   # another catalog (tests expect the default seed)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CATALOG_SEED, generateCatalog, serializeCatalog } from '../src/catalog-generator.js';

const args = process.argv.slice(2);
const seedFlag = args.indexOf('--seed');
const seed = seedFlag >= 0 ? Number(args[seedFlag + 1]) : CATALOG_SEED;
if (!Number.isInteger(seed)) throw new Error('--seed takes an integer');
const target = new URL('../data/catalog.json', import.meta.url);
const text = serializeCatalog(generateCatalog(seed));

if (args.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    console.error('data/catalog.json is stale: run npx tsx scripts/generate-catalog.ts');
    process.exit(1);
  }
  console.log('data/catalog.json is up to date');
} else {
  writeFileSync(target, text);
  const catalog = JSON.parse(text) as { products: { market: string }[] };
  const counts = new Map<string, number>();
  for (const product of catalog.products) counts.set(product.market, (counts.get(product.market) ?? 0) + 1);
  console.log(`wrote data/catalog.json (seed ${seed}): ${[...counts].map(([market, n]) => `${market} ${n}`).join(', ')}`);
}
