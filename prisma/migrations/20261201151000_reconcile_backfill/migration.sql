-- Reconciliation: open proactive threads recorded before it existed are read back too (due now; the worker then
-- schedules each by its age). Data only, no schema change.
UPDATE "thread" SET "reconcile_at" = now()
WHERE "origin" = 'PROACTIVE' AND "status" IN ('AWAITING_REPLY', 'OPEN') AND "reconcile_at" IS NULL;
