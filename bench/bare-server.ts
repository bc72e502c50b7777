/**
 * The baseline of the byoc benchmark: a bare Fastify server (the version Nest's Fastify adapter runs on) with one
 * POST route that parses the JSON body and answers `{}`. No Nest, no guards, no logging, no database. Prints
 * "listening on <url>" like the service, so BenchStack can start it.
 */
import Fastify from 'fastify';

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  app.post('/bare', (_request, reply) => reply.send({}));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`bare fastify listening on ${url}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
