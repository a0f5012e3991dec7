import type { ApiError } from '../api/api-error';

export function ErrorNote({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error.describe()}
    </p>
  );
}
