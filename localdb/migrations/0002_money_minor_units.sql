-- sellerops schema, version 2: money in each currency's own minor units.
--
-- Version 1 stored every order value multiplied by 100, whatever the
-- currency. ISO 4217 (list one, maintained by SIX) gives each currency its
-- own number of minor-unit digits: none for JPY or KRW, three for KWD, four
-- for CLF. This step rescales what version 1 wrote, currency by currency;
-- two-decimal currencies (USD, EUR, GBP, ...) are already right.
--
-- Orders (declared_value and each item's unit_price) are rescaled. A claim
-- not yet filed whose amount is the order's old value came from the order
-- and is rescaled with it; an amount typed in with `claims edit` in a
-- zero-decimal currency was already read in the right unit and stays. In
-- three- and four-decimal currencies every stored amount was at two digits
-- and is rescaled. A claim already filed keeps the amount it was filed with
-- in zero-decimal currencies: that is what the carrier holds.
--
-- The code lists are ISO 4217's; a test checks them against package money.

-- Drafts taken from the order's old value, in zero-decimal currencies.
UPDATE claims SET amount = amount / 100
WHERE upper(currency) IN ('BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF')
	AND confirmation_number = '' AND state IN ('draft', 'filing')
	AND amount % 100 = 0
	AND EXISTS (SELECT 1 FROM shipments s JOIN orders o ON o.id = s.order_id
		WHERE s.id = claims.shipment_id AND o.declared_value = claims.amount
			AND upper(o.currency) = upper(claims.currency));

-- Every claim amount in three- and four-decimal currencies.
UPDATE claims SET amount = amount * 10, paid_amount = paid_amount * 10
WHERE upper(currency) IN ('BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND');
UPDATE claims SET amount = amount * 100, paid_amount = paid_amount * 100
WHERE upper(currency) IN ('CLF', 'UYW');

-- Orders.
UPDATE orders SET declared_value = declared_value / 100,
	items = (SELECT json_group_array(CASE WHEN json_type(value, '$.unit_price') IN ('integer', 'real')
		THEN json_set(value, '$.unit_price', CAST(json_extract(value, '$.unit_price') AS INTEGER) / 100) ELSE json(value) END)
		FROM json_each(orders.items))
WHERE upper(currency) IN ('BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF');
UPDATE orders SET declared_value = declared_value * 10,
	items = (SELECT json_group_array(CASE WHEN json_type(value, '$.unit_price') IN ('integer', 'real')
		THEN json_set(value, '$.unit_price', CAST(json_extract(value, '$.unit_price') AS INTEGER) * 10) ELSE json(value) END)
		FROM json_each(orders.items))
WHERE upper(currency) IN ('BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND');
UPDATE orders SET declared_value = declared_value * 100,
	items = (SELECT json_group_array(CASE WHEN json_type(value, '$.unit_price') IN ('integer', 'real')
		THEN json_set(value, '$.unit_price', CAST(json_extract(value, '$.unit_price') AS INTEGER) * 100) ELSE json(value) END)
		FROM json_each(orders.items))
WHERE upper(currency) IN ('CLF', 'UYW');
