-- Workers keep campaign statuses in memory for the check before each send; every change of a campaign's status is
-- announced on this channel (delivered on commit), so a pause or cancel reaches them at once.
CREATE OR REPLACE FUNCTION threadline_campaign_status_notify() RETURNS trigger AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    PERFORM pg_notify('threadline_campaign_status', NEW.id::text || ' ' || NEW.status::text);
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER campaign_status_notify AFTER UPDATE OF status ON campaign
  FOR EACH ROW EXECUTE FUNCTION threadline_campaign_status_notify();
