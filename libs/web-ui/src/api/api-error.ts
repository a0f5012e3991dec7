import { ApiError, apiErrorOf } from '@tributary/api-contract';

export { ApiError };

/** The ApiError of a fetch answer that is not ok (the api's error body, or the status when it has none). */
export async function apiErrorOfResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return apiErrorOf(response.status, body, (status) => `${status} ${response.statusText}`.trim());
}
