import Form from '@rjsf/core';
import type { RJSFSchema } from '@rjsf/utils';
import type { TriggerAccepted } from '@tributary/api-contract';
import validator from '@rjsf/validator-ajv8';
import { useState } from 'react';
import { useLocation } from 'wouter';
import { ApiError } from '../api/api-error';
import { useSession } from '../session/session';
import { paramsUiSchema } from './params-ui-schema';

/**
 * A run's params as a form generated from the pipeline's params JSON Schema (react-jsonschema-form, the
 * schema the api validates against too), with the optional idempotency key; `POST /pipelines/:id/runs`,
 * then the new run's page.
 */
export function TriggerForm({ pipelineId, schema }: { pipelineId: string; schema: RJSFSchema }) {
  const { client } = useSession();
  const [, navigate] = useLocation();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function trigger(params: unknown) {
    setBusy(true);
    setError(null);
    try {
      const { runId } = await client.post<TriggerAccepted>(
        `/pipelines/${encodeURIComponent(pipelineId)}/runs`,
        {
          params,
          ...(key.trim() ? { idempotencyKey: key.trim() } : {}),
        },
      );
      navigate(`/runs/${runId}`);
    } catch (e) {
      setError(e instanceof ApiError ? e.describe() : String(e));
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="trigger-title" className="trigger">
      <h2 id="trigger-title">Trigger a run</h2>
      <Form
        schema={schema}
        uiSchema={paramsUiSchema(schema)}
        validator={validator}
        onSubmit={({ formData }) => void trigger(formData ?? {})}
        disabled={busy}
      >
        <label htmlFor="idempotency-key">
          Idempotency key (optional: the same key never starts a second run)
        </label>
        <input id="idempotency-key" value={key} onChange={(e) => setKey(e.target.value)} maxLength={256} />
        <button type="submit" className="primary" disabled={busy}>
          Trigger
        </button>
      </Form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
