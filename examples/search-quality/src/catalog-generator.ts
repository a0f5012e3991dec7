/**
 * Generates the demo catalog: a few hundred fashion products per market, titles
 * in the market's language (Greek transliterated), brands shared across markets.
 * Pure and seeded: `generateCatalog(seed)` always returns the same catalog, and
 * `serializeCatalog` the same bytes, which is what `data/catalog.json` holds.
 *
 * Some brands are deliberately *poorly described* in some markets (see
 * POORLY_DESCRIBED): their titles there carry a product code instead of the
 * category and colour, sometimes stuffed with unrelated category words. The
 * pipeline is expected to discover them: their queries score low.
 */
import type { Catalog, LanguageVocabulary, MarketInfo, Product } from './catalog-model.js';
import { createPrng, hashString, type Prng } from './prng.js';

export const CATALOG_SEED = 20240611;
export const CATALOG_GENERATOR = 'examples/search-quality/scripts/generate-catalog.ts';

export const CATEGORIES = ['sneakers', 'boots', 'dress', 'jacket', 'shirt', 'trousers', 'bag', 'socks', 'hat', 'scarf'] as const;
export const COLORS = ['black', 'white', 'red', 'blue', 'green', 'grey', 'beige', 'pink'] as const;

export const MARKETS: Record<string, MarketInfo> = {
  LU: { name: 'Luxembourg', language: 'lb', currency: 'EUR' },
  PT: { name: 'Portugal', language: 'pt', currency: 'EUR' },
  GR: { name: 'Greece', language: 'el', currency: 'EUR' },
  DE: { name: 'Germany', language: 'de', currency: 'EUR' },
  FR: { name: 'France', language: 'fr', currency: 'EUR' },
};

type Words = [string, string, string, string, string, string, string, string, string, string];
type ColorWords = [string, string, string, string, string, string, string, string];

function vocabulary(categories: Words, colors: ColorWords): LanguageVocabulary {
  return {
    categories: Object.fromEntries(CATEGORIES.map((key, i) => [key, categories[i] as string])),
    colors: Object.fromEntries(COLORS.map((key, i) => [key, colors[i] as string])),
  };
}

export const VOCABULARY: Record<string, LanguageVocabulary> = {
  lb: vocabulary(
    ['Turnschlappen', 'Stiwwelen', 'Kleed', 'Jackett', 'Hiem', 'Box', 'Täsch', 'Strëmp', 'Hutt', 'Schal'],
    ['schwaarz', 'wäiss', 'rout', 'blo', 'gréng', 'gro', 'beige', 'rosa'],
  ),
  pt: vocabulary(
    ['Sapatilhas', 'Botas', 'Vestido', 'Casaco', 'Camisa', 'Calças', 'Mala', 'Meias', 'Chapéu', 'Cachecol'],
    ['preto', 'branco', 'vermelho', 'azul', 'verde', 'cinzento', 'bege', 'rosa'],
  ),
  el: vocabulary(
    ['Athlitika', 'Mpotes', 'Forema', 'Mpoufan', 'Poukamiso', 'Pantaloni', 'Tsanta', 'Kaltses', 'Kapelo', 'Kaskol'],
    ['mavro', 'aspro', 'kokkino', 'mple', 'prasino', 'gkri', 'mpez', 'roz'],
  ),
  de: vocabulary(
    ['Sneaker', 'Stiefel', 'Kleid', 'Jacke', 'Hemd', 'Hose', 'Tasche', 'Socken', 'Mütze', 'Schal'],
    ['schwarz', 'weiß', 'rot', 'blau', 'grün', 'grau', 'beige', 'rosa'],
  ),
  fr: vocabulary(
    ['Baskets', 'Bottes', 'Robe', 'Veste', 'Chemise', 'Pantalon', 'Sac', 'Chaussettes', 'Chapeau', 'Écharpe'],
    ['noir', 'blanc', 'rouge', 'bleu', 'vert', 'gris', 'beige', 'rose'],
  ),
};

/** Brand → markets it sells in. Some are everywhere, some regional. */
export const BRANDS: Record<string, readonly string[]> = {
  Aurora: ['LU', 'PT', 'GR', 'DE', 'FR'],
  Borealis: ['LU', 'PT', 'GR', 'DE', 'FR'],
  Cobalt: ['LU', 'PT', 'GR', 'DE', 'FR'],
  Fjord: ['LU', 'PT', 'GR', 'DE', 'FR'],
  Volta: ['LU', 'PT', 'GR', 'DE', 'FR'],
  Kastro: ['PT', 'GR'],
  Olea: ['PT', 'GR'],
  Nordlys: ['LU', 'DE', 'FR'],
  Mosel: ['LU', 'DE'],
  Saudade: ['PT'],
  Meltemi: ['GR'],
  Dune: ['DE', 'FR'],
  'Maison Lumière': ['LU', 'FR'],
};

/**
 * Brand → markets where its listings are poor (code-only titles, no category or
 * colour words, sometimes keyword-stuffed). Volta and Fjord are poor in two
 * markets each (the consolidation should flag them); Kastro only in one.
 */
export const POORLY_DESCRIBED: Record<string, readonly string[]> = {
  Volta: ['PT', 'GR'],
  Fjord: ['LU', 'GR'],
  Kastro: ['GR'],
};

const MODELS = ['Runner', 'Classic', 'Urban', 'Trail', 'Nova', 'Flex', 'Core', 'Pulse', 'Terra', 'Luna', 'Atlas', 'Breeze'];

/** Base price per category (€); each product varies ±40 %. */
const BASE_PRICE: Record<string, number> = {
  sneakers: 89, boots: 129, dress: 69, jacket: 149, shirt: 39, trousers: 59, bag: 79, socks: 12, hat: 25, scarf: 29,
};

/** Titles put the category first in Romance languages and Greek, after the model in German and Luxembourgish. */
const CATEGORY_FIRST = new Set(['pt', 'el', 'fr']);

function title(language: string, parts: { brand: string; model: string; category: string; color: string | null }): string {
  const words = CATEGORY_FIRST.has(language)
    ? [parts.category, parts.brand, parts.model, parts.color]
    : [parts.brand, parts.model, parts.category, parts.color];
  return words.filter((word): word is string => word !== null).join(' ');
}

function poorTitle(prng: Prng, language: string, brand: string, model: string, category: string): string {
  const code = `${brand.slice(0, 2).toUpperCase()}-${prng.int(1000, 9999)}`;
  const words = [brand, model, code];
  if (prng.chance(0.6)) {
    // keyword stuffing: popular words of *other* categories
    const others = CATEGORIES.filter((key) => key !== category);
    const stuffed = prng.shuffle(others).slice(0, 2);
    words.push(...stuffed.map((key) => VOCABULARY[language]?.categories[key] ?? key));
  }
  return words.join(' ');
}

/** Deterministic catalog for `seed`. */
export function generateCatalog(seed: number = CATALOG_SEED): Catalog {
  const brandPrng = createPrng(seed ^ hashString('brands'));
  // every brand makes a fixed subset of categories, the same in every market
  const brandCategories = new Map<string, string[]>();
  for (const brand of Object.keys(BRANDS)) {
    const count = brandPrng.int(4, 6);
    brandCategories.set(brand, brandPrng.shuffle(CATEGORIES).slice(0, count).sort());
  }

  const products: Product[] = [];
  for (const [market, info] of Object.entries(MARKETS)) {
    const prng = createPrng(seed ^ hashString(`market:${market}`));
    const language = info.language;
    const words = VOCABULARY[language];
    if (!words) throw new Error(`no vocabulary for language ${language}`);
    const brands = Object.keys(BRANDS).filter((brand) => BRANDS[brand]?.includes(market));
    const size = prng.int(180, 240);
    for (let n = 1; n <= size; n++) {
      const brand = prng.pick(brands);
      const category = prng.pick(brandCategories.get(brand) ?? CATEGORIES);
      const color = prng.chance(0.9) ? prng.pick(COLORS) : null;
      const model = prng.pick(MODELS);
      const base = BASE_PRICE[category] ?? 50;
      const price = Math.round(base * (0.6 + prng.next() * 0.8) * 100) / 100;
      const poor = POORLY_DESCRIBED[brand]?.includes(market) ?? false;
      const productTitle = poor
        ? poorTitle(prng, language, brand, model, category)
        : title(language, {
            brand,
            model,
            category: words.categories[category] ?? category,
            // a few good listings still forget the colour in the title
            color: color !== null && prng.chance(0.92) ? (words.colors[color] ?? color) : null,
          });
      const product: Product = {
        id: `${market}-${String(n).padStart(4, '0')}`,
        market,
        title: productTitle,
        brand,
        category,
        ...(color !== null ? { color } : {}),
        price,
        language,
      };
      products.push(product);
    }
  }
  return { seed, generator: CATALOG_GENERATOR, markets: MARKETS, vocabulary: VOCABULARY, products };
}

/** The exact bytes of `data/catalog.json`: readable JSON, one product per line (small diffs). */
export function serializeCatalog(catalog: Catalog): string {
  const { products, ...head } = catalog;
  const headJson = JSON.stringify(head, null, 2);
  const productLines = products.map((product) => `    ${JSON.stringify(product)}`).join(',\n');
  return `${headJson.slice(0, -2)},\n  "products": [\n${productLines}\n  ]\n}\n`;
}
