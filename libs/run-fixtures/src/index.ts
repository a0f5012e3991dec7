export * from './recorded-run.js';
