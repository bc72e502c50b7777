import type { Client } from 'pg';
import type { PrismaService } from '@/infra/prisma/prisma.service';

/** A node of EXPLAIN (ANALYZE, FORMAT JSON)'s plan. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

type ExplainRow = { 'QUERY PLAN': Array<{ Plan: PlanNode }> };

/** Rows of `table` the plan's scans read (returned or filtered out), over all their loops. */
export function rowsRead(node: PlanNode, table: string): number {
  const own =
    node['Relation Name'] === table && /Scan/.test(node['Node Type'])
      ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) *
        node['Actual Loops']
      : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child, table), 0);
}

/**
 * A PrismaService for a repository whose statements run under EXPLAIN ANALYZE on `client` (inside the caller's
 * transaction, which it rolls back), their plans collected in `plans`; every statement answers no rows.
 * `generic`: a prepared (named) statement runs with the generic plan PostgreSQL may settle on after five runs.
 */
export function explainingPrisma(
  client: Client,
  plans: PlanNode[],
  options: { generic?: boolean } = {},
): PrismaService {
  const explain = async (sql: string, params: unknown[], name?: string): Promise<PlanNode> => {
    if (!options.generic || !name) {
      const { rows } = await client.query<ExplainRow>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      return rows[0]['QUERY PLAN'][0].Plan;
    }
    await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
    await client.query(`PREPARE "${name}" AS ${sql}`);
    try {
      // (EXECUTE takes no bound parameters: the values go in as literals, typed by the prepared statement)
      const literal = (v: unknown): string =>
        client.escapeLiteral(
          Array.isArray(v) ? `{${v.map((x) => `"${String(x).replace(/["\\]/g, '\\$&')}"`).join(',')}}` : String(v),
        );
      const { rows } = await client.query<ExplainRow>(
        `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE "${name}"(${params.map(literal).join(', ')})`,
      );
      return rows[0]['QUERY PLAN'][0].Plan;
    } finally {
      await client.query(`DEALLOCATE "${name}"`);
    }
  };
  return {
    pool: {
      query: async (query: string | { text: string; values: unknown[]; name?: string }, params?: unknown[]) => {
        plans.push(
          typeof query === 'string'
            ? await explain(query, params ?? [])
            : await explain(query.text, query.values, query.name),
        );
        return { rows: [] };
      },
    },
  } as unknown as PrismaService;
}

/** Fails naming each statement that read more rows of `table` than its bound. */
export function expectReadsAtMost(table: string, reads: Record<string, [plan: PlanNode, most: number]>): void {
  const over = Object.entries(reads)
    .map(([statement, [plan, most]]) => ({ statement, read: rowsRead(plan, table), most }))
    .filter((r) => r.read > r.most);
  expect(over).toEqual([]);
}
