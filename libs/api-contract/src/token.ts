/** One entry of `GET /tokens`: never the token or its hash. */
export interface TokenView {
  name: string;
  /** viewer, operator or admin (the api's ROLES). */
  role: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** `POST /tokens` body. */
export interface CreateTokenRequest {
  name: string;
  role: string;
  /** A duration (`30d`, `12h`) or an ISO-8601 time; none: the token does not expire. */
  expires?: string;
}

/** `POST /tokens` → 201: the only answer that shows the token. */
export interface CreatedToken {
  token: string;
  name: string;
  role: string;
  expiresAt: string | null;
}

/** `DELETE /tokens/:name`. */
export interface RevokedToken {
  name: string;
  revoked: true;
}
