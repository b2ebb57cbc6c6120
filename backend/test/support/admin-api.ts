import { INestApplication } from '@nestjs/common';
import express from 'express';
import request from 'supertest';
import { ADMIN_KEY, TestApp } from './app';

export const API = '/api/v1';

/** Supertest calls to the admin API carrying the admin key (or another one). */
export function adminApi(t: TestApp, key: string | null = ADMIN_KEY) {
  const withKey = (test: request.Test) =>
    key === null ? test : test.set('Authorization', `Bearer ${key}`);

  return {
    get: (path: string) => withKey(request(t.url).get(`${API}${path}`)),
    post: (path: string, body?: object) => withKey(request(t.url).post(`${API}${path}`)).send(body),
    patch: (path: string, body?: object) =>
      withKey(request(t.url).patch(`${API}${path}`)).send(body),
    delete: (path: string) => withKey(request(t.url).delete(`${API}${path}`)),
  };
}

export interface RouteInfo {
  method: string;
  path: string;
}

/** Every route the running app serves, read from Express's router. */
export function registeredRoutes(app: INestApplication): RouteInfo[] {
  const server = app.getHttpAdapter().getInstance() as express.Express & {
    router?: { stack: Layer[] };
    _router?: { stack: Layer[] };
  };
  const stack = (server.router ?? server._router)?.stack ?? [];
  const routes: RouteInfo[] = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const method of Object.keys(layer.route.methods).filter(
      (name) => layer.route!.methods[name],
    )) {
      routes.push({ method: method.toUpperCase(), path: layer.route.path });
    }
  }

  return routes;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Fills path parameters with harmless values: `/rules/:id` → `/rules/1`. */
export function concretePath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, (_, name: string) =>
    name === 'id' ? '1' : `sample-${name}`,
  );
}
