/**
 * The module an executor host loads (`TRIBUTARY_HANDLERS=@tributary/example-search-quality`
 * or the path of dist/handlers.js): every handler of the search-quality pipeline.
 */
import { consolidateHandler } from './consolidate.handler.js';
import { generateQueriesHandler } from './generate-queries.handler.js';
import { judgeHandler } from './judge.handler.js';
import { nerDiffHandler } from './ner-diff.handler.js';
import { reportHandler } from './report.handler.js';
import { searchHandler } from './search.handler.js';

export { consolidateHandler, generateQueriesHandler, judgeHandler, nerDiffHandler, reportHandler, searchHandler };
export { formatConsolidatedReport } from './format-report.js';
export type * from './model.js';

/** All handlers, in pipeline order. */
export const handlers = [generateQueriesHandler, searchHandler, judgeHandler, nerDiffHandler, reportHandler, consolidateHandler];

export default handlers;
