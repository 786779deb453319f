-- sellerops schema: where an order's parcel left from and where it goes.
--
-- origin_country and destination_country are ISO 3166-1 alpha-2 codes as
-- the marketplace's order page shows them (the ship-from address or
-- warehouse, and the buyer's address); '' when the page does not say.
-- Claim windows are domestic or international by these two, and only
-- when one is unknown by the shipping service's name.
ALTER TABLE orders ADD COLUMN origin_country TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN destination_country TEXT NOT NULL DEFAULT '';
