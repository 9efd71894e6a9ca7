-- Sample ERP data for the erp-delta local stack (database "erp"), run once
-- right after schema.sql. Deterministic: generate_series and modular
-- arithmetic only, no random(), so every stack starts from the same rows
-- (updated_at excepted: it defaults to now()).
-- Safe to run again: ON CONFLICT DO NOTHING never overwrites existing rows.
--
--   customers     300 rows  C0001..C0300, 60 per sales rep SAL001..SAL005
--   products      150 rows  P0001..P0150, every 17th one inactive
--   stock_levels  401 rows  over warehouses WH01, WH02, WH03

BEGIN;

INSERT INTO customers (code, name, address, city, sales_rep_code, credit_limit)
SELECT
  'C' || lpad(i::text, 4, '0'),
  (ARRAY['Alpine', 'Baltic', 'Cedar', 'Delta', 'Evergreen',
         'Falcon', 'Granite', 'Harbor', 'Ironwood', 'Juniper'])[1 + i % 10]
    || ' ' ||
  (ARRAY['Foods', 'Hardware', 'Pharmacy', 'Bakery', 'Garden Center',
         'Electronics', 'Books', 'Sports', 'Wines', 'Textiles'])[1 + (i / 10) % 10]
    || ' ' ||
  (ARRAY['Ltd', 'GmbH', 'SA'])[1 + (i / 100) % 3],
  (1 + (i * 37) % 240)::text || ' ' ||
  (ARRAY['Main Street', 'Station Road', 'Church Lane', 'Market Square', 'Park Avenue',
         'Mill Road', 'High Street', 'River Walk'])[1 + (i * 7) % 8],
  (ARRAY['Amsterdam', 'Berlin', 'Brussels', 'Copenhagen', 'Dublin', 'Lisbon',
         'Lyon', 'Madrid', 'Milan', 'Munich', 'Prague', 'Vienna'])[1 + (i * 5) % 12],
  'SAL' || lpad((1 + i % 5)::text, 3, '0'),
  (1000 + (i * 7919) % 49000)::numeric(12,2) + ((i * 37) % 100) / 100.0
FROM generate_series(1, 300) AS i
ON CONFLICT (code) DO NOTHING;

INSERT INTO products (code, description, unit_price, active)
SELECT
  'P' || lpad(i::text, 4, '0'),
  (ARRAY['Olive Oil', 'Espresso Beans', 'Basmati Rice', 'Dark Chocolate', 'Green Tea',
         'Tomato Passata', 'Durum Pasta', 'Sea Salt', 'Maple Syrup', 'Peanut Butter',
         'Oat Flakes', 'Red Lentils', 'Wildflower Honey', 'Balsamic Vinegar', 'Sparkling Water'])[1 + i % 15]
    || ' ' ||
  (ARRAY['250 g', '500 g', '1 kg', '2 kg', '5 kg',
         '330 ml', '500 ml', '750 ml', '1 l', '6 x 1 l'])[1 + (i / 15) % 10],
  (0.99 + ((i * 613) % 4000) / 100.0)::numeric(12,2),
  i % 17 <> 0
FROM generate_series(1, 150) AS i
ON CONFLICT (code) DO NOTHING;

-- 150 products x 3 warehouses, minus the 49 pairs where (p + w) % 9 = 0.
INSERT INTO stock_levels (product_code, warehouse_code, quantity)
SELECT
  'P' || lpad(p::text, 4, '0'),
  'WH' || lpad(w::text, 2, '0'),
  (((p * 31 + w * 17) % 500) + ((p * 7 + w * 3) % 1000) / 1000.0)::numeric(12,3)
FROM generate_series(1, 150) AS p
CROSS JOIN generate_series(1, 3) AS w
WHERE (p + w) % 9 <> 0
ON CONFLICT (product_code, warehouse_code) DO NOTHING;

COMMIT;
