import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { groupCommitMetrics } from '@/infra/batching/group-commit';
import { MetricsService } from '@/infra/metrics/metrics.service';

/**
 * Prometheus metrics of the proactive pipeline. Account ids are labels (a handful); campaigns only while active or
 * recently finished (see EXPORTED_CAMPAIGNS in the sweeper).
 */
@Injectable()
export class DispatchMetrics {
  readonly outcomes: Counter<'account' | 'outcome'>;
  readonly failures: Counter<'account' | 'reason'>;
  readonly rateLimited: Counter<'account'>;
  readonly rateLimitMargin: Gauge<'account'>;
  readonly deferred: Counter<'account'>;
  readonly queueWait: Histogram<'account'>;
  readonly sendLatency: Histogram<'account'>;
  readonly queueJobs: Gauge<'queue' | 'state'>;
  readonly campaignRecipients: Gauge<'campaign' | 'status'>;
  readonly campaignOutcomes: Gauge<'campaign' | 'outcome'>;
  readonly campaignReplyRate: Gauge<'campaign'>;
  readonly stalledCampaigns: Gauge;
  readonly redisResets: Counter;

  constructor(private readonly metrics: MetricsService) {
    this.outcomes = metrics.counter({
      name: 'threadline_dispatch_outcomes_total',
      help: 'Recipients finished by outcome (sent, failed, skipped_opted_out, skipped_window)',
      labelNames: ['account', 'outcome'],
    });
    this.failures = metrics.counter({
      name: 'threadline_dispatch_failures_total',
      help: 'Failed send attempts by reason (transient ones are retried)',
      labelNames: ['account', 'reason'],
    });
    this.rateLimited = metrics.counter({
      name: 'threadline_dispatch_rate_limited_total',
      help: '429 answers from CXone',
      labelNames: ['account'],
    });
    this.rateLimitMargin = metrics.gauge({
      name: 'threadline_dispatch_rate_limit_margin_ms',
      help: "The rate limiter's current margin on each sliding second (ms), widened by 429s and narrowed when quiet",
      labelNames: ['account'],
    });
    this.deferred = metrics.counter({
      name: 'threadline_dispatch_deferred_total',
      help: "Sends deferred because it was quiet hours in the recipient's time zone (each waits for its window)",
      labelNames: ['account'],
    });
    this.queueWait = metrics.histogram({
      name: 'threadline_dispatch_queue_wait_seconds',
      help: 'Time from a send job being queued to its first run',
      labelNames: ['account'],
      // seconds to an hour, fine enough to read a p95 of a campaign's backlog wait from
      buckets: [0.1, 0.5, 1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1200, 1800, 2700, 3600],
    });
    this.sendLatency = metrics.histogram({
      name: 'threadline_dispatch_send_seconds',
      help: 'Time for one send: waiting for a rate slot plus the CXone call',
      labelNames: ['account'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.queueJobs = metrics.gauge({
      name: 'threadline_dispatch_queue_jobs',
      help: 'Jobs in each dispatch queue by state, a batch of first tries counting once (updated by the sweeper)',
      labelNames: ['queue', 'state'],
    });
    this.stalledCampaigns = metrics.gauge({
      name: 'threadline_dispatch_stalled_campaigns',
      help: 'Running campaigns with recipients left and none finished for DISPATCH_STALL_AFTER_MS (alert when > 0)',
    });
    this.redisResets = metrics.counter({
      name: 'threadline_dispatch_redis_resets_total',
      help: 'Times this worker found Redis emptied (restart without persistence, failover, flush) and rebuilt its queues',
    });
    this.campaignRecipients = metrics.gauge({
      name: 'threadline_campaign_recipients',
      help: 'Recipients of running, paused and recently finished campaigns by status (updated by the sweeper)',
      labelNames: ['campaign', 'status'],
    });
    this.campaignOutcomes = metrics.gauge({
      name: 'threadline_campaign_outcomes',
      help: 'What customers did with the alerts of running, paused and recently finished campaigns: replied, opted_out, auto_closed',
      labelNames: ['campaign', 'outcome'],
    });
    this.campaignReplyRate = metrics.gauge({
      name: 'threadline_campaign_reply_rate',
      help: 'Customers who replied over alerts sent, for running, paused and recently finished campaigns',
      labelNames: ['campaign'],
    });
  }

  /** Statements, items and fallbacks of one of the send path's group commits. */
  groupCommit(writer: string): (items: number, fellBack: boolean) => void {
    return groupCommitMetrics(this.metrics, writer);
  }
}
