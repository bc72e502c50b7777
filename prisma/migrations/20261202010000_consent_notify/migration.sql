-- The send path reads a customer's consent when it claims a recipient and re-reads it just before the send only if
-- it may have changed since: every change of a contact's opt-out is announced on this channel (delivered on commit),
-- payload "<channel id> <md5 of the address>" (a fixed size, whatever the address: a payload over 8,000 bytes would
-- fail the transaction). Only opt-out changes: a transaction that notifies takes PostgreSQL's notification queue lock
-- at commit, which would serialise every customer message (each moves last_inbound_at); a WhatsApp window that opens
-- between the claim and the send is seen at the customer's next send instead.
CREATE OR REPLACE FUNCTION threadline_consent_notify() RETURNS trigger AS $$
BEGIN
  IF (TG_OP = 'INSERT' AND NEW.opted_out) OR (TG_OP = 'UPDATE' AND NEW.opted_out IS DISTINCT FROM OLD.opted_out) THEN
    PERFORM pg_notify('threadline_consent', NEW.channel_id::text || ' ' || md5(NEW.address));
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER contact_consent_notify AFTER INSERT OR UPDATE OF opted_out ON contact
  FOR EACH ROW EXECUTE FUNCTION threadline_consent_notify();
