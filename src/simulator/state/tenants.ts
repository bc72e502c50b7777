import { Injectable } from '@nestjs/common';
import { AppConfig } from '@/config';
import { FieldCheck, isObject } from '@/simulator/common/field-check';
import { ControlError } from '@/simulator/common/sim-errors';

/** One simulated CXone tenant: its app registration, its API user's access key and its brand. */
export interface SimTenant {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  accessKeyId: string;
  accessKeySecret: string;
  brandId: number;
  brandName: string;
}

const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The tenants the simulator knows: the development tenant from config.simulator, plus any added through
 * POST /sim/tenants. Each has its own rate-limit state; conversations (channels, threads, contacts) are shared.
 */
@Injectable()
export class TenantRegistry {
  private readonly byId = new Map<string, SimTenant>();
  private readonly byClientId = new Map<string, SimTenant>();
  readonly defaultTenantId: string;

  constructor(config: AppConfig) {
    const sim = config.simulator;
    this.defaultTenantId = sim.tenantId;
    this.put({
      tenantId: sim.tenantId,
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      accessKeyId: sim.accessKeyId,
      accessKeySecret: sim.accessKeySecret,
      brandId: 4501,
      brandName: 'Threadline Dev Brand',
    });
  }

  get(tenantId: string): SimTenant | undefined {
    return this.byId.get(tenantId);
  }

  byClient(clientId: string): SimTenant | undefined {
    return this.byClientId.get(clientId);
  }

  /** A tenant whose access key id is `accessKeyId` (legacy DFO API keys may use it as client_id). */
  byAccessKey(accessKeyId: string): SimTenant | undefined {
    for (const tenant of this.byId.values()) if (tenant.accessKeyId === accessKeyId) return tenant;
    return undefined;
  }

  defaultTenant(): SimTenant {
    return this.byId.get(this.defaultTenantId)!;
  }

  list(): SimTenant[] {
    return [...this.byId.values()];
  }

  /** POST /sim/tenants: adds (or replaces) a tenant; answers whether it was new. */
  upsert(body: unknown): { tenant: SimTenant; created: boolean } {
    if (!isObject(body)) throw new ControlError(400, 'the body must be a JSON object');
    const check = new FieldCheck();
    const fields = ['tenantId', 'clientId', 'clientSecret', 'accessKeyId', 'accessKeySecret'] as const;
    check.noExtraKeys(body, [...fields, 'brandId', 'brandName']);
    const values = Object.fromEntries(fields.map((f) => [f, check.string(body[f], f)])) as Record<
      (typeof fields)[number],
      string | undefined
    >;
    if (values.tenantId !== undefined && !TENANT_ID.test(values.tenantId)) {
      check.add('tenantId', 'tenantId must be 1-64 characters of A-Z, a-z, 0-9, _ or -', 'invalidFormat');
    }
    const brandId = check.optionalNumber(body.brandId, 'brandId', { min: 1, integer: true });
    const brandName = check.optionalString(body.brandName, 'brandName');
    if (!check.ok) throw new ControlError(400, check.errors.map((e) => e.message).join('; '), check.errors);
    const owner = this.byClientId.get(values.clientId!);
    if (owner && owner.tenantId !== values.tenantId) {
      throw new ControlError(409, `clientId ${values.clientId} already belongs to tenant ${owner.tenantId}`);
    }
    const previous = this.byId.get(values.tenantId!);
    const tenant: SimTenant = {
      tenantId: values.tenantId!,
      clientId: values.clientId!,
      clientSecret: values.clientSecret!,
      accessKeyId: values.accessKeyId!,
      accessKeySecret: values.accessKeySecret!,
      brandId: brandId ?? previous?.brandId ?? 4500 + this.byId.size + 1,
      brandName: brandName ?? previous?.brandName ?? `${values.tenantId} brand`,
    };
    if (previous) this.byClientId.delete(previous.clientId);
    this.put(tenant);
    return { tenant, created: !previous };
  }

  /** A tenant as the control API shows it (secrets masked). */
  static describe(tenant: SimTenant): Record<string, unknown> {
    return { ...tenant, clientSecret: '***', accessKeySecret: '***' };
  }

  private put(tenant: SimTenant): void {
    this.byId.set(tenant.tenantId, tenant);
    this.byClientId.set(tenant.clientId, tenant);
  }
}
