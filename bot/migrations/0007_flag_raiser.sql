-- Who raised a lead's flag: the member whose checklist answer raised it (NULL for flags the register
-- raised itself, such as a hard line in the partner's name).
ALTER TABLE lead_flags ADD COLUMN raised_by INTEGER;
