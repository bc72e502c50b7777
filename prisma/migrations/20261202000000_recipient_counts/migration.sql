-- CreateTable
CREATE TABLE "campaign_recipient_count" (
    "campaign_id" UUID NOT NULL,
    "status" "RecipientStatus" NOT NULL,
    "recipients" BIGINT NOT NULL DEFAULT 0,
    "rate_limited" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "campaign_recipient_count_pkey" PRIMARY KEY ("campaign_id","status")
);

-- AddForeignKey
ALTER TABLE "campaign_recipient_count" ADD CONSTRAINT "campaign_recipient_count_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Campaign progress reads campaign_recipient_count instead of a GROUP BY over campaign_recipient (a scan at a million
-- recipients). Kept by STATEMENT-level triggers: each INSERT, UPDATE or DELETE on campaign_recipient adds, once per
-- statement, the per-(campaign, status) difference between its transition tables (rows and their
-- rate_limited_count). A send that moves one row costs one small upsert; a batched UPDATE of many rows, or a
-- 100,000-row intake, costs one too. Keys are upserted in a fixed order (campaign_id, status), so two statements
-- moving rows of the same campaign wait for each other instead of deadlocking.
CREATE OR REPLACE FUNCTION threadline_recipient_counts() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO campaign_recipient_count AS c (campaign_id, status, recipients, rate_limited)
    SELECT campaign_id, status, count(*), coalesce(sum(rate_limited_count), 0)
    FROM new_rows GROUP BY campaign_id, status ORDER BY campaign_id, status
    ON CONFLICT (campaign_id, status) DO UPDATE
      SET recipients = c.recipients + EXCLUDED.recipients, rate_limited = c.rate_limited + EXCLUDED.rate_limited;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO campaign_recipient_count AS c (campaign_id, status, recipients, rate_limited)
    SELECT campaign_id, status, sum(n), sum(rl)
    FROM (SELECT campaign_id, status, 1 AS n, rate_limited_count AS rl FROM new_rows
          UNION ALL
          SELECT campaign_id, status, -1, -rate_limited_count FROM old_rows) d
    GROUP BY campaign_id, status HAVING sum(n) <> 0 OR sum(rl) <> 0
    ORDER BY campaign_id, status
    ON CONFLICT (campaign_id, status) DO UPDATE
      SET recipients = c.recipients + EXCLUDED.recipients, rate_limited = c.rate_limited + EXCLUDED.rate_limited;
  ELSE
    -- DELETE (a campaign deleted with its channel): only subtract. The counts rows may already be gone by the same
    -- cascade; re-inserting them would point at a deleted campaign.
    PERFORM 1 FROM campaign_recipient_count c
    WHERE (c.campaign_id, c.status) IN (SELECT DISTINCT campaign_id, status FROM old_rows)
    ORDER BY c.campaign_id, c.status FOR UPDATE;
    UPDATE campaign_recipient_count c SET recipients = c.recipients - d.n, rate_limited = c.rate_limited - d.rl
    FROM (SELECT campaign_id, status, count(*) AS n, coalesce(sum(rate_limited_count), 0) AS rl
          FROM old_rows GROUP BY campaign_id, status) d
    WHERE c.campaign_id = d.campaign_id AND c.status = d.status;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION threadline_recipient_counts_truncate() RETURNS trigger AS $$
BEGIN
  DELETE FROM campaign_recipient_count;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER campaign_recipient_counts_insert AFTER INSERT ON campaign_recipient
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION threadline_recipient_counts();
CREATE TRIGGER campaign_recipient_counts_update AFTER UPDATE ON campaign_recipient
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION threadline_recipient_counts();
CREATE TRIGGER campaign_recipient_counts_delete AFTER DELETE ON campaign_recipient
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION threadline_recipient_counts();
CREATE TRIGGER campaign_recipient_counts_truncate AFTER TRUNCATE ON campaign_recipient
  FOR EACH STATEMENT EXECUTE FUNCTION threadline_recipient_counts_truncate();

-- The rows already there (the triggers above hold a lock on campaign_recipient until this migration commits, so no
-- write falls between the count and the triggers).
INSERT INTO campaign_recipient_count (campaign_id, status, recipients, rate_limited)
SELECT campaign_id, status, count(*), coalesce(sum(rate_limited_count), 0)
FROM campaign_recipient GROUP BY campaign_id, status;

-- Progress's `deferred` (open recipients waiting for their quiet hours to end) reads only the rows that were ever
-- deferred, through this index, instead of every open row of the campaign.
CREATE INDEX campaign_recipient_deferred_idx ON campaign_recipient (campaign_id, not_before)
  WHERE not_before IS NOT NULL AND status IN ('PENDING', 'QUEUED', 'SENDING');
