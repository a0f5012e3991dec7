/** `GET /session`: who the bearer token is, its role, and where trace ids link to. */
export interface SessionBody {
  name: string;
  /** viewer, operator or admin (the api's ROLES). */
  role: string;
  /** A template with `{traceId}` (TRIBUTARY_TRACE_URL); null when unset. */
  traceUrl: string | null;
}
