/**
 * The judge's relevance heuristic and the ranking metrics.
 *
 * Grades (0–3), judged against the query's intent (what the generator meant
 * the query to ask for) and the product as the catalog knows it:
 *
 *   3  exact       the product matches every attribute the intent names
 *                  (brand, category, colour)
 *   2  relevant    the right kind of product (the category the intent names)
 *                  with the wrong brand or colour
 *   1  marginal    it matches some attribute, but not the category or not
 *                  all of a category-less intent (right brand, wrong colour;
 *                  right colour, wrong category)
 *   0  irrelevant  it matches nothing the intent names
 *
 * A query without intent (free text) is graded on token overlap between the
 * query and the title: every query token in the title → 3, at least half → 2,
 * some → 1, none → 0.
 *
 * nDCG@10 uses gains 2^grade − 1 and log2(rank + 1) discounts; the ideal
 * ranking is the best 10 grades over the *whole market catalog*, so missing a
 * relevant product costs as much as ranking a bad one. Precision@5 is the share
 * of the first five results graded 2 or more (denominator 5).
 */
import type { Product } from './catalog-model.js';
import type { QueryIntent } from './model.js';
import { tokenize } from './text.js';

export const RELEVANT_GRADE = 2;

type Attribute = 'brand' | 'category' | 'color';

function matches(intent: QueryIntent, product: Pick<Product, 'brand' | 'category' | 'color'>, attribute: Attribute): boolean {
  const wanted = intent[attribute];
  const actual = product[attribute];
  return wanted !== undefined && actual !== undefined && wanted.toLowerCase() === actual.toLowerCase();
}

/** The grade of one product for one query (see the table above). */
export function gradeProduct(
  query: { text: string; intent: QueryIntent },
  product: Pick<Product, 'brand' | 'category' | 'color' | 'title'>,
): number {
  const attributes = (['brand', 'category', 'color'] as const).filter((attribute) => query.intent[attribute] !== undefined);
  if (attributes.length === 0) {
    const queryTokens = new Set(tokenize(query.text));
    if (queryTokens.size === 0) return 0;
    const titleTokens = new Set(tokenize(product.title));
    const shared = [...queryTokens].filter((token) => titleTokens.has(token)).length;
    return shared === queryTokens.size ? 3 : shared * 2 >= queryTokens.size ? 2 : shared > 0 ? 1 : 0;
  }
  const matched = attributes.filter((attribute) => matches(query.intent, product, attribute));
  if (matched.length === attributes.length) return 3;
  if (matched.includes('category')) return 2;
  return matched.length > 0 ? 1 : 0;
}

/** Discounted cumulative gain of the first `k` grades. */
export function dcg(grades: readonly number[], k: number): number {
  let total = 0;
  grades.slice(0, k).forEach((grade, i) => {
    total += (2 ** grade - 1) / Math.log2(i + 2);
  });
  return total;
}

/** nDCG@k of `grades` against the ideal ordering of `pool` (every gradable product); 0 when nothing is relevant. */
export function ndcgAt(grades: readonly number[], pool: readonly number[], k: number): number {
  const ideal = dcg([...pool].sort((a, b) => b - a), k);
  return ideal === 0 ? 0 : dcg(grades, k) / ideal;
}

/** Share of the first k results graded relevant (≥ 2), over k. */
export function precisionAt(grades: readonly number[], k: number): number {
  return grades.slice(0, k).filter((grade) => grade >= RELEVANT_GRADE).length / k;
}
