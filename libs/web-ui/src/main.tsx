// The early requests (early/early-entry.ts) ran before this bundle: inline in the built page, a module
// script ahead of this one in the dev server (vite.config.ts). Not imported here: in the built page that
// would make this bundle wait for one more file before it may run.
import { StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { Redirect, Route, Switch } from 'wouter';
import { Layout } from './pages/Layout';
import { RunPage } from './pages/RunPage';
import { SessionGate } from './session/SessionGate';
import { lazyNamed } from './ui/lazy';
import './styles.css';

// The run page (its grid) is in this bundle; the other pages are chunks loaded when opened (the pipeline
// page carries the JSON Schema form and ajv).
const RunsPage = lazyNamed(() => import('./pages/RunsPage').then((m) => m.RunsPage));
const PipelinesPage = lazyNamed(() => import('./pages/PipelinesPage').then((m) => m.PipelinesPage));
const PipelinePage = lazyNamed(() => import('./pages/PipelinePage').then((m) => m.PipelinePage));
const loading = <p role="status">Loading…</p>;

// React's API, run by Preact (vite.config.ts aliases react and react-dom to preact/compat); routes by wouter.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionGate>
      <Layout>
        <Switch>
          <Route path="/">
            <Redirect to="/runs" replace />
          </Route>
          <Route path="/runs">
            <Suspense fallback={loading}>
              <RunsPage />
            </Suspense>
          </Route>
          <Route path="/runs/:runId" component={RunPage} />
          <Route path="/pipelines">
            <Suspense fallback={loading}>
              <PipelinesPage />
            </Suspense>
          </Route>
          <Route path="/pipelines/:pipelineId">
            <Suspense fallback={loading}>
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
