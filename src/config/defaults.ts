/** Defaults that let Threadline start on a machine with PostgreSQL and Redis on localhost and nothing else. */
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/threadline';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
