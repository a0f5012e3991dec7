/** One entry of `GET /runs`, newest first. */
export interface RunSummary {
  id: string;
  pipeline: string;
  version: number;
  state: string;
  createdAt: string;
  finishedAt: string | null;
}
