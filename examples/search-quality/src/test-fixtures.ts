/** A hand-written six-product catalog for unit tests (market XX, Portuguese words; market YY as a neighbour). */
import type { Catalog, Product } from './catalog-model.js';
import { VOCABULARY } from './catalog-generator.js';

const product = (id: string, title: string, brand: string, category: string, color?: string, market = 'XX'): Product => ({
  id,
  market,
  title,
  brand,
  category,
  ...(color ? { color } : {}),
  price: 10,
  language: 'pt',
});

export function fixtureCatalog(): Catalog {
  return {
    seed: 1,
    generator: 'test-fixtures.ts',
    markets: {
      XX: { name: 'Fixture', language: 'pt', currency: 'EUR' },
      YY: { name: 'Neighbour', language: 'pt', currency: 'EUR' },
    },
    vocabulary: { pt: VOCABULARY.pt as Catalog['vocabulary'][string] },
    products: [
      product('XX-0001', 'Sapatilhas Aurora Runner vermelho', 'Aurora', 'sneakers', 'red'),
      product('XX-0002', 'Sapatilhas Borealis Flex azul', 'Borealis', 'sneakers', 'blue'),
      product('XX-0003', 'Mala Aurora Nova preto', 'Aurora', 'bag', 'black'),
      // poorly described: a code instead of the category and colour, stuffed with another category word
      product('XX-0004', 'Volta Core VO-1234 Vestido', 'Volta', 'sneakers', 'red'),
      product('XX-0005', 'Vestido Borealis Luna vermelho', 'Borealis', 'dress', 'red'),
      product('XX-0006', 'Casaco Aurora Trail', 'Aurora', 'jacket'),
      product('YY-0001', 'Sapatilhas Aurora Runner vermelho', 'Aurora', 'sneakers', 'red', 'YY'),
    ],
  };
}
