/** DI token of the service's Infrastructure (connections, subjects, streams). */
export const INFRASTRUCTURE = Symbol('tributary.infrastructure');
