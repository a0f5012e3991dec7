import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, type ModulesContainer } from '@nestjs/core';
import { MIN_ROLE, type Role } from '../auth/principal.js';

/** One route Nest serves, read from its controllers' metadata. */
export interface NestRoute {
  /** `GET`, `POST`, ... */
  method: string;
  /** The full path with Express's parameters: `/api/v1/runs/:id`. */
  path: string;
  /** The least role the auth guard lets in (admin when the route and its controller name none). */
  minRole: Role | 'public';
  /** The handler method, which carries the route's own metadata. */
  handler: object;
  controller: new (...args: never[]) => object;
}

const join = (...parts: (string | undefined)[]): string =>
  `/${parts
    .flatMap((p) => (p ?? '').split('/'))
    .filter(Boolean)
    .join('/')}`;

/** Every route of every controller of the live app, the way the auth guard and the router see them. */
export function nestRoutes(container: ModulesContainer, prefix: string): NestRoute[] {
  const scanner = new MetadataScanner();
  const routes: NestRoute[] = [];
  for (const module of container.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as NestRoute['controller'] | null;
      if (!controller) continue;
      const base = Reflect.getMetadata(PATH_METADATA, controller) as string | undefined;
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as object;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        const minRole =
          (Reflect.getMetadata(MIN_ROLE, handler) as Role | 'public' | undefined) ??
          (Reflect.getMetadata(MIN_ROLE, controller) as Role | 'public' | undefined) ??
          'admin';
        routes.push({
          method: RequestMethod[method],
          path: join(prefix, base, path),
          minRole,
          handler,
          controller,
        });
      }
    }
  }
  return routes;
}
