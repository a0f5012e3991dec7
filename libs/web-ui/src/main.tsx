import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { Redirect, Route, Switch } from 'wouter';
import { Layout } from './pages/Layout';
import { PipelinesPage } from './pages/PipelinesPage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { SessionGate } from './session/SessionGate';
import './styles.css';

// The pipeline page carries the JSON Schema form (ajv): loaded when opened, so the run pages start small.
const PipelinePage = lazy(() => import('./pages/PipelinePage').then((m) => ({ default: m.PipelinePage })));

// React's API, run by Preact (vite.config.ts aliases react and react-dom to preact/compat); routes by wouter.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionGate>
      <Layout>
        <Switch>
          <Route path="/">
            <Redirect to="/runs" replace />
          </Route>
          <Route path="/runs" component={RunsPage} />
          <Route path="/runs/:runId" component={RunPage} />
          <Route path="/pipelines" component={PipelinesPage} />
          <Route path="/pipelines/:pipelineId">
            <Suspense fallback={<p role="status">Loading…</p>}>
              <PipelinePage />
            </Suspense>
          </Route>
          <Route>
            <p role="alert">
              No such page. <a href="/runs">Runs</a>
            </p>
          </Route>
        </Switch>
      </Layout>
    </SessionGate>
  </StrictMode>,
);
