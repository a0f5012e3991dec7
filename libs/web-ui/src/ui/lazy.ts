import { lazy, type ComponentType } from 'react';

/**
 * A component whose module is a chunk of its own, loaded when it first renders (under a Suspense
 * boundary) or earlier by `preload()`: what the run page's grid does not need stays out of the bundle
 * a cold open must load and compile.
 */
export function lazyNamed<P extends object>(load: () => Promise<ComponentType<P>>) {
  let loading: Promise<{ default: ComponentType<P> }> | undefined;
  const preload = () => (loading ??= load().then((component) => ({ default: component })));
  return Object.assign(lazy(preload), { preload });
}
