-- The send path reads a customer's consent when it claims a recipient and re-reads it just before the send only if
-- it may have changed since: every change of a contact's consent or last inbound message is announced on this
-- channel (delivered on commit), payload "<channel id> <md5 of the address>"
-- (a fixed size, whatever the address: a payload over 8,000 bytes would fail the transaction).
CREATE OR REPLACE FUNCTION threadline_consent_notify() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.opted_out OR NEW.last_inbound_at IS NOT NULL THEN
      PERFORM pg_notify('threadline_consent', NEW.channel_id::text || ' ' || md5(NEW.address));
    END IF;
  ELSIF NEW.opted_out IS DISTINCT FROM OLD.opted_out OR NEW.last_inbound_at IS DISTINCT FROM OLD.last_inbound_at THEN
    PERFORM pg_notify('threadline_consent', NEW.channel_id::text || ' ' || md5(NEW.address));
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER contact_consent_notify AFTER INSERT OR UPDATE OF opted_out, last_inbound_at ON contact
  FOR EACH ROW EXECUTE FUNCTION threadline_consent_notify();
