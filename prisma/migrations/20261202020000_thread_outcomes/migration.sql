-- CreateTable
CREATE TABLE "campaign_thread_outcome" (
    "campaign_id" UUID NOT NULL,
    "replied" BIGINT NOT NULL DEFAULT 0,
    "opted_out" BIGINT NOT NULL DEFAULT 0,
    "auto_closed" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "campaign_thread_outcome_pkey" PRIMARY KEY ("campaign_id")
);

-- AddForeignKey
ALTER TABLE "campaign_thread_outcome" ADD CONSTRAINT "campaign_thread_outcome_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;



-- Campaign progress reads campaign_thread_outcome instead of a GROUP BY over thread (a scan at a million sent
-- alerts). A thread's outcome: answered (first_reply_at set), opted out by a message on it (opted_out_at set),
-- auto-closed unanswered (CLOSED with close_reason UNANSWERED). Kept by ROW-level triggers whose WHEN clause lets
-- them fire only when one of those columns (or the campaign) changes, so the send path's inserts and the frequent
-- updates of other columns (reconciliation leases, activity times) cost nothing: a thread is inserted with no
-- outcome, and a statement-level trigger would capture transition tables for every update of thread.
CREATE OR REPLACE FUNCTION threadline_thread_outcomes() RETURNS trigger AS $$
DECLARE
  old_replied int := 0; old_opted int := 0; old_auto int := 0;
  new_replied int := 0; new_opted int := 0; new_auto int := 0;
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.campaign_id IS NOT NULL THEN
    old_replied := (OLD.first_reply_at IS NOT NULL)::int;
    old_opted := (OLD.opted_out_at IS NOT NULL)::int;
    old_auto := coalesce(OLD.status = 'CLOSED' AND OLD.close_reason = 'UNANSWERED', false)::int;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.campaign_id IS NOT NULL THEN
    new_replied := (NEW.first_reply_at IS NOT NULL)::int;
    new_opted := (NEW.opted_out_at IS NOT NULL)::int;
    new_auto := coalesce(NEW.status = 'CLOSED' AND NEW.close_reason = 'UNANSWERED', false)::int;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.campaign_id IS NOT DISTINCT FROM NEW.campaign_id THEN
    IF (new_replied, new_opted, new_auto) = (old_replied, old_opted, old_auto) THEN
      RETURN NULL;
    END IF;
    INSERT INTO campaign_thread_outcome AS c (campaign_id, replied, opted_out, auto_closed)
    VALUES (NEW.campaign_id, new_replied - old_replied, new_opted - old_opted, new_auto - old_auto)
    ON CONFLICT (campaign_id) DO UPDATE SET replied = c.replied + EXCLUDED.replied,
      opted_out = c.opted_out + EXCLUDED.opted_out, auto_closed = c.auto_closed + EXCLUDED.auto_closed;
    RETURN NULL;
  END IF;
  -- A thread that leaves its campaign (deleted, or the campaign deleted: SET NULL) only subtracts; the campaign's
  -- row may already be gone with it, and re-inserting it would point at a deleted campaign.
  IF TG_OP <> 'INSERT' AND OLD.campaign_id IS NOT NULL AND old_replied + old_opted + old_auto > 0 THEN
    UPDATE campaign_thread_outcome c SET replied = c.replied - old_replied, opted_out = c.opted_out - old_opted,
      auto_closed = c.auto_closed - old_auto
    WHERE c.campaign_id = OLD.campaign_id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.campaign_id IS NOT NULL AND new_replied + new_opted + new_auto > 0 THEN
    INSERT INTO campaign_thread_outcome AS c (campaign_id, replied, opted_out, auto_closed)
    VALUES (NEW.campaign_id, new_replied, new_opted, new_auto)
    ON CONFLICT (campaign_id) DO UPDATE SET replied = c.replied + EXCLUDED.replied,
      opted_out = c.opted_out + EXCLUDED.opted_out, auto_closed = c.auto_closed + EXCLUDED.auto_closed;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION threadline_thread_outcomes_truncate() RETURNS trigger AS $$
BEGIN
  DELETE FROM campaign_thread_outcome;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER thread_outcomes_insert AFTER INSERT ON thread FOR EACH ROW
  WHEN (NEW.campaign_id IS NOT NULL
        AND (NEW.first_reply_at IS NOT NULL OR NEW.opted_out_at IS NOT NULL OR NEW.close_reason = 'UNANSWERED'))
  EXECUTE FUNCTION threadline_thread_outcomes();
CREATE TRIGGER thread_outcomes_update AFTER UPDATE ON thread FOR EACH ROW
  WHEN (OLD.campaign_id IS DISTINCT FROM NEW.campaign_id OR OLD.first_reply_at IS DISTINCT FROM NEW.first_reply_at
        OR OLD.opted_out_at IS DISTINCT FROM NEW.opted_out_at OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.close_reason IS DISTINCT FROM NEW.close_reason)
  EXECUTE FUNCTION threadline_thread_outcomes();
CREATE TRIGGER thread_outcomes_delete AFTER DELETE ON thread FOR EACH ROW
  WHEN (OLD.campaign_id IS NOT NULL
        AND (OLD.first_reply_at IS NOT NULL OR OLD.opted_out_at IS NOT NULL OR OLD.close_reason = 'UNANSWERED'))
  EXECUTE FUNCTION threadline_thread_outcomes();
CREATE TRIGGER thread_outcomes_truncate AFTER TRUNCATE ON thread
  FOR EACH STATEMENT EXECUTE FUNCTION threadline_thread_outcomes_truncate();

-- The threads already there (the triggers above hold a lock on thread until this migration commits, so no write
-- falls between the count and the triggers).
INSERT INTO campaign_thread_outcome (campaign_id, replied, opted_out, auto_closed)
SELECT campaign_id, count(*) FILTER (WHERE first_reply_at IS NOT NULL), count(*) FILTER (WHERE opted_out_at IS NOT NULL),
  count(*) FILTER (WHERE status = 'CLOSED' AND close_reason = 'UNANSWERED')
FROM thread WHERE campaign_id IS NOT NULL
GROUP BY campaign_id;
