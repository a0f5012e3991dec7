/** Shapes passed between the stages (all plain JSON). */

export interface QueryIntent {
  brand?: string;
  /** Canonical category key. */
  category?: string;
  /** Canonical colour key. */
  color?: string;
}

export type QueryKind = 'brand+category' | 'category+color' | 'brand+color' | 'brand' | 'misspelled';

export interface TestQuery {
  id: string;
  text: string;
  kind: QueryKind;
  intent: QueryIntent;
}

/** generate-queries → */
export interface GenerateOutput {
  market: string;
  queries: TestQuery[];
}

export interface SearchResult {
  id: string;
  title: string;
  brand: string;
  category: string;
  score: number;
}

/** search → (one per query) */
export interface SearchOutput {
  market: string;
  query: TestQuery;
  results: SearchResult[];
  corrections: { from: string; to: string }[];
}

export interface GradedResult {
  id: string;
  title: string;
  brand: string;
  category: string;
  grade: number;
}

/** judge → (one per search output) */
export interface JudgeOutput {
  market: string;
  queryId: string;
  query: TestQuery;
  grades: GradedResult[];
  ndcgAt10: number;
  precisionAt5: number;
}

export interface EntityMismatch {
  queryId: string;
  text: string;
  queryEntities: string[];
  missingInResults: string[];
  unexpected: string[];
}

/** ner-diff → */
export interface NerDiffOutput {
  market: string;
  queries: number;
  entityMismatches: EntityMismatch[];
  /** Share of (query, top result) pairs whose title omits or contradicts a query entity; null without data. */
  mismatchRate: number | null;
}

export interface WorstQuery {
  queryId: string;
  text: string;
  ndcgAt10: number;
}

/** report → */
export interface MarketReport {
  market: string;
  queries: number;
  meanNdcg: number | null;
  meanPrecisionAt5: number | null;
  brandScores: Record<string, number>;
  worstQueries: WorstQuery[];
  nerMismatchRate: number | null;
}

export type GroupState = 'success' | 'failed';

/** One element of `ctx.upstream.groups` for the consolidation. */
export interface GroupOutcome {
  block: string;
  path: string;
  key: string;
  value: unknown;
  state: GroupState | string;
  outputs: Partial<Record<'generate' | 'retrieve' | 'evaluate' | 'ner-diff' | 'report', unknown>> | null;
}

export interface MarketSummary {
  market: string;
  state: string;
  queries: number | null;
  meanNdcg: number | null;
  meanPrecisionAt5: number | null;
  nerMismatchRate: number | null;
}

export interface LowBrand {
  brand: string;
  markets: string[];
  /** Mean of the brand's nDCG over the markets where it is low. */
  meanNdcg: number;
  /** The brand's nDCG in every market that reported it. */
  scores: Record<string, number>;
}

/** consolidate → */
export interface ConsolidatedReport {
  threshold: number;
  minMarkets: number;
  markets: MarketSummary[];
  lowBrands: LowBrand[];
  partial: boolean;
  failedMarkets: string[];
}
