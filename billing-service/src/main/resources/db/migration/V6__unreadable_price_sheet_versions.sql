-- A price sheet version whose day has a year past 9999 (or before 0001) was stored by a PUT that then answered 500:
-- the day parser took '+10000-01-01', PostgreSQL kept it, and the database client cannot read such a date back, so
-- every read that priced anything (the price sheet, usage details, invoices, estimates) failed from then on. The API
-- now refuses such a day (400 naming properties.effectiveFrom); a version stored before that is removed here: no
-- read ever succeeded with it, and its PUT was answered as failed.
DELETE FROM price_sheet_version WHERE effective_from > DATE '9999-12-31' OR effective_from < DATE '0001-01-01';
