import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { Layout } from './pages/Layout';
import { PipelinesPage } from './pages/PipelinesPage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { SessionGate } from './session/SessionGate';
import './styles.css';

// The pipeline page carries the JSON Schema form (ajv): loaded when opened, so the run pages start small.
const PipelinePage = lazy(() => import('./pages/PipelinePage').then((m) => ({ default: m.PipelinePage })));

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <Navigate to="/runs" replace /> },
      { path: '/runs', element: <RunsPage /> },
      { path: '/runs/:runId', element: <RunPage /> },
      { path: '/pipelines', element: <PipelinesPage /> },
      {
        path: '/pipelines/:pipelineId',
        element: (
          <Suspense fallback={<p role="status">Loading…</p>}>
            <PipelinePage />
          </Suspense>
        ),
      },
      {
        path: '*',
        element: (
          <p role="alert">
            No such page. <a href="/runs">Runs</a>
          </p>
        ),
      },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionGate>
      <RouterProvider router={router} />
    </SessionGate>
  </StrictMode>,
);
