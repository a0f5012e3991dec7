/**
 * Dictionary-based named-entity recognition for one market: brands from the
 * catalog, category and colour words from the market language's vocabulary.
 * Entities are written `type:value` with canonical values: `brand:Aurora`,
 * `category:sneakers`, `color:red`.
 */
import type { Catalog } from './catalog-model.js';
import { marketCatalog, memoByCatalog } from './catalog.js';
import { editDistance, normalize, tokenize } from './text.js';

export type EntityType = 'brand' | 'category' | 'color';

export interface Gazetteer {
  market: string;
  /** Normalised phrase (one or more tokens joined by a space) → entity. */
  phrases: Map<string, string>;
  /** Longest phrase, in tokens. */
  maxTokens: number;
}

/** Fuzzy matching (one edit) only for words this long, so short words never collide. */
const FUZZY_MIN_LENGTH = 5;

export function buildGazetteer(catalog: Catalog, market: string): Gazetteer {
  const slice = marketCatalog(catalog, market);
  const phrases = new Map<string, string>();
  const add = (phrase: string, entity: string): void => {
    const key = tokenize(phrase).join(' ');
    if (key && !phrases.has(key)) phrases.set(key, entity);
  };
  for (const brand of [...new Set(slice.products.map((product) => product.brand))].sort()) add(brand, `brand:${brand}`);
  for (const [key, word] of Object.entries(slice.vocabulary.categories)) add(word, `category:${key}`);
  for (const [key, word] of Object.entries(slice.vocabulary.colors)) add(word, `color:${key}`);
  const maxTokens = Math.max(1, ...[...phrases.keys()].map((phrase) => phrase.split(' ').length));
  return { market, phrases, maxTokens };
}

/** The market's gazetteer over the given catalog, cached for the life of the process. */
export const marketGazetteer = memoByCatalog(buildGazetteer);

export function entityType(entity: string): EntityType {
  return entity.slice(0, entity.indexOf(':')) as EntityType;
}

/**
 * Entities in `text`, in order of first appearance, without duplicates.
 * Longest phrase wins; with `fuzzy`, a word of 5+ letters one edit away from a
 * single-word entry also counts (queries have typos, titles should not).
 */
export function recognize(gazetteer: Gazetteer, text: string, options: { fuzzy?: boolean } = {}): string[] {
  const tokens = tokenize(normalize(text));
  const found: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    let matched = 0;
    for (let n = Math.min(gazetteer.maxTokens, tokens.length - i); n >= 1; n--) {
      const entity = gazetteer.phrases.get(tokens.slice(i, i + n).join(' '));
      if (entity) {
        if (!found.includes(entity)) found.push(entity);
        matched = n;
        break;
      }
    }
    if (matched === 0 && options.fuzzy) {
      const token = tokens[i] as string;
      if (token.length >= FUZZY_MIN_LENGTH) {
        const candidates = [...gazetteer.phrases]
          .filter(([phrase]) => !phrase.includes(' ') && phrase.length >= FUZZY_MIN_LENGTH && editDistance(token, phrase, 1) <= 1)
          .map(([, entity]) => entity)
          .sort();
        const entity = candidates[0];
        if (entity && !found.includes(entity)) found.push(entity);
      }
    }
    i += Math.max(matched, 1);
  }
  return found;
}
