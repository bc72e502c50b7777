-- Fewer index writes per send. Every send inserts a thread and a message and moves its recipient row three times
-- (PENDING → QUEUED → SENDING → SENT; each move changes indexed columns, so each writes a new entry into every index
-- of the row). Indexes that serve one periodic job now hold only the rows that job can pick (partial indexes), so a
-- proactive thread or an alert message never enters the BYOC idle-chat or inbound-relay indexes, and a recipient
-- leaves the stuck-row index when it is sent. The queries each one serves name the same condition, so the planner
-- keeps using them. thread (status, last_activity_at) served no query and is dropped.

DROP INDEX "thread_status_last_activity_at_idx";

DROP INDEX "thread_status_idle_prompt_at_idx";
CREATE INDEX "thread_idle_prompt_due_idx" ON "thread" ("status", "idle_prompt_at") WHERE "idle_prompt_at" IS NOT NULL;

DROP INDEX "thread_status_idle_end_at_idx";
CREATE INDEX "thread_idle_end_due_idx" ON "thread" ("status", "idle_end_at") WHERE "idle_end_at" IS NOT NULL;

DROP INDEX "thread_status_auto_close_at_idx";
CREATE INDEX "thread_auto_close_due_idx" ON "thread" ("status", "auto_close_at") WHERE "auto_close_at" IS NOT NULL;

DROP INDEX "thread_status_reconcile_at_idx";
CREATE INDEX "thread_reconcile_due_idx" ON "thread" ("status", "reconcile_at") WHERE "reconcile_at" IS NOT NULL;

-- Repeated-message check (customer messages only: only they carry a content hash).
DROP INDEX "message_thread_id_content_hash_idx";
CREATE INDEX "message_repeat_check_idx" ON "message" ("thread_id", "content_hash") WHERE "content_hash" IS NOT NULL;

-- Customer messages stored but not relayed yet (the sweeper's stale-relay check).
DROP INDEX "message_status_updated_at_idx";
CREATE INDEX "message_relay_pending_idx" ON "message" ("updated_at")
  WHERE "direction" = 'INBOUND' AND "status" IN ('RECEIVED', 'QUEUED');

-- Open recipients untouched for a while (the sweeper's lost-dispatch and lost-job checks).
DROP INDEX "campaign_recipient_status_updated_at_idx";
CREATE INDEX "campaign_recipient_open_updated_idx" ON "campaign_recipient" ("status", "updated_at")
  WHERE "status" IN ('PENDING', 'QUEUED', 'SENDING');
