-- Reconciliation's due threads, by channel, in the order they came due. A round runs every second; with the index on
-- (status, reconcile_at) it asked for the accounts with a due thread and for the account's most overdue ones by
-- reading every due thread (joined to its channel, then sorted): 20 and 30 ms a round at 40,000 sent alerts, growing
-- with every alert sent. Now each is one probe, or a read of as many rows as it claims, per channel. Only threads
-- reconciliation can pick enter the index (open proactive threads with a next read due); the queries name the same
-- condition (threads.repository.ts, reconcileDue).

DROP INDEX "thread_reconcile_due_idx";
CREATE INDEX "thread_reconcile_due_idx" ON "thread" ("channel_id", "reconcile_at", "created_at" DESC)
  WHERE "reconcile_at" IS NOT NULL AND "origin" = 'PROACTIVE' AND "status" IN ('AWAITING_REPLY', 'REPLIED', 'OPEN');
